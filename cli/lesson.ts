/**
 * `irqsim lesson [name] [--seed N] [--answers] [--set k=v] [--params] [--quiz]` and
 * `irqsim lesson export <name> --seeds A-B --out DIR`: predict-then-check exercises in the
 * style of the OSTEP homework simulators. Without a name, the list; with one, the seed's
 * setup and questions; `--answers` runs the simulation and prints, per question, the worked
 * derivation from the setup, its estimate, and the simulated answer (the same for the same seed).
 */
import { didYouMean } from "../system/did_you_mean.js";
import type { Command } from "commander";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../sim/input_error.js";
import { LESSONS, findLesson } from "../lessons/index.js";
import { accepts, checkPins, Draw, letter, runAll, runCommand, toleranceOf, toleranceText, type Answer, type Lesson, type ParamValue } from "../lessons/lesson.js";
import { makeChalk, writeFileAtomic } from "./output.js";
import { renderTable } from "./table.js";
import { collect, parseSeed, type CommandContext } from "./options.js";

interface LessonFlags {
  seed?: number;
  answers?: boolean;
  json?: boolean;
  set: string[];
  params?: boolean;
  quiz?: boolean;
  seeds?: string;
  out?: string;
}

export interface ReportQuestion {
  n: number;
  text: string;
  choices?: string[];
  unit?: string;
  /** how close counts as right, as text ("±10%") */
  tolerance_text?: string;
  conceptual?: boolean;
  /** With answers: the tolerance around the simulated answer, in the question's unit. */
  tolerance?: number;
  answer?: Answer;
  /** With answers: the worked reasoning from the setup, and the number (or letter) it gives. */
  derivation?: string;
  estimate?: number | string;
  /** With answers: whether the estimate is within tolerance of the simulated answer. */
  estimate_ok?: boolean;
  /** With answers, when the estimate misses: what the reasoning leaves out. */
  differs?: string;
}

export interface LessonReport {
  lesson: string;
  title: string;
  seed: number;
  /** The parameters this setup drew (or an instructor pinned). */
  params: Record<string, ParamValue>;
  setup: string;
  commands: Record<string, string>;
  questions: ReportQuestion[];
  /** With answers: the lesson's expect: checks, which hold for every seed. */
  checks?: { what: string; ok: boolean }[];
}

/** The setup, questions and (with `answers`) the answers of one lesson for one seed. */
export function lessonReport(lesson: Lesson, seed: number, answers: boolean, pins: ReadonlyMap<string, ParamValue> = new Map()): LessonReport {
  const draw = new Draw(seed, pins);
  const setup = lesson.setup(draw);
  const results = answers ? runAll(setup, seed) : null;
  const commands: Record<string, string> = {};
  for (const [name, run] of Object.entries(setup.runs)) commands[name] = runCommand(run, seed);
  const report: LessonReport = {
    lesson: lesson.name,
    title: lesson.title,
    seed,
    params: Object.fromEntries(draw.drawn.map((p) => [p.name, p.value])),
    setup: setup.text,
    commands,
    questions: setup.questions.map((q, i) => {
      const out: ReportQuestion = { n: i + 1, text: q.text };
      if (q.choices !== undefined) out.choices = q.choices;
      else {
        if (q.unit !== undefined) out.unit = q.unit;
        out.tolerance_text = toleranceText(q.tolerance);
      }
      if (q.conceptual === true) out.conceptual = true;
      if (results !== null) {
        const a = q.answer(results);
        out.answer = a;
        if (q.choices === undefined && typeof a.value === "number") out.tolerance = Number(toleranceOf(q.tolerance, a.value).toPrecision(3));
        out.derivation = q.derive.text;
        out.estimate = q.derive.estimate;
        out.estimate_ok = accepts(q, a.value, q.derive.estimate);
        if (!out.estimate_ok && q.differs !== undefined) out.differs = q.differs;
      }
      return out;
    }),
  };
  if (results !== null) report.checks = setup.expect.map((e) => ({ what: e.what, ok: e.holds(results) }));
  return report;
}

/** "1-30" or "3" or "1,4,9" -> seeds. */
export function parseSeedList(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) throw new InputError(`--seeds ${v}: expected seeds like 1-30 or 1,2,5`);
    const a = parseSeed(m[1]!);
    const b = m[2] === undefined ? a : parseSeed(m[2]);
    if (b < a || b - a >= 1000) throw new InputError(`--seeds ${v}: expected a range of at most 1000 seeds, low to high`);
    for (let s = a; s <= b; s++) out.push(s);
  }
  return out;
}

function shownAnswer(q: ReportQuestion, v: number | string): string {
  return typeof v === "string" && q.choices !== undefined ? `${v}) ${q.choices["abcdefghij".indexOf(v)] ?? "?"}` : String(v);
}

/** The report as text: the handout (without answers) or the worked solutions (with). */
export function renderReport(report: LessonReport, c: ReturnType<typeof makeChalk>, opts: { hint: boolean }): string {
  const lines: string[] = [];
  lines.push(`${c.bold(`Lesson: ${report.title}`)} ${c.dim(`(${report.lesson}, seed ${report.seed})`)}`, "");
  lines.push(report.setup, "");
  lines.push(c.dim("Run it yourself:"));
  for (const cmd of Object.values(report.commands)) lines.push(`  ${cmd}`);
  lines.push("");
  for (const q of report.questions) {
    lines.push(`${c.bold(`Q${q.n}.`)} ${q.text}`);
    if (q.choices !== undefined) q.choices.forEach((ch, i) => lines.push(`      ${letter(i)}) ${ch}`));
    else lines.push(c.dim(`      numeric${q.unit !== undefined ? `, in ${q.unit}` : ""}; counted right within ${q.tolerance_text}`));
    if (q.answer !== undefined) {
      lines.push(`   ${c.green("Derivation:")} ${q.derivation}`);
      lines.push(`      estimate ${shownAnswer(q, q.estimate!)}`);
      lines.push(`   ${c.green("Simulated:")} ${shownAnswer(q, q.answer.value)}${q.tolerance !== undefined && q.tolerance > 0 ? ` (right within ±${q.tolerance})` : ""}`);
      lines.push(c.dim(`      ${q.answer.why}`));
      if (q.estimate_ok === false) lines.push(`   ${c.yellow("They differ:")} ${q.differs ?? "the derivation is an average; this seed's random arrivals fell differently"}`);
    }
    lines.push("");
  }
  if (report.checks !== undefined) {
    lines.push(c.bold("What should hold for every seed:"));
    for (const k of report.checks) lines.push(`  ${k.ok ? c.green("ok  ") : c.red("FAIL")} ${k.what}`);
  }
  if (opts.hint) lines.push(c.dim(`Predict first, then check: irqsim lesson ${report.lesson} --seed ${report.seed} --answers (or --quiz)`));
  return lines.join("\n").replace(/\n+$/, "") + "\n";
}

/** The answer key of several seeds, as Markdown. */
function answerKeyMarkdown(lesson: Lesson, reports: LessonReport[]): string {
  const lines = [`# ${lesson.title}: answer key`, "", `Lesson \`${lesson.name}\`, seeds ${reports[0]!.seed}-${reports[reports.length - 1]!.seed}.`, ""];
  for (const r of reports) {
    lines.push(`## Seed ${r.seed}`, "", `Parameters: ${Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(", ")}`, "");
    for (const q of r.questions) {
      lines.push(`${q.n}. **${shownAnswer(q, q.answer!.value)}**${q.tolerance !== undefined && q.tolerance > 0 ? ` (±${q.tolerance})` : ""}: ${q.answer!.why}`);
      lines.push(`   - derivation: ${q.derivation} (estimate ${shownAnswer(q, q.estimate!)})`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function pinsOf(lesson: Lesson, seed: number, sets: string[]): Map<string, ParamValue> {
  try {
    return checkPins(lesson, seed, sets);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

function lessonOrThrow(name: string): Lesson {
  const lesson = findLesson(name);
  if (lesson === undefined) throw new InputError(`unknown lesson '${name}'${didYouMean(name, LESSONS.map((l) => l.name))} (lessons: ${LESSONS.map((l) => l.name).join(", ")})`);
  return lesson;
}

/** Reads answers line by line: from a pipe, or typed at the terminal. */
async function* stdinLines(): AsyncGenerator<string> {
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) yield line;
  } finally {
    // Done with the questions: let go of stdin so the process can exit.
    rl.close();
    process.stdin.destroy();
  }
}

export function registerLesson(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("lesson")
    .description("predict-then-check lessons: list them, print one's questions (--answers works them out), quiz yourself, or export handouts")
    .argument("[name]", "lesson name (see `irqsim lesson`), or `export`")
    .argument("[lesson]", "with `export`: the lesson to export")
    .option("-s, --seed <n>", "seed: picks the setup's numbers and drives the simulation (default 1)", parseSeed)
    .option("-c, --answers", "run the simulation and print each answer with its derivation")
    .option("--set <key=value>", "pin a parameter the lesson would draw (see --params); repeatable", collect, [])
    .option("--params", "list the parameters the lesson draws, their choices and this seed's values")
    .option("--quiz", "ask each question, read answers from the terminal (or stdin), grade them")
    .option("--seeds <list>", "with export: the seeds, e.g. 1-30")
    .option("--out <dir>", "with export: the directory to write the handouts and answer keys to")
    .option("--json", "print JSON")
    .action(async (name: string | undefined, second: string | undefined, flags: LessonFlags) => {
      const c = makeChalk(io);
      if (name === undefined) {
        if (flags.json) {
          io.stdout(JSON.stringify(LESSONS.map((l) => ({ name: l.name, title: l.title, summary: l.summary })), null, 2) + "\n");
          return;
        }
        io.stdout(renderTable([{ header: "lesson" }, { header: "what it teaches" }], LESSONS.map((l) => [l.name, l.summary]), "").join("\n") + "\n");
        io.stdout(`\nirqsim lesson <name> [--seed N] prints the questions; add --answers to check your predictions, or --quiz.\n`);
        return;
      }
      if (name === "export") {
        if (second === undefined) throw new InputError("lesson export: expected a lesson name: irqsim lesson export <name> --seeds 1-30 --out DIR");
        const lesson = lessonOrThrow(second);
        if (flags.out === undefined) throw new InputError("lesson export: expected --out DIR");
        const seeds = parseSeedList(flags.seeds ?? "1-30");
        const pins = pinsOf(lesson, seeds[0]!, flags.set);
        try {
          mkdirSync(flags.out, { recursive: true });
        } catch (e) {
          throw new InputError(`--out ${flags.out}: cannot create the directory (${(e as NodeJS.ErrnoException).code ?? "error"})`);
        }
        const plain = makeChalk({ ...io, isTTY: false });
        const reports: LessonReport[] = [];
        const width = String(seeds[seeds.length - 1]!).length;
        for (const seed of seeds) {
          const r = lessonReport(lesson, seed, true, pins);
          reports.push(r);
          const handout = { ...r, questions: r.questions.map((q) => ({ n: q.n, text: q.text, choices: q.choices, unit: q.unit, tolerance_text: q.tolerance_text })), checks: undefined };
          const md = `# ${lesson.title} (seed ${seed})\n\n\`\`\`text\n${renderReport(handout, plain, { hint: false })}\`\`\`\n`;
          writeFileAtomic(join(flags.out, `${lesson.name}-seed-${String(seed).padStart(width, "0")}.md`), md);
          io.stderr(`lesson export: seed ${seed} done\n`);
        }
        writeFileAtomic(join(flags.out, `${lesson.name}-answers.md`), answerKeyMarkdown(lesson, reports));
        writeFileAtomic(join(flags.out, `${lesson.name}-answers.json`), JSON.stringify({ lesson: lesson.name, title: lesson.title, seeds: reports }, null, 2) + "\n");
        io.stdout(`wrote ${seeds.length} handouts and the answer key (${lesson.name}-answers.md, .json) to ${flags.out}\n`);
        return;
      }
      if (second !== undefined) throw new InputError(`lesson ${name}: unexpected extra argument '${second}'`);
      const lesson = lessonOrThrow(name);
      const seed = flags.seed ?? 1;
      const pins = pinsOf(lesson, seed, flags.set);
      if (flags.params) {
        const draw = new Draw(seed, pins);
        lesson.setup(draw);
        if (flags.json) {
          io.stdout(JSON.stringify(draw.drawn.map((p) => ({ name: p.name, choices: p.options, value: p.value, pinned: p.pinned })), null, 2) + "\n");
          return;
        }
        const rows = draw.drawn.map((p) => [p.name, p.options.join(", "), `${p.value}${p.pinned ? " (pinned)" : ""}`]);
        io.stdout(renderTable([{ header: "parameter" }, { header: "drawn from" }, { header: `seed ${seed}` }], rows, "").join("\n") + "\n");
        io.stdout(`\nPin one with --set name=value (numbers within the range shown).\n`);
        return;
      }
      if (flags.quiz) {
        const report = lessonReport(lesson, seed, true, pins);
        const setup = lesson.setup(new Draw(seed, pins));
        const text = renderReport({ ...report, questions: [], checks: undefined }, c, { hint: false });
        io.stdout(text + "\n");
        const lines = io.readLines?.() ?? stdinLines();
        const it = lines[Symbol.asyncIterator]();
        let score = 0;
        for (const q of report.questions) {
          io.stdout(`${c.bold(`Q${q.n}.`)} ${q.text}\n`);
          if (q.choices !== undefined) q.choices.forEach((ch, i) => io.stdout(`      ${letter(i)}) ${ch}\n`));
          io.stdout(q.choices !== undefined ? "your answer (a letter): " : `your answer${q.unit !== undefined ? ` (${q.unit})` : ""}: `);
          const next = await it.next();
          const raw = next.done === true ? "" : next.value.trim();
          io.stdout("\n");
          const given: number | string = q.choices !== undefined ? raw.toLowerCase() : raw === "" || !Number.isFinite(Number(raw)) ? NaN : Number(raw);
          const right = given !== "" && !(typeof given === "number" && Number.isNaN(given)) && accepts(setup.questions[q.n - 1]!, q.answer!.value, given);
          if (right) score++;
          io.stdout(`   ${right ? c.green("right") : c.red("not quite")}: the simulation says ${shownAnswer(q, q.answer!.value)}${q.tolerance !== undefined && q.tolerance > 0 ? ` (±${q.tolerance})` : ""}\n`);
          if (!right) io.stdout(`   ${c.dim("derivation:")} ${q.derivation} (estimate ${shownAnswer(q, q.estimate!)})\n`);
          io.stdout("\n");
        }
        await it.return?.(undefined);
        io.stdout(`score: ${score}/${report.questions.length}\n`);
        return;
      }
      const report = lessonReport(lesson, seed, flags.answers === true, pins);
      if (flags.json) {
        io.stdout(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      io.stdout(renderReport(report, c, { hint: flags.answers !== true }));
    });
}
