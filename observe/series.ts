/**
 * Time series for the dashboard's charts: one point per sample (a frame), each covering
 * the simulated time since the previous one -- per CPU the hardirq/softirq/system/user
 * split, delivered packets per second, interrupts per second, and the p99 latency of the
 * packets (or interrupts) of that interval alone (an HDR histogram of the interval: the
 * stage's histogram minus its copy at the previous sample). Bounded: the last `keep`.
 */
import type { System } from "../system/boot.js";
import { ACCT_HARDIRQ, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER } from "../sim/cpu.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import type { Histogram } from "hdr-histogram-js";

export interface SeriesPoint {
  /** Simulated time at the end of the interval, and its length. */
  time_ns: number;
  dt_ns: number;
  /** Per CPU: fractions (0..1) of the interval in each class. */
  cpus: { hardirq: number; softirq: number; system: number; user: number }[];
  delivered_pps: number;
  irq_hz: number;
  /** p99 of the latency stage's samples recorded in this interval, ns (0: none). */
  p99_ns: number;
}

export interface SeriesView {
  /** The latency stage the p99 line follows: the last one in a packet's way with samples. */
  stage: string;
  points: SeriesPoint[];
}

interface Prev {
  time: number;
  acct: number[][];
  delivered: number;
  irqs: number;
  hist: Histogram | null;
}

export class SeriesSampler {
  private readonly points: SeriesPoint[] = [];
  private prev: Prev;

  constructor(
    private readonly sys: System,
    private readonly keep = 240,
  ) {
    this.prev = this.read();
  }

  private stageOf(): { name: string; h: Histogram } {
    const stages = Object.values(this.sys.latency);
    const withSamples = stages.filter((l) => l.count > 0);
    const l = withSamples.length > 0 ? withSamples[withSamples.length - 1]! : stages[0]!;
    return { name: l.name, h: l.histogram };
  }

  private read(): Prev {
    const { k, net } = this.sys;
    for (const cpu of k.cpus) cpu.accrue();
    let irqs = 0;
    for (const d of k.irq.lines()) for (const n of d.kstat) irqs += n;
    const h = this.stageOf().h;
    return { time: k.now, acct: k.cpus.map((c) => c.acct.slice()), delivered: net.stats.delivered, irqs, hist: h.totalCount > 0 ? h.copyCorrectedForCoordinatedOmission(0) : null };
  }

  sample(): void {
    const cur = this.read();
    const p = this.prev;
    const dt = cur.time - p.time;
    if (dt <= 0) return;
    let p99 = 0;
    if (cur.hist !== null) {
      const interval = cur.hist.copyCorrectedForCoordinatedOmission(0);
      if (p.hist !== null && p.hist.totalCount <= interval.totalCount) interval.subtract(p.hist);
      if (interval.totalCount > 0) p99 = interval.getValueAtPercentile(99);
    }
    this.points.push({
      time_ns: cur.time,
      dt_ns: dt,
      cpus: cur.acct.map((a, i) => {
        const b = p.acct[i]!;
        const f = (cls: number): number => Math.max(0, Math.min(1, (a[cls]! - b[cls]!) / dt));
        return { hardirq: f(ACCT_HARDIRQ), softirq: f(ACCT_SOFTIRQ), system: f(ACCT_SYSTEM), user: f(ACCT_USER) };
      }),
      delivered_pps: Math.round(((cur.delivered - p.delivered) * NSEC_PER_SEC) / dt),
      irq_hz: Math.round(((cur.irqs - p.irqs) * NSEC_PER_SEC) / dt),
      p99_ns: p99,
    });
    if (this.points.length > this.keep) this.points.shift();
    this.prev = cur;
  }

  view(): SeriesView {
    return { stage: this.stageOf().name, points: this.points.slice() };
  }
}
