/**
 * `irqsim sweep` and `irqsim merge`: run the points of a sweep on worker threads (or
 * in-process with --jobs 1), then print a table, CSV, JSON Lines, or a chart. Results do
 * not depend on --jobs: every run is deterministic and output is ordered by point index.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { readCheckedFile } from "../system/checked_read.js";

/** A sweep's JSON Lines: ~4 KiB a run, so 256 MiB is some 60,000 runs in one shard. */
const MAX_SHARD_BYTES = 256 * 1024 * 1024;
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";
import { checkBudget, EVENT_BUDGET } from "../system/limits.js";
import { loadScenario } from "../system/scenario_files.js";
import { durationOrThrow } from "../sim/time.js";
import { lookup, type RunResult } from "../system/result.js";
import {
  parseShard,
  parseVary,
  planSweep,
  pointSets,
  pointSimulation,
  POINT_SLICE_EVENTS,
  shardPoints,
  type StoppedPoint,
  type SweepPoint,
  type SweepRecord,
  type SweepSpec,
  type Vary,
} from "../system/sweep.js";
import { useColor, writeFileAtomic, type Io } from "./output.js";
import { checkOutputPaths, outputUses, scenarioInputs } from "./output_paths.js";
import { MergedRecords } from "./merge_records.js";
import { int, ns, pct, pps, renderTable } from "./table.js";
import { RUNTIME_CSV_METRICS, RUNTIME_SWEEP_COLUMNS, runtimeSweepCells } from "./runtime_summary.js";
import { lineChart } from "./plot.js";
import type { Command } from "commander";
import { collect, parsePositiveInt, parseSeed, type CommandContext } from "./options.js";
import { pointStats, statsCsv, statsJsonLines, statsTable, type Metric } from "./sweep_stats.js";
import { sweepSvg } from "../report/sweep_svg.js";

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

export function registerSweep(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("sweep")
    .description("run a scenario over the cross product of --vary values and seeds, in parallel")
    .argument("<scenario>", "built-in scenario name or path to a .yaml file")
    .option("--vary <key=v1,v2,...>", "a scenario field and the values to try (repeatable; first varies slowest)", (v: string, prev: Vary[]) => [...prev, parseVary(v)], [] as Vary[])
    .option("--seeds <n>", "seeds per combination: base seed, base+1, ...", parsePositiveInt, 1)
    .option("-s, --seed <n>", "base seed (default: the scenario's)", parseSeed)
    .option("-d, --duration <time>", "simulated time of every run")
    .option("--set <path=value>", "override a field in every run (repeatable)", collect, [])
    .option("-j, --jobs <n>", "worker threads (default: the number of CPU cores)", parsePositiveInt)
    .option("--shard <i/n>", "run only slice i of n (merge slices with `irqsim merge`)")
    .option("--json", "print JSON Lines: one object per run with its params, seed and result")
    .option("--csv", "print CSV for plotting tools")
    .option("--plot", "draw delivered vs offered (or --y vs --x) as a terminal line chart")
    .option("--x <key>", "x axis for --plot: a varied numeric key (default: the varied *.rate)")
    .option("--y <metric>", "y axis for --plot: a dotted path into the result", "packets.delivered_pps")
    .option("-o, --out <file>", "also write the JSON Lines to a file (atomically)")
    .option("--svg <file>", "draw --y against --x (default delivered vs offered) as SVG: a line per varied mode, a point per run, 95% CI bars (atomically)")
    .option("--force", `run even if a run's estimated work is over the budget (${EVENT_BUDGET / 1e6} million events)`)
    .action(async (ref: string, flags: SweepFlags) => {
      ctx.setExitCode(await sweepCommand(ref, flags, io));
    });

  program
    .command("merge")
    .description("merge `sweep --json` outputs of several shards into the full sweep")
    .argument("<files...>", "JSON Lines files written by `irqsim sweep --shard i/n --json`")
    .option("--json", "print the merged JSON Lines")
    .option("--csv", "print CSV")
    .option("--plot", "draw a terminal line chart")
    .option("--x <key>", "x axis for --plot")
    .option("--y <metric>", "y axis for --plot", "packets.delivered_pps")
    .option("--svg <file>", "draw the merged sweep as SVG, as `sweep --svg` does (atomically)")
    .action(async (files: string[], flags: SweepFlags) => {
      ctx.setExitCode(await mergeCommand(files, flags, io));
    });

}

/**
 * Set by SIGINT. Checked between slices of a run: in-process (--jobs 1) the loop yields
 * to the event loop after each slice so the handler can run; workers read the shared
 * `abort` flag the handler sets. Either way a run stops within a slice, not at its end.
 */
let stopRequested = false;

/** What a sweep's runs came to: finished results, and runs stopped part-way by Ctrl-C. */
interface SweepOutcome {
  results: Map<number, RunResult>;
  stopped: StoppedPoint[];
}

export async function sweepCommand(ref: string, flags: SweepFlags, io: Io): Promise<number> {
  const spec: SweepSpec = { scenario: ref, vary: flags.vary, sets: flags.set, seeds: flags.seeds, ...(flags.force ? { force: true } : {}) };
  if (flags.seed !== undefined) spec.baseSeed = flags.seed;
  if (flags.duration !== undefined) spec.duration = flags.duration;
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const plan = planSweep(spec);
  if (flags.out !== undefined || flags.svg !== undefined) checkOutputPaths(outputUses({ "--out": flags.out, "--svg": flags.svg }), scenarioInputs(ref, loadScenario(ref, { sets: spec.sets }).scenario));
  const points = shardPoints(plan.points, shard);
  if (!flags.force) {
    // The work budget applies to every run (each combination once; seeds do not change it).
    const seen = new Set<string>();
    for (const p of points) {
      const key = JSON.stringify(p.params);
      if (seen.has(key)) continue;
      seen.add(key);
      const { scenario } = loadScenario(ref, { sets: pointSets(spec, p.params) });
      if (spec.duration !== undefined) scenario.duration = durationOrThrow(spec.duration, "--duration");
      checkBudget(scenario, false, `sweep run ${p.index} (${Object.entries(p.params).map(([k, v]) => `${k}=${v}`).join(" ")})`);
    }
  }
  const jobs = Math.max(1, Math.min(flags.jobs ?? availableParallelism(), points.length));
  io.stderr(
    `irqsim: sweep ${plan.id} of ${quote(ref)}: ${points.length} of ${plan.points.length} runs` +
      `${shard ? ` (shard ${shard.index}/${shard.count})` : ""}, seeds ${seedRange(plan.points)}, ${jobs} job${jobs > 1 ? "s" : ""}\n`,
  );

  stopRequested = false;
  const abort = new Int32Array(new SharedArrayBuffer(4));
  const interrupted = new AbortController();
  const onSigint = (): void => {
    stopRequested = true;
    Atomics.store(abort, 0, 1);
    interrupted.abort();
  };
  process.on("SIGINT", onSigint);
  const started = performance.now();
  let lastDraw = 0;
  const progress = (done: number): void => {
    // Wall-clock time only paces the progress line; it never touches a simulation.
    const t = performance.now();
    if (done < points.length && t - lastDraw < 200) return;
    lastDraw = t;
    const line = `sweep: ${done}/${points.length} runs (${((100 * done) / points.length).toFixed(0)}%)`;
    if (io.stderrIsTTY) io.stderr(`\r\x1b[K${line}${done === points.length ? "\n" : ""}`);
    else if (done === points.length) io.stderr(`${line} in ${((t - started) / 1000).toFixed(1)} s\n`);
  };
  let outcome: SweepOutcome;
  try {
    outcome = jobs === 1 ? await runSequential(spec, points, progress) : await runOnWorkers(spec, points, jobs, abort, interrupted.signal, progress);
  } finally {
    process.off("SIGINT", onSigint);
  }
  const { results, stopped } = outcome;
  const records: SweepRecord[] = points
    .filter((p) => results.has(p.index))
    .map((p) => ({ sweep: plan.id, index: p.index, total: plan.points.length, params: p.params, seed: p.seed, result: results.get(p.index)! }));
  if (flags.out !== undefined) writeFileAtomic(flags.out, toJsonLines(records) + seedStatsLines(records));
  printRecords(records, flags, io);
  if (flags.svg !== undefined && records.length > 0) writeFileAtomic(flags.svg, await sweepSvg(records, flags, `${ref}: sweep ${plan.id}`));
  if (stopRequested) {
    const where = stopped
      .sort((a, b) => a.index - b.index)
      .map((s) => `run ${s.index} at ${(s.simulated_ns / 1e9).toFixed(3)} of ${(s.duration_ns / 1e9).toFixed(3)} s`);
    io.stderr(`irqsim: sweep interrupted after ${records.length} of ${points.length} runs${where.length > 0 ? `; stopped ${where.join(", ")}` : ""}\n`);
    return 130;
  }
  const broken = records.find((r) => !r.result.invariants.ok);
  if (broken) {
    io.stderr(`irqsim: invariant violated in run ${broken.index} (seed ${broken.seed}, ${JSON.stringify(broken.params)}): ${broken.result.invariants.violations[0]}\n`);
    return 70;
  }
  return 0;
}

/** `1..3`, or `1..2, 7..8` when --vary seed picks the bases. */
function seedRange(points: SweepPoint[]): string {
  const seeds = [...new Set(points.map((p) => p.seed))].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    runs.push(`${seeds[i]}..${seeds[j]}`);
    i = j + 1;
  }
  return runs.join(", ");
}

async function runSequential(spec: SweepSpec, points: SweepPoint[], progress: (done: number) => void): Promise<SweepOutcome> {
  const results = new Map<number, RunResult>();
  const stopped: StoppedPoint[] = [];
  for (const p of points) {
    if (stopRequested) break;
    const sim = pointSimulation(spec, p);
    let done = false;
    for (;;) {
      done = sim.advance(POINT_SLICE_EVENTS);
      await new Promise<void>((r) => setImmediate(r));
      if (done || stopRequested) break;
    }
    if (!done) {
      stopped.push({ index: p.index, simulated_ns: sim.now, duration_ns: sim.scenario.duration });
      break;
    }
    results.set(p.index, sim.finish());
    progress(results.size);
  }
  return { results, stopped };
}

function startWorker(abort: Int32Array): Worker {
  const workerData = { abort };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./sweep_worker.js", import.meta.url), { workerData });
  // Running from source (tests, tsx): the worker is TypeScript too, so it registers tsx's
  // loader before importing itself.
  const src = new URL("./sweep_worker.ts", import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(src)}); });`, { eval: true, workerData });
}

/**
 * How long after Ctrl-C to wait for busy workers to say where they stopped. A running
 * worker answers within one slice; one still starting up (loading modules) would not
 * look at the flag for longer, so past this its run is dropped unreported.
 */
const STOP_GRACE_MS = 30;

function runOnWorkers(
  spec: SweepSpec,
  points: SweepPoint[],
  jobs: number,
  abort: Int32Array,
  interrupted: AbortSignal,
  progress: (done: number) => void,
): Promise<SweepOutcome> {
  const out = new Map<number, RunResult>();
  const stopped: StoppedPoint[] = [];
  const queue = [...points];
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let busy = 0;
    let failed = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve({ results: out, stopped });
    };
    interrupted.addEventListener("abort", () => (grace = setTimeout(() => finish(), STOP_GRACE_MS)), { once: true });
    const feed = (w: Worker): void => {
      const p = stopRequested ? undefined : queue.shift();
      if (p === undefined) {
        if (busy === 0) finish();
        return;
      }
      busy++;
      w.postMessage({ spec, point: p });
    };
    for (let i = 0; i < jobs; i++) {
      const w = startWorker(abort);
      workers.push(w);
      w.on("message", (msg: { index: number; result?: RunResult; stopped?: StoppedPoint; error?: string; input?: boolean }) => {
        if (settled) return;
        busy--;
        if (msg.error !== undefined) {
          failed = true;
          finish(msg.input ? new InputError(msg.error) : new Error(`sweep run ${msg.index} failed: ${msg.error}`));
          return;
        }
        if (msg.stopped !== undefined) stopped.push(msg.stopped);
        else {
          out.set(msg.index, msg.result!);
          progress(out.size);
        }
        if (!failed) feed(w);
      });
      w.on("error", (e) => {
        if (!failed) {
          failed = true;
          finish(e);
        }
      });
      feed(w);
    }
  });
}

export function toJsonLines(records: SweepRecord[]): string {
  return records.map((r) => JSON.stringify(r)).join("\n") + (records.length > 0 ? "\n" : "");
}

/** `irqsim merge`: shards of one sweep (JSON Lines) back into the full sweep. */
export async function mergeCommand(files: string[], flags: SweepFlags, io: Io): Promise<number> {
  checkOutputPaths(outputUses({ "--svg": flags.svg }), files.map((f) => ({ what: "an input", path: f })));
  const merged = new MergedRecords();
  for (const file of files) {
    merged.addText(readCheckedFile(file, { maxBytes: MAX_SHARD_BYTES, what: "JSON Lines from irqsim sweep --json" }), file);
  }
  const records = merged.records();
  const total = merged.totalRuns;
  const id = merged.sweepId;
  // One empty shard is normal (more shards than points); no record at all is bad input.
  if (records.length === 0) {
    throw new InputError(`${files.join(", ")}: no sweep records (expected JSON Lines written by irqsim sweep --json)`);
  }
  if (records.length < total) io.stderr(`irqsim: merge: ${records.length} of ${total} runs present (missing shards?)\n`);
  printRecords(records, flags, io);
  if (flags.svg !== undefined) writeFileAtomic(flags.svg, await sweepSvg(records, flags, `${records[0]!.result.scenario}: sweep ${id}`));
  return 0;
}

/** More than one seed per point: the table, CSV and JSON summarise each point over its seeds. */
function multiSeed(records: SweepRecord[]): boolean {
  return new Set(records.map((r) => r.seed)).size > 1;
}

/** The per-point summaries `--json`/`--out` append after the runs when there are several seeds. */
function seedStatsLines(records: SweepRecord[]): string {
  return multiSeed(records) ? statsJsonLines(pointStats(records, CSV_STAT_METRICS)) : "";
}

function printRecords(records: SweepRecord[], flags: SweepFlags, io: Io): void {
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
