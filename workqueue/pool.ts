/**
 * Worker pools and their kworkers (kernel/workqueue.c, Documentation/core-api/workqueue.rst).
 * Each CPU has a normal and a highpri (nice -20) pool; unbound pools serve WQ_UNBOUND
 * workqueues on any CPU. Concurrency management keeps just enough workers running: the pool
 * counts `nr_running`, and when a running worker sleeps with work pending
 * (wq_worker_sleeping), an idle worker is woken, or created when none is idle. Workers of
 * unbound pools are never counted (WORKER_UNBOUND), so every item gets a worker.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { taskRuntime, wakeUpProcess } from "../sim/sched.js";
import type { Thread } from "../sim/thread.js";
import { TP } from "../sim/trace.js";
import type { TimerList } from "../softirq/timer.js";
import type { WorkStruct } from "./work.js";
import { hex8 } from "../sim/warn.js";
import type { Workqueue, Workqueues } from "./workqueue.js";

/** kernel/workqueue.c: pools keep idle workers at most this many times the busy ones. */
export const MAX_IDLE_WORKERS_RATIO = 4;
/** kernel/workqueue.c: IDLE_WORKER_TIMEOUT = 300 * HZ. */
export const IDLE_WORKER_TIMEOUT_S = 300;
/** kernel/workqueue.c: wq_cpu_intensive_thresh_us default 10 ms. */
export const WQ_CPU_INTENSIVE_THRESH_NS = 10_000_000;

/** Worker flags (kernel/workqueue.c enum worker_flags). */
export const WORKER_IDLE = 1 << 2;
export const WORKER_PREP = 1 << 3;
export const WORKER_CPU_INTENSIVE = 1 << 6;
export const WORKER_UNBOUND = 1 << 7;
export const WORKER_NOT_RUNNING = WORKER_PREP | WORKER_CPU_INTENSIVE | WORKER_UNBOUND;

export interface PwqStats {
  /** PWQ_STAT_STARTED: work items started. */
  started: number;
  completed: number;
  /** PWQ_STAT_CPU_TIME: ns of CPU the work functions used. */
  cpuTime: number;
  /** PWQ_STAT_CPU_INTENSIVE: items that hogged the CPU past the threshold. */
  cpuIntensive: number;
  /** PWQ_STAT_CM_WAKEUP: concurrency-management wake-ups. */
  cmWakeup: number;
  /** PWQ_STAT_MAYDAY: maydays sent to the rescuer. */
  mayday: number;
  /** PWQ_STAT_RESCUED: items the rescuer ran. */
  rescued: number;
}

/** struct pool_workqueue: a workqueue's link to one pool, where max_active is enforced. */
export interface Pwq {
  readonly wq: Workqueue;
  readonly pool: WorkerPool;
  nrActive: number;
  readonly inactive: WorkStruct[];
  /** Queued and not finished (nr_in_flight). */
  nrInFlight: number;
  readonly stats: PwqStats;
  onMayday: boolean;
}

export interface Worker {
  readonly id: number;
  /** Its pool; a rescuer attaches to whichever pool maydayed. */
  pool: WorkerPool;
  thread: Thread;
  flags: number;
  /** Blocked while not NOT_RUNNING: its nr_running share was given back. */
  sleeping: boolean;
  current: WorkStruct | null;
  currentPwq: Pwq | null;
  /** Work assigned to this worker (assign_work / the rescuer), processed in order. */
  readonly scheduled: WorkStruct[];
  /** Thread runtime when the current item started or last woke (current_at). */
  currentAt: number;
  /** Checks the current item for hogging the CPU (wq_worker_tick's role). */
  readonly hogCheck: SimEvent;
  lastActive: number;
  readonly rescuer: boolean;
}

export interface WorkerPool {
  readonly id: number;
  /** Bound CPU, or -1 for an unbound pool. */
  readonly cpu: number;
  readonly nice: number;
  readonly allowed: number[];
  readonly worklist: WorkStruct[];
  readonly workers: Worker[];
  /** Most recently idled first (list_add to the head). */
  readonly idle: Worker[];
  nrRunning: number;
  /** Worker creation in progress (pool->manager). */
  manager: Worker | null;
  /** Items executing here, by work id (busy_hash). */
  readonly busy: Map<number, Worker>;
  readonly maydayTimer: TimerList;
  readonly idleTimer: SimEvent;
  nextWorkerId: number;
  /** Workers created and destroyed over the run. */
  created: number;
  destroyed: number;
}

export function needMoreWorker(pool: WorkerPool): boolean {
  return pool.worklist.length > 0 && pool.nrRunning === 0;
}

export function mayStartWorking(pool: WorkerPool): boolean {
  return pool.idle.length > 0;
}

export function keepWorking(pool: WorkerPool): boolean {
  return pool.worklist.length > 0 && pool.nrRunning <= 1;
}

export function needToCreateWorker(pool: WorkerPool): boolean {
  return needMoreWorker(pool) && !mayStartWorking(pool);
}

function tooManyWorkers(pool: WorkerPool): boolean {
  const nrIdle = pool.idle.length + (pool.manager !== null ? 1 : 0);
  const nrBusy = pool.workers.length - nrIdle;
  return nrIdle > 2 && (nrIdle - 2) * MAX_IDLE_WORKERS_RATIO >= nrBusy;
}

function setNrRunning(wqs: Workqueues, pool: WorkerPool, n: number): void {
  if (n < 0) wqs.k.warn("nr_running >= 0", `worker pool ${pool.id}: nr_running would drop to ${n}`);
  pool.nrRunning = n;
  wqs.k.trace.emit(TP.workqueue_nr_running, pool.cpu, pool.id, n);
}

/** worker_set_flags(): entering a NOT_RUNNING state gives back the nr_running share. */
export function workerSetFlags(wqs: Workqueues, w: Worker, flags: number): void {
  if ((flags & WORKER_NOT_RUNNING) !== 0 && (w.flags & WORKER_NOT_RUNNING) === 0 && !w.sleeping) setNrRunning(wqs, w.pool, w.pool.nrRunning - 1);
  w.flags |= flags;
}

/** worker_clr_flags(): leaving the last NOT_RUNNING state takes an nr_running share. */
export function workerClrFlags(wqs: Workqueues, w: Worker, flags: number): void {
  const old = w.flags;
  w.flags &= ~flags;
  if ((flags & WORKER_NOT_RUNNING) !== 0 && (old & WORKER_NOT_RUNNING) !== 0 && (w.flags & WORKER_NOT_RUNNING) === 0 && !w.sleeping) {
    setNrRunning(wqs, w.pool, w.pool.nrRunning + 1);
  }
}

/** kick_pool(): wake the first idle worker if the pool needs one. */
export function kickPool(wqs: Workqueues, pool: WorkerPool): boolean {
  if (!needMoreWorker(pool)) return false;
  const w = pool.idle[0];
  if (w === undefined) return false;
  wakeUpProcess(wqs.k, w.thread);
  return true;
}

/** wq_worker_sleeping(): a running worker blocks; wake another if work is waiting. */
export function wqWorkerSleeping(wqs: Workqueues, w: Worker): void {
  if ((w.flags & WORKER_NOT_RUNNING) !== 0 || w.sleeping) return;
  w.sleeping = true;
  const pool = w.pool;
  setNrRunning(wqs, pool, pool.nrRunning - 1);
  if (needMoreWorker(pool)) {
    if (w.currentPwq !== null) w.currentPwq.stats.cmWakeup++;
    kickPool(wqs, pool);
  }
}

/** wq_worker_running(): the sleeper runs again and takes its share back. */
export function wqWorkerRunning(wqs: Workqueues, w: Worker): void {
  if (!w.sleeping) return;
  if ((w.flags & WORKER_NOT_RUNNING) === 0) setNrRunning(wqs, w.pool, w.pool.nrRunning + 1);
  w.sleeping = false;
  w.currentAt = threadRuntime(wqs.k, w.thread);
  if (w.current !== null) armHogCheck(wqs, w, WQ_CPU_INTENSIVE_THRESH_NS);
}

/** sum_exec_runtime, as wq_worker_tick reads it (IRQ time excluded with IRQ time accounting). */
export function threadRuntime(k: Kernel, t: Thread): number {
  return taskRuntime(k, t);
}

function workerName(pool: WorkerPool, id: number): string {
  if (pool.cpu < 0) return `kworker/u${pool.id}:${id}`;
  return `kworker/${pool.cpu}:${id}${pool.nice < 0 ? "H" : ""}`;
}

/** create_worker(): a new kworker thread, attached to the pool, starting idle. */
export function createWorker(wqs: Workqueues, pool: WorkerPool): Worker {
  const k = wqs.k;
  const id = pool.nextWorkerId++;
  const w: Worker = {
    id,
    pool,
    thread: null as unknown as Thread,
    flags: WORKER_PREP | (pool.cpu < 0 ? WORKER_UNBOUND : 0),
    sleeping: false,
    current: null,
    currentPwq: null,
    scheduled: [],
    currentAt: 0,
    hogCheck: createEvent(() => hogCheck(wqs, w)),
    lastActive: k.now,
    rescuer: false,
  };
  pool.workers.push(w);
  pool.created++;
  workerEnterIdle(wqs, w);
  w.thread = k.spawn(
    { comm: workerName(pool, id), cpu: pool.cpu >= 0 ? pool.cpu : pool.allowed[0]!, allowed: pool.allowed, kernelThread: true, nice: pool.nice },
    () => workerThread(wqs, w),
  );
  wqs.workers.set(w.thread.pid, w);
  return w;
}

function workerEnterIdle(wqs: Workqueues, w: Worker): void {
  const pool = w.pool;
  w.flags |= WORKER_IDLE;
  w.lastActive = wqs.k.now;
  pool.idle.unshift(w);
  if (tooManyWorkers(pool) && pool.idleTimer.slot < 0) wqs.k.engine.after(pool.idleTimer, IDLE_WORKER_TIMEOUT_S * 1_000_000_000);
}

function workerLeaveIdle(w: Worker): void {
  w.flags &= ~WORKER_IDLE;
  const i = w.pool.idle.indexOf(w);
  if (i >= 0) w.pool.idle.splice(i, 1);
}

/**
 * idle_worker_timeout(): destroy workers idle longer than IDLE_WORKER_TIMEOUT while there
 * are too many, oldest first (the tail of the idle list).
 */
export function idleWorkerTimeout(wqs: Workqueues, pool: WorkerPool): void {
  const k = wqs.k;
  const timeout = IDLE_WORKER_TIMEOUT_S * 1_000_000_000;
  while (tooManyWorkers(pool)) {
    const w = pool.idle[pool.idle.length - 1]!;
    const expires = w.lastActive + timeout;
    if (k.now < expires) {
      k.engine.schedule(pool.idleTimer, expires);
      return;
    }
    pool.idle.pop();
    pool.workers.splice(pool.workers.indexOf(w), 1);
    pool.destroyed++;
    w.flags |= WORKER_DIE;
    wakeUpProcess(k, w.thread);
  }
}

const WORKER_DIE = 1 << 1;

/** find_worker_executing_work(). */
export function findWorkerExecutingWork(pool: WorkerPool, work: WorkStruct): Worker | undefined {
  return pool.busy.get(work.id);
}

/**
 * assign_work(): give `work` to `w`, unless another worker of the pool is executing it, in
 * which case it goes to that worker's scheduled list (non-reentrancy). Returns true if `w`
 * got it.
 */
export function assignWork(w: Worker, work: WorkStruct, from: WorkStruct[]): boolean {
  from.splice(from.indexOf(work), 1);
  const collision = findWorkerExecutingWork(w.pool, work);
  if (collision !== undefined && collision !== w) {
    collision.scheduled.push(work);
    return false;
  }
  w.scheduled.push(work);
  return true;
}

/**
 * worker_thread(): sleep idle until there is work and no running worker; start another
 * worker first if none would be left idle (manage_workers); then process items while
 * the pool needs this worker.
 */
function* workerThread(wqs: Workqueues, w: Worker): Handler {
  const k = wqs.k;
  const pool = w.pool;
  for (;;) {
    if ((w.flags & WORKER_DIE) !== 0) return;
    workerLeaveIdle(w);
    let working = false;
    for (;;) {
      if (!needMoreWorker(pool)) break;
      if (!mayStartWorking(pool) && (yield* manageWorkers(wqs, w))) continue;
      working = true;
      break;
    }
    if (working) {
      workerClrFlags(wqs, w, WORKER_PREP);
      do {
        const work = pool.worklist[0]!;
        if (assignWork(w, work, pool.worklist)) yield* processScheduledWorks(wqs, w);
      } while (keepWorking(pool));
      workerSetFlags(wqs, w, WORKER_PREP);
    }
    workerEnterIdle(wqs, w);
    yield k.schedule();
  }
}

/** manage_workers() -> maybe_create_worker(): only one manager per pool at a time. */
function* manageWorkers(wqs: Workqueues, w: Worker): Handler<boolean> {
  const pool = w.pool;
  if (pool.manager !== null) return false;
  pool.manager = w;
  yield* maybeCreateWorker(wqs, pool);
  pool.manager = null;
  return true;
}

/** kernel/workqueue.c: MAYDAY_INITIAL_TIMEOUT = HZ / 100 (at least 2 jiffies), MAYDAY_INTERVAL = HZ / 10. */
export function maydayInitialJiffies(hz: number): number {
  return Math.max(2, Math.floor(hz / 100));
}
export function maydayIntervalJiffies(hz: number): number {
  return Math.floor(hz / 10);
}

/**
 * maybe_create_worker(): create workers until the pool has an idle one. The mayday timer
 * runs meanwhile: if creation takes longer than MAYDAY_INITIAL_TIMEOUT, WQ_MEM_RECLAIM
 * workqueues' rescuers are summoned (pool_mayday_timeout).
 */
function* maybeCreateWorker(wqs: Workqueues, pool: WorkerPool): Handler {
  const k = wqs.k;
  for (;;) {
    wqs.timers.modTimer(pool.maydayTimer, k.jiffies + maydayInitialJiffies(k.hz), pool.cpu >= 0 ? pool.cpu : k.smpProcessorId());
    while (needToCreateWorker(pool)) {
      // kthread_create() sleeps until kthreadd has made the thread; a creation-stall fault
      // stretches that wait.
      yield k.sleep(wqs.createDelay());
      createWorker(wqs, pool);
    }
    wqs.timers.delTimer(pool.maydayTimer);
    if (!needToCreateWorker(pool)) return;
  }
}

/** process_scheduled_works(). */
export function* processScheduledWorks(wqs: Workqueues, w: Worker): Handler {
  while (w.scheduled.length > 0) yield* processOneWork(wqs, w, w.scheduled[0]!);
}

/**
 * process_one_work(): run one item. PENDING is cleared before the function runs (it may be
 * queued again meanwhile); the pwq's active slot is released after, letting the next
 * inactive item in.
 */
function* processOneWork(wqs: Workqueues, w: Worker, work: WorkStruct): Handler {
  const k = wqs.k;
  const pool = w.pool;
  const pwq = work.pwq!;
  w.scheduled.splice(w.scheduled.indexOf(work), 1);
  wqs.live.delete(work);
  pool.busy.set(work.id, w);
  w.current = work;
  w.currentPwq = pwq;
  if (pwq.wq.flags.cpuIntensive) workerSetFlags(wqs, w, WORKER_CPU_INTENSIVE);
  // A no-op for per-CPU pools (this worker counts in nr_running); chains execution for
  // NOT_RUNNING workers (unbound, CPU-intensive).
  kickPool(wqs, pool);
  work.pending = false;
  // set_work_pool_and_clear_pending(): smp_mb() after clearing PENDING, pairing with the
  // queueing side's test_and_set_bit(), so the function sees what the queuer stored.
  k.mem.mb(k.smpProcessorId());
  work.pool = pool;
  work.pwq = null;
  work.runningSeq = work.queueSeq;
  pwq.stats.started++;
  wqs.stats.started++;
  wqs.onStart(pwq.wq, k.now - work.queuedAt);
  const t0 = threadRuntime(k, w.thread);
  w.currentAt = t0;
  if (!w.rescuer && pool.cpu >= 0) armHogCheck(wqs, w, WQ_CPU_INTENSIVE_THRESH_NS);
  k.trace.emit(TP.workqueue_execute_start, k.smpProcessorId(), work.id);
  yield k.cpu(k.costs.work_dispatch);
  yield* work.fn(k, work);
  const leaked = k.thisCpu.preemptCount;
  if (leaked !== 0) {
    // kernel/workqueue.c process_one_work(): in_atomic() after the function returns.
    k.warn(
      "preempt_count balanced on work item exit",
      `BUG: workqueue leaked atomic, lock or RCU: ${w.thread.comm}[${w.thread.pid}]\n     preempt=0x${hex8(leaked)} lock=0->0 RCU=0->0 workfn=${work.func}`,
    );
  }
  k.trace.emit(TP.workqueue_execute_end, k.smpProcessorId(), work.id);
  k.engine.cancel(w.hogCheck);
  pwq.stats.completed++;
  pwq.stats.cpuTime += threadRuntime(k, w.thread) - t0;
  wqs.onEnd(pwq.wq, k.now - work.queuedAt);
  yield k.condResched();
  if ((w.flags & WORKER_CPU_INTENSIVE) !== 0) workerClrFlags(wqs, w, WORKER_CPU_INTENSIVE);
  pool.busy.delete(work.id);
  w.current = null;
  w.currentPwq = null;
  work.finishedSeq = work.runningSeq;
  wqs.pwqDecNrInFlight(pwq);
  wqs.wakeFlushers(work, pwq.wq);
}

function armHogCheck(wqs: Workqueues, w: Worker, after: number): void {
  wqs.k.engine.cancel(w.hogCheck);
  wqs.k.engine.after(w.hogCheck, Math.max(1, after));
}

/**
 * wq_worker_tick()'s check: an item on a per-CPU pool that has used more than
 * wq_cpu_intensive_thresh_us of CPU without sleeping is marked CPU_INTENSIVE and leaves
 * concurrency management, so it no longer holds up the rest of the pool.
 */
function hogCheck(wqs: Workqueues, w: Worker): void {
  if (w.current === null || w.sleeping || (w.flags & WORKER_CPU_INTENSIVE) !== 0) return;
  const used = threadRuntime(wqs.k, w.thread) - w.currentAt;
  if (used < WQ_CPU_INTENSIVE_THRESH_NS) {
    armHogCheck(wqs, w, WQ_CPU_INTENSIVE_THRESH_NS - used);
    return;
  }
  workerSetFlags(wqs, w, WORKER_CPU_INTENSIVE);
  w.currentPwq!.stats.cpuIntensive++;
  kickPool(wqs, w.pool);
}
