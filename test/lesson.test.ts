import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { lessonReport, type LessonReport } from "../cli/lesson.js";
import { main } from "../cli/main.js";
import type { Io } from "../cli/output.js";
import { LESSONS } from "../lessons/index.js";
import { accepts, Draw } from "../lessons/lesson.js";
import { cli } from "./helpers/cli.js";

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const answers = (r: LessonReport) => r.questions.map((q) => q.answer!.value);

// Every lesson on seeds 1..20, computed once and shared by the tests below. This is the
// suite's expensive part: each lesson's runs are short (5-50 ms simulated; the spurious-IRQ
// lesson needs its 100,000-interrupt window and a third of the time). Measured: about 15 s of
// CPU, 30 s of wall time with the machine's two cores shared.
const reports = new Map<string, LessonReport[]>();
for (const l of LESSONS) reports.set(l.name, SEEDS.map((seed) => lessonReport(l, seed, true)));

describe("irqsim lesson", () => {
  test("lists the lessons (15 or more), one line each", async () => {
    expect(LESSONS.length).toBeGreaterThanOrEqual(15);
    const r = await cli(["lesson"]);
    expect(r.code).toBe(0);
    for (const l of LESSONS) expect(r.stdout).toMatch(new RegExp(`^${l.name}\\s+\\S`, "m"));
    const j = JSON.parse((await cli(["lesson", "--json"])).stdout) as { name: string }[];
    expect(j.length).toBe(LESSONS.length);
  });

  test.each(LESSONS.map((l) => l.name))("%s: seeds matter -- every numeric answer takes 3+ values, every choice 2+, over seeds 1..20", (name) => {
    const rs = reports.get(name)!;
    const qs = rs[0]!.questions;
    expect(qs.filter((q) => q.conceptual === true).length).toBeLessThanOrEqual(1);
    const flat: string[] = [];
    qs.forEach((q, i) => {
      if (q.conceptual === true) return;
      const distinct = new Set(rs.map((r) => String(r.questions[i]!.answer!.value))).size;
      if (distinct < (q.choices !== undefined ? 2 : 3)) flat.push(`Q${i + 1} has ${distinct} distinct answers`);
    });
    expect(flat).toEqual([]);
  });

  test.each(LESSONS.map((l) => l.name))("%s: the derivation from the setup lands within tolerance on 80%% of seeds 1..20", (name) => {
    const lesson = LESSONS.find((l) => l.name === name)!;
    const rs = reports.get(name)!;
    const misses: string[] = [];
    rs[0]!.questions.forEach((_, i) => {
      let hits = 0;
      for (const r of rs) {
        const q = lesson.setup(new Draw(r.seed)).questions[i]!;
        const ok = accepts(q, r.questions[i]!.answer!.value, q.derive.estimate);
        expect(r.questions[i]!.estimate_ok).toBe(ok);
        if (ok) hits++;
      }
      if (hits < 0.8 * rs.length) misses.push(`Q${i + 1}: ${hits}/${rs.length}`);
    });
    expect(misses).toEqual([]);
  });

  test.each(LESSONS.map((l) => l.name))("%s: 3-6 well-formed questions with derivations; same seed, same answers; expect: holds", (name) => {
    const lesson = LESSONS.find((l) => l.name === name)!;
    const rs = reports.get(name)!;
    for (const r of rs) {
      expect(r.questions.length).toBeGreaterThanOrEqual(3);
      expect(r.questions.length).toBeLessThanOrEqual(6);
      for (const q of r.questions) {
        const v = q.answer!.value;
        expect(q.derivation!.length).toBeGreaterThan(10);
        if (q.choices !== undefined) {
          expect("abcdefghij".slice(0, q.choices.length)).toContain(v as string);
          expect("abcdefghij".slice(0, q.choices.length)).toContain(q.estimate as string);
        } else {
          expect(Number.isFinite(v)).toBe(true);
          expect(Number.isFinite(q.estimate)).toBe(true);
          expect(typeof q.tolerance).toBe("number");
          // The tolerance accepts the answer itself and rejects something far off.
          expect(Math.abs((v as number) * 10 + 1e6 - (v as number))).toBeGreaterThan(q.tolerance!);
        }
        expect(q.answer!.why.length).toBeGreaterThan(0);
      }
      expect(r.checks!.filter((k) => !k.ok).map((k) => `seed ${r.seed}: ${k.what}`)).toEqual([]);
    }
    expect(answers(lessonReport(lesson, 1, true))).toEqual(answers(rs[0]!));
  });

  test("--answers prints each derivation, its estimate and the simulated answer; --json carries them", async () => {
    const q = await cli(["lesson", "tasklet-serialization", "--seed", "2"]);
    expect(q.code).toBe(0);
    expect(q.stdout).toContain("Q1.");
    expect(q.stdout).not.toContain("Simulated:");
    expect(q.stdout).toContain("irqsim run tasklet-serial --seed 2");
    const a = await cli(["lesson", "tasklet-serialization", "--seed", "2", "--answers"]);
    expect(a.code).toBe(0);
    const n = q.stdout.match(/^Q\d+\./gm)!.length;
    expect(a.stdout.match(/Derivation:/g)?.length).toBe(n);
    expect(a.stdout.match(/Simulated:/g)?.length).toBe(n);
    const j = JSON.parse((await cli(["lesson", "tasklet-serialization", "--seed", "2", "--answers", "--json"])).stdout) as LessonReport;
    expect(answers(j)).toEqual(answers(reports.get("tasklet-serialization")![1]!));
    for (const x of j.questions) {
      expect(typeof x.derivation).toBe("string");
      expect(x.estimate).toBeDefined();
      if (x.choices === undefined) {
        expect(typeof x.tolerance).toBe("number");
        expect(typeof x.tolerance_text).toBe("string");
      }
    }
  });

  test("the printed commands reproduce the runs the answers come from", async () => {
    const r = reports.get("tasklet-serialization")![1]!;
    const run = await cli([...r.commands.main!.split(" ").slice(1), "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { tasklets: { busy_elsewhere: number; scheduled_while_running: number }[] };
    expect(result.tasklets[0]!.scheduled_while_running).toBe(r.questions[1]!.answer!.value);
    expect(result.tasklets[0]!.busy_elsewhere).toBe(r.questions[2]!.answer!.value);
  });

  test("--params lists what a lesson draws; --set pins it; bad pins are one line and exit 2", async () => {
    const p = JSON.parse((await cli(["lesson", "interrupt-coalescing", "--params", "--json"])).stdout) as { name: string; choices: number[] }[];
    expect(p.map((x) => x.name)).toEqual(["rate", "rx_usecs", "rx_frames"]);
    const pinned = await cli(["lesson", "interrupt-coalescing", "--seed", "4", "--set", "rx_usecs=75", "--json"]);
    expect(pinned.code).toBe(0);
    const rep = JSON.parse(pinned.stdout) as LessonReport;
    expect(rep.params.rx_usecs).toBe(75);
    expect(rep.commands.on).toContain("rx_usecs=75us");
    for (const bad of ["rx_usecs=5000", "nope=1", "rx_usecs", "rx_usecs=abc"]) {
      const r = await cli(["lesson", "interrupt-coalescing", "--set", bad]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  test("export writes one handout per seed and the answer key in Markdown and JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-lesson-"));
    try {
      const r = await cli(["lesson", "export", "sleeping-in-atomic", "--seeds", "1-3", "--out", dir]);
      expect(r.code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(["sleeping-in-atomic-answers.json", "sleeping-in-atomic-answers.md", "sleeping-in-atomic-seed-1.md", "sleeping-in-atomic-seed-2.md", "sleeping-in-atomic-seed-3.md"]);
      const handout = readFileSync(join(dir, "sleeping-in-atomic-seed-2.md"), "utf8");
      expect(handout).toContain("Q1.");
      expect(handout).not.toContain("Simulated:");
      const key = JSON.parse(readFileSync(join(dir, "sleeping-in-atomic-answers.json"), "utf8")) as { seeds: LessonReport[] };
      expect(key.seeds.map((s) => s.seed)).toEqual([1, 2, 3]);
      expect(answers(key.seeds[0]!)).toEqual(answers(reports.get("sleeping-in-atomic")![0]!));
      expect(readFileSync(join(dir, "sleeping-in-atomic-answers.md"), "utf8")).toContain("## Seed 3");
      expect((await cli(["lesson", "export", "sleeping-in-atomic", "--seeds", "x", "--out", dir])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("--quiz grades answers read line by line and ends with score: K/N", async () => {
    const r = reports.get("sleeping-in-atomic")![0]!;
    // Right answers to all but the first, which is far off.
    const lines = r.questions.map((q, i) => (i === 0 ? "999999" : String(q.answer!.value)));
    let stdout = "";
    const io: Io = { stdout: (t) => void (stdout += t), stderr: () => {}, isTTY: false, stderrIsTTY: false, env: {}, readLines: async function* () { yield* lines; } };
    expect(await main(["lesson", "sleeping-in-atomic", "--seed", "1", "--quiz"], io)).toBe(0);
    expect(stdout).toMatch(new RegExp(`score: ${r.questions.length - 1}/${r.questions.length}\\n$`));
    expect(stdout).toContain("derivation:");
  });

  test("a bad lesson name is one line and exit 2", async () => {
    const r = await cli(["lesson", "missing-barriers"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("unknown lesson 'missing-barriers'");
  });

  test("a bad seed is exit 2", async () => {
    expect((await cli(["lesson", "spurious-irq", "--seed", "x"])).code).toBe(2);
  });
});
