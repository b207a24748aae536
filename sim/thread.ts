/**
 * A schedulable thread (task_struct): kernel threads such as ksoftirqd/N and user tasks.
 * Its body is a generator; while it is off the CPU its frame keeps the remaining time of
 * the `cpu(ns)` segment it was preempted in, so it resumes exactly where it stopped.
 */
import { createEvent, type SimEvent } from "./engine.js";
import type { Frame } from "./frame.js";
import type { WaitQueue } from "./waitqueue.js";

export const TASK_RUNNING = 0; // on a CPU or on a run queue
export const TASK_INTERRUPTIBLE = 1; // sleeping
export const TASK_DEAD = 2;

export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;

/**
 * kernel/sched/core.c sched_prio_to_weight[]: load weight per nice level -20..19.
 * Nice 0 is 1024; each step is ~1.25x.
 */
export const SCHED_PRIO_TO_WEIGHT: readonly number[] = [
  88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904,
  3906, 3121, 2501, 1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87,
  70, 56, 45, 36, 29, 23, 18, 15,
];
export const NICE_0_LOAD = 1024;

/**
 * kernel/sched/core.c sched_prio_to_wmult[]: 2^32 / weight, precalculated, so the fair
 * class turns its divisions into a multiply and a shift (kernel/sched/fair.c __calc_delta).
 */
export const SCHED_PRIO_TO_WMULT: readonly number[] = [
  48388, 59856, 76040, 92818, 118348, 147320, 184698, 229616, 287308, 360437, 449829, 563644,
  704093, 875809, 1099582, 1376151, 1717300, 2157191, 2708050, 3363326, 4194304, 5237765, 6557202,
  8165337, 10153587, 12820798, 15790321, 19976592, 24970740, 31350126, 39045157, 49367440,
  61356676, 76695844, 95443717, 119304647, 148102320, 186737708, 238609294, 286331153,
];

export interface Thread {
  readonly pid: number;
  readonly comm: string;
  /** CPU whose run queue holds it (per-CPU kthreads and pinned tasks never move). */
  cpu: number;
  /** CPUs it may run on (cpus_ptr); more than one lets wake-ups place it (unbound kworkers). */
  allowed: number[];
  /** It blocked and has not run since (for wq_worker_running). */
  blocked: boolean;
  readonly kernelThread: boolean;
  readonly policy: number;
  /** Kernel prio as sched_switch prints it: 120 + nice for fair, 99 - rt_priority for RT. */
  readonly prio: number;
  readonly rtPriority: number;
  readonly weight: number;
  state: number;
  /** True while on a run queue (runnable, not current). */
  queued: boolean;
  vruntime: number;
  /** When it last got the CPU (for runtime and vruntime accounting). */
  execStart: number;
  /** Its CPU's irqtime at execStart (IRQ time accounting: not charged to the task). */
  execIrqtime: number;
  /** Total time on a CPU, ns (sum_exec_runtime). */
  runtimeNs: number;
  nvcsw: number; // voluntary switches (it slept)
  nivcsw: number; // involuntary switches (preempted)
  frame: Frame;
  /** Sleep timeout timer (schedule_timeout). */
  readonly timer: SimEvent;
  waitingOn: WaitQueue | null;
  /** Idle threads (swapper/N) never sit on a run queue. */
  readonly idle: boolean;
}

export interface ThreadSpec {
  pid: number;
  comm: string;
  cpu: number;
  /** Default: [cpu]. */
  allowed?: number[];
  kernelThread: boolean;
  policy?: number;
  nice?: number;
  rtPriority?: number;
  idle?: boolean;
}

export function createThread(spec: ThreadSpec, frame: Frame, onTimer: (t: Thread) => void): Thread {
  const policy = spec.policy ?? SCHED_NORMAL;
  const nice = spec.nice ?? 0;
  const rt = spec.rtPriority ?? 0;
  const t: Thread = {
    pid: spec.pid,
    comm: spec.comm,
    cpu: spec.cpu,
    allowed: spec.allowed ?? [spec.cpu],
    blocked: false,
    kernelThread: spec.kernelThread,
    policy,
    prio: policy === SCHED_FIFO ? 99 - rt : 120 + nice,
    rtPriority: rt,
    weight: SCHED_PRIO_TO_WEIGHT[nice + 20]!,
    state: TASK_RUNNING,
    queued: false,
    vruntime: 0,
    execStart: 0,
    execIrqtime: 0,
    runtimeNs: 0,
    nvcsw: 0,
    nivcsw: 0,
    frame,
    timer: createEvent(() => onTimer(t)),
    waitingOn: null,
    idle: spec.idle ?? false,
  };
  frame.thread = t;
  return t;
}
