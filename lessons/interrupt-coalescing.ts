/** Interrupt moderation (ethtool -C rx-usecs / rx-frames): fewer interrupts, more latency. */
import { pick, round, type Lesson } from "./lesson.js";

export const interruptCoalescing: Lesson = {
  name: "interrupt-coalescing",
  title: "Interrupt coalescing",
  summary: "ethtool -C rx-usecs/rx-frames: packets per interrupt against the latency each packet pays",
  setup(seed) {
    const rate = pick(seed, "rate", [50_000, 100_000, 150_000]);
    const usecs = pick(seed, "usecs", [20, 50, 100, 200]);
    const frames = pick(seed, "frames", [0, 0, 16, 32]);
    const common = [`devices.nic0.traffic.rate=${rate}`];
    return {
      text:
        `A NIC at ${rate} packets/s (Poisson) for 20 ms, first without moderation (rx-usecs 0: an interrupt per packet),\n` +
        `then with \`ethtool -C rx-usecs ${usecs} rx-frames ${frames}\`: the NIC holds its interrupt until ${usecs} us after the\n` +
        `first pending packet${frames > 0 ? ` or until ${frames} packets are pending` : ""}.`,
      runs: {
        off: { scenario: "coalescing", duration: "20ms", sets: common },
        on: { scenario: "coalescing", duration: "20ms", sets: [...common, `devices.nic0.coalesce.rx_usecs=${usecs}us`, `devices.nic0.coalesce.rx_frames=${frames}`] },
      },
      questions: [
        {
          text: "With moderation, how many interrupts did the NIC raise?",
          unit: "interrupts",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: r.on!.irqs[0]!.total, why: "irqs[0].total of the moderated run" }),
        },
        {
          text: "With moderation, how many packets did one interrupt carry on average (one decimal)?",
          unit: "packets/interrupt",
          tolerance: { rel: 0.15 },
          answer: (r) => ({ value: round(r.on!.packets.arrived / Math.max(1, r.on!.irqs[0]!.total), 1), why: "packets.arrived / irqs[0].total" }),
        },
        {
          text: "How much hardirq time did CPU0 save, in ms (unmoderated minus moderated)?",
          unit: "ms",
          tolerance: { rel: 0.2, abs: 0.2 },
          answer: (r) => ({ value: round((r.off!.cpus[0]!.hardirq_ns - r.on!.cpus[0]!.hardirq_ns) / 1e6, 2), why: "cpus[0].hardirq_ns, off minus on" }),
        },
        {
          text: "With moderation, what is the p99 of arrival -> recv() (latency 'deliver'), in us?",
          unit: "us",
          tolerance: { rel: 0.2 },
          answer: (r) => ({ value: round(r.on!.latency_ns.deliver!.p99 / 1e3, 1), why: "latency_ns.deliver.p99 of the moderated run" }),
        },
      ],
      expect: [
        { what: "moderation takes fewer interrupts", holds: (r) => r.on!.irqs[0]!.total < r.off!.irqs[0]!.total },
        { what: "moderation makes the median packet wait longer", holds: (r) => r.on!.latency_ns.deliver!.p50 > r.off!.latency_ns.deliver!.p50 },
      ],
    };
  },
};
