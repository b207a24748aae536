/** Receive livelock (Mogul & Ramakrishnan) and how NAPI avoids it. */
import { pick, round, type Lesson } from "./lesson.js";

const REASONS = ["rx_ring_full", "cpu_backlog", "socket_rcvbuff"] as const;

export const receiveLivelockNapi: Lesson = {
  name: "receive-livelock-napi",
  title: "Receive livelock and NAPI",
  summary: "interrupt-per-packet collapses under overload; NAPI masks the NIC and drops at the ring",
  setup(seed) {
    const rate = pick(seed, "rate", [150_000, 300_000, 450_000, 600_000]);
    const common = [`devices.nic0.traffic.rate=${rate}`];
    return {
      text:
        `One CPU does everything: top half, NET_RX and the reader task. The NIC is offered ${rate} packets/s for 20 ms,\n` +
        `once with mode irq (an interrupt and netif_rx per packet) and once with mode napi (the first interrupt masks the\n` +
        `NIC and schedules a poll of at most weight 64; net/core/dev.c netdev_budget 300 per net_rx_action).`,
      runs: {
        irq: { scenario: "livelock", duration: "20ms", sets: [...common, "devices.nic0.mode=irq"] },
        napi: { scenario: "livelock", duration: "20ms", sets: [...common, "devices.nic0.mode=napi"] },
      },
      questions: [
        {
          text: "In irq mode, how many packets per second reached the application (delivered_pps)?",
          unit: "packets/s",
          tolerance: { rel: 0.2, abs: 2000 },
          answer: (r) => ({ value: round(r.irq!.packets.delivered_pps), why: "packets.delivered_pps of the irq run" }),
        },
        {
          text: "In napi mode, how many packets per second reached the application?",
          unit: "packets/s",
          tolerance: { rel: 0.2, abs: 2000 },
          answer: (r) => ({ value: round(r.napi!.packets.delivered_pps), why: "packets.delivered_pps of the napi run" }),
        },
        {
          text: "In napi mode, where were most packets dropped?",
          choices: ["at the NIC ring (rx_ring_full)", "in the per-CPU backlog (cpu_backlog)", "at the socket (socket_rcvbuff)", "nowhere"],
          answer: (r) => {
            const d = r.napi!.packets.dropped;
            const counts = REASONS.map((k) => d[k] ?? 0);
            const max = Math.max(...counts);
            return { value: max === 0 ? "d" : "abc"[counts.indexOf(max)]!, why: `packets.dropped: ${REASONS.map((k, i) => `${k} ${counts[i]}`).join(", ")}` };
          },
        },
        {
          text: "How many interrupts did the NIC raise in irq mode divided by those in napi mode (to one decimal)?",
          unit: "x",
          tolerance: { rel: 0.2 },
          answer: (r) => ({
            value: round(r.irq!.irqs[0]!.total / Math.max(1, r.napi!.irqs[0]!.total), 1),
            why: `irqs[0].total: irq ${r.irq!.irqs[0]!.total}, napi ${r.napi!.irqs[0]!.total}`,
          }),
        },
        {
          text: "In irq mode, what percentage of the CPU went to the user task (user time)?",
          unit: "%",
          tolerance: { abs: 3 },
          answer: (r) => ({ value: round((100 * r.irq!.cpus[0]!.user_ns) / r.irq!.simulated_ns, 1), why: "cpus[0].user_ns / simulated_ns of the irq run" }),
        },
      ],
      expect: [
        { what: "NAPI takes fewer interrupts than interrupt-per-packet", holds: (r) => r.napi!.irqs[0]!.total < r.irq!.irqs[0]!.total },
        { what: "NAPI delivers at least as much as interrupt-per-packet (5% slack)", holds: (r) => r.napi!.packets.delivered >= 0.95 * r.irq!.packets.delivered },
      ],
    };
  },
};
