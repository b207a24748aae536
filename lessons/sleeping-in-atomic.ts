/** Sleeping in atomic context: the kernel's "scheduling while atomic" and might_sleep() reports. */
import type { Lesson } from "./lesson.js";

function count(lines: string[], needle: string): number {
  return lines.filter((l) => l.includes(needle)).length;
}

export const sleepingInAtomic: Lesson = {
  name: "sleeping-in-atomic",
  title: "Sleeping in atomic context",
  summary: "msleep() and mutex_lock() in a top half: BUG: scheduling while atomic / sleeping function called",
  setup(d) {
    const r0 = d.pick("rate0", [200, 400, 500]);
    const r1 = d.pick("rate1", [500, 1000, 4000]);
    const ms = d.pick("duration_ms", [300, 1200, 2200]);
    // Evenly spaced arrivals at 0, 1/r, 2/r, ... strictly before the end.
    const n0 = Math.ceil((r0 * ms) / 1000);
    const n1 = Math.ceil((r1 * ms) / 1000);
    const mightSleep = Math.ceil(ms / 1000);
    return {
      text:
        `Two buggy drivers, for ${ms} ms: nic0's top half (CPU0, ${r0} packets/s, evenly spaced from t = 0) calls msleep(1)\n` +
        `(which keeps CPU0 in the handler for 1 ms: the rate leaves room for it),\n` +
        `and nic1's top half (CPU1, ${r1} packets/s, evenly spaced from t = 0) calls mutex_lock(). Hardirq context has\n` +
        `HARDIRQ_OFFSET (0x10000) in preempt_count. schedule() reports "BUG: scheduling while atomic" (kernel/sched/core.c\n` +
        `__schedule_bug) every time; might_sleep() in mutex_lock (__might_resched) prints at most once per second (HZ jiffies\n` +
        `after its last report; CONFIG_HZ is 100 here). The run goes on and the reports pile up in dmesg.`,
      runs: { main: { scenario: "sleep-in-atomic", duration: `${ms}ms`, sets: [`devices.nic0.traffic.rate=${r0}`, `devices.nic1.traffic.rate=${r1}`, "kernel.hz=100"] } },
      questions: [
        {
          text: 'How many "BUG: scheduling while atomic" lines are in dmesg?',
          unit: "lines",
          tolerance: { abs: 1 },
          derive: { estimate: n0, text: `one per msleep, one msleep per nic0 interrupt: ${r0}/s x ${ms} ms = ${n0}` },
          answer: (r) => ({ value: count(r.main!.dmesg, "BUG: scheduling while atomic"), why: "dmesg lines containing 'BUG: scheduling while atomic'" }),
        },
        {
          text: 'How many "BUG: sleeping function called from invalid context" lines are in dmesg?',
          unit: "lines",
          tolerance: { abs: 0 },
          derive: { estimate: mightSleep, text: `the first mutex_lock at t = 0 reports; then one per second while interrupts keep coming: ceil(${ms} ms / 1000 ms) = ${mightSleep}` },
          answer: (r) => ({ value: count(r.main!.dmesg, "sleeping function called from invalid context"), why: "dmesg: ratelimited to one per second by __might_resched" }),
        },
        {
          text: "What preempt_count does the scheduling-while-atomic line show after the task name?",
          choices: ["0x00000001", "0x00000101", "0x00010001", "0x00020000"],
          conceptual: true,
          derive: { estimate: "c", text: "HARDIRQ_OFFSET 0x10000 (in a top half) + 1 for schedule()'s own preempt_disable = 0x00010001, whatever the rates" },
          answer: (r) => {
            const line = r.main!.dmesg.find((l) => l.includes("scheduling while atomic")) ?? "";
            const m = /0x([0-9a-f]{8})/.exec(line);
            const v = ["00000001", "00000101", "00010001", "00020000"].indexOf(m?.[1] ?? "");
            return { value: v < 0 ? "?" : "abcd"[v]!, why: line.trim() };
          },
        },
        {
          text: "How many interrupts did nic1 take on CPU1?",
          unit: "interrupts",
          tolerance: { abs: 1 },
          derive: { estimate: n1, text: `one per packet: ${r1}/s x ${ms} ms = ${n1}` },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name === "nic1")!.per_cpu[1]!, why: "irqs[nic1].per_cpu[1]" }),
        },
      ],
      expect: [
        { what: "msleep in hardirq context is reported", holds: (r) => count(r.main!.dmesg, "BUG: scheduling while atomic") > 0 },
        { what: "might_sleep's report is ratelimited to one a second", holds: (r) => count(r.main!.dmesg, "sleeping function called from invalid context") <= Math.ceil(r.main!.simulated_ns / 1e9) },
      ],
    };
  },
};
