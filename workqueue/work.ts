/**
 * Work items (include/linux/workqueue.h): a function to run later in process context, plus
 * the WORK_STRUCT_PENDING bit that makes queueing idempotent: queue_work() on a pending
 * item returns false. PENDING is cleared just before the function runs, so an item may be
 * queued again while it executes (and then runs once more, never concurrently with itself).
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import type { TimerList } from "../softirq/timer.js";
import type { Pwq, WorkerPool } from "./pool.js";
import type { Workqueue } from "./workqueue.js";

export type WorkFunc = (k: Kernel, work: WorkStruct) => Handler;

export interface WorkStruct {
  readonly id: number;
  /** The work function's name, as %ps prints it in traces. */
  readonly func: string;
  readonly fn: WorkFunc;
  /** Whatever the owner hangs on it (container_of in C). */
  data: unknown;
  /** WORK_STRUCT_PENDING. */
  pending: boolean;
  /** WORK_STRUCT_INACTIVE: parked on its pwq's inactive list by max_active. */
  inactive: boolean;
  /** The pwq it is queued on (while pending). */
  pwq: Pwq | null;
  /** The pool it last ran or was queued on (get_work_pool), for non-reentrancy. */
  pool: WorkerPool | null;
  /** A delayed work's timer, armed: pending but on no list yet. */
  timer: TimerList | null;
  /** Instance numbers: queued (each successful queue), finished and cancelled up to. */
  queueSeq: number;
  runningSeq: number;
  finishedSeq: number;
  cancelledSeq: number;
  queuedAt: number;
  /** While queued: the list it was last put on, and the event that put it there. */
  owner: string;
  touchedEvent: number;
  /** flush_work()/cancel_work_sync() waiters. */
  readonly done: WaitQueue;
}

export interface DelayedWork {
  readonly work: WorkStruct;
  readonly timer: TimerList;
  /** Where the timer will queue it. */
  wq: Workqueue | null;
  cpu: number;
}

/** INIT_WORK(); ids come from the owning kernel's workqueue subsystem (Workqueues.initWork). */
export function createWork(id: number, func: string, fn: WorkFunc, data: unknown = null): WorkStruct {
  return {
    id,
    func,
    fn,
    data,
    pending: false,
    inactive: false,
    pwq: null,
    pool: null,
    timer: null,
    queueSeq: 0,
    runningSeq: 0,
    finishedSeq: 0,
    cancelledSeq: 0,
    queuedAt: 0,
    owner: "",
    touchedEvent: 0,
    done: createWaitQueue(`${func}.done`),
  };
}
