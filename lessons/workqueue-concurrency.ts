/** The concurrency-managed workqueue: a sleeping kworker makes its pool wake another. */
import { pick, round, seconds, type Lesson } from "./lesson.js";

export const workqueueConcurrency: Lesson = {
  name: "workqueue-concurrency",
  title: "Workqueue concurrency management",
  summary: "work items that sleep: nr_running, extra kworkers, and what max_active=1 does to throughput",
  setup(seed) {
    const rate = pick(seed, "rate", [10_000, 20_000, 30_000]);
    const io = pick(seed, "io", [100, 200, 400]);
    const common = [`devices.nic0.traffic.rate=${rate}`, `devices.nic0.io_wait=${io}us`];
    return {
      text:
        `The NIC's top half queues one work item per packet (${rate} packets/s) on rx_wq. Each work item does protocol\n` +
        `processing, then sleeps ${io} us for I/O, then delivers. kernel/workqueue.c keeps nr_running per pool: when a running\n` +
        `worker sleeps (wq_worker_sleeping) with work pending, another idle worker is woken, or a new kworker created.\n` +
        `Two 30 ms runs: max_active 0 (= WQ_DFL_ACTIVE 256) and max_active 1.`,
      runs: {
        cmwq: { scenario: "workqueue-rx", duration: "30ms", sets: common },
        one: { scenario: "workqueue-rx", duration: "30ms", sets: [...common, "workqueues.rx_wq.max_active=1"] },
      },
      questions: [
        {
          text: "With max_active 256, how many kworkers did CPU0's normal pool end up with?",
          unit: "workers",
          tolerance: { abs: 2 },
          answer: (r) => {
            const p = r.cmwq!.worker_pools.find((x) => x.cpu === 0 && x.nice === 0)!;
            return { value: p.workers, why: "worker_pools[cpu 0, nice 0].workers (kworker/0:N)" };
          },
        },
        {
          text: "With max_active 256, how many concurrency-management wake-ups happened?",
          unit: "wake-ups",
          tolerance: { rel: 0.2, abs: 5 },
          answer: (r) => ({ value: r.cmwq!.workqueues[0]!.cm_wakeups, why: "workqueues[0].cm_wakeups" }),
        },
        {
          text: "With max_active 256, how many work items per second completed?",
          unit: "items/s",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: round(r.cmwq!.workqueues[0]!.total / seconds(r.cmwq!)), why: "workqueues[0].total / simulated seconds" }),
        },
        {
          text: "With max_active 1, how many work items per second completed?",
          unit: "items/s",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: round(r.one!.workqueues[0]!.total / seconds(r.one!)), why: `workqueues[0].total / simulated seconds; bounded by 1 / (${io} us + processing)` }),
        },
        {
          text: "With max_active 1, what was the p99 queue -> start latency of a work item, in ms?",
          unit: "ms",
          tolerance: { rel: 0.2, abs: 0.2 },
          answer: (r) => ({ value: round(r.one!.workqueues[0]!.queue_to_start_ns.p99 / 1e6, 2), why: "workqueues[0].queue_to_start_ns.p99" }),
        },
      ],
      expect: [
        { what: "concurrency management woke or created workers", holds: (r) => r.cmwq!.workqueues[0]!.cm_wakeups > 0 },
        { what: "max_active 1 completes fewer items than max_active 256", holds: (r) => r.one!.workqueues[0]!.total < r.cmwq!.workqueues[0]!.total },
      ],
    };
  },
};
