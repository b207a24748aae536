/** Interrupt moderation (ethtool -C rx-usecs / rx-frames): fewer interrupts, more latency. */
import { costOf, costTable, round, type Lesson } from "./lesson.js";

/** What an interrupt costs besides its packets: entry, ICR read, top half, tail write, exit. */
const PER_IRQ = ["irq_entry", "mmio_read", "nic_top_half", "mmio_write", "irq_exit"] as const;

export const interruptCoalescing: Lesson = {
  name: "interrupt-coalescing",
  title: "Interrupt coalescing",
  summary: "ethtool -C rx-usecs/rx-frames: packets per interrupt against the latency each packet pays",
  setup(d) {
    const rate = d.pick("rate", [50_000, 100_000, 150_000]);
    const usecs = d.pick("rx_usecs", [20, 50, 100, 200]);
    const frames = d.pick("rx_frames", [0, 0, 16, 32]);
    const ms = 10;
    const common = [`devices.nic0.traffic.rate=${rate}`];
    const gap = 1e6 / rate; // us between packets
    // A moderation cycle: wait for the first packet, then hold rx-usecs (or until rx-frames are pending).
    const hold = frames > 0 ? Math.min(usecs, (frames - 1) * gap) : usecs;
    const cycle = gap + hold;
    const irqs = (ms * 1000) / cycle;
    const perIrq = 1 + hold / gap;
    const fixed = PER_IRQ.reduce((a, k) => a + costOf(k), 0);
    const saved = ((rate * ms * 1e-3 - irqs) * fixed) / 1e6;
    return {
      text:
        `A NIC at ${rate} packets/s (Poisson, one every ${round(gap, 1)} us on average) for ${ms} ms, first without moderation\n` +
        `(rx-usecs 0: an interrupt per packet), then with \`ethtool -C rx-usecs ${usecs} rx-frames ${frames}\`: the NIC holds its\n` +
        `interrupt until ${usecs} us after the first pending packet${frames > 0 ? ` or until ${frames} packets are pending` : ""}; the top half then takes every\n` +
        `packet in the ring. Paid once per interrupt, however many packets it carries: ${costTable(PER_IRQ).replace("Costs", "costs")}.`,
      runs: {
        off: { scenario: "coalescing", duration: `${ms}ms`, sets: common },
        on: { scenario: "coalescing", duration: `${ms}ms`, sets: [...common, `devices.nic0.coalesce.rx_usecs=${usecs}us`, `devices.nic0.coalesce.rx_frames=${frames}`] },
      },
      questions: [
        {
          text: "With moderation, how many interrupts did the NIC raise?",
          unit: "interrupts",
          tolerance: { rel: 0.1, sigmas: 3 },
          derive: {
            estimate: round(irqs),
            text: `a cycle = wait for a packet (${round(gap, 1)} us) + hold ${frames > 0 ? `min(${usecs} us, ${frames - 1} more packets x ${round(gap, 1)} us)` : `${usecs} us`} = ${round(cycle, 1)} us; ${ms} ms / ${round(cycle, 1)} us = ${round(irqs)}`,
          },
          answer: (r) => ({ value: r.on!.irqs[0]!.total, why: "irqs[0].total of the moderated run" }),
        },
        {
          text: "With moderation, how many packets did one interrupt carry on average (one decimal)?",
          unit: "packets/interrupt",
          tolerance: { rel: 0.15 },
          derive: { estimate: round(perIrq, 1), text: `the first packet plus those arriving during the hold: 1 + ${round(hold, 1)} us x ${rate}/s = ${round(perIrq, 1)}` },
          answer: (r) => ({ value: round(r.on!.packets.arrived / Math.max(1, r.on!.irqs[0]!.total), 1), why: "packets.arrived / irqs[0].total" }),
        },
        {
          text: "How much hardirq time did CPU0 save, in ms (unmoderated minus moderated)?",
          unit: "ms",
          tolerance: { rel: 0.15, abs: 0.05 },
          derive: { estimate: round(saved, 2), text: `(${rate * ms * 1e-3} interrupts - ${round(irqs)}) x ${PER_IRQ.join(" + ")} (${round(fixed / 1000, 2)} us) = ${round(saved, 2)} ms; the per-packet work is paid either way` },
          answer: (r) => ({ value: round((r.off!.cpus[0]!.hardirq_ns - r.on!.cpus[0]!.hardirq_ns) / 1e6, 2), why: "cpus[0].hardirq_ns, off minus on" }),
        },
        {
          text: "With moderation, what is the p99 of arrival -> recv() (latency 'deliver'), in us?",
          unit: "us",
          tolerance: { rel: 0.2, abs: 5 },
          derive: { estimate: round(hold + 10, 1), text: `the first packet of a batch waits the whole hold (${round(hold, 1)} us), then ~10 us of top half, NET_RX, wake-up and recv()` },
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
