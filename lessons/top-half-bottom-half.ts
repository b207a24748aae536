/** Top half vs bottom half: what runs in hardirq context and what the NET_RX softirq does. */
import { irq, nic, pick, round, type Lesson } from "./lesson.js";

export const topHalfBottomHalf: Lesson = {
  name: "top-half-bottom-half",
  title: "Top half vs bottom half",
  summary: "the hardirq handler acks and queues, NET_RX does the protocol work: who pays for what",
  setup(seed) {
    const rate = pick(seed, "rate", [20_000, 30_000, 40_000, 60_000, 80_000]);
    const cost = pick(seed, "proto", ["2us", "3us", "4us"]);
    const run = { scenario: "nic-basic", duration: "20ms", sets: [`devices.nic0.traffic.rate=${rate}`, `costs.net_rx_protocol=${cost}`] };
    return {
      text:
        `A NIC on IRQ 24 (affinity CPU0) receives Poisson traffic at ${rate} packets/s for 20 ms. Each interrupt runs the\n` +
        `top half in hardirq context (IRQs off: ack the NIC, pull descriptors, netif_rx, raise NET_RX); the NET_RX softirq\n` +
        `then does the protocol work (net_rx_protocol = ${cost} per packet) at irq_exit on the same CPU. A reader task on CPU1\n` +
        `recv()s every packet. Predict, then check with --answers.`,
      runs: { main: run },
      questions: [
        {
          text: "How many interrupts did IRQ 24 deliver to CPU0 (the CPU0 column of /proc/interrupts)?",
          unit: "interrupts",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: irq(r.main!, "nic0").per_cpu[0]!, why: "irqs[nic0].per_cpu[0]; fewer than packets when an assert lands on one already pending (merged)" }),
        },
        {
          text: "On CPU0, which context used more time?",
          choices: ["hardirq (top halves)", "softirq (NET_RX)", "about the same (within 10%)"],
          answer: (r) => {
            const c = r.main!.cpus[0]!;
            const v = Math.abs(c.hardirq_ns - c.softirq_ns) <= 0.1 * Math.max(c.hardirq_ns, c.softirq_ns) ? "c" : c.hardirq_ns > c.softirq_ns ? "a" : "b";
            return { value: v, why: `cpus[0]: hardirq ${round(c.hardirq_ns / 1e6, 2)} ms, softirq ${round(c.softirq_ns / 1e6, 2)} ms` };
          },
        },
        {
          text: "What percentage of CPU0's time was spent in hardirq + softirq context together?",
          unit: "%",
          tolerance: { abs: 3 },
          answer: (r) => {
            const c = r.main!.cpus[0]!;
            return { value: round((100 * (c.hardirq_ns + c.softirq_ns)) / r.main!.simulated_ns, 1), why: "(cpus[0].hardirq_ns + softirq_ns) / simulated_ns" };
          },
        },
        {
          text: "How many packets did NET_RX process on CPU1 (softnet_stat's first column for CPU1)?",
          unit: "packets",
          tolerance: { abs: 0 },
          answer: (r) => ({ value: r.main!.softnet[1]!.processed, why: "softnet[1].processed: the softirq runs on the CPU whose top half raised it" }),
        },
        {
          text: "How many packets did the NIC receive in total?",
          unit: "packets",
          tolerance: { rel: 0.05 },
          answer: (r) => ({ value: nic(r.main!, "nic0").rx_packets, why: "devices.nic0.rx_packets" }),
        },
      ],
      expect: [
        { what: "the softirq runs on the CPU that took the interrupt (none on CPU1)", holds: (r) => r.main!.cpus[1]!.softirq_ns === 0 && r.main!.cpus[0]!.softirq_ns > 0 },
        { what: "every interrupt ran its top half in hardirq context on CPU0", holds: (r) => r.main!.cpus[0]!.hardirq_ns > 0 && r.main!.irqs[0]!.per_cpu[1] === 0 },
      ],
    };
  },
};
