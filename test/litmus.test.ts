/**
 * The kernel's own litmus tests (test/litmus, see its README) are the reference for
 * `irqsim litmus`: every test within the supported subset must get the verdict its
 * `Result:` comment states (judged as tools/memory-model/scripts/judgelitmus.sh does),
 * and where herd7's recorded output exists, irqsim's must equal it byte for byte.
 */
import { describe, expect, test } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { formatHerd } from "../litmus/herd_output.js";
import { checkLitmusFile } from "../litmus/load.js";

const ROOT = fileURLToPath(new URL("./litmus", import.meta.url));

function litmusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? litmusFiles(join(dir, d.name)) : d.name.endsWith(".litmus") ? [join(dir, d.name)] : []))
    .sort();
}

const FILES = litmusFiles(ROOT);

/**
 * Tests outside the supported subset, with the reason irqsim reports. Empty today: every
 * kernel test is supported. A test listed here must keep failing with that reason, and
 * a test not listed here must keep running, so a supported test cannot silently regress.
 */
const UNSUPPORTED: Record<string, string> = {};

describe("the kernel's litmus tests get their stated Result", () => {
  test("the corpus is all there", () => {
    expect(FILES.filter((f) => !f.includes("Documentation")).length).toBe(35);
    expect(FILES.filter((f) => f.includes("Documentation")).length).toBe(12);
  });

  for (const file of FILES) {
    const name = relative(ROOT, file);
    const reason = UNSUPPORTED[name];
    if (reason !== undefined) {
      test(`${name} is outside the subset: ${reason}`, () => {
        expect(() => checkLitmusFile(file)).toThrow(reason);
      });
      continue;
    }
    test(`${name}`, () => {
      const o = checkLitmusFile(file);
      const stated = /^[( ]\* Result: (\S+)/m.exec(readFileSync(file, "latin1"))![1];
      expect(o.expected).toBe(stated);
      expect({ verdict: `${o.observation} ${o.pos} ${o.neg}`, flags: o.flags, matches: o.matchesExpected }).toMatchObject({ matches: true });
      const golden = join(ROOT, "herd7", `${file.split("/").pop()}.expected`);
      if (existsSync(golden)) expect(formatHerd(o)).toBe(readFileSync(golden, "utf8"));
    });
  }

  test("34 tests are compared with herd7's recorded output", () => {
    expect(readdirSync(join(ROOT, "herd7")).length).toBe(34);
  });
});

describe("verdicts of the kernel corpus, spelled out", () => {
  // The Observation lines, so a change in counts (not only in the verdict word) shows up.
  const expected: Record<string, string> = {
    "CoRR+poonceonce+Once.litmus": "Never 0 3",
    "IRIW+fencembonceonces+OnceOnce.litmus": "Never 0 15",
    "IRIW+poonceonces+OnceOnce.litmus": "Sometimes 1 15",
    "MP+onceassign+derefonce.litmus": "Never 0 2",
    "MP+polockmbonce+poacquiresilsil.litmus": "Never 0 9",
    "Z6.0+pooncelock+poonceLock+pombonce.litmus": "Never 0 7",
    "dep+plain.litmus": "Never 0 2",
    "Documentation/atomic/cmpxchg-fail-ordered-1.litmus": "Never 0 3",
    "Documentation/atomic/cmpxchg-fail-unordered-1.litmus": "Sometimes 1 3",
    "Documentation/locking/DCL-broken.litmus": "Sometimes 2 4",
    "Documentation/locking/DCL-fixed.litmus": "Never 0 4",
    "Documentation/locking/RM-broken.litmus": "Never 0 0",
    "Documentation/locking/RM-fixed.litmus": "Never 0 1",
    "Documentation/rcu/RCU+sync+free.litmus": "Never 0 2",
    "Documentation/rcu/RCU+sync+read.litmus": "Never 0 3",
  };
  for (const [name, obs] of Object.entries(expected)) {
    test(`${name}: ${obs}`, () => {
      const o = checkLitmusFile(join(ROOT, name));
      expect(`${o.observation} ${o.pos} ${o.neg}`).toBe(obs);
      expect(o.flags).toEqual([]);
    });
  }
});
