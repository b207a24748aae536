/**
 * preempt_count layout and the context predicates derived from it
 * (include/linux/preempt.h): PREEMPT bits 0-7, SOFTIRQ bits 8-15, HARDIRQ bits 16-19,
 * NMI bits 20-23.
 */
export const PREEMPT_OFFSET = 1 << 0;
export const SOFTIRQ_OFFSET = 1 << 8;
/** local_bh_disable() adds twice SOFTIRQ_OFFSET so "serving" and "disabled" differ. */
export const SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;
export const HARDIRQ_OFFSET = 1 << 16;
export const NMI_OFFSET = 1 << 20;

export const PREEMPT_MASK = 0xff << 0;
export const SOFTIRQ_MASK = 0xff << 8;
export const HARDIRQ_MASK = 0xf << 16;
export const NMI_MASK = 0xf << 20;

export const hardirqCount = (pc: number): number => pc & HARDIRQ_MASK;
export const softirqCount = (pc: number): number => pc & SOFTIRQ_MASK;
/** in_interrupt(): hardirq, softirq (serving or BH-disabled) or NMI. */
export const inInterrupt = (pc: number): boolean => (pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)) !== 0;
/** in_serving_softirq(): executing a softirq action, not merely BH-disabled. */
export const inServingSoftirq = (pc: number): boolean => (pc & SOFTIRQ_OFFSET) !== 0;
export const inHardirq = (pc: number): boolean => (pc & HARDIRQ_MASK) !== 0;
/** in_atomic(): any non-zero preempt_count. */
export const inAtomic = (pc: number): boolean => pc !== 0;
