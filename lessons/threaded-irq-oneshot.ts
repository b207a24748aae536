/** request_threaded_irq with IRQF_ONESHOT: the line stays masked until the thread finishes. */
import { irq, pick, round, thread, type Lesson } from "./lesson.js";

export const threadedIrqOneshot: Lesson = {
  name: "threaded-irq-oneshot",
  title: "Threaded IRQs with IRQF_ONESHOT",
  summary: "irq/24-nic0 is SCHED_FIFO 50: it preempts a CPU hog; ONESHOT merges asserts while it runs",
  setup(seed) {
    const rate = pick(seed, "rate", [20_000, 50_000, 100_000]);
    const io = pick(seed, "io", [0, 0, 5, 10]);
    return {
      text:
        `A NIC at ${rate} packets/s on IRQ 24 (CPU0), for 20 ms, with request_threaded_irq(..., IRQF_ONESHOT): the primary\n` +
        `handler acks and returns IRQ_WAKE_THREAD; the SCHED_FIFO (prio 50) thread irq/24-nic0 drains the ring${io > 0 ? `, waiting ${io} us per packet` : ""}.\n` +
        `kernel/irq/manage.c keeps the line masked until the thread function returns (irq_finalize_oneshot); asserts meanwhile\n` +
        `are latched. A CPU-bound task "hog" (SCHED_OTHER) also runs on CPU0.`,
      runs: { main: { scenario: "threaded-irq", duration: "20ms", sets: [`devices.nic0.traffic.rate=${rate}`, `devices.nic0.io_wait=${io}us`] } },
      questions: [
        {
          text: "How many asserts of IRQ 24 merged into one already pending (held while the line was masked)?",
          unit: "asserts",
          tolerance: { rel: 0.15, abs: 5 },
          answer: (r) => ({ value: irq(r.main!, "nic0").merged, why: "irqs[nic0].merged" }),
        },
        {
          text: "How many times was the hog preempted (its involuntary context switches)?",
          unit: "switches",
          tolerance: { rel: 0.1, abs: 5 },
          answer: (r) => ({ value: thread(r.main!, "hog").involuntary_switches, why: "threads[hog].involuntary_switches: each wake of the FIFO thread preempts it" }),
        },
        {
          text: "What percentage of CPU0 did irq/24-nic0 use?",
          unit: "%",
          tolerance: { abs: 3 },
          answer: (r) => ({ value: round((100 * thread(r.main!, "irq/24-nic0").runtime_ns) / r.main!.simulated_ns, 1), why: "threads[irq/24-nic0].runtime_ns / simulated_ns" }),
        },
        {
          text: "What is the p99 of packet arrival -> the thread starts its work (latency 'bottom_half'), in us?",
          unit: "us",
          tolerance: { rel: 0.2 },
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
