/**
 * The sampler behind snapshots (observe/snapshot.ts): `SnapshotHistory` keeps counter
 * samples taken between slices of events, so rates cover a window, and one trace listener
 * doing O(1) bookkeeping per event (which softirq vector or tasklet each CPU runs, NAPI
 * budget used, drops per device, the CPU strips) plus a bounded ring of formatted trace
 * lines for the event-log tail.
 */
import type { System } from "../system/boot.js";
import { ACCT_HARDIRQ, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER, type Cpu } from "../sim/cpu.js";
import { FRAME_HARDIRQ, FRAME_SOFTIRQ, FRAME_SWITCH } from "../sim/frame.js";
import { SOFTIRQ_OFFSET } from "../sim/preempt.js";
import { TP, type TracePoint } from "../sim/trace.js";
import { createFtraceFormatter } from "./ftrace.js";
import type { Workqueue } from "../workqueue/workqueue.js";
import { ThreadSampler } from "./kernel_views.js";
import { RecentTrace } from "./recent_trace.js";
import { SeriesSampler } from "./series.js";

/** How much trace the dashboard's `w` key can write: the last 10 ms of simulated time. */
export const RECENT_TRACE_NS = 10_000_000;
import { type ContextKind, STRIP_CHARS, type TraceLineFormatter, type TraceRecord } from "./snapshot.js";

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
  /** Keep time series for charts (observe/series.ts): the live dashboard does. */
  series?: boolean;
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
  /** Runtime per thread over the last second, for %CPU. */
  readonly threads: ThreadSampler;
  /** Chart series, when asked for. */
  readonly series: SeriesSampler | null;
  /** The formatted trace of the last RECENT_TRACE_NS, for writing to a file. */
  readonly recent = new RecentTrace(RECENT_TRACE_NS, 200_000);

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
    this.threads = new ThreadSampler(sys);
    this.series = opts.series === true ? new SeriesSampler(sys) : null;
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
    this.threads.sample();
    this.series?.sample();
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
    this.recent.push(time, line);
    if (this.log.length < this.logCap) this.log.push(line);
    else {
      this.log[this.logHead] = line;
      this.logHead = (this.logHead + 1) % this.logCap;
    }
  }
}

export function sum(xs: readonly number[]): number {
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

export function contextKind(cpu: Cpu): ContextKind {
  const top = cpu.top;
  if (top.kind === FRAME_HARDIRQ) return "hardirq";
  if ((cpu.preemptCount & SOFTIRQ_OFFSET) !== 0 || top.kind === FRAME_SOFTIRQ) return "softirq";
  if (top.kind === FRAME_SWITCH) return "switch";
  if (cpu.stack.length === 1 && cpu.curr.idle) return "idle";
  return "thread";
}

export function wqCompleted(wq: Workqueue): number {
  let n = 0;
  for (const pwq of wq.pwqs.values()) n += pwq.stats.completed;
  return n;
}
