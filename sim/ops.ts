/**
 * What a handler may yield to the CPU it runs on (ARCHITECTURE.md section 3). Handlers are
 * generators: `yield k.cpu(400)` consumes 400 ns of CPU time; `yield* other(k)` calls a
 * sub-handler. Operations that need no time and cannot switch context (raise_softirq,
 * queueing an skb) are plain function calls instead.
 *
 * An op's argument travels in the kernel's scratch slot (`Kernel.opNs`, `Kernel.opObj`)
 * rather than in a fresh object, because the CPU consumes each op before the generator
 * resumes: no allocation per op in the hot loop.
 */
import type { WaitQueue } from "./waitqueue.js";

export const OP_CPU = 1; // consume kernel (system/irq/softirq) CPU time
export const OP_USER = 2; // consume user-mode CPU time (user tasks)
export const OP_SLEEP = 3; // sleep for opNs (schedule_timeout / msleep)
export const OP_WAIT = 4; // sleep on a wait queue until woken (wait_event)
export const OP_SCHEDULE = 5; // set TASK_INTERRUPTIBLE and schedule() until wake_up_process
export const OP_IRQ_DISABLE = 6; // local_irq_disable
export const OP_IRQ_ENABLE = 7; // local_irq_enable (delivers latched IRQs)
export const OP_BH_DISABLE = 8; // local_bh_disable
export const OP_BH_ENABLE = 9; // local_bh_enable (runs pending softirqs)
export const OP_PREEMPT_DISABLE = 10; // preempt_disable
export const OP_PREEMPT_ENABLE = 11; // preempt_enable (may reschedule)
export const OP_COND_RESCHED = 12; // cond_resched

export type Op = number;

/**
 * A handler: top half, softirq action, thread body. `R` is what it returns
 * (an irqreturn_t for top halves). What comes back from a blocking op is a boolean:
 * true if it slept, false if it could not (atomic context).
 */
export type Handler<R = void> = Generator<Op, R, boolean | undefined>;

export type WaitQueueArg = WaitQueue;
