/**
 * Kernel log (printk/dmesg) formatters for the messages irqsim reproduces.
 *
 * Source: Linux 7.1.3 (VERSION 7, PATCHLEVEL 1, SUBLEVEL 3). Every format string below is
 * quoted from that tree; file:line references are to it.
 *
 * Pure functions over plain data: no simulator imports, no clocks, no randomness.
 */

/** TASK_COMM_LEN (include/linux/sched.h): task->comm holds at most 15 chars plus NUL. */
export const TASK_COMM_LEN = 16;

/**
 * PREEMPT_DISABLE_OFFSET (include/linux/preempt.h) with CONFIG_PREEMPT_COUNT=y, which every
 * kernel that can detect atomic sleeping has: one preempt_disable() level.
 */
export const PREEMPT_DISABLE_OFFSET = 1;

/**
 * Rate limit of __might_resched() (kernel/sched/core.c:9121), in nanoseconds:
 *
 *     static unsigned long prev_jiffy;
 *     ...
 *     if (time_before(jiffies, prev_jiffy + HZ) && prev_jiffy)
 *         return;
 *     prev_jiffy = jiffies;
 *
 * HZ jiffies is one second whatever CONFIG_HZ is, so the "sleeping function called from
 * invalid context" report prints at most once per second, system-wide (prev_jiffy is a
 * single static shared by every call site and CPU). Reports suppressed by the limit are
 * lost, not queued. prev_jiffy == 0 means "never printed", so the first report always
 * prints. The kernel compares jiffies (tick-granular); irqsim compares nanoseconds, which
 * is the same rule without the tick rounding. See mightReschedShouldPrint().
 */
export const MIGHT_RESCHED_RATELIMIT_NS = 1_000_000_000;

const NSEC_PER_SEC = 1_000_000_000n;
const NSEC_PER_USEC = 1_000n;

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what}: expected a non-negative safe integer, got ${n}`);
  }
}

/** C `%x` of an unsigned 32-bit value (lower-case, no padding). */
function hexU32(n: number): string {
  return (n >>> 0).toString(16);
}

/**
 * The dmesg timestamp prefix for a record logged at `ns` nanoseconds since boot, including
 * the trailing space, e.g. `[    1.500000] `.
 *
 * kernel/printk/printk.c print_time():
 *
 *     unsigned long rem_nsec = do_div(ts, 1000000000);
 *     return sprintf(buf, "[%5lu.%06lu]",
 *                    (unsigned long)ts, rem_nsec / 1000);
 *
 * and info_print_prefix() then appends the ' ' (`buf[len++] = ' ';`). Microseconds are
 * truncated, not rounded; seconds wider than 5 digits simply widen the field.
 */
export function printkTimestamp(ns: number): string {
  assertCount(ns, "printkTimestamp");
  const t = BigInt(ns);
  const secs = t / NSEC_PER_SEC;
  const usecs = (t % NSEC_PER_SEC) / NSEC_PER_USEC;
  return `[${secs.toString().padStart(5, " ")}.${usecs.toString().padStart(6, "0")}] `;
}

/**
 * What task->comm holds for a thread name: at most TASK_COMM_LEN - 1 = 15 characters
 * (longer names are truncated by __set_task_comm/strscpy). `irq/123-enp0s31f6` becomes
 * `irq/123-enp0s31`. irqsim names are ASCII, so characters and bytes coincide.
 */
export function taskComm(name: string): string {
  return name.length > TASK_COMM_LEN - 1 ? name.slice(0, TASK_COMM_LEN - 1) : name;
}

/**
 * Decides whether __might_resched() prints, given when it last printed (or null if it never
 * has). Mirrors `time_before(jiffies, prev_jiffy + HZ) && prev_jiffy` in nanoseconds.
 */
export function mightReschedShouldPrint(nowNs: number, lastPrintedNs: number | null): boolean {
  assertCount(nowNs, "mightReschedShouldPrint nowNs");
  if (lastPrintedNs === null) return true;
  assertCount(lastPrintedNs, "mightReschedShouldPrint lastPrintedNs");
  return nowNs - lastPrintedNs >= MIGHT_RESCHED_RATELIMIT_NS;
}

export interface SleepInAtomicArgs {
  /** __FILE__ of the might_sleep() call site, relative to the tree (kbuild strips srctree). */
  file: string;
  /** __LINE__ of the might_sleep() call site. */
  line: number;
  /** in_atomic(): preempt_count() != 0. */
  inAtomic: boolean;
  /** irqs_disabled(). */
  irqsDisabled: boolean;
  /** current->non_block_count; the kernel prints the count (%d), a boolean prints 0/1. */
  nonBlock: boolean | number;
  pid: number;
  /** current->comm; truncated to 15 characters like the kernel's task->comm. */
  comm: string;
  /** preempt_count() at the call (x86: without the PREEMPT_NEED_RESCHED bit). */
  preemptCount: number;
  /**
   * `offsets & MIGHT_RESCHED_PREEMPT_MASK`: 0 for might_sleep(); cond_resched_lock() and
   * friends pass PREEMPT_LOCK_OFFSET (1). Default 0.
   */
  expectedPreemptCount?: number;
  /**
   * Print the `RCU nest depth` line (CONFIG_PREEMPT_RCU, which is `default y if (PREEMPT ||
   * PREEMPT_RT || PREEMPT_DYNAMIC)` in kernel/rcu/Kconfig, i.e. every x86 distro kernel with
   * PREEMPT_DYNAMIC). Default true.
   */
  preemptRcu?: boolean;
  /** rcu_preempt_depth(): rcu_read_lock() nesting of the task. Default 0. */
  rcuNestDepth?: number;
  /** `offsets >> MIGHT_RESCHED_RCU_SHIFT`: 0 for might_sleep(). Default 0. */
  expectedRcuNestDepth?: number;
}

/**
 * The lines __might_resched() (kernel/sched/core.c:9121-9169) prints when a sleeping
 * function is called from atomic context, without the "<3>" level and without timestamps
 * (prefix each with printkTimestamp() for dmesg). kernel/sched/core.c defines no pr_fmt,
 * so pr_err() adds no prefix.
 *
 *     pr_err("BUG: sleeping function called from invalid context at %s:%d\n",
 *            file, line);
 *     pr_err("in_atomic(): %d, irqs_disabled(): %d, non_block: %d, pid: %d, name: %s\n",
 *            in_atomic(), irqs_disabled(), current->non_block_count,
 *            current->pid, current->comm);
 *     pr_err("preempt_count: %x, expected: %x\n", preempt_count(),
 *            offsets & MIGHT_RESCHED_PREEMPT_MASK);
 *     if (IS_ENABLED(CONFIG_PREEMPT_RCU)) {
 *         pr_err("RCU nest depth: %d, expected: %u\n",
 *                rcu_preempt_depth(), offsets >> MIGHT_RESCHED_RCU_SHIFT);
 *     }
 *
 * What follows in the kernel and is deliberately not produced here: "Thread overran stack"
 * (only on corruption), the lockdep held-locks list (debug_show_held_locks), the irq-trace
 * events when irqs are disabled (lockdep only), "Preemption disabled at:" (DEBUG_PREEMPT
 * only) and dump_stack() (CPU:/Hardware name:/Call Trace:), which irqsim cannot reproduce
 * faithfully. The caller applies the rate limit (mightReschedShouldPrint) and the early
 * returns of __might_resched (nothing prints when preempt_count matches the expected offset,
 * irqs are enabled and non_block_count is 0).
 */
export function sleepInAtomicReport(a: SleepInAtomicArgs): string[] {
  assertCount(a.line, "sleepInAtomicReport line");
  assertCount(a.preemptCount, "sleepInAtomicReport preemptCount");
  const nonBlock = typeof a.nonBlock === "number" ? a.nonBlock : a.nonBlock ? 1 : 0;
  const lines = [
    `BUG: sleeping function called from invalid context at ${a.file}:${a.line}`,
    `in_atomic(): ${a.inAtomic ? 1 : 0}, irqs_disabled(): ${a.irqsDisabled ? 1 : 0}, ` +
      `non_block: ${nonBlock}, pid: ${a.pid}, name: ${taskComm(a.comm)}`,
    `preempt_count: ${hexU32(a.preemptCount)}, expected: ${hexU32(a.expectedPreemptCount ?? 0)}`,
  ];
  if (a.preemptRcu ?? true) {
    lines.push(`RCU nest depth: ${a.rcuNestDepth ?? 0}, expected: ${a.expectedRcuNestDepth ?? 0}`);
  }
  return lines;
}

/**
 * The line __schedule_bug() (kernel/sched/core.c:5922) prints when a task calls schedule()
 * with a non-zero preempt count:
 *
 *     printk(KERN_ERR "BUG: scheduling while atomic: %s/%d/0x%08x\n",
 *            prev->comm, prev->pid, preempt_count());
 *
 * `preemptCount` is the task's preempt_count() when it called schedule(), i.e. what the
 * simulator tracks. The printed value is read inside __schedule(), after __schedule_loop()
 * did preempt_disable(), so it is preemptCount + PREEMPT_DISABLE_OFFSET: sleeping with one
 * spinlock held prints 0x00000002, from a softirq handler 0x00000101, from a hardirq
 * handler 0x00010001. The check that triggers it is schedule_debug()'s
 * `in_atomic_preempt_off()` (preempt_count() != PREEMPT_DISABLE_OFFSET), i.e. the caller's
 * count was non-zero; it is not rate limited, and afterwards schedule_debug() forces
 * `preempt_count_set(PREEMPT_DISABLED)`, so the task leaves schedule() with a count of 0.
 *
 * Not produced (see sleepInAtomicReport): held locks, "Modules linked in:", irq-trace events,
 * "Preemption disabled at:", dump_stack().
 */
export function schedulingWhileAtomicReport(comm: string, pid: number, preemptCount: number): string[] {
  assertCount(preemptCount, "schedulingWhileAtomicReport preemptCount");
  const printed = hexU32(preemptCount + PREEMPT_DISABLE_OFFSET).padStart(8, "0");
  return [`BUG: scheduling while atomic: ${taskComm(comm)}/${pid}/0x${printed}`];
}

export type SleepingFunction =
  | "msleep"
  | "usleep_range"
  | "schedule_timeout"
  | "mutex_lock"
  | "wait_for_completion";

export interface SleepSite {
  /**
   * For `report: "might_sleep"`: the __FILE__ that `BUG: sleeping function called from
   * invalid context at %s:%d` prints. For `report: "scheduling_while_atomic"`: the file of
   * the schedule() call the function reaches (informational; the kernel prints no file).
   */
  file: string;
  /** The matching __LINE__ (see `file`). */
  line: number;
  /**
   * How Linux 7.1.3 reports calling this function in atomic context:
   * - "might_sleep": the function executes might_sleep() first, so with
   *   CONFIG_DEBUG_ATOMIC_SLEEP it prints sleepInAtomicReport({file, line, ...}) (rate
   *   limited) even when it does not end up sleeping; if it then blocks, schedule() also
   *   prints "scheduling while atomic".
   * - "scheduling_while_atomic": there is no might_sleep() anywhere on the path, so the
   *   only report is schedulingWhileAtomicReport() from schedule(). Never print a
   *   "sleeping function called from invalid context" line for these.
   */
  report: "might_sleep" | "scheduling_while_atomic";
  /** The call chain, for comments and tooltips. */
  via: string;
}

/**
 * Where each sleeping primitive is caught, in Linux 7.1.3 (x86-64, !PREEMPT_RT,
 * !CONFIG_DEBUG_LOCK_ALLOC). Verified against the source:
 *
 * - mutex_lock(): kernel/locking/mutex.c:316 `might_sleep();` first statement of
 *   mutex_lock() (the !CONFIG_DEBUG_LOCK_ALLOC definition at line 314). With lockdep
 *   (DEBUG_LOCK_ALLOC) mutex_lock is mutex_lock_nested() and the report says
 *   kernel/locking/mutex.c:623 (__mutex_lock_common); on PREEMPT_RT it is
 *   kernel/locking/rtmutex_api.c:533.
 * - wait_for_completion(): kernel/sched/completion.c:116 `might_sleep();` in
 *   __wait_for_common(), reached via wait_for_common() from wait_for_completion() (151).
 * - msleep(), usleep_range(), schedule_timeout(): kernel/time/sleep_timeout.c (split out of
 *   kernel/time/timer.c in the 2024 timer rework) has no might_sleep() on these paths; they call schedule()
 *   directly, so atomic use is reported only as "BUG: scheduling while atomic". The lines
 *   given are the schedule() calls: schedule_timeout() line 99 (finite timeout; line 75
 *   for MAX_SCHEDULE_TIMEOUT), which msleep() reaches through
 *   schedule_timeout_uninterruptible(); usleep_range() (include/linux/delay.h inline ->
 *   usleep_range_state() -> schedule_hrtimeout_range() -> schedule_hrtimeout_range_clock())
 *   line 216.
 */
export const MIGHT_SLEEP_SITES: Readonly<Record<SleepingFunction, Readonly<SleepSite>>> = Object.freeze({
  msleep: Object.freeze({
    file: "kernel/time/sleep_timeout.c",
    line: 99,
    report: "scheduling_while_atomic",
    via: "msleep -> schedule_timeout_uninterruptible -> schedule_timeout -> schedule",
  }),
  usleep_range: Object.freeze({
    file: "kernel/time/sleep_timeout.c",
    line: 216,
    report: "scheduling_while_atomic",
    via: "usleep_range -> usleep_range_state -> schedule_hrtimeout_range -> schedule_hrtimeout_range_clock -> schedule",
  }),
  schedule_timeout: Object.freeze({
    file: "kernel/time/sleep_timeout.c",
    line: 99,
    report: "scheduling_while_atomic",
    via: "schedule_timeout -> schedule",
  }),
  mutex_lock: Object.freeze({
    file: "kernel/locking/mutex.c",
    line: 316,
    report: "might_sleep",
    via: "mutex_lock -> might_sleep",
  }),
  wait_for_completion: Object.freeze({
    file: "kernel/sched/completion.c",
    line: 116,
    report: "might_sleep",
    via: "wait_for_completion -> wait_for_common -> __wait_for_common -> might_sleep",
  }),
} satisfies Record<SleepingFunction, SleepSite>);
