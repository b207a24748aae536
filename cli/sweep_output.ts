/**
 * What a sweep prints, as its flags choose: JSON Lines, an aligned table (offered,
 * delivered, drops by reason, CPU split, p99 latency), CSV, or a terminal chart of one
 * metric against one varied field (--plot, --x/--y), to stdout and atomically to --out.
 */
import { InputError } from "../sim/input_error.js";
import { lookup, type RunResult } from "../system/result.js";
import type { SweepRecord, Vary } from "../system/sweep.js";
import { type Io, useColor } from "./output.js";
import { int, ns, pct, pps, renderTable } from "./table.js";
import { RUNTIME_CSV_METRICS, RUNTIME_SWEEP_COLUMNS, runtimeSweepCells } from "./runtime_summary.js";
import { lineChart } from "./plot.js";
import { type Metric, pointStats, statsCsv, statsJsonLines, statsTable } from "./sweep_stats.js";

export interface SweepFlags {
  vary: Vary[];
  set: string[];
  seeds: number;
  seed?: number;
  duration?: string;
  jobs?: number;
  shard?: string;
  json?: boolean;
  csv?: boolean;
  plot?: boolean;
  x?: string;
  y?: string;
  out?: string;
  force?: boolean;
  svg?: string;
}

export function toJsonLines(records: SweepRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length > 0 ? "\n" : "");
}

/** More than one seed per point: the table, CSV and JSON summarise each point over its seeds. */
function multiSeed(records: SweepRecord[]): boolean {
  return new Set(records.map((r) => r.seed)).size > 1;
}

/** The per-point summaries `--json`/`--out` append after the runs when there are several seeds. */
export function seedStatsLines(records: SweepRecord[]): string {
  return multiSeed(records) ? statsJsonLines(pointStats(records, CSV_STAT_METRICS)) : "";
}

export function printRecords(records: SweepRecord[], flags: SweepFlags, io: Io): void {
  const keys = paramKeys(records);
  if (flags.json) io.stdout(toJsonLines(records) + seedStatsLines(records));
  else if (flags.csv) io.stdout(multiSeed(records) ? statsCsv(pointStats(records, CSV_STAT_METRICS), keys, CSV_STAT_METRICS, csvCell) : toCsv(records));
  else {
    io.stdout(multiSeed(records) ? statsTable(pointStats(records, statMetrics(records)), keys, shortNames(keys), statMetrics(records)) : sweepTable(records));
    if (flags.plot) io.stdout("\n" + sweepChart(records, flags, useColor(io)) + "\n");
  }
}

export function paramKeys(records: SweepRecord[]): string[] {
  return records.length > 0 ? Object.keys(records[0]!.params) : [];
}

/** Short column names: the last path segment unless two keys share it. */
function shortNames(keys: string[]): string[] {
  const last = keys.map((k) => k.split(".").at(-1)!);
  return keys.map((k, i) => (last.filter((l) => l === last[i]).length > 1 ? k : last[i]!));
}

/** Device interrupts per second (every line in /proc/interrupts' numbered rows). */
function irqRate(r: RunResult): number {
  return (r.irqs.reduce((a, l) => a + l.total, 0) * 1e9) / Math.max(1, r.simulated_ns);
}

function cpuShare(r: RunResult, field: "hardirq_ns" | "softirq_ns" | "system_ns" | "user_ns" | "idle_ns"): number {
  return r.cpus.reduce((a, c) => a + c[field], 0) / (r.cpus.length * Math.max(1, r.simulated_ns));
}

/**
 * The memory model is in play when a run delivered corrupt packets or the sweep varies the
 * model: then the table has a `corrupt` column (packets delivered with a stale payload).
 */
function memoryInPlay(records: SweepRecord[]): boolean {
  return records.some((r) => r.result.packets.corrupt > 0) || paramKeys(records).some((k) => k.startsWith("kernel.memory"));
}

/** The table's columns as numbers, for the per-point statistics of `--seeds N`. */
export function statMetrics(records: SweepRecord[]): Metric[] {
  const share = (f: Parameters<typeof cpuShare>[1]) => (r: RunResult) => cpuShare(r, f);
  const p1 = (v: number): string => pct(v, 1);
  // Means of counts need not be whole numbers.
  const count = (v: number): string => (Number.isInteger(v) ? int(v) : v.toFixed(1));
  const rate = (v: number): string => pps(v < 1000 ? Number(v.toFixed(1)) : v);
  return [
    { name: "offered_pps", header: "offered", value: (r) => r.packets.offered_pps, format: rate },
    { name: "delivered_pps", header: "delivered", value: (r) => r.packets.delivered_pps, format: rate },
    ...(memoryInPlay(records) ? [{ name: "corrupt", header: "corrupt", value: (r: RunResult) => r.packets.corrupt, format: count }] : []),
    { name: "dropped_rx_ring_full", header: "drop:ring", value: (r) => r.packets.dropped.rx_ring_full ?? 0, format: count },
    { name: "dropped_cpu_backlog", header: "backlog", value: (r) => r.packets.dropped.cpu_backlog ?? 0, format: count },
    { name: "dropped_socket_rcvbuff", header: "socket", value: (r) => r.packets.dropped.socket_rcvbuff ?? 0, format: count },
    { name: "irq_rate", header: "irq/s", value: irqRate, format: (v) => int(Math.round(v)) },
    { name: "hardirq_share", header: "hardirq", value: share("hardirq_ns"), format: p1 },
    { name: "softirq_share", header: "softirq", value: share("softirq_ns"), format: p1 },
    { name: "system_share", header: "system", value: share("system_ns"), format: p1 },
    { name: "user_share", header: "user", value: share("user_ns"), format: p1 },
    { name: "idle_share", header: "idle", value: share("idle_ns"), format: p1 },
    { name: "deliver_p99_ns", header: "p99 deliver", value: (r) => r.latency_ns.deliver?.p99 ?? 0, format: (v) => ns(Math.round(v)) },
  ];
}

export function sweepTable(records: SweepRecord[]): string {
  const keys = paramKeys(records);
  const multiSeed = new Set(records.map((r) => r.seed)).size > 1;
  if (records.length > 0 && records.every((rec) => rec.result.runtime !== undefined)) {
    const lead = [...shortNames(keys).map((header) => ({ header })), ...(multiSeed ? [{ header: "seed", align: "right" as const }] : [])];
    const rows = records.map(({ params, seed, result }) => [...keys.map((k) => params[k]!), ...(multiSeed ? [String(seed)] : []), ...runtimeSweepCells(result.runtime!)]);
    return renderTable([...lead, ...RUNTIME_SWEEP_COLUMNS], rows, "").join("\n") + "\n";
  }
  const corrupt = memoryInPlay(records);
  const cols = [
    ...shortNames(keys).map((header) => ({ header })),
    ...(multiSeed ? [{ header: "seed", align: "right" as const }] : []),
    { header: "offered", align: "right" as const },
    { header: "delivered", align: "right" as const },
    ...(corrupt ? [{ header: "corrupt", align: "right" as const }] : []),
    { header: "drop:ring", align: "right" as const },
    { header: "backlog", align: "right" as const },
    { header: "socket", align: "right" as const },
    { header: "irq/s", align: "right" as const },
    { header: "hardirq", align: "right" as const },
    { header: "softirq", align: "right" as const },
    { header: "system", align: "right" as const },
    { header: "user", align: "right" as const },
    { header: "idle", align: "right" as const },
    { header: "p99 deliver", align: "right" as const },
  ];
  const rows = records.map(({ params, seed, result: r }) => [
    ...keys.map((k) => params[k]!),
    ...(multiSeed ? [String(seed)] : []),
    pps(r.packets.offered_pps),
    pps(r.packets.delivered_pps),
    ...(corrupt ? [int(r.packets.corrupt)] : []),
    int(r.packets.dropped.rx_ring_full ?? 0),
    int(r.packets.dropped.cpu_backlog ?? 0),
    int(r.packets.dropped.socket_rcvbuff ?? 0),
    int(Math.round(irqRate(r))),
    pct(cpuShare(r, "hardirq_ns"), 1),
    pct(cpuShare(r, "softirq_ns"), 1),
    pct(cpuShare(r, "system_ns"), 1),
    pct(cpuShare(r, "user_ns"), 1),
    pct(cpuShare(r, "idle_ns"), 1),
    r.latency_ns.deliver && r.latency_ns.deliver.count > 0 ? ns(r.latency_ns.deliver.p99) : "-",
  ]);
  return renderTable(cols, rows, "").join("\n") + "\n";
}

const CSV_METRICS: [string, (r: RunResult) => number][] = [
  ["offered_pps", (r) => r.packets.offered_pps],
  ["delivered_pps", (r) => r.packets.delivered_pps],
  ["arrived", (r) => r.packets.arrived],
  ["delivered", (r) => r.packets.delivered],
  ["dropped_rx_ring_full", (r) => r.packets.dropped.rx_ring_full ?? 0],
  ["dropped_cpu_backlog", (r) => r.packets.dropped.cpu_backlog ?? 0],
  ["dropped_socket_rcvbuff", (r) => r.packets.dropped.socket_rcvbuff ?? 0],
  ["irq_rate", irqRate],
  ["hardirq_share", (r) => cpuShare(r, "hardirq_ns")],
  ["softirq_share", (r) => cpuShare(r, "softirq_ns")],
  ["system_share", (r) => cpuShare(r, "system_ns")],
  ["user_share", (r) => cpuShare(r, "user_ns")],
  ["idle_share", (r) => cpuShare(r, "idle_ns")],
  ["deliver_p50_ns", (r) => r.latency_ns.deliver?.p50 ?? 0],
  ["deliver_p99_ns", (r) => r.latency_ns.deliver?.p99 ?? 0],
  ["deliver_p999_ns", (r) => r.latency_ns.deliver?.p999 ?? 0],
  ["corrupt", (r) => r.packets.corrupt],
];

/** The CSV's metrics as `--seeds` statistics columns (`<metric>_mean`, `_ci95`, `_min`, `_max`). */
const CSV_STAT_METRICS: Metric[] = CSV_METRICS.map(([name, value]) => ({ name, header: name, value, format: String }));

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(records: SweepRecord[]): string {
  const keys = paramKeys(records);
  const metrics = records.length > 0 && records.every((rec) => rec.result.runtime !== undefined) ? RUNTIME_CSV_METRICS : CSV_METRICS;
  const header = ["index", ...keys, "seed", "fingerprint", ...metrics.map(([n]) => n)];
  const lines = records.map((rec) => [
    String(rec.index),
    ...keys.map((k) => csvCell(rec.params[k]!)),
    String(rec.seed),
    rec.result.fingerprint,
    ...metrics.map(([, f]) => String(Number(f(rec.result).toFixed(6)))),
  ]);
  return [header.join(","), ...lines.map((l) => l.join(","))].join("\n") + "\n";
}

/** One run as a point of a chart: its series (the other varied keys), x, seed and y. */
export interface SweepRun {
  series: string;
  x: number;
  seed: number;
  y: number;
}

/**
 * The axes of a sweep chart (--plot, --svg): x is --x or the varied *.rate key (else the
 * first numeric varied key), y the --y metric; a series per combination of the other keys.
 */
export function sweepAxes(records: SweepRecord[], flags: Pick<SweepFlags, "x" | "y">, flag = "--plot"): { xKey: string; yPath: string; runs: SweepRun[] } {
  const keys = paramKeys(records);
  const numeric = (k: string): boolean => records.every((r) => Number.isFinite(Number(r.params[k])));
  const xKey = flags.x ?? keys.find((k) => /rate$/.test(k) && numeric(k)) ?? keys.find(numeric);
  if (xKey === undefined || !keys.includes(xKey)) throw new InputError(`${flag}: expected a varied numeric key for the x axis${flags.x ? ` (got --x ${flags.x})` : ""}`);
  if (!numeric(xKey)) throw new InputError(`--x ${xKey}: expected a varied key with numeric values`);
  const yPath = flags.y ?? "packets.delivered_pps";
  const runs = records.map((rec) => {
    const y = lookup(rec.result, yPath);
    if (y === null) throw new InputError(`--y ${yPath}: no such numeric metric in the result`);
    const series = keys.filter((k) => k !== xKey).map((k) => `${k.split(".").at(-1)}=${rec.params[k]}`).join(" ") || yPath;
    return { series, x: Number(rec.params[xKey]), seed: rec.seed, y };
  });
  return { xKey, yPath, runs };
}

/**
 * Delivered vs offered (or --y against --x): one series per combination of the other
 * varied keys, averaged over seeds.
 */
export function sweepChart(records: SweepRecord[], flags: SweepFlags, color: boolean): string {
  const { xKey, yPath, runs } = sweepAxes(records, flags);
  const groups = new Map<string, Map<number, number[]>>();
  for (const r of runs) {
    const byX = groups.get(r.series) ?? new Map<number, number[]>();
    const ys = byX.get(r.x);
    if (ys === undefined) byX.set(r.x, [r.y]);
    else ys.push(r.y);
    groups.set(r.series, byX);
  }
  const series = [...groups].map(([name, byX]) => ({
    name,
    points: [...byX].map(([x, ys]) => [x, ys.reduce((a, b) => a + b, 0) / ys.length] as [number, number]),
  }));
  const compact = (v: number): string => (v >= 1e6 ? `${+(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(1)}`);
  return lineChart(series, { color, xLabel: xKey, yLabel: yPath, formatX: compact, formatY: compact });
}
