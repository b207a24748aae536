import { describe, expect, test } from "vitest";
import { lessonReport, type LessonReport } from "../cli/lesson.js";
import { LESSONS } from "../lessons/index.js";
import { accepts } from "../lessons/lesson.js";
import { cli } from "./helpers/cli.js";


const answers = (r: LessonReport) => r.questions.map((q) => q.answer!.value);

describe("irqsim lesson", () => {
  test("lists at least 8 lessons, one line each", async () => {
    const r = await cli(["lesson"]);
    expect(r.code).toBe(0);
    for (const l of LESSONS) expect(r.stdout).toMatch(new RegExp(`^${l.name}\\s+\\S`, "m"));
    expect(LESSONS.length).toBeGreaterThanOrEqual(8);
    const j = JSON.parse((await cli(["lesson", "--json"])).stdout) as { name: string }[];
    expect(j.length).toBe(LESSONS.length);
    for (const concept of ["top-half-bottom-half", "softirq-restart-ksoftirqd", "receive-livelock-napi", "tasklet-serialization", "workqueue-concurrency", "sleeping-in-atomic", "missing-barrier", "interrupt-coalescing", "threaded-irq-oneshot"]) {
      expect(j.map((l) => l.name)).toContain(concept);
    }
  });

  // Every lesson, seeds 1..3, answered twice for seed 1 (same seed, same answers).
  const reports = new Map<string, LessonReport[]>();
  for (const l of LESSONS) reports.set(l.name, [1, 2, 3].map((seed) => lessonReport(l, seed, true)));

  test.each(LESSONS.map((l) => l.name))("%s: 3-6 well-formed questions, answered for seeds 1..3, deterministic", (name) => {
    const lesson = LESSONS.find((l) => l.name === name)!;
    const rs = reports.get(name)!;
    for (const r of rs) {
      expect(r.questions.length).toBeGreaterThanOrEqual(3);
      expect(r.questions.length).toBeLessThanOrEqual(6);
      r.questions.forEach((q, i) => {
        const v = q.answer!.value;
        if (q.choices !== undefined) {
          expect(typeof v).toBe("string");
          expect(q.choices.length).toBeGreaterThan("abcdefghij".indexOf(v as string));
          expect("abcdefghij".indexOf(v as string)).toBeGreaterThanOrEqual(0);
        } else {
          expect(typeof v).toBe("number");
          expect(Number.isFinite(v)).toBe(true);
          expect(q.tolerance).toBeDefined();
          // The tolerance accepts the answer itself and rejects something far off.
          const question = lesson.setup(r.seed).questions[i]!;
          expect(accepts(question, v, v)).toBe(true);
          expect(accepts(question, v, (v as number) * 10 + 1e6)).toBe(false);
        }
        expect(q.answer!.why.length).toBeGreaterThan(0);
      });
    }
    expect(answers(lessonReport(lesson, 1, true))).toEqual(answers(rs[0]!));
    // The lesson's expect: block holds on every seed.
    for (const r of rs) {
      expect(r.checks!.length).toBeGreaterThan(0);
      expect(r.checks!.filter((k) => !k.ok).map((k) => `seed ${r.seed}: ${k.what}`)).toEqual([]);
    }
  });

  test("different seeds change at least one answer for most lessons", () => {
    const varying = LESSONS.filter((l) => {
      const [a, b, c] = reports.get(l.name)!.map((r) => JSON.stringify(answers(r)));
      return a !== b || b !== c;
    });
    expect(varying.length).toBeGreaterThanOrEqual(Math.ceil(0.8 * LESSONS.length));
  });

  test("questions without --answers, answers with it, via the CLI", async () => {
    const q = await cli(["lesson", "tasklet-serialization", "--seed", "2"]);
    expect(q.code).toBe(0);
    expect(q.stdout).toContain("Q1.");
    expect(q.stdout).not.toContain("Answer:");
    expect(q.stdout).toContain("irqsim run tasklet-serial --seed 2");
    const a = await cli(["lesson", "tasklet-serialization", "--seed", "2", "--answers"]);
    expect(a.code).toBe(0);
    expect(a.stdout.match(/Answer:/g)?.length).toBe(q.stdout.match(/^Q\d+\./gm)?.length);
    const j = JSON.parse((await cli(["lesson", "tasklet-serialization", "--seed", "2", "--answers", "--json"])).stdout) as LessonReport;
    expect(answers(j)).toEqual(answers(reports.get("tasklet-serialization")![1]!));
  });

  test("the printed commands reproduce the runs the answers come from", async () => {
    const r = reports.get("tasklet-serialization")![1]!;
    const cmd = r.commands.main!.split(" ").slice(1);
    const run = await cli([...cmd, "--json"]);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { tasklets: { busy_elsewhere: number; already_scheduled: number }[] };
    expect(result.tasklets[0]!.already_scheduled).toBe(r.questions[1]!.answer!.value);
    expect(result.tasklets[0]!.busy_elsewhere).toBe(r.questions[2]!.answer!.value);
  });

  test("missing-barrier: the printed commands reproduce the corrupt count and the first report", async () => {
    const r = reports.get("missing-barrier")![1]!;
    const buggy = await cli([...r.commands.buggy!.split(" ").slice(1), "--json"]);
    expect(buggy.code).toBe(0);
    const result = JSON.parse(buggy.stdout) as { packets: { corrupt: number }; memory: { corrupt: { seed: number; missing: string }[] } };
    expect(result.packets.corrupt).toBe(r.questions[0]!.answer!.value);
    expect(result.packets.corrupt).toBeGreaterThan(0);
    expect(result.memory.corrupt[0]!.seed).toBe(2);
    expect(result.memory.corrupt[0]!.missing).toBe("dma_rmb() after reading DD");
    expect(r.questions[1]!.answer!.value).toBe("a");
    // With the barriers, and under SC, the same seed delivers nothing corrupt.
    for (const name of ["fixed", "sc"]) {
      const run = JSON.parse((await cli([...r.commands[name]!.split(" ").slice(1), "--json"])).stdout) as { packets: { corrupt: number } };
      expect(run.packets.corrupt).toBe(0);
    }
    expect(r.commands.sc).toContain("kernel.memory=sc");
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
