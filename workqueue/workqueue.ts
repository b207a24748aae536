/**
 * The workqueue subsystem's state and alloc_workqueue() (kernel/workqueue.c). A workqueue
 * is a front: its flags pick the pools (per-CPU normal/highpri, or unbound), max_active
 * limits how many of its items run at once per pool, and WQ_MEM_RECLAIM gives it a rescuer
 * thread for when workers cannot be created. The work happens in workqueue/pool.ts
 * (workers, concurrency management), queue.ts (queue_work and friends), flush.ts and
 * rescuer.ts.
 */
import type { Kernel } from "../sim/kernel.js";
import { createEvent } from "../sim/engine.js";
import { Latency } from "../sim/metrics.js";
import { wakeUp } from "../sim/sched.js";
import { TP } from "../sim/trace.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import type { Timers } from "../softirq/timer.js";
import {
  createWorker,
  idleWorkerTimeout,
  kickPool,
  maydayIntervalJiffies,
  needToCreateWorker,
  wqWorkerRunning,
  wqWorkerSleeping,
  type Pwq,
  type Worker,
  type WorkerPool,
} from "./pool.js";
import { createWork, type DelayedWork, type WorkFunc, type WorkStruct } from "./work.js";
import { createRescuer, sendMayday } from "./rescuer.js";
import { queueWorkOn, WORK_CPU_UNBOUND } from "./queue.js";

/** include/linux/workqueue.h. */
export const WQ_DFL_ACTIVE = 256;
export const WQ_MAX_ACTIVE = 512;

export interface WqFlags {
  unbound: boolean;
  highpri: boolean;
  memReclaim: boolean;
  cpuIntensive: boolean;
  /** __WQ_ORDERED: alloc_ordered_workqueue(), one item at a time in queueing order. */
  ordered: boolean;
}

export interface Workqueue {
  readonly name: string;
  readonly flags: WqFlags;
  maxActive: number;
  /** Pool id -> pwq. */
  readonly pwqs: Map<number, Pwq>;
  rescuer: Worker | null;
  /** pwqs that asked for the rescuer. */
  readonly maydays: Pwq[];
  /** flush_workqueue() waiters. */
  readonly flushWq: WaitQueue;
  /** queue->start and queue->end latency (wq_monitor's spirit, plus the latencies). */
  readonly queueToStart: Latency;
  readonly queueToEnd: Latency;
  /** Successful queue_work calls, and cancelled pending instances. */
  queued: number;
  cancelled: number;
}

/** A window during which kthread creation stalls (the scenario's fault). */
export interface CreationStall {
  at: number;
  duration: number;
}

export class Workqueues {
  /** pools[cpu][0] normal, [1] highpri. */
  readonly cpuPools: WorkerPool[][];
  /** Unbound pools: [0] normal, [1] highpri; allowed on every CPU. */
  readonly unboundPools: WorkerPool[];
  readonly workqueues: Workqueue[] = [];
  /** Worker by thread pid (for the scheduler hooks). */
  readonly workers = new Map<number, Worker>();
  readonly stats = { queued: 0, started: 0, cancelled: 0 };
  /**
   * The registry of queued work: every item between __queue_work and process_one_work (or
   * a cancel). The invariant walk finds each on the list its owner names; one on no list
   * is a lost work item.
   */
  readonly live = new Set<WorkStruct>();
  readonly stalls: CreationStall[] = [];
  private nextPoolId = 0;
  private nextWorkId = 0;

  constructor(
    readonly k: Kernel,
    readonly timers: Timers,
  ) {
    const all = k.cpus.map((c) => c.id);
    // workqueue_init_early() (6.9+): each CPU's two BH pools take ids before its two
    // normal pools (the BH pools themselves live in workqueue/bh.ts), so per-CPU pools are
    // 4c+2 and 4c+3 and the unbound ones, kworker/u<id>, start at 4 * nr_cpus.
    this.cpuPools = k.cpus.map((c) => {
      this.nextPoolId += 2;
      return [this.createPool(c.id, 0, [c.id]), this.createPool(c.id, -20, [c.id])];
    });
    this.unboundPools = [this.createPool(-1, 0, all), this.createPool(-1, -20, all)];
    // Like workqueue_init(): one idle worker per per-CPU pool at boot; unbound pools start
    // workers on demand.
    for (const pools of this.cpuPools) for (const pool of pools) createWorker(this, pool);
    for (const pool of this.unboundPools) createWorker(this, pool);
    k.hooks.threadSleeping = (t) => {
      const w = this.workers.get(t.pid);
      if (w !== undefined) wqWorkerSleeping(this, w);
    };
    k.hooks.threadRunning = (t) => {
      const w = this.workers.get(t.pid);
      if (w !== undefined) wqWorkerRunning(this, w);
    };
  }

  private createPool(cpu: number, nice: number, allowed: number[]): WorkerPool {
    const pool: WorkerPool = {
      id: this.nextPoolId++,
      cpu,
      nice,
      allowed,
      worklist: [],
      workers: [],
      idle: [],
      nrRunning: 0,
      manager: null,
      busy: new Map(),
      maydayTimer: this.timers.create(`pool${this.nextPoolId}.mayday`, () => this.poolMaydayTimeout(pool)),
      idleTimer: createEvent(() => idleWorkerTimeout(this, pool)),
      nextWorkerId: 0,
      created: 0,
      destroyed: 0,
    };
    return pool;
  }

  /** Every pool, per-CPU first. */
  pools(): WorkerPool[] {
    return [...this.cpuPools.flat(), ...this.unboundPools];
  }

  /** The items executing now, on any worker (the pools' busy hashes). */
  *running(): Iterable<WorkStruct> {
    for (const pool of this.pools()) for (const w of pool.busy.values()) if (w.current !== null) yield w.current;
  }

  /**
   * alloc_workqueue(name, flags, max_active): max_active 0 means WQ_DFL_ACTIVE; values are
   * clamped to [1, WQ_MAX_ACTIVE] with the kernel's warning. Ordered workqueues are
   * unbound with max_active 1.
   */
  allocWorkqueue(name: string, flags: Partial<WqFlags>, maxActive = 0): Workqueue {
    const f: WqFlags = { unbound: false, highpri: false, memReclaim: false, cpuIntensive: false, ordered: false, ...flags };
    if (f.ordered) f.unbound = true;
    let max = f.ordered ? 1 : maxActive === 0 ? WQ_DFL_ACTIVE : maxActive;
    if (max < 1 || max > WQ_MAX_ACTIVE) {
      // kernel/workqueue.c wq_clamp_max_active()
      this.k.printk(`workqueue: max_active ${max} requested for ${name} is out of range, clamping between 1 and ${WQ_MAX_ACTIVE}`);
      max = Math.min(Math.max(max, 1), WQ_MAX_ACTIVE);
    }
    const wq: Workqueue = {
      name,
      flags: f,
      maxActive: max,
      pwqs: new Map(),
      rescuer: null,
      maydays: [],
      flushWq: createWaitQueue(`${name}.flush`),
      queueToStart: new Latency(`${name}.queue_to_start`, `${name}: queue_work -> work function starts`),
      queueToEnd: new Latency(`${name}.queue_to_end`, `${name}: queue_work -> work function returns`),
      queued: 0,
      cancelled: 0,
    };
    const pools = f.unbound ? [this.unboundPools[f.highpri ? 1 : 0]!] : this.cpuPools.map((p) => p[f.highpri ? 1 : 0]!);
    for (const pool of pools) {
      wq.pwqs.set(pool.id, {
        wq,
        pool,
        nrActive: 0,
        inactive: [],
        nrInFlight: 0,
        stats: { started: 0, completed: 0, cpuTime: 0, cpuIntensive: 0, cmWakeup: 0, mayday: 0, rescued: 0 },
        onMayday: false,
      });
    }
    if (f.memReclaim) wq.rescuer = createRescuer(this, wq);
    this.workqueues.push(wq);
    return wq;
  }

  /** alloc_ordered_workqueue(). */
  allocOrderedWorkqueue(name: string, flags: Partial<WqFlags> = {}): Workqueue {
    return this.allocWorkqueue(name, { ...flags, ordered: true }, 1);
  }

  /** INIT_WORK(). */
  initWork(func: string, fn: WorkFunc, data: unknown = null): WorkStruct {
    const work = createWork(this.nextWorkId++, func, fn, data);
    this.k.trace.registerObject("work", work.id, { function: func });
    return work;
  }

  /** INIT_DELAYED_WORK(): its timer queues the work on expiry (delayed_work_timer_fn). */
  initDelayedWork(func: string, fn: WorkFunc, data: unknown = null): DelayedWork {
    const work = this.initWork(func, fn, data);
    const dwork: DelayedWork = {
      work,
      wq: null,
      cpu: WORK_CPU_UNBOUND,
      timer: this.timers.create(`${func}.timer`, () => {
        work.timer = null;
        queueWorkOn(this, dwork.cpu, dwork.wq!, work, true);
      }),
    };
    return dwork;
  }

  /**
   * workqueue_set_max_active(): a new limit on each pwq's active items; raising it lets
   * parked (inactive) items in at once, as pwq_adjust_max_active() does. Lowering it lets
   * the active ones finish; no new item starts until a pwq is under the new limit.
   */
  setMaxActive(wq: Workqueue, maxActive: number): void {
    if (wq.flags.ordered) return; // the kernel WARNs and refuses for __WQ_ORDERED
    wq.maxActive = Math.min(Math.max(maxActive, 1), WQ_MAX_ACTIVE);
    for (const pwq of wq.pwqs.values()) while (pwq.nrActive < wq.maxActive && this.activateFirstInactive(pwq));
  }

  /** pwq_activate_first_inactive(): the oldest parked item onto the pool's worklist; false if none. */
  private activateFirstInactive(pwq: Pwq): boolean {
    const next = pwq.inactive.shift();
    if (next === undefined) return false;
    next.inactive = false;
    pwq.nrActive++;
    this.k.trace.emit(TP.workqueue_activate_work, this.k.current?.id ?? -1, next.id);
    pwq.pool.worklist.push(next);
    next.owner = `pool ${pwq.pool.id} worklist`;
    kickPool(this, pwq.pool);
    return true;
  }

  /** The pwq `wq` uses on `pool`. */
  pwqOf(wq: Workqueue, pool: WorkerPool): Pwq {
    return wq.pwqs.get(pool.id)!;
  }

  /**
   * pwq_dec_nr_in_flight(): an item finished or was cancelled; release its active slot and
   * let the first inactive item in (pwq_activate_first_inactive).
   */
  pwqDecNrInFlight(pwq: Pwq): void {
    pwq.nrInFlight--;
    pwq.nrActive--;
    // Lowered by set_max_active, a pwq may still be at or over its limit.
    if (pwq.nrActive < pwq.wq.maxActive) this.activateFirstInactive(pwq);
  }

  wakeFlushers(work: WorkStruct, wq: Workqueue): void {
    wakeUp(this.k, work.done);
    wakeUp(this.k, wq.flushWq);
  }

  onStart(wq: Workqueue, ns: number): void {
    wq.queueToStart.record(ns);
    this.k.trace.measure("work_start", ns, this.workqueues.indexOf(wq)); // queue_work -> the function
  }

  onEnd(wq: Workqueue, ns: number): void {
    wq.queueToEnd.record(ns);
  }

  /** How long kthread_create takes now: the cost, or until a creation stall ends. */
  createDelay(): number {
    const now = this.k.now;
    let until = now + this.k.costs.worker_create;
    for (const s of this.stalls) if (now >= s.at && now < s.at + s.duration) until = Math.max(until, s.at + s.duration);
    return until - now;
  }

  /**
   * pool_mayday_timeout(): worker creation is taking too long; summon the rescuer of every
   * WQ_MEM_RECLAIM workqueue with items waiting in this pool, then check again every
   * MAYDAY_INTERVAL.
   */
  private poolMaydayTimeout(pool: WorkerPool): void {
    if (!needToCreateWorker(pool)) return;
    for (const work of pool.worklist) {
      const pwq = work.pwq;
      if (pwq !== null) sendMayday(this, pwq);
    }
    this.timers.modTimer(pool.maydayTimer, this.k.jiffies + maydayIntervalJiffies(this.k.hz), pool.cpu >= 0 ? pool.cpu : this.k.smpProcessorId());
  }
}
