/** Receive-side scaling: flows hashed to queues, each queue's IRQ on its own CPU. */
import { argmax, pick, type Lesson } from "./lesson.js";

export const rssMultiqueue: Lesson = {
  name: "rss-multiqueue",
  title: "RSS and per-queue IRQ affinity",
  summary: "four queues, four MSI-X vectors: how flows spread over CPUs, and moving one queue's affinity",
  setup(seed) {
    const flows = pick(seed, "flows", [1, 2, 3, 8, 64]);
    const moveAt = pick(seed, "move", [5, 10, 15]);
    return {
      text:
        `A NIC with 4 rx queues (IRQs 24..27, affinity CPU0..3, NAPI) receives 200,000 packets/s in ${flows} flow(s) for 20 ms.\n` +
        `The NIC hashes each flow (Toeplitz) to a queue through its indirection table, so a flow always lands on one queue.\n` +
        `At ${moveAt} ms /proc/irq/27/smp_affinity_list is set to 0 (queue 3's interrupts move to CPU0).`,
      runs: {
        main: {
          scenario: "multiqueue",
          duration: "20ms",
          sets: [`devices.nic0.flows=${flows}`, `faults.0.at=${moveAt}ms`],
        },
      },
      questions: [
        {
          text: "How many of the four queues received any packets?",
          unit: "queues",
          tolerance: { abs: 0 },
          answer: (r) => {
            const d = r.main!.devices.nic0!;
            const n = d.type === "nic" ? d.queues.filter((q) => q.rx_packets > 0).length : 0;
            return { value: n, why: "devices.nic0.queues[].rx_packets > 0" };
          },
        },
        {
          text: "Which CPU took the most NIC interrupts (all four lines together)?",
          choices: ["CPU0", "CPU1", "CPU2", "CPU3"],
          answer: (r) => {
            const per = [0, 0, 0, 0];
            for (const l of r.main!.irqs) l.per_cpu.forEach((n, c) => (per[c] = (per[c] ?? 0) + n));
            return { value: "abcd"[argmax(per)]!, why: `sum of irqs[].per_cpu = [${per.join(", ")}]` };
          },
        },
        {
          text: "How many interrupts did IRQ 27 (queue 3) deliver to CPU3 before its affinity moved?",
          unit: "interrupts",
          tolerance: { rel: 0.1, abs: 2 },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name.endsWith("-rx-3"))?.per_cpu[3] ?? 0, why: "irqs[nic0-rx-3].per_cpu[3]" }),
        },
        {
          text: "How many interrupts did IRQ 27 deliver to CPU0 after the move?",
          unit: "interrupts",
          tolerance: { rel: 0.1, abs: 2 },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name.endsWith("-rx-3"))?.per_cpu[0] ?? 0, why: "irqs[nic0-rx-3].per_cpu[0]" }),
        },
      ],
      expect: [
        {
          what: "each queue's interrupts land only on its affinity (queue 3: CPU3, then CPU0)",
          holds: (r) =>
            r.main!.irqs.every((l) => {
              const q = Number(l.name.slice(l.name.lastIndexOf("-") + 1));
              return l.per_cpu.every((n, cpu) => n === 0 || cpu === q || (q === 3 && cpu === 0));
            }),
        },
        { what: "with one flow, one queue gets everything", holds: (r) => flows !== 1 || (r.main!.devices.nic0!.type === "nic" && r.main!.devices.nic0!.queues.filter((q) => q.rx_packets > 0).length === 1) },
      ],
    };
  },
};
