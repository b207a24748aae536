/**
 * A sweep: the cross product of varied scenario fields and seeds, each run independently.
 * Planning is pure (the same flags always give the same numbered points), so slices of a
 * sweep run on different machines (`--shard i/n`) merge back into exactly the full sweep.
 */
import { createHash } from "node:crypto";
import { InputError } from "../sim/input_error.js";
import { loadScenario, resolveScenarioRef } from "./scenario_files.js";
import { MAX_SCENARIO_BYTES } from "./scenario_yaml.js";
import { readCheckedFile } from "./checked_read.js";
import { readReplayFile } from "./replay_file.js";
import { Simulation } from "./run.js";
import type { RunResult } from "./result.js";
import { durationOrThrow } from "../sim/time.js";
import { estimateEvents } from "./limits.js";

export interface Vary {
  key: string;
  values: string[];
}

export interface SweepSpec {
  scenario: string;
  vary: Vary[];
  /** Extra `--set`s applied to every point before the varied ones. */
  sets: string[];
  seeds: number;
  /** First seed; undefined = the scenario's own. */
  baseSeed?: number;
  duration?: string;
  /** --force: no work budget for the runs (not part of the sweep's id: results are the same). */
  force?: boolean;
}

export interface SweepPoint {
  index: number;
  params: Record<string, string>;
  seed: number;
}

export interface SweepRecord {
  sweep: string;
  index: number;
  total: number;
  params: Record<string, string>;
  seed: number;
  result: RunResult;
}

/** `key=v1,v2,...` -> a Vary. */
export function parseVary(text: string): Vary {
  const eq = text.indexOf("=");
  const key = eq > 0 ? text.slice(0, eq).trim() : "";
  const values = eq > 0 ? text.slice(eq + 1).split(",").map((v) => v.trim()) : [];
  if (key === "" || values.length === 0 || values.some((v) => v === "")) {
    throw new InputError(`--vary '${text}': expected key=v1,v2,... e.g. --vary devices.nic0.traffic.rate=50000,100000`);
  }
  return { key, values };
}

/** `i/n` with 1 <= i <= n. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new InputError(`--shard '${text}': expected i/n with 1 <= i <= n, e.g. --shard 2/4`);
  return { index, count };
}

/**
 * A short id of everything that defines the sweep, so shards of different sweeps never
 * merge. The scenario counts by its CONTENT (and that of its replay traces), not the text
 * naming it: the same file reached by two paths gives one id, an edited file another.
 */
export function sweepId(spec: SweepSpec, baseSeed: number): string {
  const h = createHash("sha256");
  h.update(JSON.stringify([scenarioDigest(spec), spec.vary, spec.sets, spec.seeds, baseSeed, spec.duration ?? null]));
  return h.digest("hex").slice(0, 12);
}

function scenarioDigest(spec: SweepSpec): string {
  const h = createHash("sha256");
  const file = resolveScenarioRef(spec.scenario);
  h.update(readCheckedFile(file, { maxBytes: MAX_SCENARIO_BYTES, what: "a .yaml file" }));
  const { scenario } = loadScenario(spec.scenario, { sets: spec.sets });
  for (const dev of Object.values(scenario.devices)) {
    if (dev.type === "nic" && dev.traffic.kind === "replay") h.update(`\0${JSON.stringify(readReplayFile(dev.traffic.file, "traffic.file"))}`);
  }
  return h.digest("hex");
}

/** Most runs one sweep plans (its shards included). */
export const MAX_SWEEP_POINTS = 1_000_000;

/**
 * Every point of the sweep, in order: the first --vary varies slowest, seeds fastest.
 * Each point is validated here (a bad value fails the whole sweep before anything runs).
 */
export function planSweep(spec: SweepSpec): { id: string; baseSeed: number; points: SweepPoint[] } {
  if (spec.vary.length === 0) throw new InputError("sweep: expected at least one --vary key=v1,v2,...");
  const seen = new Set<string>();
  for (const v of spec.vary) {
    if (seen.has(v.key)) throw new InputError(`--vary ${v.key}: varied twice`);
    seen.add(v.key);
  }
  const base = loadScenario(spec.scenario, { sets: spec.sets }).scenario;
  if (spec.duration !== undefined) durationOrThrow(spec.duration, "--duration");
  const baseSeed = spec.baseSeed ?? base.seed;
  // `--vary seed=1,2,3` varies the seed itself (each value a base seed for --seeds).
  const seedVary = spec.vary.find((v) => v.key === "seed");
  if (seedVary !== undefined && spec.baseSeed !== undefined) throw new InputError("--vary seed=... and --seed: give the seeds one way (--vary seed=1,2,3, or --seed BASE --seeds N)");
  for (const v of seedVary?.values ?? []) {
    if (!/^\d+$/.test(v) || Number(v) > 4_294_967_295) throw new InputError(`--vary seed=${seedVary!.values.join(",")}: expected integers from 0 to 4294967295, got '${v}' (or use --seeds N for N seeds from --seed)`);
  }
  const lastSeed = Math.max(baseSeed, ...(seedVary?.values ?? []).map(Number)) + spec.seeds - 1;
  if (lastSeed > 4_294_967_295) throw new InputError("--seeds: the last seed would exceed 4294967295");
  // The plan is built in memory before anything runs: bound its size (a few --vary lists
  // or --seeds multiply fast, and 10^8 points would exhaust the heap, exit 134).
  const total = spec.vary.reduce((n, v) => n * v.values.length, spec.seeds);
  if (total > MAX_SWEEP_POINTS) {
    throw new InputError(`--vary/--seeds: ${spec.vary.map((v) => v.values.length).join(" x ")} values x ${spec.seeds} seeds = ${total} runs, over the limit of ${MAX_SWEEP_POINTS} (fewer values or seeds)`);
  }
  let combos: Record<string, string>[] = [{}];
  for (const v of spec.vary) combos = combos.flatMap((c) => v.values.map((value) => ({ ...c, [v.key]: value })));
  const points: SweepPoint[] = [];
  for (const params of combos) {
    // Validate once per combination with the same rules as `run --set`, blaming --vary.
    try {
      loadScenario(spec.scenario, { sets: pointSets(spec, params) });
    } catch (e) {
      throw asVaryError(e, spec, params);
    }
    const first = params.seed === undefined ? baseSeed : Number(params.seed);
    for (let s = 0; s < spec.seeds; s++) points.push({ index: points.length, params, seed: first + s });
  }
  return { id: sweepId(spec, baseSeed), baseSeed, points };
}

/** An error about a varied value's --set, reworded to name the --vary flag the user gave. */
function asVaryError(e: unknown, spec: SweepSpec, params: Record<string, string>): unknown {
  if (!(e instanceof InputError)) return e;
  for (const v of spec.vary) {
    const set = `--set ${v.key}=${params[v.key]}`;
    for (const prefix of [`${set}:`, `--set '${v.key}=${params[v.key]}':`]) {
      if (e.message.startsWith(prefix)) return new InputError(`--vary ${v.key}=${v.values.join(",")}: value '${params[v.key]}':${e.message.slice(prefix.length)}`);
    }
  }
  return e;
}

export function pointSets(spec: SweepSpec, params: Record<string, string>): string[] {
  return [...spec.sets, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
}

/** The points of slice `index` of `count` (1-based): every count-th point. */
export function shardPoints(points: SweepPoint[], shard: { index: number; count: number } | undefined): SweepPoint[] {
  if (shard === undefined) return points;
  return points.filter((p) => p.index % shard.count === shard.index - 1);
}

/**
 * Events per `advance` when a point runs in slices so that Ctrl-C can stop it mid-run:
 * a few milliseconds of work at the model's speed, against a 100 ms stop budget. The
 * slicing never changes a result (the engine's order does not depend on where runs stop).
 */
export const POINT_SLICE_EVENTS = 20_000;

/** One point, booted and ready to `advance`: what `irqsim run` with the same --set/--seed/--duration runs. */
export function pointSimulation(spec: SweepSpec, point: SweepPoint): Simulation {
  const { scenario } = loadScenario(spec.scenario, { sets: pointSets(spec, point.params) });
  scenario.seed = point.seed;
  if (spec.duration !== undefined) scenario.duration = durationOrThrow(spec.duration, "--duration");
  return new Simulation(scenario, spec.force ? { eventBudget: Infinity } : {});
}

/**
 * The order to hand points to a worker pool: the longest first (by the work estimate of
 * system/limits.ts; ties by index), so that no long run starts last while the other
 * workers idle (LPT scheduling). Results are still reported by index.
 */
export function longestFirst(spec: SweepSpec, points: SweepPoint[]): SweepPoint[] {
  const work = new Map<number, number>();
  for (const p of points) {
    const { scenario } = loadScenario(spec.scenario, { sets: pointSets(spec, p.params) });
    if (spec.duration !== undefined) scenario.duration = durationOrThrow(spec.duration, "--duration");
    work.set(p.index, estimateEvents(scenario));
  }
  return [...points].sort((a, b) => work.get(b.index)! - work.get(a.index)! || a.index - b.index);
}

/** Runs one point to the end. */
export function runPoint(spec: SweepSpec, point: SweepPoint): RunResult {
  return pointSimulation(spec, point).runToEnd();
}

/** Where an interrupted point stopped. */
export interface StoppedPoint {
  index: number;
  simulated_ns: number;
  duration_ns: number;
}

/**
 * Runs one point in slices, asking `stop` between them: the result, or where it stopped.
 * Synchronous, for a worker thread whose stop flag is shared memory.
 */
export function runPointUnless(spec: SweepSpec, point: SweepPoint, stop: () => boolean): { result: RunResult } | { stopped: StoppedPoint } {
  const sim = pointSimulation(spec, point);
  while (!sim.advance(POINT_SLICE_EVENTS)) {
    if (stop()) return { stopped: { index: point.index, simulated_ns: sim.now, duration_ns: sim.scenario.duration } };
  }
  return { result: sim.finish() };
}
