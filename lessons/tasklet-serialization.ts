/** A tasklet never runs on two CPUs at once: TASKLET_STATE_SCHED and TASKLET_STATE_RUN. */
import { argmax, pick, type Lesson } from "./lesson.js";

export const taskletSerialization: Lesson = {
  name: "tasklet-serialization",
  title: "Tasklet serialization",
  summary: "one tasklet shared by two CPUs: merged schedules, requeues while it runs elsewhere, runs again",
  setup(seed) {
    const r0 = pick(seed, "rate0", [30_000, 60_000, 90_000]);
    const r1 = pick(seed, "rate1", [20_000, 60_000, 120_000]);
    return {
      text:
        `A dual-port NIC: nic0 interrupts CPU0 at ${r0} packets/s, nic1 interrupts CPU1 at ${r1} packets/s, for 20 ms. Both\n` +
        `top halves call tasklet_schedule() on ONE tasklet, dualport_rx (kernel/softirq.c). tasklet_schedule sets\n` +
        `TASKLET_STATE_SCHED (a second schedule before it runs merges); tasklet_action takes TASKLET_STATE_RUN with a\n` +
        `trylock, and if another CPU holds it, puts the tasklet back and raises TASKLET_SOFTIRQ again.`,
      runs: {
        main: {
          scenario: "tasklet-serial",
          duration: "20ms",
          sets: [`devices.nic0.traffic.rate=${r0}`, `devices.nic1.traffic.rate=${r1}`],
        },
      },
      questions: [
        {
          text: "Which CPU ran the tasklet more often?",
          choices: ["CPU0", "CPU1"],
          answer: (r) => {
            const runs = r.main!.tasklets[0]!.runs_per_cpu;
            return { value: "ab"[argmax(runs)]!, why: `tasklets[0].runs_per_cpu = [${runs.join(", ")}]` };
          },
        },
        {
          text: "How many tasklet_schedule() calls found it already scheduled (merged into one run)?",
          unit: "calls",
          tolerance: { rel: 0.15, abs: 5 },
          answer: (r) => ({ value: r.main!.tasklets[0]!.already_scheduled, why: "tasklets[0].already_scheduled" }),
        },
        {
          text: "How many times did tasklet_action find it running on the other CPU and requeue it?",
          unit: "requeues",
          tolerance: { rel: 0.2, abs: 5 },
          answer: (r) => ({ value: r.main!.tasklets[0]!.busy_elsewhere, why: "tasklets[0].busy_elsewhere" }),
        },
        {
          text: "How many times was it scheduled while it was running (so it ran once more)?",
          unit: "times",
          tolerance: { rel: 0.15, abs: 5 },
          answer: (r) => ({ value: r.main!.tasklets[0]!.scheduled_while_running, why: "tasklets[0].scheduled_while_running" }),
        },
        {
          text: "Did the tasklet ever run on both CPUs at the same time?",
          choices: ["yes", "no"],
          answer: (r) => ({ value: r.main!.invariants.ok ? "b" : "a", why: "never: TASKLET_STATE_RUN is a per-tasklet lock (the run's invariants hold)" }),
        },
      ],
      expect: [
        { what: "the tasklet was found running on the other CPU and requeued", holds: (r) => r.main!.tasklets[0]!.busy_elsewhere > 0 },
        { what: "it ran on both CPUs (never at once: the invariants hold)", holds: (r) => r.main!.tasklets[0]!.runs_per_cpu.every((n) => n > 0) && r.main!.invariants.ok },
      ],
    };
  },
};
