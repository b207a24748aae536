/** The concurrency-managed workqueue: a sleeping kworker makes its pool wake another. */
import { costOf, costTable, round, seconds, usText, type Lesson } from "./lesson.js";

const ITEM = ["work_dispatch", "net_rx_protocol", "socket_enqueue", "context_switch"] as const;

export const workqueueConcurrency: Lesson = {
  name: "workqueue-concurrency",
  title: "Workqueue concurrency management",
  summary: "work items that sleep: nr_running, extra kworkers, and what max_active=1 does to throughput",
  setup(d) {
    const rate = d.pick("rate", [10_000, 20_000, 30_000]);
    const io = d.pick("io_us", [100, 200, 400]);
    const ms = 10;
    const common = [`devices.nic0.traffic.rate=${rate}`, `devices.nic0.io_wait=${io}us`];
    const c = ITEM.reduce((a, k) => a + costOf(k), 0);
    const inFlight = (rate * io) / 1e6;
    const done256 = rate * (ms - io / 1000) * 1e-3;
    const cap1 = 1e9 / (io * 1000 + c);
    const one = Math.min(rate, cap1);
    const p99 = rate > cap1 ? 0.99 * ms * (1 - cap1 / rate) : (io + c / 1000) / 1000;
    return {
      text:
        `The NIC's top half queues one work item per packet (${rate} packets/s, Poisson) on rx_wq for ${ms} ms. Each work item\n` +
        `does protocol processing, then sleeps ${io} us for I/O, then delivers. kernel/workqueue.c keeps nr_running per pool: when\n` +
        `a running worker sleeps (wq_worker_sleeping) with work pending, another idle worker is woken, or a new kworker\n` +
        `created. Two runs: max_active 0 (= WQ_DFL_ACTIVE 256) and max_active 1 (one item in flight; the rest wait inactive).\n` +
        `${costTable(ITEM)}; an item costs c = ${usText(c)} of CPU besides its sleep.`,
      runs: {
        cmwq: { scenario: "workqueue-rx", duration: `${ms}ms`, sets: common },
        one: { scenario: "workqueue-rx", duration: `${ms}ms`, sets: [...common, "workqueues.rx_wq.max_active=1"] },
      },
      questions: [
        {
          text: "With max_active 256, how many work items completed?",
          unit: "items",
          tolerance: { rel: 0.03, sigmas: 3 },
          derive: { estimate: round(done256), text: `all that arrived but those still asleep at the end (Little: ${rate}/s x ${io} us = ${round(inFlight, 1)} in flight): ${rate}/s x (${ms} ms - ${io} us) = ${round(done256)}, a Poisson count` },
          answer: (r) => ({ value: r.cmwq!.workqueues[0]!.total, why: "workqueues[0].total" }),
        },
        {
          text: "With max_active 1, how many work items per second completed?",
          unit: "items/s",
          tolerance: { rel: 0.1 },
          derive: { estimate: round(one), text: `one at a time, each ${io} us asleep + c: at most 1 / ${usText(io * 1000 + c)} = ${round(cap1)}/s${rate < cap1 ? `, above the offered ${rate}/s` : ""}` },
          answer: (r) => ({ value: round(r.one!.workqueues[0]!.total / seconds(r.one!)), why: "workqueues[0].total / simulated seconds" }),
        },
        {
          text: "With max_active 1, what was the p99 queue -> start latency of a work item, in ms?",
          unit: "ms",
          tolerance: { rel: 0.15, abs: 0.2 },
          derive: {
            estimate: round(p99, 2),
            text: rate > cap1 ? `the backlog grows at ${rate} - ${round(cap1)} per second; the item queued at 99% of the run waits 0.99 x ${ms} ms x (1 - ${round(cap1)}/${rate}) = ${round(p99, 2)} ms` : "the queue keeps up",
          },
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
