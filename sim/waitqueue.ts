/**
 * A wait queue (include/linux/wait.h): threads sleeping until a condition may have
 * changed. Waiters are kept in arrival order so wake-ups are deterministic.
 */
import type { Thread } from "./thread.js";

export interface WaitQueue {
  readonly name: string;
  waiters: Thread[];
}

export function createWaitQueue(name: string): WaitQueue {
  return { name, waiters: [] };
}
