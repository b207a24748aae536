/**
 * `irqsim lesson [name] [--seed N] [--answers]`: predict-then-check exercises in the style of
 * the OSTEP homework simulators. Without a name, the list; with one, the seed's setup and its
 * questions; `--answers` runs the simulation and prints the answers (the same for the same seed).
 */
import type { Command } from "commander";
import { InputError } from "../sim/input_error.js";
import { LESSONS, findLesson } from "../lessons/index.js";
import { letter, runAll, runCommand, toleranceText, type Answer, type Lesson } from "../lessons/lesson.js";
import { makeChalk } from "./output.js";
import { renderTable } from "./table.js";
import { parseSeed, type CommandContext } from "./options.js";

interface LessonFlags {
  seed?: number;
  answers?: boolean;
  json?: boolean;
}

export interface LessonReport {
  lesson: string;
  title: string;
  seed: number;
  setup: string;
  commands: Record<string, string>;
  questions: { n: number; text: string; choices?: string[]; unit?: string; tolerance?: string; answer?: Answer }[];
  /** With answers: the lesson's expect: checks, which hold for every seed. */
  checks?: { what: string; ok: boolean }[];
}

/** The setup, questions and (with `answers`) the answers of one lesson for one seed. */
export function lessonReport(lesson: Lesson, seed: number, answers: boolean): LessonReport {
  const setup = lesson.setup(seed);
  const results = answers ? runAll(setup, seed) : null;
  const commands: Record<string, string> = {};
  for (const [name, run] of Object.entries(setup.runs)) commands[name] = runCommand(run, seed);
  const report: LessonReport = {
    lesson: lesson.name,
    title: lesson.title,
    seed,
    setup: setup.text,
    commands,
    questions: setup.questions.map((q, i) => {
      const out: LessonReport["questions"][number] = { n: i + 1, text: q.text };
      if (q.choices !== undefined) out.choices = q.choices;
      else {
        if (q.unit !== undefined) out.unit = q.unit;
        out.tolerance = toleranceText(q.tolerance);
      }
      if (results !== null) out.answer = q.answer(results);
      return out;
    }),
  };
  if (results !== null) report.checks = setup.expect.map((e) => ({ what: e.what, ok: e.holds(results) }));
  return report;
}

export function registerLesson(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("lesson")
    .description("predict-then-check lessons: list them, or print one's questions (--answers computes them)")
    .argument("[name]", "lesson name (see `irqsim lesson`)")
    .option("-s, --seed <n>", "seed: picks the setup's numbers and drives the simulation (default 1)", parseSeed)
    .option("-c, --answers", "run the simulation and print the answers")
    .option("--json", "print JSON")
    .action((name: string | undefined, flags: LessonFlags) => {
      const c = makeChalk(io);
      if (name === undefined) {
        if (flags.json) {
          io.stdout(JSON.stringify(LESSONS.map((l) => ({ name: l.name, title: l.title, summary: l.summary })), null, 2) + "\n");
          return;
        }
        io.stdout(renderTable([{ header: "lesson" }, { header: "what it teaches" }], LESSONS.map((l) => [l.name, l.summary]), "").join("\n") + "\n");
        io.stdout(`\nirqsim lesson <name> [--seed N] prints the questions; add --answers to check your predictions.\n`);
        return;
      }
      const lesson = findLesson(name);
      if (lesson === undefined) throw new InputError(`unknown lesson '${name}' (lessons: ${LESSONS.map((l) => l.name).join(", ")})`);
      const seed = flags.seed ?? 1;
      const report = lessonReport(lesson, seed, flags.answers === true);
      if (flags.json) {
        io.stdout(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      const lines: string[] = [];
      lines.push(`${c.bold(`Lesson: ${lesson.title}`)} ${c.dim(`(${lesson.name}, seed ${seed})`)}`, "");
      lines.push(report.setup, "");
      lines.push(c.dim("Run it yourself:"));
      for (const cmd of Object.values(report.commands)) lines.push(`  ${cmd}`);
      lines.push("");
      for (const q of report.questions) {
        lines.push(`${c.bold(`Q${q.n}.`)} ${q.text}`);
        if (q.choices !== undefined) q.choices.forEach((ch, i) => lines.push(`      ${letter(i)}) ${ch}`));
        else lines.push(c.dim(`      numeric${q.unit !== undefined ? `, in ${q.unit}` : ""}; counted right within ${q.tolerance}`));
        if (q.answer !== undefined) {
          const v = q.answer.value;
          const shown = typeof v === "string" && q.choices !== undefined ? `${v}) ${q.choices["abcdefghij".indexOf(v)] ?? "?"}` : String(v);
          lines.push(`   ${c.green("Answer:")} ${shown}`);
          lines.push(c.dim(`      ${q.answer.why}`));
        }
        lines.push("");
      }
      if (report.checks !== undefined) {
        lines.push(c.bold("What should hold for every seed:"));
        for (const k of report.checks) lines.push(`  ${k.ok ? c.green("ok  ") : c.red("FAIL")} ${k.what}`);
      }
      if (flags.answers !== true) lines.push(c.dim(`Predict first, then check: irqsim lesson ${lesson.name} --seed ${seed} --answers`));
      io.stdout(lines.join("\n").replace(/\n+$/, "") + "\n");
    });
}
