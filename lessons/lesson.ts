/**
 * What a lesson is: a setup derived from a seed (so the numbers cannot be memorised), the
 * simulation runs that setup needs, and predict-then-check questions whose answers are read
 * from those runs -- in the style of the OSTEP homework simulators, where `-c` computes them.
 */
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { durationOrThrow } from "../sim/time.js";
import { DEFAULT_COSTS, type Costs } from "../sim/costs.js";

/** One simulation a lesson needs: a scenario (built-in name or path) and its overrides. */
export interface LessonRun {
  scenario: string;
  sets: string[];
  duration: string;
}

/**
 * How close a numeric prediction must be to count as right: the largest of the three bounds.
 * `sigmas` is for counts of random (Poisson) events: a count n has a standard deviation of
 * about sqrt(n), so a prediction within k*sqrt(n) is as good as anyone can do.
 */
export interface Tolerance {
  /** relative, e.g. 0.1 = within 10% */
  rel?: number;
  /** absolute, in the answer's unit */
  abs?: number;
  /** k standard deviations of a Poisson count: k * sqrt(|answer|) */
  sigmas?: number;
}

/** What a student can work out from the setup text alone, before any simulation. */
export interface Derivation {
  /** the number (or choice letter) the reasoning gives */
  estimate: number | string;
  /** a few lines: the reasoning, from the parameters the setup states */
  text: string;
}

export interface Answer {
  /** a number, or the letter of the right choice */
  value: number | string;
  /** one line: where in the output the answer comes from */
  why: string;
}

export interface Question {
  text: string;
  /** multiple choice: the options, lettered a, b, c ... in order */
  choices?: string[];
  /** numeric: unit and tolerance */
  unit?: string;
  tolerance?: Tolerance;
  /**
   * A question whose answer is the same on every seed because it is a rule, not a number
   * (a lesson may have at most one): the seed-variety test lets it be constant.
   */
  conceptual?: boolean;
  /** The worked reasoning from the setup's parameters, and the estimate it gives. */
  derive: Derivation;
  /** Why the simulation can differ from the derivation (what the reasoning leaves out). */
  differs?: string;
  answer(results: Record<string, RunResult>): Answer;
}

export interface LessonSetup {
  /** what the student is told before predicting */
  text: string;
  /** named runs; questions read their results by name */
  runs: Record<string, LessonRun>;
  questions: Question[];
  /** What the lesson teaches, as checks that hold for every seed (its `expect:` block; the tests run them). */
  expect: { what: string; holds(results: Record<string, RunResult>): boolean }[];
}

export interface Lesson {
  name: string;
  title: string;
  /** one line for the list */
  summary: string;
  /** builds the seed's setup from the parameters it draws; `draw.seed` is also every run's simulation seed */
  setup(draw: Draw): LessonSetup;
}

export type ParamValue = number | string;

/** One parameter a lesson draws: its name, the values it draws from, and the one it got. */
export interface DrawnParam {
  name: string;
  options: readonly ParamValue[];
  value: ParamValue;
  pinned: boolean;
}

/**
 * The parameters of one setup: each drawn from its options by the seed, unless an instructor
 * pinned it (`irqsim lesson NAME --set key=value`). Records what was drawn, for `--params`.
 */
export class Draw {
  readonly drawn: DrawnParam[] = [];

  constructor(
    readonly seed: number,
    private readonly pins: ReadonlyMap<string, ParamValue> = new Map(),
  ) {}

  pick<T extends ParamValue>(name: string, options: readonly T[]): T {
    const pin = this.pins.get(name);
    const value = pin === undefined ? pick(this.seed, name, options) : (pin as T);
    this.drawn.push({ name, options, value, pinned: pin !== undefined });
    return value;
  }
}

/**
 * Checks instructor pins against what the lesson draws: a known name, and a value of the
 * drawn kind inside the range the lesson was designed for (so its derivations still hold).
 * Returns the pins as typed values; throws Error with one line otherwise.
 */
export function checkPins(lesson: Lesson, seed: number, sets: readonly string[]): Map<string, ParamValue> {
  const probe = new Draw(seed);
  lesson.setup(probe);
  const pins = new Map<string, ParamValue>();
  for (const set of sets) {
    const eq = set.indexOf("=");
    const key = eq < 0 ? set : set.slice(0, eq);
    const raw = eq < 0 ? "" : set.slice(eq + 1);
    const param = probe.drawn.find((p) => p.name === key);
    if (param === undefined) throw new Error(`--set ${set}: lesson ${lesson.name} has no parameter '${key}' (its parameters: ${probe.drawn.map((p) => p.name).join(", ")})`);
    if (eq < 0 || raw === "") throw new Error(`--set ${set}: expected key=value`);
    const numeric = param.options.every((o) => typeof o === "number");
    if (numeric) {
      const v = Number(raw);
      const nums = param.options as number[];
      const lo = Math.min(...nums);
      const hi = Math.max(...nums);
      if (!/^-?[0-9.]+(e[0-9]+)?$/i.test(raw) || !Number.isFinite(v) || v < lo || v > hi) throw new Error(`--set ${set}: expected a number from ${lo} to ${hi} for '${key}'`);
      pins.set(key, v);
    } else {
      if (!param.options.includes(raw)) throw new Error(`--set ${set}: expected one of ${param.options.join(", ")} for '${key}'`);
      pins.set(key, raw);
    }
  }
  return pins;
}

/** A deterministic choice from `options` for (seed, salt): FNV-1a of the salt, the seed mixed in, murmur3's fmix32. */
export function pick<T>(seed: number, salt: string, options: readonly T[]): T {
  let h = 0x811c9dc5;
  for (let i = 0; i < salt.length; i++) h = Math.imul(h ^ salt.charCodeAt(i), 0x01000193);
  h ^= Math.imul(seed >>> 0, 0x9e3779b9);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return options[(h >>> 0) % options.length]!;
}

/** The command line that reproduces one run. */
export function runCommand(run: LessonRun, seed: number): string {
  const sets = run.sets.map((s) => ` --set ${/[\[\] ]/.test(s) ? `'${s}'` : s}`).join("");
  return `irqsim run ${run.scenario} --seed ${seed} --duration ${run.duration}${sets}`;
}

/** Runs every run of a setup with the seed, in name order. */
export function runAll(setup: LessonSetup, seed: number): Record<string, RunResult> {
  const out: Record<string, RunResult> = {};
  for (const [name, run] of Object.entries(setup.runs)) {
    const { scenario } = loadScenario(run.scenario, { sets: run.sets });
    scenario.seed = seed;
    scenario.duration = durationOrThrow(run.duration, `lesson run ${name}: duration`);
    out[name] = runScenario(scenario);
  }
  return out;
}

/** The tolerance around `expected`, in the question's unit (0 for choices and exact answers). */
export function toleranceOf(t: Tolerance | undefined, expected: number): number {
  if (t === undefined) return 0;
  const n = Math.abs(expected);
  return Math.max(t.abs ?? 0, n * (t.rel ?? 0), (t.sigmas ?? 0) * Math.sqrt(n));
}

/** Whether a prediction is right: within tolerance for numbers, the same letter for choices. */
export function accepts(q: Pick<Question, "tolerance">, expected: number | string, given: number | string): boolean {
  if (typeof expected === "string" || typeof given === "string") return String(expected).toLowerCase() === String(given).toLowerCase();
  return Math.abs(given - expected) <= toleranceOf(q.tolerance, expected) + 1e-9;
}

export function toleranceText(t: Tolerance | undefined): string {
  if (t === undefined) return "exact";
  const parts: string[] = [];
  if (t.rel !== undefined && t.rel > 0) parts.push(`±${Math.round(t.rel * 100)}%`);
  if (t.sigmas !== undefined && t.sigmas > 0) parts.push(`±${t.sigmas}·sqrt(answer)`);
  if (t.abs !== undefined && t.abs > 0) parts.push(`±${t.abs}`);
  if (parts.length === 0) return "exact";
  if (parts.length === 1) return parts[0]!;
  return `the largest of ${parts.join(", ")}`;
}

/** Letter of choice i (0 -> "a"). */
export function letter(i: number): string {
  return String.fromCharCode(97 + i);
}

/** Rounds to `digits` decimals (answers are printed and compared as these numbers). */
export function round(v: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

export function nic(r: RunResult, name: string) {
  const d = r.devices[name];
  if (d === undefined || d.type !== "nic") throw new Error(`lesson: no nic ${name} in ${r.scenario}`);
  return d;
}

export function thread(r: RunResult, comm: string) {
  const t = r.threads.find((x) => x.comm === comm);
  if (t === undefined) throw new Error(`lesson: no thread ${comm} in ${r.scenario}`);
  return t;
}

export function irq(r: RunResult, name: string) {
  const l = r.irqs.find((x) => x.name === name);
  if (l === undefined) throw new Error(`lesson: no irq ${name} in ${r.scenario}`);
  return l;
}

/** Index of the largest value (the first on ties). */
export function argmax(xs: number[]): number {
  let best = 0;
  xs.forEach((x, i) => {
    if (x > xs[best]!) best = i;
  });
  return best;
}

/** Simulated seconds of a run. */
export function seconds(r: RunResult): number {
  return r.simulated_ns / 1e9;
}

/** A cost in the setup text: "irq_entry 0.4 us". */
export function costOf(key: keyof Costs, over: Partial<Costs> = {}): number {
  return over[key] ?? DEFAULT_COSTS[key];
}

/** The cost table a derivation needs, as the setup shows it (sim/costs.ts defaults unless overridden); no final period. */
export function costTable(keys: readonly (keyof Costs)[], over: Partial<Costs> = {}): string {
  // Wrapped at about 100 columns, like the rest of a setup's text.
  const lines = ["Costs (sim/costs.ts):"];
  for (const k of keys) {
    const item = ` ${k} ${usText(costOf(k, over))},`;
    if (lines[lines.length - 1]!.length + item.length > 100) lines.push(item.trimStart());
    else lines[lines.length - 1] += item;
  }
  return lines.join("\n").replace(/,$/, "");
}

/** Nanoseconds as microseconds for text: 2500 -> "2.5 us". */
export function usText(ns: number): string {
  return `${round(ns / 1000, 3)} us`;
}

/** Thousands separators for counts in setup text. */
export function num(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
