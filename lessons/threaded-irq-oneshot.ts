/** request_threaded_irq with IRQF_ONESHOT: the line stays masked until the thread finishes. */
import { costOf, costTable, round, thread, usText, type Lesson } from "./lesson.js";

const PRIMARY = ["irq_entry", "mmio_read", "irq_exit", "context_switch"] as const;
const PER_PACKET = ["nic_desc_copy", "net_rx_protocol", "socket_enqueue"] as const;

export const threadedIrqOneshot: Lesson = {
  name: "threaded-irq-oneshot",
  title: "Threaded IRQs with IRQF_ONESHOT",
  summary: "irq/24-nic0 is SCHED_FIFO 50: it preempts a CPU hog; ONESHOT merges asserts while it runs",
  setup(d) {
    const rate = d.pick("rate", [10_000, 20_000, 40_000, 60_000, 80_000, 100_000]);
    const ms = 10;
    const o = PRIMARY.reduce((a, k) => a + costOf(k), 0);
    const w = PER_PACKET.reduce((a, k) => a + costOf(k), 0);
    const lam = rate / 1e9;
    // Busy period of one wake-up: the first packet plus all that arrive while the thread drains.
    const n = 1 / (1 - lam * w);
    const wakes = (rate * ms * 1e-3) / n;
    const perWake = costOf("context_switch") + 2 * costOf("mmio_write");
    const pct = (100 * (rate * w + (wakes / (ms * 1e-3)) * perWake)) / 1e9;
    // Arrival -> thread starts: the primary handler and the switch; later packets of a run wait for earlier ones.
    const p99 = o + w * (1 + 2 * (n - 1));
    return {
      text:
        `A NIC at ${rate} packets/s (Poisson) on IRQ 24 (CPU0), for ${ms} ms, with request_threaded_irq(..., IRQF_ONESHOT): the\n` +
        `primary handler reads ICR and returns IRQ_WAKE_THREAD; the SCHED_FIFO (prio 50) thread irq/24-nic0 drains the ring\n` +
        `until it is empty (packets that arrive meanwhile are taken in the same run). kernel/irq/manage.c keeps the line masked\n` +
        `until the thread function returns (irq_finalize_oneshot); the first assert meanwhile is held pending, later ones merge\n` +
        `into it. A CPU-bound task "hog" (SCHED_OTHER) also runs on CPU0.\n` +
        `${costTable([...PRIMARY, ...PER_PACKET])}; the hand-off costs o = ${PRIMARY.join(" + ")} = ${usText(o)},\n` +
        `each packet w = ${PER_PACKET.join(" + ")} = ${usText(w)} in the thread.`,
      runs: { main: { scenario: "threaded-irq", duration: `${ms}ms`, sets: [`devices.nic0.traffic.rate=${rate}`] } },
      questions: [
        {
          text: "How many times was the hog preempted (its involuntary context switches)?",
          unit: "switches",
          tolerance: { rel: 0.1, sigmas: 3 },
          derive: {
            estimate: round(wakes),
            text: `each wake-up of the FIFO thread preempts the hog; the thread takes its packet and those arriving while it works (a busy period): n = 1 / (1 - R w) = ${round(n, 2)} packets per wake-up, so ${rate * ms * 1e-3} / ${round(n, 2)} = ${round(wakes)}`,
          },
          answer: (r) => ({ value: thread(r.main!, "hog").involuntary_switches, why: "threads[hog].involuntary_switches" }),
        },
        {
          text: "What percentage of CPU0 did irq/24-nic0 use?",
          unit: "%",
          tolerance: { rel: 0.15, abs: 1 },
          derive: { estimate: round(pct, 1), text: `${rate}/s x w (${usText(w)}) + ${round(wakes)} wake-ups x (context_switch + tail write + unmask = ${usText(perWake)}) in ${ms} ms = ${round(pct, 1)}%` },
          answer: (r) => ({ value: round((100 * thread(r.main!, "irq/24-nic0").runtime_ns) / r.main!.simulated_ns, 1), why: "threads[irq/24-nic0].runtime_ns / simulated_ns" }),
        },
        {
          text: "What is the p99 of packet arrival -> the thread starts its work (latency 'bottom_half'), in us?",
          unit: "us",
          tolerance: { rel: 0.2 },
          derive: {
            estimate: round(p99 / 1000, 1),
            text: `o = ${usText(o)} for the primary handler and the switch; an unlucky packet lands behind one being processed (up to w) and in a long run behind about 2(n - 1) more: o + w (1 + 2(n - 1)) = ${usText(p99)}`,
          },
          answer: (r) => ({ value: round(r.main!.latency_ns.bottom_half!.p99 / 1e3, 1), why: "latency_ns.bottom_half.p99" }),
        },
      ],
      expect: [
        { what: "the FIFO irq thread preempted the hog", holds: (r) => thread(r.main!, "hog").involuntary_switches > 0 },
        { what: "the irq thread did the work on CPU0", holds: (r) => thread(r.main!, "irq/24-nic0").runtime_ns > 0 },
      ],
    };
  },
};
