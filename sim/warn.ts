/**
 * Kernel-style WARN checks (include/asm-generic/bug.h WARN_ON, and the specific messages
 * subsystems print: kernel/softirq.c "huh, entered softirq", kernel/workqueue.c "BUG:
 * workqueue leaked atomic", kernel/time/tick-sched.c "NOHZ tick-stop error"). They are
 * always on and cost a comparison where they sit. A simulated kernel that trips one is a
 * simulator bug (or a planted one): the first warning is recorded with the event, the
 * time and the CPU, the dmesg gets the kernel's lines, and the run stops at the end of
 * that event, so `run` exits 70 naming the seed, the event and the rule.
 */

export interface KernelWarning {
  /** The rule that broke, as a short phrase (e.g. "preempt_count balanced on softirq exit"). */
  rule: string;
  /** The kernel's own message for it. */
  message: string;
  /** Event number (engine.fired + 1: the event being handled) and simulated time. */
  event: number;
  ns: number;
  cpu: number;
}

/** The one line a violation prints: rule and message. */
export function warningLine(w: KernelWarning): string {
  return `WARNING: ${w.rule}: ${w.message} (cpu${w.cpu}, event #${w.event}, ${w.ns} ns)`;
}

/** %08x, as the kernel prints preempt_count. */
export function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
