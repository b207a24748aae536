/**
 * Queueing work (kernel/workqueue.c): queue_work_on() sets PENDING or returns false;
 * __queue_work() picks the pool (this CPU's, the requested CPU's, or the unbound one),
 * keeps a work item non-reentrant by sending it to the pool where it is still running,
 * and either activates it (on the pool's worklist, waking a worker if needed) or parks it
 * on the pwq's inactive list when max_active items are already active.
 */
import type { Handler } from "../sim/ops.js";
import { TP } from "../sim/trace.js";
import { nsToJiffiesCeil } from "../sim/time.js";
import { kickPool, findWorkerExecutingWork } from "./pool.js";
import type { DelayedWork, WorkStruct } from "./work.js";
import type { Workqueue, Workqueues } from "./workqueue.js";

/** include/linux/workqueue.h: WORK_CPU_UNBOUND = NR_CPUS; here any negative CPU. */
export const WORK_CPU_UNBOUND = -1;

/**
 * queue_work_on(): false if already pending. `fromTimer` is delayed_work_timer_fn, which
 * queues an item whose PENDING bit it already owns.
 */
export function queueWorkOn(wqs: Workqueues, cpu: number, wq: Workqueue, work: WorkStruct, fromTimer = false): boolean {
  if (!fromTimer) {
    if (work.pending) return false;
    work.pending = true;
    // test_and_set_bit(WORK_STRUCT_PENDING_BIT) is a fully ordered RMW: every store before
    // a successful queue_work() is visible to the CPU that runs the item.
    const cpu = wqs.k.current;
    if (cpu !== null) wqs.k.mem.mb(cpu.id);
  }
  insertQueued(wqs, cpu, wq, work);
  return true;
}

/** queue_work(): on the calling CPU's pool for per-CPU workqueues. */
export function queueWork(wqs: Workqueues, wq: Workqueue, work: WorkStruct): boolean {
  return queueWorkOn(wqs, WORK_CPU_UNBOUND, wq, work);
}

/** queue_work() with its CPU cost, for handlers: `yield* queueWorkOp(...)`. */
export function* queueWorkOp(wqs: Workqueues, wq: Workqueue, work: WorkStruct): Handler<boolean> {
  yield wqs.k.cpu(wqs.k.costs.work_queue);
  return queueWork(wqs, wq, work);
}

/** __queue_work(). */
function insertQueued(wqs: Workqueues, reqCpu: number, wq: Workqueue, work: WorkStruct): void {
  const k = wqs.k;
  const here = k.current?.id ?? 0;
  let pool = wq.flags.unbound ? [...wq.pwqs.values()][0]!.pool : wqs.cpuPools[reqCpu >= 0 ? reqCpu : here]![wq.flags.highpri ? 1 : 0]!;
  let pwq = wqs.pwqOf(wq, pool);
  // If it last ran on another pool and is still running there, queue it there so it never
  // runs concurrently with itself (ordered workqueues have a single pool anyway).
  const last = work.pool;
  if (last !== null && last !== pool && !wq.flags.ordered) {
    const w = findWorkerExecutingWork(last, work);
    if (w !== undefined && w.currentPwq !== null && w.currentPwq.wq === wq) {
      pwq = w.currentPwq;
      pool = pwq.pool;
    }
  }
  // insert_work(): the kernel's list_add_tail would corrupt a list the item is already on.
  if (wqs.live.has(work)) {
    k.warn("a work item is on at most one list", `work ${work.id} (${work.func}) queued on ${wq.name} while still on ${work.owner} since event #${work.touchedEvent}`);
    return;
  }
  wqs.live.add(work);
  work.touchedEvent = k.engine.fired + 1;
  work.queueSeq++;
  work.queuedAt = k.now;
  work.pwq = pwq;
  work.pool = pool;
  wq.queued++;
  wqs.stats.queued++;
  k.trace.registerObject("work", work.id, { function: work.func, workqueue: wq.name });
  k.trace.emit(TP.workqueue_queue_work, here, work.id, reqCpu, pool.cpu);
  pwq.nrInFlight++;
  if (pwq.inactive.length === 0 && pwq.nrActive < wq.maxActive) {
    pwq.nrActive++;
    k.trace.emit(TP.workqueue_activate_work, here, work.id);
    work.owner = `pool ${pool.id} worklist`;
    // The planted bug: pending, counted as queued, and on no list: it never runs.
    if (k.plants.lostWork && k.plants.fire("lost-work", 3)) return;
    pool.worklist.push(work);
    kickPool(wqs, pool);
  } else {
    work.inactive = true;
    work.owner = `${wq.name} inactive list of pool ${pool.id}`;
    pwq.inactive.push(work);
  }
}


/**
 * queue_delayed_work_on(): false if pending; a zero delay queues at once, otherwise the
 * work's timer queues it `delayNs` later (rounded up to whole jiffies), on `cpu` or, for
 * WORK_CPU_UNBOUND, on the CPU whose timer base it was added to.
 */
export function queueDelayedWorkOn(wqs: Workqueues, cpu: number, wq: Workqueue, dwork: DelayedWork, delayNs: number): boolean {
  const work = dwork.work;
  if (work.pending) return false;
  work.pending = true;
  armDelayed(wqs, cpu, wq, dwork, delayNs);
  return true;
}

export function queueDelayedWork(wqs: Workqueues, wq: Workqueue, dwork: DelayedWork, delayNs: number): boolean {
  return queueDelayedWorkOn(wqs, WORK_CPU_UNBOUND, wq, dwork, delayNs);
}

function armDelayed(wqs: Workqueues, cpu: number, wq: Workqueue, dwork: DelayedWork, delayNs: number): void {
  const k = wqs.k;
  if (delayNs === 0) {
    insertQueued(wqs, cpu, wq, dwork.work);
    return;
  }
  dwork.wq = wq;
  dwork.cpu = cpu;
  dwork.work.timer = dwork.timer;
  const timerCpu = cpu >= 0 ? cpu : (k.current?.id ?? 0);
  wqs.timers.modTimer(dwork.timer, k.jiffies + nsToJiffiesCeil(delayNs, k.hz), timerCpu);
}

/**
 * mod_delayed_work_on(): whatever state it is in (idle, timer armed, queued), make it run
 * `delayNs` from now. Returns true if it was pending.
 */
export function modDelayedWorkOn(wqs: Workqueues, cpu: number, wq: Workqueue, dwork: DelayedWork, delayNs: number): boolean {
  const wasPending = tryToGrabPending(wqs, dwork.work);
  dwork.work.pending = true;
  armDelayed(wqs, cpu, wq, dwork, delayNs);
  return wasPending;
}

/**
 * try_to_grab_pending(): take a pending item off its timer or list, leaving PENDING owned
 * by the caller. Returns true if it was pending. The pwq's bookkeeping is undone as if it
 * had run.
 */
export function tryToGrabPending(wqs: Workqueues, work: WorkStruct): boolean {
  if (!work.pending) return false;
  if (work.timer !== null) {
    wqs.timers.delTimer(work.timer);
    work.timer = null;
    return true;
  }
  const pwq = work.pwq;
  if (pwq === null) return true; // PENDING held by someone grabbing it already
  wqs.live.delete(work);
  if (work.inactive) {
    pwq.inactive.splice(pwq.inactive.indexOf(work), 1);
    work.inactive = false;
    pwq.nrInFlight--;
  } else {
    const list = pwq.pool.worklist;
    const i = list.indexOf(work);
    if (i >= 0) list.splice(i, 1);
    else {
      // Assigned to a worker's scheduled list (collision or rescuer) but not started.
      for (const w of pwq.pool.workers) {
        const j = w.scheduled.indexOf(work);
        if (j >= 0) w.scheduled.splice(j, 1);
      }
    }
    wqs.pwqDecNrInFlight(pwq);
  }
  work.pwq = null;
  return true;
}
