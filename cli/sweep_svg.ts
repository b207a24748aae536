/**
 * `sweep --svg FILE`: the sweep's curves as SVG, from the same axes as `--plot`
 * (cli/sweep.ts sweepAxes): per series and x, the mean over seeds with its Student-t 95%
 * confidence interval (cli/sweep_stats.ts), and every run as a point.
 */
import type { SweepRecord } from "../system/sweep.js";
import { sweepAxes, type SweepFlags } from "./sweep_output.js";
import { summarise } from "./sweep_stats.js";
import { sweepSpec, type SweepMeanData } from "../report/charts.js";
import { renderSvg } from "../report/vega.js";

/** Axis titles with units where the metric's name says them. */
export function axisTitle(path: string): string {
  if (/_pps$/.test(path) || /\.rate$/.test(path)) return `${path} (packets/s)`;
  if (/_ns$/.test(path) || /^latency_ns\./.test(path)) return `${path} (ns)`;
  if (/_share$/.test(path)) return `${path} (fraction of CPU time)`;
  return path;
}

export function sweepMeans(runs: ReturnType<typeof sweepAxes>["runs"]): SweepMeanData[] {
  const groups = new Map<string, number[]>();
  for (const r of runs) {
    const key = JSON.stringify([r.series, r.x]);
    groups.set(key, [...(groups.get(key) ?? []), r.y]);
  }
  return [...groups].map(([key, ys]) => {
    const [series, x] = JSON.parse(key) as [string, number];
    const s = summarise(ys);
    return { series, x, mean: s.mean, lo: s.mean - s.ci95, hi: s.mean + s.ci95, n: s.n };
  });
}

export async function sweepSvg(records: SweepRecord[], flags: Pick<SweepFlags, "x" | "y">, title: string): Promise<string> {
  const { xKey, yPath, runs } = sweepAxes(records, flags, "--svg");
  return renderSvg(sweepSpec(runs, sweepMeans(runs), { x: axisTitle(xKey), y: axisTitle(yPath), title }));
}
