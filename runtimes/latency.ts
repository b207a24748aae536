/** Summaries shared by the runtime models. */
import { Latency, type LatencySummary } from "../sim/metrics.js";

/** One summary over several histograms (shards, several loops) without touching them. */
export function mergeLatency(ls: Latency[]): LatencySummary & { description: string } {
  if (ls.length === 1) return { description: ls[0]!.description, ...ls[0]!.summary() };
  const all = new Latency(ls[0]!.name, ls[0]!.description);
  for (const l of ls) all.histogram.add(l.histogram);
  return { description: all.description, ...all.summary() };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
