// Byte-exact checks of the printk formatters against Linux 7.1.3. Expected strings are
// written by hand from the kernel format strings quoted beside them.
import { describe, expect, it } from "vitest";
import {
  MIGHT_RESCHED_RATELIMIT_NS,
  MIGHT_SLEEP_SITES,
  mightReschedShouldPrint,
  printkTimestamp,
  schedulingWhileAtomicReport,
  sleepInAtomicReport,
  taskComm,
} from "../sim/printk.js";

describe("printkTimestamp (kernel/printk/printk.c print_time + info_print_prefix)", () => {
  // sprintf(buf, "[%5lu.%06lu]", (unsigned long)ts, rem_nsec / 1000); then buf[len++] = ' ';
  it("formats seconds %5lu and microseconds %06lu with a trailing space", () => {
    expect(printkTimestamp(0)).toBe("[    0.000000] ");
    expect(printkTimestamp(1)).toBe("[    0.000000] ");
    expect(printkTimestamp(999_999)).toBe("[    0.000999] "); // truncated, not rounded
    expect(printkTimestamp(1_500_000_000)).toBe("[    1.500000] ");
    expect(printkTimestamp(12_345_678_901_000)).toBe("[12345.678901] ");
    expect(printkTimestamp(123_456_000_001_999)).toBe("[123456.000001] "); // %5lu widens
  });

  it("rejects negative or fractional times", () => {
    expect(() => printkTimestamp(-1)).toThrow(RangeError);
    expect(() => printkTimestamp(1.5)).toThrow(RangeError);
  });
});

describe("sleepInAtomicReport (kernel/sched/core.c __might_resched)", () => {
  it("prints the four pr_err lines for mutex_lock under a spinlock", () => {
    // "BUG: sleeping function called from invalid context at %s:%d\n"
    // "in_atomic(): %d, irqs_disabled(): %d, non_block: %d, pid: %d, name: %s\n"
    // "preempt_count: %x, expected: %x\n"
    // "RCU nest depth: %d, expected: %u\n"   (CONFIG_PREEMPT_RCU)
    const site = MIGHT_SLEEP_SITES.mutex_lock;
    expect(
      sleepInAtomicReport({
        file: site.file,
        line: site.line,
        inAtomic: true,
        irqsDisabled: false,
        nonBlock: false,
        pid: 1234,
        comm: "kworker/0:1",
        preemptCount: 1,
      }),
    ).toEqual([
      "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:316",
      "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1234, name: kworker/0:1",
      "preempt_count: 1, expected: 0",
      "RCU nest depth: 0, expected: 0",
    ]);
  });

  it("prints hex preempt_count, truncates comm to 15 chars, omits the RCU line without PREEMPT_RCU", () => {
    expect(
      sleepInAtomicReport({
        file: "kernel/sched/completion.c",
        line: 116,
        inAtomic: true,
        irqsDisabled: true,
        nonBlock: 2,
        pid: 812,
        comm: "irq/123-enp0s31f6",
        preemptCount: 0x10000,
        expectedPreemptCount: 0,
        preemptRcu: false,
      }),
    ).toEqual([
      "BUG: sleeping function called from invalid context at kernel/sched/completion.c:116",
      "in_atomic(): 1, irqs_disabled(): 1, non_block: 2, pid: 812, name: irq/123-enp0s31",
      "preempt_count: 10000, expected: 0",
    ]);
  });

  it("prints RCU nest depth and a non-zero expected count", () => {
    const lines = sleepInAtomicReport({
      file: "x.c", line: 1, inAtomic: true, irqsDisabled: false, nonBlock: false, pid: 1, comm: "t",
      preemptCount: 0x201, expectedPreemptCount: 1, rcuNestDepth: 1,
    });
    expect(lines.slice(2)).toEqual(["preempt_count: 201, expected: 1", "RCU nest depth: 1, expected: 0"]);
  });
});

describe("schedulingWhileAtomicReport (kernel/sched/core.c __schedule_bug)", () => {
  // printk(KERN_ERR "BUG: scheduling while atomic: %s/%d/0x%08x\n", prev->comm, prev->pid,
  //        preempt_count());  -- read inside __schedule(), i.e. caller's count + 1
  it("prints the caller's preempt count plus __schedule_loop's preempt_disable()", () => {
    expect(schedulingWhileAtomicReport("kworker/0:1", 42, 1)).toEqual([
      "BUG: scheduling while atomic: kworker/0:1/42/0x00000002",
    ]);
    expect(schedulingWhileAtomicReport("ksoftirqd/0", 15, 0x100)).toEqual([
      "BUG: scheduling while atomic: ksoftirqd/0/15/0x00000101",
    ]);
    expect(schedulingWhileAtomicReport("swapper/0", 0, 0x10000)).toEqual([
      "BUG: scheduling while atomic: swapper/0/0/0x00010001",
    ]);
  });
});

describe("might-sleep sites and rate limit (Linux 7.1.3)", () => {
  it("locates each primitive", () => {
    expect(MIGHT_SLEEP_SITES.mutex_lock).toMatchObject({ file: "kernel/locking/mutex.c", line: 316, report: "might_sleep" });
    expect(MIGHT_SLEEP_SITES.wait_for_completion).toMatchObject({
      file: "kernel/sched/completion.c",
      line: 116,
      report: "might_sleep",
    });
    for (const fn of ["msleep", "usleep_range", "schedule_timeout"] as const) {
      expect(MIGHT_SLEEP_SITES[fn].report).toBe("scheduling_while_atomic");
      expect(MIGHT_SLEEP_SITES[fn].file).toBe("kernel/time/sleep_timeout.c");
    }
  });

  it("prints at most once per HZ jiffies (one second)", () => {
    expect(MIGHT_RESCHED_RATELIMIT_NS).toBe(1_000_000_000);
    expect(mightReschedShouldPrint(5, null)).toBe(true);
    expect(mightReschedShouldPrint(1_500_000_000, 600_000_000)).toBe(false);
    expect(mightReschedShouldPrint(1_600_000_000, 600_000_000)).toBe(true);
  });

  it("truncates comm like task->comm", () => {
    expect(taskComm("ksoftirqd/0")).toBe("ksoftirqd/0");
    expect(taskComm("0123456789abcdefXYZ")).toBe("0123456789abcde");
  });
});
