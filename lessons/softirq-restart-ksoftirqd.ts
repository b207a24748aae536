/** __do_softirq's restart and time limits, and when the work moves to ksoftirqd. */
import { nic, pick, round, thread, type Lesson } from "./lesson.js";

export const softirqRestartKsoftirqd: Lesson = {
  name: "softirq-restart-ksoftirqd",
  title: "The softirq restart limit and ksoftirqd",
  summary: "__do_softirq gives up after 10 restarts / 2 ms / need_resched and wakes ksoftirqd/N",
  setup(seed) {
    const rate = pick(seed, "rate", [450_000, 600_000, 800_000]);
    const budget = pick(seed, "budget", [64, 300, 600]);
    const run = {
      scenario: "livelock",
      duration: "20ms",
      sets: ["devices.nic0.mode=napi", `devices.nic0.traffic.rate=${rate}`, `kernel.netdev_budget=${budget}`],
    };
    const contention = pick(seed, "contention", [60_000, 90_000, 120_000]);
    const tasklet = {
      scenario: "tasklet-serial",
      duration: "20ms",
      sets: [`devices.nic0.traffic.rate=${contention}`, `devices.nic1.traffic.rate=${contention}`],
    };
    return {
      text:
        `One CPU, a NAPI NIC flooded at ${rate} packets/s for 20 ms, net.core.netdev_budget = ${budget}, and a reader task on\n` +
        `the same CPU. __do_softirq (kernel/softirq.c) loops while softirqs are pending, but stops after MAX_SOFTIRQ_RESTART\n` +
        `(10) passes, after MAX_SOFTIRQ_TIME (2 ms), or when need_resched() is set, and wakes ksoftirqd/0 for the rest.\n` +
        `net_rx_action stops after netdev_budget packets or netdev_budget_usecs (time_squeeze).\n` +
        `A second run, "tasklet": two CPUs each take ${contention} packets/s and share one tasklet; a CPU that finds it\n` +
        `running elsewhere re-raises TASKLET_SOFTIRQ and goes round __do_softirq's loop again.`,
      runs: { main: run, tasklet },
      questions: [
        {
          text: "How many times did the softirqs run in ksoftirqd/0 rather than at irq_exit?",
          unit: "runs",
          tolerance: { rel: 0.15, abs: 3 },
          answer: (r) => ({ value: r.main!.ksoftirqd[0]!.runs_ksoftirqd, why: "ksoftirqd[0].runs_ksoftirqd" }),
        },
        {
          text: "Which reason most often made __do_softirq hand over to ksoftirqd?",
          choices: ["the restart limit (10 passes)", "the time limit (2 ms)", "need_resched()", "it never handed over"],
          answer: (r) => {
            const d = r.main!.ksoftirqd[0]!.deferred;
            const all = [d.restart_limit, d.time_limit, d.need_resched];
            const max = Math.max(...all);
            const v = max === 0 ? "d" : "abc"[all.indexOf(max)]!;
            return { value: v, why: `ksoftirqd[0].deferred: restart_limit ${d.restart_limit}, time_limit ${d.time_limit}, need_resched ${d.need_resched}` };
          },
        },
        {
          text: "How much CPU time did ksoftirqd/0 use, in milliseconds?",
          unit: "ms",
          tolerance: { rel: 0.15, abs: 0.5 },
          answer: (r) => ({ value: round(thread(r.main!, "ksoftirqd/0").runtime_ns / 1e6, 2), why: "threads[ksoftirqd/0].runtime_ns" }),
        },
        {
          text: "How many NAPI polls used their whole weight (64 packets)?",
          unit: "polls",
          tolerance: { rel: 0.15, abs: 3 },
          answer: (r) => ({ value: r.main!.napi[0]!.full_polls, why: "napi[0].full_polls: a full poll keeps the instance on the poll list" }),
        },
        {
          text: 'In the "tasklet" run, how many times did CPU1 hand over to ksoftirqd/1 because of the restart limit?',
          unit: "times",
          tolerance: { rel: 0.2, abs: 5 },
          answer: (r) => ({ value: r.tasklet!.ksoftirqd[1]!.deferred.restart_limit, why: "ksoftirqd[1].deferred.restart_limit of the tasklet run" }),
        },
        {
          text: "In the first run, how many packets did the NIC drop because its rx ring was full?",
          unit: "packets",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: nic(r.main!, "nic0").rx_missed, why: "devices.nic0.rx_missed (packets.dropped.rx_ring_full)" }),
        },
      ],
      expect: [
        { what: "under the flood, softirq work moved to ksoftirqd/0", holds: (r) => r.main!.ksoftirqd[0]!.runs_ksoftirqd > 0 },
        { what: "tasklet contention hits the restart limit", holds: (r) => r.tasklet!.ksoftirqd.some((k) => k.deferred.restart_limit > 0) },
      ],
    };
  },
};
