/**
 * Waiting for work (kernel/workqueue.c): flush_work() waits for the instance queued (or
 * running) when it was called; flush_workqueue() for every item queued before it was
 * called; cancel_work_sync() removes a pending instance and waits for a running one,
 * holding PENDING meanwhile so the item cannot be queued again under it. All of them sleep,
 * so they belong in process context.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { findWorkerExecutingWork } from "./pool.js";
import { tryToGrabPending } from "./queue.js";
import type { DelayedWork, WorkStruct } from "./work.js";
import type { Workqueue, Workqueues } from "./workqueue.js";

function running(work: WorkStruct): boolean {
  return work.pool !== null && findWorkerExecutingWork(work.pool, work) !== undefined;
}

/** The newest instance flush_work() must wait for, or 0 for none. */
function flushTarget(work: WorkStruct): number {
  if (work.pending && work.queueSeq > work.cancelledSeq) return work.queueSeq;
  if (running(work)) return work.runningSeq;
  return 0;
}

function settled(work: WorkStruct, seq: number): boolean {
  return work.finishedSeq >= seq || work.cancelledSeq >= seq;
}

/** flush_work(): returns false if there was nothing to wait for. */
export function* flushWork(k: Kernel, work: WorkStruct): Handler<boolean> {
  const target = flushTarget(work);
  if (target === 0) return false;
  while (!settled(work, target)) yield k.wait(work.done);
  return true;
}

/** flush_workqueue(). */
export function* flushWorkqueue(k: Kernel, wq: Workqueue): Handler {
  const targets: [WorkStruct, number][] = [];
  const seen = new Set<number>();
  const note = (work: WorkStruct): void => {
    if (seen.has(work.id)) return;
    seen.add(work.id);
    const t = flushTarget(work);
    if (t !== 0) targets.push([work, t]);
  };
  for (const pwq of wq.pwqs.values()) {
    for (const work of pwq.pool.worklist) if (work.pwq === pwq) note(work);
    for (const work of pwq.inactive) note(work);
    for (const w of pwq.pool.workers) {
      if (w.currentPwq === pwq && w.current !== null) note(w.current);
      for (const work of w.scheduled) if (work.pwq === pwq) note(work);
    }
  }
  while (targets.some(([work, seq]) => !settled(work, seq))) yield k.wait(wq.flushWq);
}

/**
 * cancel_work_sync(): cancel a pending instance and wait for a running one to finish.
 * Returns true if it was pending.
 */
export function* cancelWorkSync(k: Kernel, wqs: Workqueues, work: WorkStruct): Handler<boolean> {
  // Only an instance on a list was queued; one whose timer had not fired never was.
  const queuedOn = work.pending && work.timer === null ? (work.pwq?.wq ?? null) : null;
  const wasPending = tryToGrabPending(wqs, work);
  if (wasPending) work.cancelledSeq = work.queueSeq;
  if (queuedOn !== null) {
    wqs.stats.cancelled++;
    queuedOn.cancelled++;
  }
  // PENDING stays set (owned by us) while we wait: queue_work() fails meanwhile.
  work.pending = true;
  if (running(work)) {
    const seq = work.runningSeq;
    while (work.finishedSeq < seq) yield k.wait(work.done);
  }
  work.pending = false;
  if (queuedOn !== null) wqs.wakeFlushers(work, queuedOn);
  return wasPending;
}

/** cancel_delayed_work_sync(): the same, also disarming the timer. */
export function* cancelDelayedWorkSync(k: Kernel, wqs: Workqueues, dwork: DelayedWork): Handler<boolean> {
  return yield* cancelWorkSync(k, wqs, dwork.work);
}
