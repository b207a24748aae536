/**
 * What a lesson is: a setup derived from a seed (so the numbers cannot be memorised), the
 * simulation runs that setup needs, and predict-then-check questions whose answers are read
 * from those runs -- in the style of the OSTEP homework simulators, where `-c` computes them.
 */
import { loadScenario } from "../system/scenario.js";
import { runScenario, type RunResult } from "../system/run.js";
import { durationOrThrow } from "../sim/time.js";

/** One simulation a lesson needs: a scenario (built-in name or path) and its overrides. */
export interface LessonRun {
  scenario: string;
  sets: string[];
  duration: string;
}

/** How close a numeric prediction must be to count as right. */
export interface Tolerance {
  /** relative, e.g. 0.1 = within 10% */
  rel?: number;
  /** absolute, in the answer's unit */
  abs?: number;
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
  /** builds the seed's setup; `seed` is also every run's simulation seed */
  setup(seed: number): LessonSetup;
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

/** Whether a prediction is right: within tolerance for numbers, the same letter for choices. */
export function accepts(q: Question, expected: number | string, given: number | string): boolean {
  if (typeof expected === "string" || typeof given === "string") return String(expected).toLowerCase() === String(given).toLowerCase();
  const tol = Math.max(q.tolerance?.abs ?? 0, Math.abs(expected) * (q.tolerance?.rel ?? 0));
  return Math.abs(given - expected) <= tol;
}

export function toleranceText(t: Tolerance | undefined): string {
  if (t === undefined) return "exact";
  const rel = t.rel !== undefined && t.rel > 0 ? `±${Math.round(t.rel * 100)}%` : null;
  const abs = t.abs !== undefined && t.abs > 0 ? `±${t.abs}` : null;
  if (rel !== null && abs !== null) return `${rel} (at least ${abs})`;
  return rel ?? abs ?? "exact";
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
