/**
 * `irqsim litmus`: the herd7-style report, `--json`, `--check`, and one-line errors with
 * the file and line for everything outside the supported subset (exit 2).
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { herdHash } from "../litmus/hash.js";
import { parseLitmusText } from "../litmus/load.js";
import { cli } from "./helpers/cli.js";


const KERNEL = fileURLToPath(new URL("./litmus/", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "irqsim-litmus-"));

function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe("irqsim litmus", () => {
  test("--simulate counts the states the simulated hardware shows: MP shows the stale read, MP+release/acquire never", async () => {
    const r = await cli(["litmus", join(KERNEL, "MP+poonceonces.litmus"), join(KERNEL, "MP+pooncerelease+poacquireonce.litmus"), "--simulate", "500", "--json"]);
    expect(r.code).toBe(0);
    const [mp, relacq] = JSON.parse(r.stdout) as { simulation: { runs: number; positive: number; states: { count: number }[] } }[];
    expect(mp!.simulation.positive).toBeGreaterThan(0);
    expect(relacq!.simulation.positive).toBe(0);
    for (const x of [mp!, relacq!]) expect(x.simulation.states.reduce((a, s) => a + s.count, 0)).toBe(500);
    const again = await cli(["litmus", join(KERNEL, "MP+poonceonces.litmus"), "--simulate", "500", "--json"]);
    expect((JSON.parse(again.stdout) as unknown[])[0]).toEqual(mp);
    const text = await cli(["litmus", join(KERNEL, "MP+poonceonces.litmus"), "--simulate", "100", "--seed", "3"]);
    expect(text.stdout).toMatch(/^Simulated 100 runs on irqsim's memory model \(seed 3, weakness 0\.5\): \d of 4 allowed states seen$/m);
    expect(text.stdout).toMatch(/^Condition seen in \d+ of 100 runs$/m);
  });

  test("MP+pooncerelease+poacquireonce: herd7's report, Observation Never", async () => {
    const r = await cli(["litmus", join(KERNEL, "MP+pooncerelease+poacquireonce.litmus")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      [
        "Test MP+pooncerelease+poacquireonce Allowed",
        "States 3",
        "1:r0=0; 1:r1=0;",
        "1:r0=0; 1:r1=1;",
        "1:r0=1; 1:r1=1;",
        "No",
        "Witnesses",
        "Positive: 0 Negative: 3",
        "Condition exists (1:r0=1 /\\ 1:r1=0)",
        "Observation MP+pooncerelease+poacquireonce Never 0 3",
        "Hash=f259d8efc86e0b40c7168bf58524ab49",
        "",
        "",
      ].join("\n"),
    );
  });

  test("several files print one report each, in order", async () => {
    const r = await cli(["litmus", join(KERNEL, "SB+poonceonces.litmus"), join(KERNEL, "SB+fencembonceonces.litmus")]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Observation .*$/gm)).toEqual(["Observation SB+poonceonces Sometimes 1 3", "Observation SB+fencembonceonces Never 0 3"]);
  });

  test("--json: one object per file with stable keys", async () => {
    const r = await cli(["litmus", "--json", join(KERNEL, "SB+rfionceonce-poonceonces.litmus")]);
    expect(r.code).toBe(0);
    const [o] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(Object.keys(o!)).toEqual([
      "file", "test", "kind", "states", "ok", "positive", "negative", "flags", "condition", "observation", "observation_counts", "hash", "expected", "matches_expected",
    ]);
    expect(o).toMatchObject({
      test: "SB+rfionceonce-poonceonces",
      kind: "Allowed",
      ok: true,
      positive: 1,
      negative: 3,
      flags: [],
      condition: "exists (0:r2=0 /\\ 1:r4=0)",
      observation: "Sometimes",
      observation_counts: [1, 3],
      // The hash the kernel's Documentation/litmus-tests.txt shows for this test.
      hash: "40de8418c4b395388f6501cafd1ed38d",
      expected: "Sometimes",
      matches_expected: true,
    });
    expect((o!.states as object[])[0]).toEqual({ "0:r1": "1", "0:r2": "0", "1:r3": "1", "1:r4": "0", "[x]": "1", "[y]": "1" });
  });

  test("~exists is Forbidden and forall Required, with herd's witness counting", async () => {
    const body = "{}\n\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n\nP1(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x);\n}\n\n";
    const r = await cli(["litmus", file("ne.litmus", `C ne\n${body}~exists (1:r0=2)\n`), file("fa.litmus", `C fa\n${body}forall (1:r0=0 \\/ 1:r0=1)\n`)]);
    expect(r.stdout).toContain("Test ne Forbidden\nStates 2\n1:r0=0;\n1:r0=1;\nOk\nWitnesses\nPositive: 2 Negative: 0\nCondition ~exists (1:r0=2)\nObservation ne Never 0 2\n");
    expect(r.stdout).toContain("Test fa Required\nStates 2\n1:r0=0;\n1:r0=1;\nOk\nWitnesses\nPositive: 2 Negative: 0\nCondition forall (1:r0=0 \\/ 1:r0=1)\nObservation fa Always 2 0\n");
  });

  test("filter drops executions; herd's operator precedence and `not` printing", async () => {
    const t = file(
      "filt.litmus",
      "C filt\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nP1(int *x)\n{\n\tint r0;\n\tint r1;\n\tr0 = READ_ONCE(*x);\n\tr1 = READ_ONCE(*x);\n}\nlocations [x]\nfilter (1:r0=1)\nexists (~1:r1=1 \\/ 1:r0=1 /\\ (1:r1=0 \\/ x=2))\n",
    );
    const r = await cli(["litmus", t]);
    expect(r.stdout).toContain("States 1\n1:r0=1; 1:r1=1; [x]=1;\nNo\n");
    expect(r.stdout).toContain("Condition exists (not (1:r1=1) \\/ 1:r0=1 /\\ (1:r1=0 \\/ [x]=2))\n");
  });

  test("--check exits 1 when a verdict differs from the Result: comment", async () => {
    const t = file("wrong.litmus", "C wrong\n\n(*\n * Result: Never\n *)\n\n{}\n\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n\nexists (x=1)\n");
    expect((await cli(["litmus", t])).code).toBe(0);
    const r = await cli(["litmus", "--check", t]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`irqsim: ${t}: expected Result: Never, got Always 1 0\n`);
  });

  test("plain accesses that race are flagged, as herd prints it", async () => {
    const t = file("race.litmus", "C race\n{}\nP0(int *x)\n{\n\t*x = 1;\n}\nP1(int *x)\n{\n\tint r0;\n\tr0 = *x;\n}\nexists (1:r0=1)\n");
    const r = await cli(["litmus", t]);
    expect(r.stdout).toContain("Positive: 1 Negative: 1\nFlag data-race\nCondition exists (1:r0=1)\n");
  });

  test("a Hash= line in the header is printed instead of the computed digest, as herd does", () => {
    const text = "C h\nHash=0123456789abcdef0123456789abcdef\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n";
    expect(herdHash(parseLitmusText(text, "h.litmus"))).toBe("0123456789abcdef0123456789abcdef");
    // Without it, the digest covers the code: changing a comment in a body changes it.
    const a = herdHash(parseLitmusText("C h\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1)\n", "h.litmus"));
    const b = herdHash(parseLitmusText("C h\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1); // c\n}\nexists (x=1)\n", "h.litmus"));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});

describe("bad input: one line naming the file and line, exit 2", () => {
  const cases: [string, string, string][] = [
    ["srcu", "C t\n{}\nP0(int *x)\n{\n\tint r0;\n\tr0 = srcu_read_lock(x);\n}\nexists (0:r0=0)\n", ":6: unsupported construct srcu_read_lock(): SRCU is not modelled"],
    ["while", "C t\n{}\nP0(int *x)\n{\n\twhile (1) WRITE_ONCE(*x, 1);\n}\nexists (x=1)\n", ":5: unsupported construct while: only straight-line code and if/else are modelled"],
    ["unknown", "C t\n{}\nP0(int *x)\n{\n\tfoo(x);\n}\nexists (x=1)\n", ":5: unsupported construct foo(): not a primitive of tools/memory-model/linux-kernel.def that irqsim models"],
    ["deref", "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(x, 1);\n}\nexists (x=1)\n", ":5: WRITE_ONCE() expects a dereference such as WRITE_ONCE(*x, v)"],
    ["andand", "C t\n{}\nP0(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x) && 1;\n}\nexists (0:r0=1)\n", ":7: unsupported operator '&&'"],
    ["register", "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (0:r5=1)\n", ":7: 0:r5: P0 has no register r5"],
    ["variable", "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, y);\n}\nexists (x=1)\n", ":5: unknown variable 'y': not a parameter or register of P0"],
    ["arch", "PPC t\n{}\n", ":1: unsupported architecture 'PPC': only C litmus tests (LKMM) are supported"],
    ["param", "C t\n{}\nP0(int x)\n{\n}\nexists (x=1)\n", ":3: parameter x of P0 is not a pointer"],
    ["condition", "C t\n{}\nP0(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\nexists (x=1 /\\ )\n", ":7: expected a location such as x, [x] or 0:r0, found ')'"],
    ["order", "C t\n{}\nP1(int *x)\n{\n}\nexists (x=1)\n", ":3: threads must be P0, P1, ... in order"],
    ["mixed-lock", "C t\n{}\nP0(spinlock_t *s)\n{\n\tint r0;\n\tspin_lock(s);\n\tr0 = READ_ONCE(*s);\n\tspin_unlock(s);\n}\nexists (0:r0=0)\n", ":7: unsupported construct: spinlock s is also read or written"],
  ];
  for (const [name, text, message] of cases) {
    test(name, async () => {
      const p = file(`${name}.litmus`, text);
      const r = await cli(["litmus", p]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n").length).toBe(2);
      expect(r.stderr.startsWith(`irqsim: ${p}${message}`)).toBe(true);
    });
  }

  test("a missing file", async () => {
    const r = await cli(["litmus", join(tmp, "nope.litmus")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`irqsim: ${join(tmp, "nope.litmus")}: no such file\n`);
  });

  test("nothing is printed for the good files when one file is bad", async () => {
    const r = await cli(["litmus", join(KERNEL, "SB+poonceonces.litmus"), join(tmp, "nope.litmus")]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });
});
