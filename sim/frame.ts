/**
 * One level of a CPU's context stack: process <- softirq <- hardirq (ARCHITECTURE.md section 4).
 * A frame is a running generator plus the unfinished part of its current `cpu(ns)`
 * segment, so an interrupted frame resumes with exactly the time it had left.
 */
import type { Handler } from "./ops.js";
import type { Thread } from "./thread.js";

export const FRAME_PROCESS = 0; // a thread's own context (or idle)
export const FRAME_SOFTIRQ = 1; // __do_softirq run at irq_exit or local_bh_enable
export const FRAME_HARDIRQ = 2; // a top half, IRQs off
export const FRAME_SWITCH = 3; // context_switch() itself, IRQs off

export interface Frame {
  kind: number;
  gen: Handler<unknown> | null;
  /** Nanoseconds left in the current segment; 0 when the generator should advance. */
  remaining: number;
  /** The current segment is user-mode time. */
  user: boolean;
  /** Value to send into the generator when it next advances. */
  send: boolean | undefined;
  /** irqs_disabled() of the context this frame interrupted, restored when it pops. */
  savedIrqsDisabled: boolean;
  thread: Thread | null;
  /** For hardirq frames: the IRQ line being handled. */
  irq: number;
  /** preempt_count when the context was entered (hardirq, softirq): it must leave it so. */
  entryCount: number;
}

export function createFrame(kind: number, gen: Handler<unknown> | null, savedIrqsDisabled = false, irq = -1): Frame {
  return { kind, gen, remaining: 0, user: false, send: undefined, savedIrqsDisabled, thread: null, irq, entryCount: 0 };
}
