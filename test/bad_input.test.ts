/**
 * Bad input, table-driven (issue 10, part 4): every command, every kind of malformed input
 * exits 2 with one clear `irqsim: ` line on stderr, no stack trace, within a second.
 */
import { describe, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers/cli.js";

async function timedCli(args: string[]) {
  const t0 = performance.now();
  const r = await cli(args);
  return { ...r, ms: performance.now() - t0 };
}

const tmp = mkdtempSync(join(tmpdir(), "irqsim-bad-"));
function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

const GOOD = `name: ok
description: fine
devices:
  nic0:
    type: nic
    irq: 24
    traffic: {kind: poisson, rate: 1000}
`;
const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
for (let i = 1; i < 12; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
const dir = join(tmp, "a-dir.yaml");
mkdirSync(dir);

const files: Record<string, string> = {
  empty: file("empty.yaml", ""),
  binary: file("binary.yaml", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0xff, 0xfe, 0, 0, 0x89, 0x50])),
  directory: dir,
  "alias bomb": file("bomb.yaml", bomb.join("\n") + "\n"),
  "deeply nested": file("deep.yaml", "a: " + "[".repeat(5000) + "]".repeat(5000) + "\n"),
  "deeply nested mapping": file("deep2.yaml", Array.from({ length: 200 }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1\n"),
  "huge number": file("huge.yaml", GOOD.replace("rate: 1000", "rate: 1e400")),
  "negative duration": file("neg.yaml", GOOD + "duration: -5ms\n"),
  "zero duration": file("zero.yaml", GOOD + "duration: 0\n"),
  "NaN duration": file("nan.yaml", GOOD + "duration: .nan\n"),
  "unknown enum": file("enum.yaml", GOOD.replace("type: nic", "type: nic\n    mode: turbo")),
  "unknown key": file("key.yaml", GOOD + "colour: blue\n"),
  "not a mapping": file("list.yaml", "- 1\n- 2\n"),
  "missing file": join(tmp, "nope.yaml"),
};

// Commands taking a scenario, with the arguments they need besides it.
const scenarioCommands: [string, string[]][] = [
  ["run", []],
  ["sweep", ["--vary", "devices.nic0.traffic.rate=1000,2000", "--jobs", "1"]],
  ["explain", []],
  ["dashboard", ["--plain"]],
];

const cases: [string, string[]][] = [];
for (const [cmd, extra] of scenarioCommands) {
  for (const [what, path] of Object.entries(files)) cases.push([`${cmd}: ${what}`, [cmd, path, ...extra]]);
  const good = file(`good-${cmd}.yaml`, GOOD);
  cases.push([`${cmd}: bad --set path`, [cmd, good, "--set", "devices.nic0.traffic.rate.x=1", ...extra]]);
  cases.push([`${cmd}: --set unknown key`, [cmd, good, "--set", "devices.nic0.turbo=1", ...extra]]);
  cases.push([`${cmd}: --set without =`, [cmd, good, "--set", "devices", ...extra]]);
  cases.push([`${cmd}: --set __proto__`, [cmd, good, "--set", "__proto__.x=1", ...extra]]);
  cases.push([`${cmd}: --set huge number`, [cmd, good, "--set", "devices.nic0.traffic.rate=1e400", ...extra]]);
  cases.push([`${cmd}: --duration NaN`, [cmd, good, "--duration", "NaN", ...extra]]);
  cases.push([`${cmd}: --duration negative`, [cmd, good, "--duration", "-5ms", ...extra]]);
  cases.push([`${cmd}: --duration zero`, [cmd, good, "--duration", "0", ...extra]]);
  cases.push([`${cmd}: --seed huge`, [cmd, good, "--seed", "99999999999999999999", ...extra]]);
  cases.push([`${cmd}: unknown built-in`, [cmd, "no-such-scenario", ...extra]]);
}
cases.push(["run: --max-events NaN", ["run", "nic-basic", "--max-events", "NaN"]]);
cases.push(["run: unknown --proc view", ["run", "nic-basic", "--proc", "meminfo"]]);
cases.push(["run: unknown flag", ["run", "nic-basic", "--turbo"]]);
cases.push(["sweep: no --vary", ["sweep", "nic-basic"]]);
cases.push(["sweep: bad --vary path", ["sweep", "nic-basic", "--vary", "devices.nic0.traffic.rate.x=1,2", "--jobs", "1"]]);
cases.push(["sweep: bad --shard", ["sweep", "nic-basic", "--vary", "seed=1,2", "--shard", "3/2"]]);
cases.push(["sweep: --seeds 0", ["sweep", "nic-basic", "--vary", "seed=1,2", "--seeds", "0"]]);
cases.push(["list: unknown flag", ["list", "--turbo"]]);
cases.push(["bench: unknown flag", ["bench", "--turbo"]]);
cases.push(["bench: stray argument", ["bench", "nic-basic"]]);
cases.push(["unknown command", ["frobnicate"]]);
cases.push(["lesson: unknown lesson", ["lesson", "no-such-lesson"]]);
// An empty shard next to others is fine (sweep test); an empty file alone has no records.
for (const [what, path] of Object.entries(files)) cases.push([`merge: ${what}`, ["merge", path]]);
cases.push(["merge: not JSON Lines", ["merge", file("notjson.jsonl", "hello\n")]]);
cases.push(["merge: JSON but not a sweep record", ["merge", file("notrec.jsonl", '{"a":1}\n')]]);
for (const [what, path] of Object.entries(files)) if (what !== "not a mapping") cases.push([`litmus: ${what}`, ["litmus", path]]);
cases.push(["litmus: bad syntax", ["litmus", file("bad.litmus", "C bad\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, ; }\nexists (x=1)\n")]]);

describe("bad input: exit 2, one line, no stack, fast", () => {
  test.each(cases)("%s", async (_name, args) => {
    const r = await timedCli(args);
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 2 });
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^irqsim: \S/);
    expect(r.stderr).not.toMatch(/\n\s+at |Error:|TypeError|RangeError/);
    expect(r.ms).toBeLessThan(1000);
  });
});
