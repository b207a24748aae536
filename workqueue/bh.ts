/**
 * BH workqueues (kernel/workqueue.c, Linux 6.9+: WQ_BH, system_bh_wq, bh_worker,
 * workqueue_softirq_action, kick_bh_pool), the replacement for tasklets: work items that
 * run in softirq context, from the TASKLET softirq (HI for WQ_HIGHPRI), on per-CPU BH
 * worker pools that have no kworker threads, no concurrency management and no max_active
 * (alloc_workqueue refuses WQ_BH with anything but WQ_HIGHPRI, or with a max_active).
 *
 * What they keep from workqueues is what tasklets did by spinning: a work item is never
 * run by two CPUs at once. __queue_work() sends an item that is still running on another
 * CPU's pool to that pool, where bh_worker picks it up after the current run; the queueing
 * CPU does nothing more. A tasklet found running elsewhere is instead put back on the
 * local list and the softirq raised again, over and over, until the other CPU is done
 * (softirq/tasklet.ts busy_elsewhere): that spin is what BH workqueues remove.
 *
 * bh_worker() runs the pool's items like worker_thread() (assign_work, process_scheduled_
 * works) for at most BH_WORKER_RESTARTS items and BH_WORKER_JIFFIES, then kicks the pool
 * (raises the softirq again) if work remains.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { TP } from "../sim/trace.js";
import { NSEC_PER_MSEC, NSEC_PER_SEC } from "../sim/time.js";
import { HI_SOFTIRQ, TASKLET_SOFTIRQ, type Softirq } from "../softirq/softirq.js";

/** Trace ids of BH work items start here, apart from those of ordinary work items. */
export const BH_WORK_ID_BASE = 0x40000000;

/** kernel/workqueue.c: BH_WORKER_JIFFIES = msecs_to_jiffies(2), BH_WORKER_RESTARTS = 10. */
export const BH_WORKER_RESTARTS = 10;
export const BH_WORKER_MSECS = 2;

export interface BhWork {
  readonly id: number;
  readonly func: string;
  readonly fn: (k: Kernel) => Handler;
  /** WORK_STRUCT_PENDING. */
  pending: boolean;
  /** The CPU whose BH pool runs it now, or -1. */
  runningOn: number;
  queuedAt: number;
  readonly stats: {
    queued: number;
    /** queue_work() found it PENDING: merged. */
    alreadyPending: number;
    /** Queued while running on another CPU: sent to that CPU's pool (non-reentrancy). */
    sentToRunningCpu: number;
    /** Runs per CPU. */
    runs: number[];
  };
}

export interface BhWorkqueue {
  readonly name: string;
  readonly highpri: boolean;
  readonly works: BhWork[];
}

interface BhPool {
  readonly cpu: number;
  readonly worklist: BhWork[];
}

export class BhWorkqueues {
  readonly workqueues: BhWorkqueue[] = [];
  /** Per CPU: [normal, highpri] BH pools (bh_worker_pools). */
  private readonly pools: BhPool[][];
  private readonly maxJiffies: number;
  private nextId = 0;

  constructor(
    private readonly k: Kernel,
    private readonly softirq: Softirq,
  ) {
    this.pools = k.cpus.map((c) => [
      { cpu: c.id, worklist: [] },
      { cpu: c.id, worklist: [] },
    ]);
    this.maxJiffies = Math.ceil((BH_WORKER_MSECS * NSEC_PER_MSEC * k.hz) / NSEC_PER_SEC);
    // tasklet_action() / tasklet_hi_action() call workqueue_softirq_action() first.
    for (const [nr, hi] of [[TASKLET_SOFTIRQ, 1], [HI_SOFTIRQ, 0]] as const) {
      const tasklets = softirq.actions[nr] ?? null;
      softirq.openSoftirq(nr, (kk) => this.softirqAction(kk, hi === 0, tasklets));
    }
  }

  /** alloc_workqueue(name, WQ_BH [| WQ_HIGHPRI], 0). */
  allocBhWorkqueue(name: string, highpri: boolean): BhWorkqueue {
    const wq: BhWorkqueue = { name, highpri, works: [] };
    this.workqueues.push(wq);
    return wq;
  }

  /** INIT_WORK() for an item that will go on `wq`. */
  initWork(wq: BhWorkqueue, func: string, fn: BhWork["fn"]): BhWork {
    const w: BhWork = {
      id: BH_WORK_ID_BASE + this.nextId++,
      func,
      fn,
      pending: false,
      runningOn: -1,
      queuedAt: 0,
      stats: { queued: 0, alreadyPending: 0, sentToRunningCpu: 0, runs: this.k.cpus.map(() => 0) },
    };
    wq.works.push(w);
    this.k.trace.registerObject("work", w.id, { function: func, workqueue: wq.name });
    return w;
  }

  /**
   * queue_work() -> __queue_work(): set PENDING or merge; the pool is this CPU's, unless the
   * item is running on another CPU's, which then runs it again. Kick the pool: raise the
   * softirq here (a pool already in bh_worker picks the item up without one).
   */
  queueWork(wq: BhWorkqueue, w: BhWork): boolean {
    const k = this.k;
    if (w.pending) {
      w.stats.alreadyPending++;
      return false;
    }
    w.pending = true;
    const here = k.smpProcessorId();
    k.mem.mb(here); // test_and_set_bit(WORK_STRUCT_PENDING_BIT): fully ordered
    let cpu = here;
    if (w.runningOn >= 0 && w.runningOn !== here) {
      cpu = w.runningOn;
      w.stats.sentToRunningCpu++;
    }
    w.stats.queued++;
    w.queuedAt = k.now;
    const pool = this.pools[cpu]![wq.highpri ? 1 : 0]!;
    pool.worklist.push(w);
    k.trace.emit(TP.workqueue_queue_work, here, w.id, -1, cpu);
    // kick_bh_pool(): only the local CPU's softirq is raised here; a remote pool got the
    // item because bh_worker is running it there and loops while its worklist has items.
    if (cpu === here) this.softirq.raiseSoftirq(wq.highpri ? HI_SOFTIRQ : TASKLET_SOFTIRQ);
    return true;
  }

  /** tasklet_action(): workqueue_softirq_action() -> bh_worker(), then the tasklets. */
  private *softirqAction(k: Kernel, highpri: boolean, tasklets: ((k: Kernel) => Handler) | null): Handler {
    yield* this.bhWorker(k, this.pools[k.smpProcessorId()]![highpri ? 1 : 0]!, highpri);
    if (tasklets !== null) yield* tasklets(k);
  }

  private *bhWorker(k: Kernel, pool: BhPool, highpri: boolean): Handler {
    if (pool.worklist.length === 0) return;
    let restarts = BH_WORKER_RESTARTS;
    const end = k.jiffies + this.maxJiffies;
    do {
      const w = pool.worklist.shift()!;
      yield* this.processOneWork(k, pool, w);
    } while (pool.worklist.length > 0 && --restarts > 0 && k.jiffies < end);
    // kick_pool() -> kick_bh_pool(): work left, so run again (a later softirq pass or ksoftirqd).
    if (pool.worklist.length > 0) this.softirq.raiseSoftirq(highpri ? HI_SOFTIRQ : TASKLET_SOFTIRQ);
  }

  /** process_one_work() in softirq context: clear PENDING, run, no sleeping allowed. */
  private *processOneWork(k: Kernel, pool: BhPool, w: BhWork): Handler {
    const cpu = pool.cpu;
    w.pending = false;
    k.mem.mb(cpu); // set_work_pool_and_clear_pending(): smp_mb()
    w.runningOn = cpu;
    w.stats.runs[cpu]!++;
    k.trace.measure("bh_work_start", k.now - w.queuedAt, w.id); // queue_work() -> the item starts
    k.trace.emit(TP.workqueue_execute_start, cpu, w.id);
    yield k.cpu(k.costs.work_dispatch);
    yield* w.fn(k);
    k.trace.emit(TP.workqueue_execute_end, cpu, w.id);
    w.runningOn = -1;
  }

}
