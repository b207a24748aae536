/**
 * Sleeping mutexes (kernel/locking/mutex.c), reduced to what matters for deferred work: a
 * contended mutex_lock() puts the caller to sleep (which is what lets the workqueue's
 * concurrency management start another worker), mutex_unlock() wakes the first waiter,
 * and calling mutex_lock() in atomic context gets might_sleep()'s report.
 */
import type { Kernel } from "./kernel.js";
import type { Handler } from "./ops.js";
import { wakeUpProcess } from "./sched.js";
import type { Thread } from "./thread.js";
import { createWaitQueue, type WaitQueue } from "./waitqueue.js";

export interface Mutex {
  readonly name: string;
  owner: Thread | null;
  readonly waiters: WaitQueue;
  /** Acquisitions that had to sleep. */
  contended: number;
  acquired: number;
}

export function createMutex(name: string): Mutex {
  return { name, owner: null, waiters: createWaitQueue(`${name}.wait_list`), contended: 0, acquired: 0 };
}

/**
 * mutex_lock(): take it, or sleep until the owner hands it over. Returns false if called
 * where sleeping is illegal (the report is in the log; the caller did not get the lock).
 */
export function* mutexLock(k: Kernel, m: Mutex): Handler<boolean> {
  const cpu = k.thisCpu;
  const self = cpu.curr;
  if (cpu.preemptCount !== 0 || cpu.irqsDisabled || self.idle) {
    // might_sleep() reports first (the wait op does not block in atomic context). The fast
    // path then takes a free mutex; a held one would need a sleep that cannot happen here
    // (in the kernel: "scheduling while atomic", or a deadlock on the interrupted owner).
    yield k.wait(m.waiters, "mutex_lock");
    if (m.owner !== null) return false;
    m.owner = self;
    m.acquired++;
    return true;
  }
  if (m.owner === self) throw new Error(`mutex ${m.name}: recursive mutex_lock by ${self.comm}`);
  let slept = false;
  while (m.owner !== null) {
    if (!slept) m.contended++;
    slept = true;
    const ok = yield k.wait(m.waiters, "mutex_lock");
    if (ok === false) return false;
  }
  m.owner = self;
  m.acquired++;
  return true;
}

/** mutex_unlock(): release and wake the first waiter, which retries the lock. */
export function mutexUnlock(k: Kernel, m: Mutex): void {
  if (m.owner === null) throw new Error(`mutex ${m.name}: unlock of an unlocked mutex`);
  m.owner = null;
  const next = m.waiters.waiters[0];
  if (next !== undefined) wakeUpProcess(k, next);
}
