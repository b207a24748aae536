/** Top half vs bottom half: what runs in hardirq context and what the NET_RX softirq does. */
import { costOf, costTable, irq, nic, round, usText, type Lesson } from "./lesson.js";

const HARD = ["irq_entry", "mmio_read", "nic_top_half", "nic_desc_copy", "backlog_enqueue", "mmio_write", "irq_exit"] as const;
const SOFT = ["softirq_pass", "napi_poll", "socket_enqueue"] as const;

export const topHalfBottomHalf: Lesson = {
  name: "top-half-bottom-half",
  title: "Top half vs bottom half",
  summary: "the hardirq handler acks and queues, NET_RX does the protocol work: who pays for what",
  setup(d) {
    const rate = d.pick("rate", [20_000, 30_000, 40_000, 60_000, 80_000]);
    const proto = d.pick("net_rx_protocol", [1000, 2000, 3000, 4000]);
    const ms = 10;
    const over = { net_rx_protocol: proto };
    const hard = HARD.reduce((a, k) => a + costOf(k), 0);
    const soft = proto + SOFT.reduce((a, k) => a + costOf(k), 0);
    const packets = rate * ms * 1e-3;
    const busy = (100 * rate * (hard + soft)) / 1e9;
    const ctx = hard > soft ? "a" : "b";
    return {
      text:
        `A NIC on IRQ 24 (affinity CPU0) receives Poisson traffic at ${rate} packets/s for ${ms} ms. Each interrupt runs the\n` +
        `top half in hardirq context (IRQs off: read ICR, ack, copy the descriptor into an skb, netif_rx, write the tail,\n` +
        `raise NET_RX); the NET_RX softirq then does the protocol work at irq_exit on the same CPU (one __do_softirq pass,\n` +
        `one process_backlog poll, net_rx_protocol and socket_enqueue per packet). A reader task on CPU1 recv()s every packet.\n` +
        costTable([...HARD, ...SOFT, "net_rx_protocol"], over) +
        "." +
        `\nAt this load nearly every interrupt carries one packet.`,
      runs: { main: { scenario: "nic-basic", duration: `${ms}ms`, sets: [`devices.nic0.traffic.rate=${rate}`, `costs.net_rx_protocol=${proto}ns`] } },
      questions: [
        {
          text: "How many interrupts did IRQ 24 deliver to CPU0 (the CPU0 column of /proc/interrupts)?",
          unit: "interrupts",
          tolerance: { rel: 0.03, sigmas: 3 },
          derive: { estimate: packets, text: `one interrupt per packet: ${rate} packets/s x ${ms} ms = ${packets}; a Poisson count, so expect ±sqrt(${packets}) ≈ ${Math.round(Math.sqrt(packets))}` },
          differs: "two packets arriving while the first interrupt is still pending share one interrupt (irqs[].merged)",
          answer: (r) => ({ value: irq(r.main!, "nic0").per_cpu[0]!, why: "irqs[nic0].per_cpu[0]" }),
        },
        {
          text: "On CPU0, which context used more time?",
          choices: ["hardirq (top halves)", "softirq (NET_RX)"],
          derive: {
            estimate: ctx,
            text: `per packet, hardirq = ${HARD.join(" + ")} = ${usText(hard)}; softirq = ${SOFT.join(" + ")} + net_rx_protocol = ${usText(soft)}`,
          },
          answer: (r) => {
            const c = r.main!.cpus[0]!;
            const v = c.hardirq_ns > c.softirq_ns ? "a" : "b";
            return { value: v, why: `cpus[0]: hardirq ${round(c.hardirq_ns / 1e6, 3)} ms, softirq ${round(c.softirq_ns / 1e6, 3)} ms` };
          },
        },
        {
          text: "What percentage of CPU0's time was spent in hardirq + softirq context together?",
          unit: "%",
          tolerance: { rel: 0.1, abs: 1 },
          derive: { estimate: round(busy, 1), text: `${rate} packets/s x (${usText(hard)} + ${usText(soft)}) = ${round(busy, 1)}% (plus the 1 kHz tick, a few hundredths of a percent)` },
          answer: (r) => {
            const c = r.main!.cpus[0]!;
            return { value: round((100 * (c.hardirq_ns + c.softirq_ns)) / r.main!.simulated_ns, 1), why: "(cpus[0].hardirq_ns + softirq_ns) / simulated_ns" };
          },
        },
        {
          text: "How many packets did NET_RX process on CPU1 (softnet_stat's first column for CPU1)?",
          unit: "packets",
          tolerance: { abs: 0 },
          conceptual: true,
          derive: { estimate: 0, text: "raise_softirq marks NET_RX pending on the CPU that runs the top half (CPU0); it runs there, at irq_exit: none on CPU1, whatever the load" },
          answer: (r) => ({ value: r.main!.softnet[1]!.processed, why: "softnet[1].processed: the softirq runs on the CPU whose top half raised it" }),
        },
        {
          text: "How many packets did the NIC receive in total?",
          unit: "packets",
          tolerance: { sigmas: 3 },
          derive: { estimate: packets, text: `${rate} packets/s x ${ms} ms = ${packets} (Poisson: ±3 sqrt(n))` },
          answer: (r) => ({ value: nic(r.main!, "nic0").rx_packets, why: "devices.nic0.rx_packets" }),
        },
      ],
      expect: [
        { what: "NET_RX runs on the CPU that took the interrupt (none on CPU1)", holds: (r) => r.main!.softirqs.NET_RX!.per_cpu[1] === 0 && r.main!.cpus[0]!.softirq_ns > 0 },
        { what: "every interrupt ran its top half in hardirq context on CPU0", holds: (r) => r.main!.cpus[0]!.hardirq_ns > 0 && r.main!.irqs[0]!.per_cpu[1] === 0 },
      ],
    };
  },
};
