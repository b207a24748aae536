/** Receive livelock (Mogul & Ramakrishnan) and how NAPI avoids it. */
import { costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const REASONS = ["rx_ring_full", "cpu_backlog", "socket_rcvbuff"] as const;
const KERNEL = ["irq_entry", "mmio_read", "nic_top_half", "nic_desc_copy", "backlog_enqueue", "mmio_write", "irq_exit", "net_rx_protocol", "socket_enqueue"] as const;
const APP = ["recv_syscall"] as const;
const WORK_NS = 2000;
/** net/core/dev.c netdev_max_backlog */
const MAX_BACKLOG = 1000;

export const receiveLivelockNapi: Lesson = {
  name: "receive-livelock-napi",
  title: "Receive livelock and NAPI",
  summary: "interrupt-per-packet collapses under overload; NAPI masks the NIC and delivers more",
  setup(d) {
    const rate = d.pick("rate", [100_000, 150_000, 200_000, 250_000, 300_000, 450_000]);
    const ms = 5;
    const common = [`devices.nic0.traffic.rate=${rate}`];
    const k = KERNEL.reduce((a, c) => a + costOf(c), 0);
    const copy = Math.ceil((costOf("copy_per_kib") * 1500) / 1024);
    const a = costOf("recv_syscall") + copy + WORK_NS;
    const kernelShare = (rate * k) / 1e9;
    const delivered = rate * (k + a) <= 1e9 ? rate : Math.max(0, ((1 - kernelShare) * 1e9) / a);
    const userPct = (100 * delivered * WORK_NS) / 1e9;
    // The backlog overflows when NET_RX falls behind by more than netdev_max_backlog.
    const backlogExcess = ((rate - 1e9 / k) * ms) / 1000;
    const dropAt = rate * (k + a) <= 1e9 ? "d" : backlogExcess > 2 * MAX_BACKLOG ? "b" : "c";
    const better = rate * (k + a) <= 1e9 ? "c" : "b";
    return {
      text:
        `One CPU does everything: top half, NET_RX and the reader task "app". The NIC is offered ${rate} packets/s (1500 bytes,\n` +
        `Poisson) for ${ms} ms, once with mode irq (an interrupt and netif_rx per packet; NET_RX at irq_exit) and once with mode\n` +
        `napi (the first interrupt masks the NIC and schedules a poll of at most weight 64; netdev_budget 300 per net_rx_action).\n` +
        `Hardirqs preempt everything and softirqs run at every irq_exit, ahead of any task. The app recv()s one packet at a\n` +
        `time and then works ${usText(WORK_NS)} on it (user time). Queues: netdev_max_backlog ${MAX_BACKLOG}, the socket's rcvbuf.\n` +
        costTable([...KERNEL, ...APP, "copy_per_kib"]) +
        "." +
        `\nPer packet, the kernel's receive path costs k = ${usText(k)} and the app a = recv ${usText(costOf("recv_syscall"))} + copy ${usText(copy)} + work = ${usText(a)}.`,
      runs: {
        irq: { scenario: "livelock", duration: `${ms}ms`, sets: [...common, "devices.nic0.mode=irq"] },
        napi: { scenario: "livelock", duration: `${ms}ms`, sets: [...common, "devices.nic0.mode=napi"] },
      },
      questions: [
        {
          text: "In irq mode, how many packets per second reached the application (delivered_pps)?",
          unit: "packets/s",
          tolerance: { rel: 0.15, abs: 6000 },
          derive: {
            estimate: round(delivered, -2),
            text:
              rate * (k + a) <= 1e9
                ? `R x (k + a) = ${round(kernelShare * 100 + (rate * a) / 1e7, 0)}% of the CPU: it keeps up, all ${rate}/s are delivered`
                : `the kernel takes R x k = ${round(kernelShare * 100)}% first; the app gets what is left: max(0, 1 - ${round(kernelShare, 3)}) / a = ${round(delivered, -2)}/s`,
          },
          differs: "at high load one interrupt or one NET_RX pass sometimes carries two packets, so the kernel pays slightly less than k per packet",
          answer: (r) => ({ value: round(r.irq!.packets.delivered_pps), why: "packets.delivered_pps of the irq run" }),
        },
        {
          text: "In irq mode, what percentage of the CPU went to the app's own work (user time)?",
          unit: "%",
          tolerance: { rel: 0.15, abs: 3 },
          derive: { estimate: round(userPct, 1), text: `delivered x ${usText(WORK_NS)} = ${round(delivered, -2)}/s x ${usText(WORK_NS)} = ${round(userPct, 1)}%` },
          answer: (r) => ({ value: round((100 * r.irq!.cpus[0]!.user_ns) / r.irq!.simulated_ns, 1), why: "cpus[0].user_ns / simulated_ns of the irq run" }),
        },
        {
          text: "In irq mode, where were most packets dropped?",
          choices: ["at the NIC ring (rx_ring_full)", "in the per-CPU backlog (cpu_backlog)", "at the socket (socket_rcvbuff)", "nowhere"],
          derive: {
            estimate: dropAt,
            text:
              dropAt === "d"
                ? "the CPU keeps up: nothing is dropped"
                : dropAt === "c"
                  ? `the app falls behind first: its socket fills (NET_RX ${kernelShare < 1 ? "keeps up" : `falls behind by only ${round(Math.max(0, backlogExcess))} packets in ${ms} ms, not enough to overflow a backlog of ${MAX_BACKLOG} for long`})`
                  : `NET_RX falls behind by (R - 1/k) x ${ms} ms = ${round(backlogExcess)} packets: the backlog passes ${MAX_BACKLOG} early and netif_rx drops there`,
          },
          answer: (r) => {
            const dr = r.irq!.packets.dropped;
            const counts = REASONS.map((x) => dr[x] ?? 0);
            const max = Math.max(...counts);
            return { value: max === 0 ? "d" : "abc"[counts.indexOf(max)]!, why: `packets.dropped: ${REASONS.map((x, i) => `${x} ${counts[i]}`).join(", ")}` };
          },
        },
        {
          text: "Which mode delivered more packets to the application?",
          choices: ["irq", "napi", "about the same (within 5%)"],
          derive: {
            estimate: better,
            text:
              better === "c"
                ? "below saturation both deliver everything"
                : "above saturation irq mode spends the CPU on packets the app never reads; NAPI stops interrupting, and packets it cannot take drop at the ring for free",
          },
          answer: (r) => {
            const i = r.irq!.packets.delivered;
            const n = r.napi!.packets.delivered;
            const v = Math.abs(i - n) <= 0.05 * Math.max(i, n) ? "c" : n > i ? "b" : "a";
            return { value: v, why: `packets.delivered: irq ${i}, napi ${n}` };
          },
        },
      ],
      expect: [
        { what: "NAPI takes fewer interrupts than interrupt-per-packet", holds: (r) => r.napi!.irqs[0]!.total < r.irq!.irqs[0]!.total },
        { what: "NAPI delivers at least as much as interrupt-per-packet (5% slack)", holds: (r) => r.napi!.packets.delivered >= 0.95 * r.irq!.packets.delivered },
      ],
    };
  },
};
