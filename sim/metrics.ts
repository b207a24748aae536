/**
 * Latency histograms (HdrHistogram via hdr-histogram-js): constant memory however long
 * the run, 3 significant digits, so p99.9 of a 10-second run costs what p99.9 of a 10 ms
 * run does.
 */
import * as hdr from "hdr-histogram-js";

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export class Latency {
  private readonly h = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: 3,
  });

  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  record(ns: number): void {
    this.h.recordValue(ns < 0 ? 0 : ns);
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary {
    const h = this.h;
    if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50),
      p90: h.getValueAtPercentile(90),
      p99: h.getValueAtPercentile(99),
      p999: h.getValueAtPercentile(99.9),
      max: h.maxValue,
      mean: Math.round(h.mean),
    };
  }

  /** The underlying histogram, for log2 bucket views. */
  get histogram(): hdr.Histogram {
    return this.h;
  }
}
