/**
 * Lessons written in YAML instead of TypeScript: parameters drawn from lists by the seed,
 * derived values, a setup text with `{expr}` templates, the runs, and questions whose
 * estimates and answers are expressions (lessons/expr.ts) -- answers over the runs' results
 * by dotted path (`main.devices.ttys0.overruns`). See README "Writing a lesson in YAML".
 * Built-in ones live in lessons/*.yaml; `irqsim lesson path/to/file.yaml` runs any other.
 */
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { InputError } from "../sim/input_error.js";
import { packageRoot } from "../system/scenario_files.js";
import { readCheckedFile } from "../system/checked_read.js";
import type { RunResult } from "../system/result.js";
import { evaluate, interpolate, lookupPath, type Resolve } from "./expr.js";
import { Draw, letter, round, type Lesson, type Question } from "./lesson.js";

const MAX_LESSON_BYTES = 256 * 1024;
const NAME = /^[a-z][a-z0-9-]*$/;
const IDENT = /^[a-z_][a-z0-9_]*$/;

const ToleranceSchema = z.strictObject({ rel: z.number().min(0).optional(), abs: z.number().min(0).optional(), sigmas: z.number().min(0).optional() });

const QuestionSchema = z.strictObject({
  text: z.string().min(1),
  /** multiple choice: the options; estimate and answer are then 0-based indexes */
  choices: z.array(z.string().min(1)).min(2).max(10).optional(),
  unit: z.string().optional(),
  tolerance: ToleranceSchema.optional(),
  conceptual: z.boolean().optional(),
  /** round the answer (and estimate) to this many decimals */
  digits: z.int().min(0).max(6).default(0),
  /** expression over params and let: the number the derivation gives */
  estimate: z.string().min(1),
  /** text with {expr} templates: the worked reasoning */
  derivation: z.string().min(1),
  /** expression over the runs' results (run.path.to.metric), params and let */
  answer: z.string().min(1),
  /** one line: where the answer comes from */
  why: z.string().min(1),
  differs: z.string().optional(),
});

export const YamlLessonSchema = z.strictObject({
  name: z.string().regex(NAME, { error: "expected a lesson name of lowercase letters, digits and '-'" }),
  title: z.string().min(1),
  summary: z.string().min(1),
  /** each parameter is drawn from its list by the seed (irqsim lesson NAME --params) */
  params: z.record(z.string().regex(IDENT), z.array(z.union([z.number(), z.string()])).min(1)).default({}),
  /** derived values, evaluated in order from the params (and earlier ones) */
  let: z.record(z.string().regex(IDENT), z.string().min(1)).default({}),
  /** what the student is told; {expr} templates */
  setup: z.string().min(1),
  runs: z.record(
    z.string().regex(IDENT),
    z.strictObject({ scenario: z.string().min(1), duration: z.string().min(1), sets: z.array(z.string()).default(() => []) }),
  ),
  questions: z.array(QuestionSchema).min(3).max(6),
  expect: z.array(z.strictObject({ what: z.string().min(1), holds: z.string().min(1) })).default(() => []),
});

export type YamlLesson = z.infer<typeof YamlLessonSchema>;

/** Names from params, let values, and (for answers) the results of the named runs. */
function resolver(vars: Map<string, number>, results?: Record<string, RunResult>): Resolve {
  return (name) => {
    const v = vars.get(name);
    if (v !== undefined) return v;
    if (results === undefined) return undefined;
    const dot = name.indexOf(".");
    if (dot < 0) return undefined;
    const run = results[name.slice(0, dot)];
    return run === undefined ? undefined : lookupPath(run, name.slice(dot + 1));
  };
}

function where(source: string, field: string, e: unknown): never {
  throw new InputError(`${source}: ${field}: ${(e as Error).message}`);
}

/** A Lesson from a validated YAML lesson; expression errors name the file and field. */
export function yamlLesson(y: YamlLesson, source: string): Lesson {
  const lesson: Lesson = {
    name: y.name,
    title: y.title,
    summary: y.summary,
    setup(d) {
      const vars = new Map<string, number>();
      const strings = new Map<string, string>();
      for (const [k, options] of Object.entries(y.params)) {
        const v = d.pick(k, options);
        if (typeof v === "number") vars.set(k, v);
        else strings.set(k, v);
      }
      const fill = (text: string, field: string) => {
        try {
          return interpolate(
            text.replace(/\{([a-z_][a-z0-9_]*)\}/g, (m, k: string) => strings.get(k) ?? m),
            resolver(vars),
          );
        } catch (e) {
          return where(source, field, e);
        }
      };
      for (const [k, src] of Object.entries(y.let)) {
        try {
          vars.set(k, evaluate(src, resolver(vars)));
        } catch (e) {
          where(source, `let.${k}`, e);
        }
      }
      const runs = Object.fromEntries(
        Object.entries(y.runs).map(([name, r]) => [name, { scenario: r.scenario, duration: fill(r.duration, `runs.${name}.duration`), sets: r.sets.map((s, i) => fill(s, `runs.${name}.sets.${i}`)) }]),
      );
      const questions: Question[] = y.questions.map((q, i) => {
        const field = `questions.${i}`;
        let est: number;
        try {
          est = evaluate(q.estimate, resolver(vars));
        } catch (e) {
          return where(source, `${field}.estimate`, e);
        }
        const choice = (v: number) => (q.choices !== undefined ? letter(Math.max(0, Math.min(q.choices.length - 1, Math.round(v)))) : round(v, q.digits));
        const out: Question = {
          text: fill(q.text, `${field}.text`),
          derive: { estimate: choice(est), text: fill(q.derivation, `${field}.derivation`) },
          answer: (results) => {
            let v: number;
            try {
              v = evaluate(q.answer, resolver(vars, results));
            } catch (e) {
              return where(source, `${field}.answer`, e);
            }
            return { value: choice(v), why: fill(q.why, `${field}.why`) };
          },
        };
        if (q.choices !== undefined) out.choices = q.choices;
        if (q.unit !== undefined) out.unit = q.unit;
        if (q.tolerance !== undefined) out.tolerance = q.tolerance;
        if (q.conceptual === true) out.conceptual = true;
        if (q.differs !== undefined) out.differs = q.differs;
        return out;
      });
      return {
        text: fill(y.setup.trimEnd(), "setup"),
        runs,
        questions,
        expect: y.expect.map((e, i) => ({
          what: e.what,
          holds: (results) => {
            try {
              return evaluate(e.holds, resolver(vars, results)) !== 0;
            } catch (err) {
              return where(source, `expect.${i}.holds`, err);
            }
          },
        })),
      };
    },
  };
  return lesson;
}

/** Reads and validates a YAML lesson file: one-line InputError naming the file and field. */
export function loadYamlLesson(file: string, source = file): Lesson {
  // The one checked reader: a FIFO or device is refused without blocking on it.
  const text = readCheckedFile(file, { maxBytes: MAX_LESSON_BYTES, what: "a .yaml lesson", tooBigFor: "a lesson file", label: source });
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new InputError(`${source}: not valid YAML (${String((e as Error).message).split("\n")[0]})`);
  }
  const r = YamlLessonSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`${source}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  const lesson = yamlLesson(r.data, source);
  // Fail on bad expressions now, not halfway through a class: build seed 1's setup.
  lesson.setup(new Draw(1));
  return lesson;
}

/** The built-in YAML lessons (lessons/*.yaml), in file-name order. */
export function builtinYamlLessons(): Lesson[] {
  const dir = path.join(packageRoot(), "lessons");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => loadYamlLesson(path.join(dir, f), `lessons/${f}`));
}
