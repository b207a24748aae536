/** Receive-side scaling: flows hashed to queues, each queue's IRQ on its own CPU. */
import { rssQueue } from "../devices/rss.js";
import { argmax, round, type Lesson } from "./lesson.js";

const QUEUES = 4;

export const rssMultiqueue: Lesson = {
  name: "rss-multiqueue",
  title: "RSS and per-queue IRQ affinity",
  summary: "four queues, four MSI-X vectors: how flows spread over CPUs, and moving one queue's affinity",
  setup(d) {
    const flows = d.pick("flows", [1, 2, 3, 5, 8, 64]);
    const moveAt = d.pick("move_ms", [1, 2, 4]);
    const ms = 5;
    const rate = 200_000;
    const perQueue = [0, 0, 0, 0];
    for (let f = 0; f < flows; f++) perQueue[rssQueue(f, QUEUES)]!++;
    const share = perQueue.map((n) => n / flows);
    const packets = rate * ms * 1e-3;
    const cpu = [share[0]! + (share[3]! * (ms - moveAt)) / ms, share[1]!, share[2]!, (share[3]! * moveAt) / ms].map((s) => s * packets);
    const used = perQueue.filter((n) => n > 0).length;
    const placement = flows <= 8 ? Array.from({ length: flows }, (_, f) => `flow ${f} -> queue ${rssQueue(f, QUEUES)}`).join(", ") : perQueue.map((n, q) => `queue ${q}: ${n} flows`).join(", ");
    return {
      text:
        `A NIC with 4 rx queues (IRQs 24..27, affinity CPU0..3, NAPI) receives ${rate.toLocaleString("en-US")} packets/s (Poisson) in ${flows} flow(s) for ${ms} ms;\n` +
        `each packet belongs to a flow drawn uniformly. The NIC hashes the flow through its indirection table to a queue, so\n` +
        `a flow always lands on one queue. Hash placement: ${placement}.\n` +
        `At ${moveAt} ms /proc/irq/27/smp_affinity_list is set to 0: queue 3's interrupts, and the NET_RX work they raise, move\n` +
        `to CPU0. The reader task runs on CPU3.`,
      runs: { main: { scenario: "multiqueue", duration: `${ms}ms`, sets: [`devices.nic0.flows=${flows}`, `faults.0.at=${moveAt}ms`] } },
      questions: [
        {
          text: "How many of the four queues received any packets?",
          unit: "queues",
          tolerance: { abs: 0 },
          derive: { estimate: used, text: `the queues that some flow hashes to: [${perQueue.join(", ")}] flows per queue -> ${used}` },
          answer: (r) => {
            const dv = r.main!.devices.nic0!;
            const n = dv.type === "nic" ? dv.queues.filter((q) => q.rx_packets > 0).length : 0;
            return { value: n, why: "devices.nic0.queues[].rx_packets > 0" };
          },
        },
        {
          text: "Which CPU did the most NET_RX work (softnet_stat processed)?",
          choices: ["CPU0", "CPU1", "CPU2", "CPU3"],
          derive: {
            estimate: "abcd"[argmax(cpu)]!,
            text: `CPU q takes its queue's share of the packets; CPU0 also takes queue 3 after ${moveAt} ms: expected [${cpu.map((x) => round(x)).join(", ")}]`,
          },
          answer: (r) => {
            const per = r.main!.softnet.map((s) => s.processed);
            return { value: "abcd"[argmax(per)]!, why: `softnet[].processed = [${per.join(", ")}]` };
          },
        },
        {
          text: "How many packets did NET_RX process on CPU0 (softnet[0].processed)?",
          unit: "packets",
          tolerance: { rel: 0.05, sigmas: 3 },
          derive: { estimate: round(cpu[0]!), text: `${packets} x (queue 0's share ${round(share[0]!, 3)} + queue 3's share ${round(share[3]!, 3)} x ${ms - moveAt}/${ms} ms) = ${round(cpu[0]!)}` },
          answer: (r) => ({ value: r.main!.softnet[0]!.processed, why: "softnet[0].processed" }),
        },
        {
          text: "How many packets did NET_RX process on CPU3 (softnet[3].processed)?",
          unit: "packets",
          tolerance: { rel: 0.05, sigmas: 3 },
          derive: { estimate: round(cpu[3]!), text: `queue 3 before the move: ${packets} x ${round(share[3]!, 3)} x ${moveAt}/${ms} ms = ${round(cpu[3]!)}` },
          answer: (r) => ({ value: r.main!.softnet[3]!.processed, why: "softnet[3].processed" }),
        },
      ],
      expect: [
        {
          what: "each queue's interrupts land only on its affinity (queue 3: CPU3, then CPU0)",
          holds: (r) =>
            r.main!.irqs.every((l) => {
              const q = Number(l.name.slice(l.name.lastIndexOf("-") + 1));
              return l.per_cpu.every((n, c) => n === 0 || c === q || (q === 3 && c === 0));
            }),
        },
        { what: "with one flow, one queue gets everything", holds: (r) => flows !== 1 || (r.main!.devices.nic0!.type === "nic" && r.main!.devices.nic0!.queues.filter((q) => q.rx_packets > 0).length === 1) },
      ],
    };
  },
};
