/** A tasklet never runs on two CPUs at once: TASKLET_STATE_SCHED and TASKLET_STATE_RUN. */
import { argmax, costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const RUN = ["tasklet_run", "nic_desc_copy", "net_rx_protocol", "socket_enqueue", "mmio_write"] as const;
const SPIN = ["softirq_pass", "tasklet_run"] as const;

export const taskletSerialization: Lesson = {
  name: "tasklet-serialization",
  title: "Tasklet serialization",
  summary: "one tasklet shared by two CPUs: requeued while it runs elsewhere, run again when scheduled meanwhile",
  setup(d) {
    const r0 = d.pick("rate0", [30_000, 60_000, 90_000]);
    const r1 = d.pick("rate1", [50_000, 80_000, 120_000]);
    const ms = 10;
    // One run: one packet (ports are masked until the run drains them), plus the unmask write.
    const t = RUN.reduce((a, k) => a + costOf(k), 0) + costOf("mmio_write");
    const spin = SPIN.reduce((a, k) => a + costOf(k), 0);
    const overlaps = 2 * r0 * r1 * (t / 1e9) * (ms / 1e3);
    const requeues = overlaps * (t / spin);
    return {
      text:
        `A dual-port NIC: nic0 interrupts CPU0 at ${r0} packets/s, nic1 interrupts CPU1 at ${r1} packets/s (Poisson), for ${ms} ms.\n` +
        `Both top halves mask their port and call tasklet_schedule() on ONE tasklet, dualport_rx (kernel/softirq.c), which\n` +
        `drains both rings and unmasks. tasklet_schedule sets TASKLET_STATE_SCHED (a second schedule before it runs merges);\n` +
        `tasklet_action takes TASKLET_STATE_RUN with a trylock, and if the other CPU holds it, puts the tasklet back and\n` +
        `raises TASKLET_SOFTIRQ again: that CPU spins through __do_softirq passes (then ksoftirqd) until the run ends.\n` +
        `${costTable([...RUN, "softirq_pass"])}. A run with one packet takes about t = tasklet_run + nic_desc_copy +\n` +
        `net_rx_protocol + socket_enqueue + 2 x mmio_write (tail, unmask) = ${usText(t)}; one spin turn = softirq_pass + tasklet_run = ${usText(spin)}.`,
      runs: {
        main: { scenario: "tasklet-serial", duration: `${ms}ms`, sets: [`devices.nic0.traffic.rate=${r0}`, `devices.nic1.traffic.rate=${r1}`] },
      },
      questions: [
        {
          text: "Which CPU ran the tasklet more often?",
          choices: ["CPU0", "CPU1"],
          derive: { estimate: r0 > r1 ? "a" : "b", text: `about one run per interrupt, so the CPU with the busier port: ${r0 > r1 ? `CPU0 (${r0}/s > ${r1}/s)` : `CPU1 (${r1}/s > ${r0}/s)`}` },
          answer: (r) => {
            const runs = r.main!.tasklets[0]!.runs_per_cpu;
            return { value: "ab"[argmax(runs)]!, why: `tasklets[0].runs_per_cpu = [${runs.join(", ")}]` };
          },
        },
        {
          text: "How many times was it scheduled while it was running on the other CPU (so it ran once more)?",
          unit: "times",
          tolerance: { rel: 0.3, sigmas: 3 },
          derive: {
            estimate: round(overlaps),
            text: `a packet on one port lands while the other CPU runs the tasklet with probability (its rate x t): 2 x ${r0} x ${r1} x ${usText(t)} x ${ms} ms = ${round(overlaps)}`,
          },
          differs: "runs that carry two packets are longer than t, and a CPU's own port is masked while it runs the tasklet",
          answer: (r) => ({ value: r.main!.tasklets[0]!.scheduled_while_running, why: "tasklets[0].scheduled_while_running" }),
        },
        {
          text: "How many times did tasklet_action find it running on the other CPU and requeue it?",
          unit: "requeues",
          tolerance: { rel: 0.35, abs: 20 },
          derive: {
            estimate: round(requeues),
            text: `the overlapped run drains both ports (about 2t: the spinner's own packet is in it too); the spinner waits its second half, t, in turns of ${usText(spin)}: ${round(overlaps)} x ${round(t / spin, 1)} = ${round(requeues)}`,
          },
          differs: "once the restart limit hands the spinning to ksoftirqd/N, a wake-up and cond_resched() stretch some turns",
          answer: (r) => ({ value: r.main!.tasklets[0]!.busy_elsewhere, why: "tasklets[0].busy_elsewhere" }),
        },
        {
          text: "Did the tasklet ever run on both CPUs at the same time?",
          choices: ["yes", "no"],
          conceptual: true,
          derive: { estimate: "b", text: "never: TASKLET_STATE_RUN is a per-tasklet lock, taken with a trylock before every run" },
          answer: (r) => ({ value: r.main!.invariants.ok ? "b" : "a", why: "the run's invariants hold (they include: no tasklet runs on two CPUs at once)" }),
        },
      ],
      expect: [
        { what: "the tasklet was found running on the other CPU and requeued", holds: (r) => r.main!.tasklets[0]!.busy_elsewhere > 0 },
        { what: "it ran on both CPUs (never at once: the invariants hold)", holds: (r) => r.main!.tasklets[0]!.runs_per_cpu.every((n) => n > 0) && r.main!.invariants.ok },
      ],
    };
  },
};
