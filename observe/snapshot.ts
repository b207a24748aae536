/**
 * What a front-end sees of a running system: `takeSnapshot(sys, history)` returns a plain,
 * JSON-serialisable object (numbers, strings, arrays; no class instances, no functions),
 * so the terminal dashboard's components (tui/) render it without touching the
 * simulation, tests can build one by hand, and `dashboard --plain` prints one as text.
 *
 * Cost: the `SnapshotHistory` sampler runs between slices of events, never per event.
 * The one per-event part is a trace listener doing O(1) bookkeeping (which softirq vector
 * or tasklet a CPU is running, NAPI budget used, drops per device) and keeping a bounded
 * ring of the last formatted trace lines for the event-log tail.
 *
 * Rates and utilisation cover `window_ns`: the time from the oldest retained sample to now
 * (the sampler keeps `windowSamples` of them). Nothing here reads the wall clock; given the
 * same sampling times, a run gives the same snapshots.
 *
 * This file is the snapshot's shape; the sampler is observe/snapshot_sampler.ts and the
 * projection from a live system observe/snapshot_projection.ts.
 */
import type { TracePoint } from "../sim/trace.js";
import type { DmesgLine, MemoryView, PeripheralView, ThreadView } from "./kernel_views.js";
export type { DmesgLine, MemoryView, PeripheralView, ThreadView };
import type { SeriesView } from "./series.js";
export type { SeriesPoint, SeriesView } from "./series.js";

// ---------------------------------------------------------------------------------------
// The snapshot's shape
// ---------------------------------------------------------------------------------------

/**
 * What a CPU is doing at the snapshot's instant, innermost context first:
 * hardirq (a top half), softirq (serving a softirq, at irq_exit or in ksoftirqd), switch
 * (context_switch() itself), thread (a kernel thread or user task), idle (swapper/N).
 */
export type ContextKind = "hardirq" | "softirq" | "switch" | "thread" | "idle";

export interface CpuContext {
  kind: ContextKind;
  /** Human label: `hardirq 24 nic0`, `softirq NET_RX`, `app`, `idle`. */
  label: string;
  /** hardirq: the line; -1 otherwise. */
  irq: number;
  /** softirq: the vector's name (`NET_RX`) or "" between vectors. */
  vec: string;
  /** The thread at process level (`swapper/0` when idle). */
  comm: string;
  pid: number;
}

/** Nanoseconds per accounting class over the window (as /proc/stat splits CPU time). */
export interface CpuUtil {
  hardirq: number;
  softirq: number;
  system: number;
  user: number;
  idle: number;
}

/**
 * Recent-history strip alphabet, one character per sample interval, oldest first. The
 * letter is the busiest non-idle class in the interval; upper case when the CPU was busy
 * for at least half of it, lower case when less; `.` when it was idle throughout.
 */
export const STRIP_CHARS = { hardirq: "H", softirq: "S", system: "K", user: "U", idle: "." } as const;

export interface CpuLane {
  cpu: number;
  context: CpuContext;
  preempt_count: number;
  irqs_disabled: boolean;
  /** Runnable threads waiting on this CPU's run queue. */
  nr_running: number;
  context_switches: number;
  /** See STRIP_CHARS. */
  strip: string;
  util_ns: CpuUtil;
}

export interface IrqLine {
  irq: number;
  /** The handlers' names, comma-separated, as /proc/interrupts prints them. */
  name: string;
  chip: string;
  affinity: number[];
  per_cpu: number[];
  total: number;
  /** Handler invocations per second over the window. */
  rate_hz: number;
  /** Who holds it masked: `disable_irq` (the line), `device` (the NIC's IMC), or null. */
  masked_by: "disable_irq" | "device" | null;
  /** An assert is waiting (latched on a CPU, held while masked, or in flight). */
  pending: boolean;
}

export interface SoftirqVector {
  vec: number;
  name: string;
  /** Action runs per CPU since boot (/proc/softirqs). */
  per_cpu: number[];
  /** Action runs per second over the window, all CPUs. */
  rate_hz: number;
  /** raise_softirq calls per second over the window, all CPUs. */
  raised_hz: number;
}

export interface KsoftirqdView {
  cpu: number;
  comm: string;
  pid: number;
  state: "running" | "runnable" | "sleeping";
  /** handle_softirqs runs at irq_exit/local_bh_enable versus in ksoftirqd. */
  runs_inline: number;
  runs_ksoftirqd: number;
  /** Why handle_softirqs left work to ksoftirqd. */
  deferred: { restart_limit: number; time_limit: number; need_resched: number };
}

export interface TaskletView {
  name: string;
  /** TASKLET_STATE_SCHED. */
  scheduled: boolean;
  /** TASKLET_STATE_RUN holder, -1 if not running. */
  running_on: number;
  runs: number;
}

export interface SoftirqView {
  /** __softirq_pending per CPU as a bitmask (bit n = vector n). */
  pending: number[];
  /** The same bits as vector names, per CPU. */
  pending_names: string[][];
  /** The vector each CPU is executing right now, "" if none. */
  running: string[];
  vectors: SoftirqVector[];
  ksoftirqd: KsoftirqdView[];
  tasklets: TaskletView[];
}

export interface NapiCpuView {
  cpu: number;
  /** softnet_data.poll_list: NAPI instances waiting for NET_RX, in order. */
  poll_list: string[];
  /** Packets in the per-CPU backlog (input_pkt_queue + process_queue). */
  backlog: number;
  /** Packets the last finished net_rx_action on this CPU processed, of `budget`. */
  last_budget_used: number;
  /** netdev_budget. */
  budget: number;
  /** net_rx_action runs that ran out of budget or time (softnet_stat column 3). */
  time_squeeze: number;
  processed: number;
  dropped: number;
}

export interface NapiInstanceView {
  name: string;
  weight: number;
  /** NAPI_STATE_SCHED. */
  scheduled: boolean;
  polls: number;
  packets: number;
  /** Polls that used the whole weight (it stays on the poll list). */
  full_polls: number;
  completions: number;
  /** Packets its last poll returned, -1 before the first poll. */
  last_work: number;
}

export interface NapiView {
  cpus: NapiCpuView[];
  instances: NapiInstanceView[];
}

/**
 * One worker pool as a workqueue sees it (a pool_workqueue in CMWQ terms). `workers`,
 * `idle` and `nr_running` belong to the pool, which other workqueues may share; `pending`
 * and `in_flight` count this workqueue's items only.
 */
export interface WorkerPoolView {
  /** The pool's name as the kernel shows it in kworker names: `0` (cpu0), `0H` (cpu0 highpri), `u8` (unbound). */
  pool: string;
  /** The CPU it serves, -1 for an unbound pool. */
  cpu: number;
  /** Kworkers in the pool, and how many of them are idle. */
  workers: number;
  idle: number;
  /** Workers running and not blocked: concurrency management's nr_running. */
  nr_running: number;
  /** Items of this workqueue queued on the pool, not yet started (pwq active + inactive). */
  pending: number;
  /** Items of this workqueue executing on the pool's workers now. */
  in_flight: number;
}

/** One workqueue (`alloc_workqueue` name) and its pools. */
export interface WorkqueueView {
  name: string;
  /** WQ_* flags set, e.g. ["WQ_UNBOUND", "WQ_HIGHPRI"]; "__WQ_ORDERED" for ordered ones. */
  flags: string[];
  max_active: number;
  /** Sums over `pools`. */
  pending: number;
  in_flight: number;
  /** Work items executed since boot, and per second over the window. */
  executed: number;
  rate_hz: number;
  pools: WorkerPoolView[];
}

export interface DeviceView {
  name: string;
  type: "nic";
  /** How the driver splits its work: irq, napi, tasklet. */
  mode: string;
  /** The first queue's IRQ; queue q uses irq + q. */
  irq: number;
  /** Receive queues (RSS), each with its own ring and vector. */
  queues: number;
  /** Descriptors holding packets, and descriptors in all, over every queue's ring. */
  ring_fill: number;
  ring_size: number;
  /** The device's interrupts masked by its driver (IMC written). */
  masked: boolean;
  rx_packets: number;
  /** Packets taken into the ring per second over the window. */
  rx_rate_hz: number;
  interrupts: number;
  /** Packets of this device dropped, by reason (the "drop_reason" names net/dev.ts registers), since boot. */
  drops: Record<string, number>;
}

/** Latency bucket: `count` samples with value in [lo_ns, hi_ns). */
export interface LatencyBucket {
  lo_ns: number;
  hi_ns: number;
  count: number;
}

export interface LatencyStage {
  name: string;
  description: string;
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Power-of-two buckets from the lowest to the highest recorded value. */
  buckets: LatencyBucket[];
}

export interface Snapshot {
  scenario: string;
  description: string;
  seed: number;
  time_ns: number;
  duration_ns: number;
  events: number;
  /** The time the rates and utilisation cover (oldest retained sample to now). */
  window_ns: number;
  packets: { arrived: number; delivered: number; dropped: number; in_flight: number };
  cpus: CpuLane[];
  irqs: IrqLine[];
  softirqs: SoftirqView;
  napi: NapiView;
  /** Every alloc_workqueue'd workqueue (none in scenarios without one); see WorkqueueView. */
  workqueues: WorkqueueView[];
  devices: DeviceView[];
  latency: LatencyStage[];
  /** The last trace lines in ftrace text format, oldest first. */
  log: string[];
  /** Kernel log lines so far (dmesg). */
  dmesg_lines: number;
  /** The last kernel log lines (BUG reports, "nobody cared"), oldest first. */
  dmesg: DmesgLine[];
  /** Every thread but the idle ones, pid order; %CPU covers `thread_window_ns`. */
  threads: ThreadView[];
  thread_window_ns: number;
  /** Devices other than NICs (UART, block, noisy lines, hrtimers), scenario order. */
  peripherals: PeripheralView[];
  memory: MemoryView;
  /** Chart series (only when the history keeps them: the live dashboard), else null. */
  series: SeriesView | null;
}

// ---------------------------------------------------------------------------------------
// What the sampler records of the trace
// ---------------------------------------------------------------------------------------

/** Formats one trace point as an ftrace text line, or null if ftrace would not print it. */
export type TraceLineFormatter = (tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number) => string | null;

/** One raw trace point, as captured during a single step. */
export interface TraceRecord {
  tp: TracePoint;
  time: number;
  cpu: number;
  a: number;
  b: number;
  c: number;
}
