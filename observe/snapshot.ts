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
 */
import type { System } from "../system/boot.js";
import { ACCT_HARDIRQ, ACCT_IDLE, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER, type Cpu } from "../sim/cpu.js";
import { FRAME_HARDIRQ, FRAME_SOFTIRQ, FRAME_SWITCH } from "../sim/frame.js";
import { SOFTIRQ_OFFSET } from "../sim/preempt.js";
import { TASK_RUNNING, type Thread } from "../sim/thread.js";
import { TP, type TracePoint } from "../sim/trace.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import { packetsInFlight } from "../system/invariants.js";
import { createFtraceFormatter } from "./ftrace.js";
import type { WorkerPool } from "../workqueue/pool.js";
import type { Workqueue } from "../workqueue/workqueue.js";
import * as hdr from "hdr-histogram-js";

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
}

// ---------------------------------------------------------------------------------------
// The history sampler
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

export interface HistoryOptions {
  /**
   * Formats trace points for the event-log tail. Default: ftrace's text format
   * (observe/ftrace.ts); null keeps no log (and saves formatting every trace point).
   */
  formatter?: TraceLineFormatter | null;
  /** Formatted trace lines kept (default 64). */
  logLines?: number;
  /** Characters in each CPU's history strip (default 64). */
  stripLength?: number;
  /** Samples kept for rates and utilisation (default 16; 2 = just the last interval). */
  windowSamples?: number;
}

export interface CounterSample {
  time: number;
  acct: number[][];
  irqTotals: number[];
  softirqRuns: number[];
  softirqRaised: number[];
  rx: number[];
  /** Work items completed per workqueue (sys.wqs.workqueues order). */
  wqDone: number[];
}

const ACCT_ORDER = [ACCT_HARDIRQ, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER] as const;
const ACCT_LETTER = [STRIP_CHARS.hardirq, STRIP_CHARS.softirq, STRIP_CHARS.system, STRIP_CHARS.user] as const;

export class SnapshotHistory {
  readonly strips: string[];
  /** The softirq vector each CPU is in (-1 none) and the tasklet it runs (-1 none). */
  readonly runningVec: number[];
  readonly runningTasklet: number[];
  /** Packets processed by the net_rx_action in progress / last finished, per CPU. */
  private readonly netRxWork: number[];
  readonly lastBudgetUsed: number[];
  /** Last napi_poll work per device index (any of its queues). */
  readonly lastNapiWork = new Map<number, number>();
  /** Drops per [device index][reason]. */
  readonly deviceDrops: number[][];
  private readonly samples: CounterSample[] = [];
  private readonly windowSamples: number;
  private readonly stripLength: number;
  private readonly logCap: number;
  private readonly log: string[] = [];
  private logHead = 0;
  /** The NET_RX vector, from the names the softirq subsystem registered. */
  private readonly netRxVec: number;
  private formatter: TraceLineFormatter | null;
  private captured: TraceRecord[] | null = null;
  private readonly detach: () => void;

  constructor(
    readonly sys: System,
    opts: HistoryOptions = {},
  ) {
    const n = sys.k.cpus.length;
    this.strips = Array.from({ length: n }, () => "");
    this.runningVec = new Array<number>(n).fill(-1);
    this.runningTasklet = new Array<number>(n).fill(-1);
    this.netRxWork = new Array<number>(n).fill(0);
    this.lastBudgetUsed = new Array<number>(n).fill(0);
    this.netRxVec = sys.k.trace.names("softirq").indexOf("NET_RX");
    this.deviceDrops = sys.nics.map(() => sys.k.trace.names("drop_reason").map(() => 0));
    this.windowSamples = Math.max(2, opts.windowSamples ?? 16);
    this.stripLength = Math.max(1, opts.stripLength ?? 64);
    this.logCap = Math.max(1, opts.logLines ?? 64);
    // The ftrace formatter reads live CPU state (current task, flags), so it must run as
    // each trace point is emitted, not later.
    this.formatter = opts.formatter === undefined ? createFtraceFormatter(sys) : opts.formatter;
    this.detach = sys.k.trace.on((tp, time, cpu, a, b, c) => this.onTrace(tp, time, cpu, a, b, c));
    this.samples.push(this.counters());
  }

  /** Installs (or replaces) the event-log formatter. */
  setFormatter(f: TraceLineFormatter | null): void {
    this.formatter = f;
  }

  get hasFormatter(): boolean {
    return this.formatter !== null;
  }

  /** Stops listening to the trace. */
  dispose(): void {
    this.detach();
  }

  /**
   * Records one sample: a strip cell per CPU (what the CPU did since the last sample) and
   * the counters rates are computed from. Call it between slices, as often as a frame.
   */
  sample(): void {
    const prev = this.samples[this.samples.length - 1]!;
    const cur = this.counters();
    const dt = cur.time - prev.time;
    this.sys.k.cpus.forEach((cpu, i) => {
      const cell = dt > 0 ? stripCell(cur.acct[i]!, prev.acct[i]!, dt) : stripNow(cpu);
      const s = this.strips[i]! + cell;
      this.strips[i] = s.length > this.stripLength ? s.slice(s.length - this.stripLength) : s;
    });
    if (dt === 0 && this.samples.length > 1) this.samples[this.samples.length - 1] = cur;
    else this.samples.push(cur);
    if (this.samples.length > this.windowSamples) this.samples.shift();
  }

  /** The last `n` formatted trace lines, oldest first. */
  logTail(n = this.logCap): string[] {
    const len = this.log.length;
    const k = Math.min(n, len);
    const out: string[] = [];
    for (let i = len - k; i < len; i++) out.push(this.log[(this.logHead + i) % len]!);
    return out;
  }

  /** Starts collecting raw trace points (for explaining a single step). */
  startCapture(): void {
    this.captured = [];
  }

  /** Stops collecting and returns what was captured. */
  stopCapture(): TraceRecord[] {
    const r = this.captured ?? [];
    this.captured = null;
    return r;
  }

  /** The oldest retained sample, for rates. */
  get oldest(): Readonly<CounterSample> {
    return this.samples[0]!;
  }

  /** Counters as of now (brings CPU accounting up to now first). */
  counters(): CounterSample {
    const { k, softirq, nics } = this.sys;
    for (const cpu of k.cpus) cpu.accrue();
    const runs: number[] = [];
    const raised: number[] = [];
    for (let v = 0; v < k.trace.names("softirq").length; v++) {
      runs.push(sum(softirq.stats.counts[v]!));
      raised.push(sum(softirq.stats.raised[v]!));
    }
    return {
      time: k.now,
      acct: k.cpus.map((c) => c.acct.slice()),
      irqTotals: k.irq.lines().map((d) => sum(d.kstat)),
      softirqRuns: runs,
      softirqRaised: raised,
      rx: nics.map((n) => n.counters.rxPackets),
      wqDone: this.sys.wqs.workqueues.map(wqCompleted),
    };
  }

  private onTrace(tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number): void {
    switch (tp) {
      case TP.softirq_entry:
        this.runningVec[cpu] = a;
        break;
      case TP.softirq_exit:
        this.runningVec[cpu] = -1;
        if (a === this.netRxVec) {
          this.lastBudgetUsed[cpu] = this.netRxWork[cpu]!;
          this.netRxWork[cpu] = 0;
        }
        break;
      case TP.napi_poll:
        this.netRxWork[cpu]! += b;
        this.lastNapiWork.set(a, b);
        break;
      case TP.tasklet_entry:
        this.runningTasklet[cpu] = a;
        break;
      case TP.tasklet_exit:
        this.runningTasklet[cpu] = -1;
        break;
      case TP.pkt_drop: {
        const d = this.deviceDrops[a];
        if (d !== undefined && d[c] !== undefined) d[c]!++;
        break;
      }
    }
    if (this.captured !== null) this.captured.push({ tp, time, cpu, a, b, c });
    const f = this.formatter;
    if (f === null) return;
    const line = f(tp, time, cpu, a, b, c);
    if (line === null) return;
    if (this.log.length < this.logCap) this.log.push(line);
    else {
      this.log[this.logHead] = line;
      this.logHead = (this.logHead + 1) % this.logCap;
    }
  }
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function stripCell(cur: readonly number[], prev: readonly number[], dt: number): string {
  let best = -1;
  let bestNs = 0;
  let busy = 0;
  ACCT_ORDER.forEach((cls, i) => {
    const d = cur[cls]! - prev[cls]!;
    busy += d;
    if (d > bestNs) {
      bestNs = d;
      best = i;
    }
  });
  if (best < 0) return STRIP_CHARS.idle;
  const ch = ACCT_LETTER[best]!;
  return 2 * busy >= dt ? ch : ch.toLowerCase();
}

/** A zero-length interval (a single step): the current context, in upper case. */
function stripNow(cpu: Cpu): string {
  const kind = contextKind(cpu);
  switch (kind) {
    case "hardirq":
      return STRIP_CHARS.hardirq;
    case "softirq":
      return STRIP_CHARS.softirq;
    case "idle":
      return STRIP_CHARS.idle;
    case "switch":
      return STRIP_CHARS.system;
    case "thread":
      return cpu.top.user ? STRIP_CHARS.user : STRIP_CHARS.system;
  }
}

function contextKind(cpu: Cpu): ContextKind {
  const top = cpu.top;
  if (top.kind === FRAME_HARDIRQ) return "hardirq";
  if ((cpu.preemptCount & SOFTIRQ_OFFSET) !== 0 || top.kind === FRAME_SOFTIRQ) return "softirq";
  if (top.kind === FRAME_SWITCH) return "switch";
  if (cpu.stack.length === 1 && cpu.curr.idle) return "idle";
  return "thread";
}

// ---------------------------------------------------------------------------------------
// takeSnapshot
// ---------------------------------------------------------------------------------------

function rateHz(n: number, ns: number): number {
  return ns > 0 ? Math.round((n * NSEC_PER_SEC) / ns) : 0;
}

/** What `cpu` is doing now, as a label a person can read (see ContextKind). */
export function cpuContext(sys: System, history: SnapshotHistory, cpu: Cpu): CpuContext {
  const kind = contextKind(cpu);
  const curr = cpu.curr;
  const make = (label: string, irq = -1, vec = ""): CpuContext => ({ kind, label, irq, vec, comm: curr.comm, pid: curr.pid });
  switch (kind) {
    case "hardirq": {
      const irq = cpu.top.irq;
      const desc = sys.k.irq.lines().find((d) => d.irq === irq);
      const name = desc === undefined ? "" : ` ${desc.actions.map((a) => a.name).join(",")}`;
      return make(`hardirq ${irq}${name}`, irq);
    }
    case "softirq": {
      const v = history.runningVec[cpu.id]!;
      const vec = v >= 0 ? (sys.k.trace.names("softirq")[v] ?? String(v)) : "";
      const t = history.runningTasklet[cpu.id]!;
      const tasklet = t >= 0 ? ` ${String(sys.k.trace.object("tasklet", t)?.name ?? `tasklet#${t}`)}` : "";
      const where = cpu.top.kind === FRAME_SOFTIRQ ? "" : ` in ${curr.comm}`;
      return make(`softirq ${vec || "pass"}${tasklet}${where}`, -1, vec);
    }
    case "switch":
      return make(`switch -> ${curr.comm}`);
    case "idle":
      return make("idle");
    case "thread": {
      // A kworker shows the work function it executes, as `ps` would not but ftrace does.
      const work = sys.wqs.workers.get(curr.pid)?.current?.func;
      return make(work === undefined ? curr.comm : `${curr.comm} ${work}`);
    }
  }
}

/** Every CPU's context, in CPU order. */
export function cpuContexts(sys: System, history: SnapshotHistory): CpuContext[] {
  return sys.k.cpus.map((cpu) => cpuContext(sys, history, cpu));
}

function threadState(cpu: Cpu, t: Thread): KsoftirqdView["state"] {
  if (cpu.curr === t) return "running";
  return t.state === TASK_RUNNING ? "runnable" : "sleeping";
}

function log2Buckets(h: hdr.Histogram, maxBuckets = 24): LatencyBucket[] {
  if (h.totalCount === 0 || !(h instanceof hdr.JsHistogram)) return [];
  const counts = new Map<number, number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    const v = h.valueFromIndex(i);
    const b = v < 1 ? 0 : Math.floor(Math.log2(v));
    counts.set(b, (counts.get(b) ?? 0) + c);
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (hi - lo + 1 > maxBuckets) {
    // Fold the lowest buckets into the first kept one: the tail is what matters.
    const first = hi - maxBuckets + 1;
    let folded = 0;
    for (let b = lo; b < first; b++) folded += counts.get(b) ?? 0;
    counts.set(first, (counts.get(first) ?? 0) + folded);
    lo = first;
  }
  const out: LatencyBucket[] = [];
  for (let b = lo; b <= hi; b++) out.push({ lo_ns: b === 0 ? 0 : 2 ** b, hi_ns: 2 ** (b + 1), count: counts.get(b) ?? 0 });
  return out;
}

function wqCompleted(wq: Workqueue): number {
  let n = 0;
  for (const pwq of wq.pwqs.values()) n += pwq.stats.completed;
  return n;
}

/** The kworker name's pool part: `0` (cpu0), `0H` (cpu0 highpri), `u9` (unbound pool 9). */
export function poolName(pool: WorkerPool): string {
  return pool.cpu >= 0 ? `${pool.cpu}${pool.nice < 0 ? "H" : ""}` : `u${pool.id}`;
}

function wqFlagNames(wq: Workqueue): string[] {
  const f = wq.flags;
  const out: string[] = [];
  if (f.unbound) out.push("WQ_UNBOUND");
  if (f.highpri) out.push("WQ_HIGHPRI");
  if (f.memReclaim) out.push("WQ_MEM_RECLAIM");
  if (f.cpuIntensive) out.push("WQ_CPU_INTENSIVE");
  if (f.ordered) out.push("__WQ_ORDERED");
  return out;
}

/**
 * Workqueues as the dashboard shows them, from the workqueue subsystem (workqueue/): each
 * workqueue's pool_workqueues, with the shared pool's workers and nr_running beside this
 * workqueue's own pending and executing items. `executed` comes from `cur`/`old` samples.
 */
export function workqueueViews(sys: System, cur: CounterSample, old: CounterSample, windowNs: number): WorkqueueView[] {
  return sys.wqs.workqueues.map((wq, i) => {
    const pools: WorkerPoolView[] = [...wq.pwqs.values()].map((pwq) => {
      const pool = pwq.pool;
      let running = 0;
      for (const w of pool.busy.values()) if (w.currentPwq === pwq) running++;
      return {
        pool: poolName(pool),
        cpu: pool.cpu,
        workers: pool.workers.length,
        idle: pool.idle.length,
        nr_running: pool.nrRunning,
        pending: Math.max(0, pwq.nrInFlight - running),
        in_flight: running,
      };
    });
    const executed = cur.wqDone[i] ?? wqCompleted(wq);
    return {
      name: wq.name,
      flags: wqFlagNames(wq),
      max_active: wq.maxActive,
      pending: pools.reduce((a, p) => a + p.pending, 0),
      in_flight: pools.reduce((a, p) => a + p.in_flight, 0),
      executed,
      rate_hz: rateHz(executed - (old.wqDone[i] ?? 0), windowNs),
      pools,
    };
  });
}

/** The system as of now, plus what `history` remembers of the recent past. */
export function takeSnapshot(sys: System, history: SnapshotHistory): Snapshot {
  const { k, net, softirq, scenario } = sys;
  const now = k.now;
  const cur = history.counters();
  const old = history.oldest;
  const window = now - old.time;
  const lines = k.irq.lines();

  const cpus: CpuLane[] = k.cpus.map((cpu, i) => {
    const a = cur.acct[i]!;
    const b = old.acct[i]!;
    return {
      cpu: cpu.id,
      context: cpuContext(sys, history, cpu),
      preempt_count: cpu.preemptCount,
      irqs_disabled: cpu.irqsDisabled,
      nr_running: cpu.rq.length,
      context_switches: cpu.nrSwitches,
      strip: history.strips[i]!,
      util_ns: {
        hardirq: a[ACCT_HARDIRQ]! - b[ACCT_HARDIRQ]!,
        softirq: a[ACCT_SOFTIRQ]! - b[ACCT_SOFTIRQ]!,
        system: a[ACCT_SYSTEM]! - b[ACCT_SYSTEM]!,
        user: a[ACCT_USER]! - b[ACCT_USER]!,
        idle: a[ACCT_IDLE]! - b[ACCT_IDLE]!,
      },
    };
  });

  const rxQueues = sys.nics.flatMap((n) => n.queues);
  const irqs: IrqLine[] = lines.map((d, i) => {
    const queue = rxQueues.find((q) => q.desc === d);
    const total = cur.irqTotals[i]!;
    return {
      irq: d.irq,
      name: d.actions.map((a) => a.name).join(","),
      chip: d.chip,
      affinity: d.affinity.slice(),
      per_cpu: d.kstat.slice(),
      total,
      rate_hz: rateHz(total - (old.irqTotals[i] ?? 0), window),
      masked_by: d.depth > 0 ? "disable_irq" : queue !== undefined && queue.masked ? "device" : null,
      pending: k.irq.pendingCount(d) > 0,
    };
  });

  const softirqNames = k.trace.names("softirq");
  const pendingNames = (bits: number): string[] => softirqNames.filter((_, v) => (bits & (1 << v)) !== 0);
  const softirqs: SoftirqView = {
    pending: k.cpus.map((c) => c.softirqPending),
    pending_names: k.cpus.map((c) => pendingNames(c.softirqPending)),
    running: history.runningVec.map((v) => (v >= 0 ? (softirqNames[v] ?? String(v)) : "")),
    vectors: softirqNames.map((name, v) => ({
      vec: v,
      name,
      per_cpu: softirq.stats.counts[v]!.slice(),
      rate_hz: rateHz(cur.softirqRuns[v]! - old.softirqRuns[v]!, window),
      raised_hz: rateHz(cur.softirqRaised[v]! - old.softirqRaised[v]!, window),
    })),
    ksoftirqd: softirq.ksoftirqd.map((t, i) => ({
      cpu: i,
      comm: t.comm,
      pid: t.pid,
      state: threadState(k.cpus[t.cpu]!, t),
      runs_inline: softirq.stats.runsInline[i]!,
      runs_ksoftirqd: softirq.stats.runsKsoftirqd[i]!,
      deferred: {
        restart_limit: softirq.stats.deferredRestart[i]!,
        time_limit: softirq.stats.deferredTime[i]!,
        need_resched: softirq.stats.deferredResched[i]!,
      },
    })),
    tasklets: sys.tasklets.all.map((t) => ({ name: t.name, scheduled: t.sched, running_on: t.runningOn, runs: sum(t.stats.runs) })),
  };

  const napi: NapiView = {
    cpus: net.softnet.map((sd, cpu) => ({
      cpu,
      poll_list: sd.pollList.map((n) => n.name),
      backlog: sd.inputPktQueue.length + sd.processQueue.length,
      last_budget_used: history.lastBudgetUsed[cpu]!,
      budget: net.sysctl.netdevBudget,
      time_squeeze: sd.timeSqueeze,
      processed: sd.processed,
      dropped: sd.dropped,
    })),
    instances: rxQueues
      .filter((q) => q.napi !== null)
      .map((q) => {
        const n = q.napi!;
        return {
          name: n.name,
          weight: n.weight,
          scheduled: n.scheduled,
          polls: n.polls,
          packets: n.work,
          full_polls: n.fullPolls,
          completions: n.completes,
          last_work: history.lastNapiWork.get(n.dev) ?? -1,
        };
      }),
  };

  const devices: DeviceView[] = sys.nics.map((nic, i) => {
    const drops: Record<string, number> = {};
    k.trace.names("drop_reason").forEach((r, j) => (drops[r] = history.deviceDrops[i]![j]!));
    return {
      name: nic.spec.name,
      type: "nic",
      mode: nic.spec.mode,
      irq: nic.spec.irq,
      queues: nic.queues.length,
      ring_fill: nic.ringFill,
      ring_size: nic.spec.ringSize * nic.queues.length,
      masked: nic.masked,
      rx_packets: nic.counters.rxPackets,
      rx_rate_hz: rateHz(cur.rx[i]! - (old.rx[i] ?? 0), window),
      interrupts: nic.counters.interrupts,
      drops,
    };
  });

  const latency: LatencyStage[] = Object.values(sys.latency).map((l) => {
    const s = l.summary();
    return { name: l.name, description: l.description, count: s.count, p50: s.p50, p99: s.p99, p999: s.p999, max: s.max, buckets: log2Buckets(l.histogram) };
  });

  const dropped = sum(net.stats.dropped);
  return {
    scenario: scenario.name,
    description: scenario.description,
    seed: scenario.seed,
    time_ns: now,
    duration_ns: scenario.duration,
    events: k.engine.fired,
    window_ns: window,
    packets: { arrived: net.stats.arrived, delivered: net.stats.delivered, dropped, in_flight: packetsInFlight(sys) },
    cpus,
    irqs,
    softirqs,
    napi,
    workqueues: workqueueViews(sys, cur, old, window),
    devices,
    latency,
    log: history.logTail(),
    dmesg_lines: k.dmesg.length,
  };
}
