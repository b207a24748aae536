/**
 * `sweep --seeds N` (N > 1): every point (one combination of the varied values) summarised
 * over its seeds: the mean, a 95% confidence interval for the mean (Student's t with n - 1
 * degrees of freedom: mean +- t(0.975, n-1) * s / sqrt(n), s the sample standard deviation),
 * and the minimum and maximum, for every column of the table and the CSV.
 *
 * The seeds of a point are independent runs of the same model (every random stream is
 * seeded from the seed), which is what the t interval assumes; it says how well the mean
 * over these seeds pins down the mean over all seeds, not how runs spread (min/max do).
 */
import type { RunResult } from "../system/result.js";
import type { SweepRecord } from "../system/sweep.js";
import { renderTable } from "./table.js";

/** Two-sided 95% quantiles t(0.975, df) for df = 1..30 (any statistics table). */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z975 = 1.959963985;

/**
 * t(0.975, df): the table up to 30, then the Cornish-Fisher expansion of the t quantile
 * around the normal one (Abramowitz & Stegun 26.7.5), within 1e-4 of the exact value there.
 */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`t975: degrees of freedom ${df}`);
  if (df <= T975.length) return T975[df - 1]!;
  const z = Z975;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

export interface Stat {
  n: number;
  mean: number;
  /** Half-width of the 95% confidence interval of the mean (0 for one run). */
  ci95: number;
  min: number;
  max: number;
}

export function summarise(xs: number[]): Stat {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  let ci95 = 0;
  if (n > 1) {
    const s = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
    ci95 = (t975(n - 1) * s) / Math.sqrt(n);
  }
  return { n, mean, ci95, min: Math.min(...xs), max: Math.max(...xs) };
}

/** A column: its CSV/JSON name, table header, value from a result, and table format. */
export interface Metric {
  name: string;
  header: string;
  value: (r: RunResult) => number;
  format: (v: number) => string;
}

export interface PointStats {
  sweep: string;
  /** The index of the point's first run; its runs are the next `seeds.length` indices. */
  point: number;
  params: Record<string, string>;
  seeds: number[];
  stats: Record<string, Stat>;
}

/** Groups runs by their params (in sweep order) and summarises every metric. */
export function pointStats(records: SweepRecord[], metrics: Metric[]): PointStats[] {
  const groups = new Map<string, SweepRecord[]>();
  for (const r of records) {
    const key = JSON.stringify(r.params);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((runs) => ({
    sweep: runs[0]!.sweep,
    point: runs[0]!.index,
    params: runs[0]!.params,
    seeds: runs.map((r) => r.seed),
    stats: Object.fromEntries(metrics.map((m) => [m.name, summarise(runs.map((r) => m.value(r.result)))])),
  }));
}

/** One block of rows per point: mean, the CI half-width, min, max. */
export function statsTable(points: PointStats[], keys: string[], keyHeaders: string[], metrics: Metric[]): string {
  const cols = [...keyHeaders.map((header) => ({ header })), { header: "runs", align: "right" as const }, { header: "" }, ...metrics.map((m) => ({ header: m.header, align: "right" as const }))];
  const rows: string[][] = [];
  for (const p of points) {
    const lead = (first: boolean): string[] => [...keys.map((k) => (first ? p.params[k]! : "")), first ? String(p.seeds.length) : ""];
    rows.push([...lead(true), "mean", ...metrics.map((m) => m.format(p.stats[m.name]!.mean))]);
    rows.push([...lead(false), "±95%", ...metrics.map((m) => `±${m.format(p.stats[m.name]!.ci95)}`)]);
    rows.push([...lead(false), "min", ...metrics.map((m) => m.format(p.stats[m.name]!.min))]);
    rows.push([...lead(false), "max", ...metrics.map((m) => m.format(p.stats[m.name]!.max))]);
  }
  return renderTable(cols, rows, "").join("\n") + "\n";
}

function csvNumber(v: number): string {
  return String(Number(v.toFixed(6)));
}

/** One row per point: params, runs, then mean/ci95/min/max of each metric. */
export function statsCsv(points: PointStats[], keys: string[], metrics: Metric[], cell: (v: string) => string): string {
  const header = ["point", ...keys, "runs", "seeds", ...metrics.flatMap((m) => ["mean", "ci95", "min", "max"].map((s) => `${m.name}_${s}`))];
  const lines = points.map((p) => [
    String(p.point),
    ...keys.map((k) => cell(p.params[k]!)),
    String(p.seeds.length),
    `${p.seeds[0]}..${p.seeds.at(-1)}`,
    ...metrics.flatMap((m) => {
      const s = p.stats[m.name]!;
      return [s.mean, s.ci95, s.min, s.max].map(csvNumber);
    }),
  ]);
  return [header.join(","), ...lines.map((l) => l.join(","))].join("\n") + "\n";
}

/** JSON Lines, one per point, after the runs' own lines (`irqsim merge` skips and recomputes them). */
export function statsJsonLines(points: PointStats[]): string {
  return points.map((p) => JSON.stringify(p)).join("\n") + (points.length > 0 ? "\n" : "");
}
