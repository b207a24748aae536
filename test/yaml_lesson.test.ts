import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import type { LessonReport } from "../cli/lesson.js";
import { evaluate, interpolate, lookupPath } from "../lessons/expr.js";
import { LESSONS } from "../lessons/index.js";
import { cli } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-yaml-lesson-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example lesson the README shows, exactly as shown. */
function readmeExample(): string {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const m = /<!-- lesson-example -->\n```yaml\n([\s\S]*?)```\n<!-- \/lesson-example -->/.exec(readme);
  if (m === null) throw new Error("README has no lesson example");
  return m[1]!;
}

describe("lesson expressions (lessons/expr.ts)", () => {
  const vars: Record<string, number> = { rate: 20000, trigger: 8 };
  const r = (name: string) => vars[name];
  test("precedence, functions, comparisons and the conditional", () => {
    expect(evaluate("1 + 2 * 3 - 4 / 2", r)).toBe(5);
    expect(evaluate("-(1 + 2) * 2", r)).toBe(-6);
    expect(evaluate("max(1, rate / 1000, 3) % 7", r)).toBe(6);
    expect(evaluate("round(10 / 3, 2)", r)).toBe(3.33);
    expect(evaluate("rate > 1e4 && !(trigger == 4) ? 1 : 0", r)).toBe(1);
    expect(evaluate("trigger >= 14 || trigger < 2", r)).toBe(0);
    expect(interpolate("{rate} packets/s, {rate / 1000}k", r)).toBe("20000 packets/s, 20k");
  });
  test("errors name what is wrong", () => {
    expect(() => evaluate("rate +", r)).toThrow(/unexpected end/);
    expect(() => evaluate("rates * 2", r)).toThrow(/unknown name 'rates'/);
    expect(() => evaluate("pow(2, 3)", r)).toThrow(/unknown function 'pow'/);
    expect(() => evaluate("1 2", r)).toThrow(/unexpected token/);
    expect(() => evaluate("rate; 1", r)).toThrow(/unexpected ';'/);
  });
  test("dotted paths index objects and arrays; booleans are 1/0", () => {
    const o = { cpus: [{ hardirq_ns: 5 }], devices: { s: { line_disabled: true } } };
    expect(lookupPath(o, "cpus.0.hardirq_ns")).toBe(5);
    expect(lookupPath(o, "devices.s.line_disabled")).toBe(1);
    expect(lookupPath(o, "cpus.1.hardirq_ns")).toBeUndefined();
  });
});

describe("YAML lessons", () => {
  test("the built-in YAML lesson is listed with the others (15 or more in all)", async () => {
    expect(LESSONS.map((l) => l.name)).toContain("uart-overrun");
    expect(LESSONS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(LESSONS.map((l) => l.name)).size).toBe(LESSONS.length);
    expect((await cli(["lesson"])).stdout).toMatch(/^uart-overrun\s+\S/m);
  });

  test("the README's example runs as shown: answers, derivations, estimates within tolerance", async () => {
    const file = join(dir, "busy-nic.yaml");
    writeFileSync(file, readmeExample());
    const r = await cli(["lesson", file, "--seed", "2", "--answers", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.stdout) as LessonReport;
    expect(rep.lesson).toBe("busy-nic");
    expect(rep.params.rate).toBeDefined();
    expect(rep.setup).toContain(`nic-basic at ${rep.params.rate} packets/s`);
    expect(rep.questions).toHaveLength(3);
    for (const q of rep.questions) {
      expect(q.estimate_ok).toBe(true);
      expect(q.derivation).not.toContain("{");
    }
    expect(rep.questions[2]!.answer!.value).toBe("b");
    expect(rep.checks).toEqual([]);
    const params = await cli(["lesson", file, "--params"]);
    expect(params.stdout).toMatch(/^rate\s+20000, 40000, 80000/m);
  });

  test("bad YAML lessons are one line naming the file and field, exit 2", async () => {
    const good = readmeExample();
    const cases: [string, string, RegExp][] = [
      ["missing-title.yaml", good.replace(/^title: .*\n/m, ""), /missing-title\.yaml: title:/],
      ["bad-estimate.yaml", good.replace('estimate: "rate / 100"', 'estimate: "rat / 100"'), /bad-estimate\.yaml: questions\.1\.estimate: unknown name 'rat'/],
      ["bad-template.yaml", good.replace("each packet costs about {per_packet_us}", "each packet costs about {per_packet_us +}"), /bad-template\.yaml: setup: unexpected end/],
      ["two-questions.yaml", good.slice(0, good.indexOf('  - text: "Did NET_RX')), /two-questions\.yaml: questions:/],
      ["not-yaml.yaml", "name: [unclosed\n", /not-yaml\.yaml: not valid YAML/],
    ];
    for (const [name, text, msg] of cases) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const r = await cli(["lesson", file]);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(r.stderr, name).toMatch(msg);
    }
    const missing = await cli(["lesson", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
  });
});
