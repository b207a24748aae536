/**
 * Completions (kernel/sched/completion.c): a one-shot "this is done" that threads wait for.
 * complete() lets one waiter through (or the next caller), complete_all() every one;
 * wait_for_completion() sleeps, so it is illegal in atomic context (might_sleep at
 * kernel/sched/completion.c:116 in Linux 7.1.3).
 */
import type { Kernel } from "./kernel.js";
import type { Handler } from "./ops.js";
import { wakeUpProcess } from "./sched.js";
import { createWaitQueue, type WaitQueue } from "./waitqueue.js";

/** UINT_MAX: complete_all() marks the completion done for everyone. */
const COMPLETE_ALL = Number.MAX_SAFE_INTEGER;

export interface Completion {
  done: number;
  readonly wait: WaitQueue;
}

export function initCompletion(name: string): Completion {
  return { done: 0, wait: createWaitQueue(`${name}.wait`) };
}

/** complete(): one more "done"; wakes the first waiter. */
export function complete(k: Kernel, c: Completion): void {
  if (c.done !== COMPLETE_ALL) c.done++;
  const first = c.wait.waiters[0];
  if (first !== undefined) wakeUpProcess(k, first);
}

/** complete_all(): every current and future waiter passes. */
export function completeAll(k: Kernel, c: Completion): void {
  c.done = COMPLETE_ALL;
  for (const t of c.wait.waiters.slice()) wakeUpProcess(k, t);
}

/**
 * wait_for_completion(): consume one "done", sleeping until there is one. Returns false
 * if called where sleeping is illegal (the report is in the log) and nothing was done yet.
 */
export function* waitForCompletion(k: Kernel, c: Completion): Handler<boolean> {
  while (c.done === 0) {
    const slept = yield k.wait(c.wait, "wait_for_completion");
    if (slept === false) return false;
  }
  if (c.done !== COMPLETE_ALL) c.done--;
  return true;
}
