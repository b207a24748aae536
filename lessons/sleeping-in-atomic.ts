/** Sleeping in atomic context: the kernel's "scheduling while atomic" and might_sleep() reports. */
import { pick, type Lesson } from "./lesson.js";

function count(lines: string[], needle: string): number {
  return lines.filter((l) => l.includes(needle)).length;
}

export const sleepingInAtomic: Lesson = {
  name: "sleeping-in-atomic",
  title: "Sleeping in atomic context",
  summary: "msleep() and mutex_lock() in a top half: BUG: scheduling while atomic / sleeping function called",
  setup(seed) {
    const r0 = pick(seed, "rate0", [500, 1000, 2000]);
    const r1 = pick(seed, "rate1", [500, 1000, 4000]);
    const dur = pick(seed, "dur", ["10ms", "20ms", "30ms"]);
    return {
      text:
        `Two buggy drivers, for ${dur}: nic0's top half (CPU0, ${r0} packets/s evenly spaced) calls msleep(1), and nic1's\n` +
        `top half (CPU1, ${r1} packets/s) calls mutex_lock(). Hardirq context has HARDIRQ_OFFSET (0x10000) in\n` +
        `preempt_count. schedule() reports "BUG: scheduling while atomic" (kernel/sched/core.c __schedule_bug) every time;\n` +
        `might_sleep() in mutex_lock (kernel/sched/core.c __might_resched) prints at most once a second.`,
      runs: { main: { scenario: "sleep-in-atomic", duration: dur, sets: [`devices.nic0.traffic.rate=${r0}`, `devices.nic1.traffic.rate=${r1}`] } },
      questions: [
        {
          text: 'How many "BUG: scheduling while atomic" lines are in dmesg?',
          unit: "lines",
          tolerance: { abs: 1 },
          answer: (r) => ({ value: count(r.main!.dmesg, "BUG: scheduling while atomic"), why: "one per msleep in nic0's top half (dmesg)" }),
        },
        {
          text: 'How many "BUG: sleeping function called from invalid context" lines are in dmesg?',
          unit: "lines",
          tolerance: { abs: 0 },
          answer: (r) => ({ value: count(r.main!.dmesg, "sleeping function called from invalid context"), why: "ratelimited to one per second by __might_resched (dmesg)" }),
        },
        {
          text: "What preempt_count does the scheduling-while-atomic line show after the task name?",
          choices: ["0x00000001", "0x00000101", "0x00010001", "0x00020000"],
          answer: (r) => {
            const line = r.main!.dmesg.find((l) => l.includes("scheduling while atomic")) ?? "";
            const m = /0x([0-9a-f]{8})/.exec(line);
            const v = ["00000001", "00000101", "00010001", "00020000"].indexOf(m?.[1] ?? "");
            return { value: v < 0 ? "?" : "abcd"[v]!, why: `HARDIRQ_OFFSET 0x10000 + 1 for schedule()'s preempt_disable: ${line.trim()}` };
          },
        },
        {
          text: "How many interrupts did nic1 take on CPU1?",
          unit: "interrupts",
          tolerance: { abs: 1 },
          answer: (r) => ({ value: r.main!.irqs.find((l) => l.name === "nic1")!.per_cpu[1]!, why: "irqs[nic1].per_cpu[1]" }),
        },
      ],
      expect: [
        { what: "msleep in hardirq context is reported", holds: (r) => count(r.main!.dmesg, "BUG: scheduling while atomic") > 0 },
        { what: "might_sleep's report is ratelimited to one", holds: (r) => count(r.main!.dmesg, "sleeping function called from invalid context") === 1 },
      ],
    };
  },
};
