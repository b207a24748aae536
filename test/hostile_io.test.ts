/**
 * Hostile input and output (issue 16), one table per class: special files, unbounded
 * work, closed or full stdout, short writes on a full file system, outputs that would
 * clobber, internal errors for bad input, silently wrong answers, slow paths on big input,
 * and messages. Whatever the input: no hang, no exit 134, no stack trace, no half-written
 * or clobbered file. Real FIFOs, a real full tmpfs (skipped with a printed reason where it
 * cannot be mounted), real pipes and real signals, on spawned CLI processes where the
 * process matters.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn, spawnSync, type StdioOptions } from "node:child_process";
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli } from "./helpers/cli.js";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { BudgetExceeded } from "../system/limits.js";
import { planSweep } from "../system/sweep.js";

const ROOT = join(import.meta.dirname, "..");
const tmp = mkdtempSync(join(tmpdir(), "irqsim-hostile-"));
function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}
function fifo(name: string): string {
  const p = join(tmp, name);
  const r = spawnSync("mkfifo", [p]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return p;
}

/** One line, `irqsim: ` first, no stack trace, no Node error names. */
function expectOneLine(stderr: string): void {
  const lines = stderr.split("\n").filter((l) => l !== "");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^irqsim: \S/);
  expect(stderr).not.toMatch(/\n\s+at |TypeError|RangeError|internal error/);
}

function tempLeftovers(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.includes(".irqsim-"));
}

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node --import tsx cli/bin.ts`) as a process. */
function spawnCli(args: string[], opts: { stdio?: StdioOptions; nodeFlags?: string[]; closeStdout?: boolean; onStart?: (kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), "--import", "tsx", "cli/bin.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: opts.stdio ?? ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // The reader goes away before the command writes a byte: every write meets EPIPE.
    if (opts.closeStdout) child.stdout!.destroy();
    else child.stdout?.on("data", (d: Buffer) => (stdout += d));
    child.stderr!.on("data", (d: Buffer) => (stderr += d));
    opts.onStart?.((s) => child.kill(s));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const GOOD = `name: ok
description: fine
duration: 2ms
devices:
  nic0:
    type: nic
    irq: 24
    traffic: {kind: poisson, rate: 1000}
`;
const replayScenario = (csv: string, extra = ""): string =>
  `name: rp\ndescription: replay\nduration: 1s\ndevices:\n  nic0:\n    type: nic\n    irq: 24\n    traffic: {kind: replay, file: ${csv}${extra}}\n`;

// ---------------------------------------------------------------------------------------
describe("1. special files are refused, not read: exit 2, one line, no hang", () => {
  const f = { yaml: fifo("f.yaml"), csv: fifo("f.csv"), litmus: fifo("f.litmus"), jsonl: fifo("f.jsonl"), lesson: fifo("lesson.yaml") };
  const viaFifo = file("via-fifo.yaml", replayScenario("f.csv"));
  const viaZero = file("via-zero.yaml", replayScenario("/dev/zero"));
  const cases: [string, string[], RegExp][] = [
    ["scenario: FIFO", ["run", f.yaml], /f\.yaml: is a FIFO, expected a \.yaml file/],
    ["scenario: /dev/zero", ["run", "/dev/zero"], /\/dev\/zero: is a character device/],
    ["replay CSV: FIFO", ["run", viaFifo], /traffic\.file: .*f\.csv: is a FIFO, expected a replay CSV/],
    ["replay CSV: /dev/zero", ["run", viaZero], /\/dev\/zero: is a character device, expected a replay CSV/],
    ["replay CSV: FIFO under sweep --jobs 1", ["sweep", viaFifo, "--vary", "devices.nic0.mode=napi,irq", "--jobs", "1"], /is a FIFO/],
    ["replay CSV: FIFO under dashboard --plain", ["dashboard", "--plain", viaFifo], /is a FIFO/],
    ["litmus: FIFO", ["litmus", f.litmus], /f\.litmus: is a FIFO, expected a litmus test/],
    ["litmus: /dev/zero", ["litmus", "/dev/zero"], /is a character device/],
    ["litmus: directory", ["litmus", tmp], /is a directory/],
    ["merge: FIFO", ["merge", f.jsonl], /f\.jsonl: is a FIFO/],
    ["lesson file: FIFO", ["lesson", f.lesson], /lesson\.yaml: is a FIFO, expected a \.yaml lesson/],
    ["diff: FIFO", ["diff", f.jsonl, f.jsonl], /f\.jsonl: is a FIFO, expected a result file/],
    ["report: /dev/zero", ["report", "/dev/zero", "--out", join(tmp, "r.html")], /\/dev\/zero: is a character device/],
    ["merge: /dev/zero", ["merge", "/dev/zero"], /is a character device/],
    ["merge: directory", ["merge", tmp], /is a directory/],
    ["replay CSV: directory", ["run", file("via-dir.yaml", replayScenario(tmp))], /is a directory, expected a replay CSV/],
  ];
  test.each(cases)("%s", async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
  });

  test("sweep --jobs 2: a bad replay CSV is bad input (exit 2) as with --jobs 1, not exit 70", async () => {
    const bad = file("bad-replay.yaml", replayScenario("bad.csv"));
    file("bad.csv", "0,64,1\n5,nonsense,2\n");
    const r = await cli(["sweep", bad, "--vary", "devices.nic0.mode=napi,irq", "--jobs", "2", "--force"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:2: size: expected an integer/);
    expect(r.stderr).not.toMatch(/internal error/);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
describe("2. unbounded work: every event source is estimated, and the engine enforces the budget", () => {
  file("zero.csv", "0,64,1\n0,64,2\n");
  const bursts = ["name: b", "description: d", "devices:", "  nic0: {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}", "faults:"];
  for (let i = 0; i < 600; i++) bursts.push("  - {kind: traffic_burst, device: nic0, at: 1ms, packets: 1000000}");
  const slices = "name: s\ndescription: d\nduration: 1s\ndevices:\n  t0: {type: hrtimer, period: 1ms}\ncosts: {sched_slice: 1ns}\ntasks:\n  a: {type: busy}\n  b: {type: busy}\n";
  const cases: [string, string[], RegExp][] = [
    ["replay loop with every record at t=0", ["run", file("loop0.yaml", replayScenario("zero.csv", ", loop: true"))], /rp would take about \d+ million events, over the budget/],
    ["600 bursts of 1M packets", ["run", file("bursts.yaml", bursts.join("\n") + "\n")], /b would take about 12000 million events/],
    ["600 bursts, even with --max-events (work inside one event)", ["run", join(tmp, "bursts.yaml"), "--max-events", "1000"], /b would take about \d+ million events/],
    ["sched_slice=1ns with two busy tasks", ["run", file("slices.yaml", slices)], /s would take about 3000 million events/],
    ["an irqs-off task every 1ns", ["run", file("irqsoff.yaml", "name: i\ndescription: d\nduration: 1s\ndevices:\n  t0: {type: hrtimer, period: 1ms}\ntasks:\n  a: {type: irqs-off, every: 1ns, hold: 1ns}\n")], /i would take about 3000 million events/],
    ["dashboard --plain checks the budget", ["dashboard", "--plain", join(tmp, "slices.yaml")], /s would take about 3000 million events/],
    ["sweep checks every point", ["sweep", join(tmp, "slices.yaml"), "--vary", "cpus=1,2", "--jobs", "1"], /would take about \d+ million events/],
  ];
  test.each(cases)("%s", async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/--force/);
    expectOneLine(r.stderr);
  });

  test("a sweep of 10^12 runs is refused before it is planned (not an out-of-memory abort)", async () => {
    const rates = Array.from({ length: 1000 }, (_, i) => 1000 + i).join(",");
    const r = await cli(["sweep", "nic-basic", "--vary", `devices.nic0.traffic.rate=${rates}`, "--seeds", "1000000000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--vary\/--seeds: 1000 values x 1000000000 seeds = 1000000000000 runs, over the limit of 1000000/);
    expectOneLine(r.stderr);
  });

  test("the engine stops a run at its event budget, whatever the estimate said", () => {
    const sim = new Simulation(loadScenario("nic-basic").scenario, { eventBudget: 5_000 });
    let thrown: unknown;
    try {
      while (!sim.advance(1_000));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BudgetExceeded);
    expect(String((thrown as Error).message)).toMatch(/^nic-basic: stopped after 0\.0 million events \(the work budget\) at [\d.]+ \w+ of 100\.000 ms simulated .*--force/);
    // It stopped at the budget exactly: the check is in the slice loop, not after the run.
    expect(sim.sys.k.engine.fired).toBe(5_000);
    // --force (Infinity) runs on.
    const forced = new Simulation(loadScenario("nic-basic", { sets: ["duration=1ms"] }).scenario, { eventBudget: Infinity });
    expect(forced.runToEnd().stopped_by).toBe("duration");
  });

  const litmus = (name: string, threads: number, stores: number, reads = 1): string => {
    const out = [`C ${name}`, "", "{}", ""];
    for (let p = 0; p < threads; p++) {
      out.push(`P${p}(int *x)`, "{", "\tint r0;");
      for (let i = 0; i < stores; i++) out.push(`\tWRITE_ONCE(*x, ${p * 100 + i + 1});`);
      for (let i = 0; i < reads; i++) out.push("\tr0 = READ_ONCE(*x);");
      out.push("}", "");
    }
    out.push("exists (0:r0=1)");
    return file(`${name}.litmus`, out.join("\n") + "\n");
  };
  const litmusCases: [string, string, RegExp][] = [
    ["100 threads", litmus("t100", 100, 1), /too large: 100 threads x 2 events, up to 10\^\d+\.\d candidate executions, limit 10\^10 .*--force/],
    ["8 threads", litmus("t8", 8, 1), /too large: 8 threads x 2 events/],
    ["2 threads x 39 stores", litmus("t2x39", 2, 39), /too large: 2 threads x 40 events/],
  ];
  test.each(litmusCases)("litmus refuses %s before enumerating", async (_name, path, message) => {
    const r = await cli(["litmus", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
  });

  test("litmus --simulate is bounded too", async () => {
    const r = await cli(["litmus", join(ROOT, "test/litmus/CoRR+poonceonce+Once.litmus"), "--simulate", "1000000000000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--simulate <runs>' argument '1000000000000' is invalid\. expected at most 200000 runs/);
  });

  test("litmus --force enumerates a test over the limit", async () => {
    // 40 reads of a variable nobody writes: a bound of 2^40, but only one execution.
    const reads = litmus("reads40", 1, 0, 40);
    expect((await cli(["litmus", reads])).code).toBe(2);
    const r = await cli(["litmus", reads, "--force"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Observation reads40 Never 0 1/);
  });
});

// ---------------------------------------------------------------------------------------
describe("3. closed or full stdout (real pipes)", () => {
  const printing: [string, string[]][] = [
    ["lesson", ["lesson"]],
    ["run --hist", ["run", "nic-basic", "--duration", "2ms", "--hist"]],
    ["sweep --plot", ["sweep", "nic-basic", "--duration", "1ms", "--vary", "devices.nic0.traffic.rate=1000,2000", "--plot", "--jobs", "1"]],
  ];
  test.each(printing)("%s | (reader gone): EPIPE ends quietly, exit 0", async (_name, args) => {
    const r = await spawnCli(args, { closeStdout: true });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  }, 30_000);

  test("run --json > /dev/full: one line, exit 1", async () => {
    const full = openSync("/dev/full", "w");
    try {
      const r = await spawnCli(["run", "nic-basic", "--duration", "1ms", "--json"], { stdio: ["ignore", full, "pipe"] });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("irqsim: cannot write to stdout (ENOSPC)\n");
    } finally {
      closeSync(full);
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------
describe("4. a full file system: no short file reported as written", () => {
  const mnt = join(tmp, "small-fs");
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt);
    const r = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt], { encoding: "utf8" });
    mounted = r.status === 0;
    if (!mounted) console.log(`skipping the full-file-system cases: cannot mount a tmpfs here (${(r.stderr || r.error?.message || "").trim()})`);
    else {
      // Leave ~8 KiB free: a result or a trace does not fit, a partial write does.
      writeFileSync(join(mnt, "filler"), Buffer.alloc(56 * 1024));
      writeFileSync(join(mnt, "old.txt"), "OLD");
    }
  });
  afterAll(() => {
    if (mounted) spawnSync("umount", [mnt]);
  });
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ["run --trace", (d) => ["run", "nic-basic", "--duration", "20ms", "--trace", join(d, "old.txt")], /old\.txt: cannot write the trace \((ENOSPC|EDQUOT)\)/],
    ["run --out", (d) => ["run", "nic-basic", "--duration", "1ms", "--out", join(d, "old.txt")], /old\.txt: cannot write \(ENOSPC\)/],
    ["sweep --out", (d) => ["sweep", "nic-basic", "--duration", "1ms", "--vary", "devices.nic0.traffic.rate=1000,2000,3000", "--jobs", "1", "--out", join(d, "old.txt")], /old\.txt: cannot write \(ENOSPC\)/],
  ];
  test.each(cases)("%s: exit 1, one line, temp file removed, target untouched", async (_name, args, message) => {
    if (!mounted) return;
    const r = await cli(args(mnt));
    expect(r.code).toBe(1);
    const err = r.stderr.split("\n").filter((l) => l.startsWith("irqsim: ") && !l.includes(" sweep ") && !l.startsWith("sweep:"));
    expect(err.join("\n")).toMatch(message);
    expect(r.stdout).not.toMatch(/wrote \d+ ftrace lines/);
    expect(readFileSync(join(mnt, "old.txt"), "utf8")).toBe("OLD");
    expect(tempLeftovers(mnt)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
describe("5. outputs never clobber inputs, each other, or device nodes", () => {
  const scen = file("mine.yaml", GOOD);
  const csv = file("trace-in.csv", "0,64,1\n1000,64,2\n");
  const rp = file("rp.yaml", replayScenario("trace-in.csv").replace("duration: 1s", "duration: 1ms"));
  const cases: [string, string[], RegExp][] = [
    ["--out X --trace X", ["run", scen, "--out", join(tmp, "same"), "--trace", join(tmp, "same")], /--out and --trace name the same file/],
    ["--out onto the scenario", ["run", scen, "--out", scen], /--out .*mine\.yaml: is the scenario file/],
    ["--out onto the scenario via another path", ["run", scen, "--out", join(tmp, ".", "..", tmp.split("/").at(-1)!, "mine.yaml")], /is the scenario file/],
    ["--trace onto the replay CSV", ["run", rp, "--trace", csv], /--trace .*trace-in\.csv: is the replay trace of nic0/],
    ["sweep --out onto the scenario", ["sweep", scen, "--vary", "devices.nic0.traffic.rate=1000,2000", "--out", scen, "--jobs", "1"], /is the scenario file/],
    ["--out a directory", ["run", scen, "--out", tmp], /is a directory/],
    ["run --html onto the scenario", ["run", scen, "--html", scen], /--html .*mine\.yaml: is the scenario file/],
    ["report --out onto its input", ["report", csv, "--out", csv], /--out .*trace-in\.csv: is the input/],
  ];
  test.each(cases)("%s: exit 2, the input untouched", async (_name, args, message) => {
    const before = readFileSync(scen, "utf8") + readFileSync(csv, "utf8");
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
    expect(readFileSync(scen, "utf8") + readFileSync(csv, "utf8")).toBe(before);
  });

  test("a symlink to /dev/null stays a symlink, /dev/null stays a device", async () => {
    const link = join(tmp, "to-null");
    symlinkSync("/dev/null", link);
    const r = await cli(["run", scen, "--out", link, "--trace", "/dev/null"]);
    expect(r.code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
    expect(tempLeftovers(tmp)).toEqual([]);
  });

  test("--out /dev/stdout writes to stdout through the pipe, not a file named stdout", async () => {
    const r = await spawnCli(["run", scen, "--out", "/dev/stdout", "--json"]);
    expect(r.code).toBe(0);
    // --out and --json: the result twice, both complete.
    expect(r.stdout.match(/"fingerprint"/g)).toHaveLength(2);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  }, 30_000);

  test("SIGTERM mid-run removes the temporary trace file and leaves no target", async () => {
    const dir = mkdtempSync(join(tmp, "term-"));
    const target = join(dir, "t.txt");
    const r = await spawnCli(["run", "nic-basic", "--duration", "60s", "--max-events", "150000000", "--trace", target], {
      onStart: (kill) => {
        const poll = setInterval(() => {
          if (tempLeftovers(dir).length > 0) {
            clearInterval(poll);
            kill("SIGTERM");
          }
        }, 50);
      },
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/irqsim: terminated by SIGTERM/);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(target)).toBe(false);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------
describe("6. bad input is exit 2, never an internal error (exit 70)", () => {
  const record = (over: Record<string, unknown>): string => JSON.stringify({ sweep: "0123456789ab", index: 0, total: 1, params: { "devices.nic0.mode": "napi" }, seed: 1, result: null, ...over });
  const cases: [string, string[], RegExp][] = [
    ["merge: a null line", ["merge", file("null.jsonl", "null\n")], /null\.jsonl:1: not a sweep record/],
    ["merge: result: null", ["merge", file("rnull.jsonl", record({}) + "\n")], /rnull\.jsonl:1: not a sweep record \(result: /],
    ["merge: {}", ["merge", file("empty-obj.jsonl", "{}\n")], /empty-obj\.jsonl:1: not a sweep record/],
    ["300,000 repeated affinity entries", ["run", file("aff.yaml", `name: a\ndescription: d\ndevices:\n  nic0: {type: nic, irq: 24, affinity: [${Array(300_000).fill(0).join(",")}], traffic: {kind: poisson, rate: 1000}}\n`)], /aff\.yaml: devices\.nic0\.affinity\.1: expected distinct CPU ids/],
    ["merge: a line nested 100,000 deep", ["merge", file("deep.jsonl", `{"sweep":"0123456789ab","index":0,"total":1,"params":{},"seed":1,"result":${"[".repeat(100_000)}${"]".repeat(100_000)}}\n`)], /deep\.jsonl:1: not a sweep record \(nested deeper than 32 levels\)/],
    ["merge: a __proto__ param", ["merge", file("proto.jsonl", '{"sweep":"0123456789ab","index":0,"total":1,"params":{"__proto__":"x"},"seed":1,"result":{}}\n')], /not a sweep record/],
  ];
  test.each(cases)("%s", async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectOneLine(r.stderr);
  });

  test("node --jitless dashboard: one line naming WebAssembly, not exit 70", async () => {
    const r = await spawnCli(["dashboard", "--plain", "nic-basic", "--duration", "1ms"], { nodeFlags: ["--jitless"] });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/irqsim: dashboard needs WebAssembly/);
    expect(r.stderr).not.toMatch(/internal error|Aborted/);
  }, 30_000);
});

// ---------------------------------------------------------------------------------------
describe("7. no silently wrong answers", () => {
  test("sweep --vary seed=1,2,3 runs seeds 1, 2 and 3 (not seed 1 three times)", async () => {
    const r = await cli(["sweep", "nic-basic", "--duration", "1ms", "--vary", "seed=1,2,3", "--jobs", "1", "--json"]);
    expect(r.code).toBe(0);
    const recs = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { seed: number; result?: { seed: number; fingerprint: string } })
      .filter((x): x is { seed: number; result: { seed: number; fingerprint: string } } => x.result !== undefined); // not the --seeds summaries
    expect(recs.map((x) => [x.seed, x.result.seed])).toEqual([[1, 1], [2, 2], [3, 3]]);
    expect(new Set(recs.map((x) => x.result.fingerprint)).size).toBe(3);
    const both = await cli(["sweep", "nic-basic", "--vary", "seed=1,2", "--seed", "5"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--vary seed=\.\.\. and --seed: give the seeds one way/);
  });

  test("the sweep id hashes the scenario's content: one file by two paths merges, an edited file refuses", async () => {
    const a = file("sweep-a.yaml", GOOD);
    const args = ["--duration", "1ms", "--vary", "devices.nic0.traffic.rate=1000,2000", "--jobs", "1", "--json"];
    const one = await cli(["sweep", a, ...args, "--shard", "1/2"]);
    const two = await cli(["sweep", join(tmp, ".", "sweep-a.yaml"), ...args, "--shard", "2/2"]);
    const s1 = file("s1.jsonl", one.stdout);
    const s2 = file("s2.jsonl", two.stdout);
    const merged = await cli(["merge", s1, s2, "--json"]);
    expect(merged.code).toBe(0);
    expect(merged.stdout.trim().split("\n")).toHaveLength(2);
    writeFileSync(a, GOOD.replace("rate: 1000", "rate: 1500"));
    const edited = await cli(["sweep", a, ...args, "--shard", "2/2"]);
    const r = await cli(["merge", s1, file("s2-edited.jsonl", edited.stdout)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/s2-edited\.jsonl:1: from sweep [0-9a-f]{12}, but earlier records are from sweep/);
  });

  test("merge refuses two different results for one run", async () => {
    const r = await cli(["sweep", "nic-basic", "--duration", "1ms", "--vary", "devices.nic0.traffic.rate=1000,2000", "--jobs", "1", "--json"]);
    const [first] = r.stdout.trim().split("\n");
    const other = JSON.parse(first!) as { result: { fingerprint: string } };
    other.result.fingerprint = "0000000000000000";
    const m = await cli(["merge", file("c1.jsonl", first + "\n"), file("c2.jsonl", JSON.stringify(other) + "\n")]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/c2\.jsonl:1: run 0 conflicts with .*c1\.jsonl:1/);
    // The same shard twice is not a conflict.
    expect((await cli(["merge", join(tmp, "c1.jsonl"), join(tmp, "c1.jsonl")])).code).toBe(0);
  });

  const reserved: [string, string][] = [
    ["a __proto__ device next to valid ones", "devices:\n  __proto__: {type: noisy, irq: 30}\n  nic0: {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}\n"],
    ["a constructor task", "devices:\n  nic0: {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}\ntasks:\n  constructor: {type: busy}\n"],
  ];
  test.each(reserved)("%s is refused with a line, not dropped", async (_name, body) => {
    const r = await cli(["run", file("reserved.yaml", `name: r\ndescription: d\n${body}`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reserved\.yaml:\d+:3: '(__proto__|constructor)' is not allowed as a name/);
    expectOneLine(r.stderr);
  });
});

// ---------------------------------------------------------------------------------------
// No timed assertions: each test's timeout is the bound (quadratic versions took 20 s to
// several minutes; these take a second or two).
describe("8. everything before the first event is linear in the input", () => {
  const tasks = (n: number, dup = false): string => {
    const lines = ["name: big", "description: many tasks", "duration: 1ms", "devices:", "  nic0: {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}", "tasks:"];
    for (let i = 0; i < n; i++) lines.push(`  t${i}: {type: busy}`);
    if (dup) lines.push("  t0: {type: busy}");
    return lines.join("\n") + "\n";
  };
  test("a 1 MiB scenario with 46,000 tasks loads", () => {
    const text = tasks(46_000);
    expect(text.length).toBeGreaterThan(900 * 1024);
    expect(Object.keys(loadScenario(file("big.yaml", text)).scenario.tasks)).toHaveLength(46_000);
  }, 25_000);

  test("a duplicate key at the end of a 46,000-key mapping is found, with its line", async () => {
    const r = await cli(["run", file("bigdup.yaml", tasks(46_000, true))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`irqsim: ${join(tmp, "bigdup.yaml")}:46007:3: Map keys must be unique\n`);
  }, 25_000);

  test("a 100 x 100 --vary plan", () => {
    const values = (n: number, from: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));
    const plan = planSweep({ scenario: "nic-basic", vary: [{ key: "devices.nic0.traffic.rate", values: values(100, 1000) }, { key: "devices.nic0.ring_size", values: values(100, 8) }], sets: [], seeds: 1 });
    expect(plan.points).toHaveLength(10_000);
  }, 30_000);

  test("a --set path of 60,000 segments: one line, exit 2", async () => {
    const r = await cli(["run", "nic-basic", "--set", `${Array(60_000).fill("a").join(".")}=1`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a path of 60000 fields, deeper than any scenario field \(at most 32\)/);
    expectOneLine(r.stderr);
  }, 25_000);
});

// ---------------------------------------------------------------------------------------
describe("9. messages: one line, escaped, and helpful", () => {
  const nl = join(tmp, "new\nline");
  mkdirSync(nl);
  const cases: [string, string[], string | RegExp][] = [
    ["a newline in a path is escaped, one line", ["run", join(nl, "x.yaml")], `irqsim: '${tmp}/new\\nline/x.yaml': no such file\n`],
    ["an escape sequence in a path is escaped", ["litmus", join(tmp, "\x1b[31mred.litmus")], `irqsim: '${tmp}/\\e[31mred.litmus': no such file\n`],
    ["did you mean, scenario", ["run", "nic-basc"], /^irqsim: unknown scenario 'nic-basc': did you mean nic-basic\? \(built-in: /],
    ["did you mean, lesson", ["lesson", "spurios"], /^irqsim: unknown lesson 'spurios': did you mean spurious-irq\? /],
    ["--set on a missing device", ["run", "nic-basic", "--set", "devices.nic1.traffic.rate=5"], /^irqsim: --set devices\.nic1\.traffic\.rate=5: no device nic1: did you mean nic0\? \(the scenario has: nic0;/],
    ["--vary on a missing device says --vary", ["sweep", "nic-basic", "--vary", "devices.nic1.traffic.rate=5,6"], /^irqsim: --vary devices\.nic1\.traffic\.rate=5,6: value '5': no device nic1/],
    ["--vary with a bad value says --vary", ["sweep", "nic-basic", "--vary", "devices.nic0.traffic.rate=5,x"], /^irqsim: --vary devices\.nic0\.traffic\.rate=5,x: value 'x': devices\.nic0\.traffic\.rate: expected a number/],
    ["--duration without a unit", ["run", "nic-basic", "--duration", "100"], /^irqsim: --duration 100: expected a unit: 100ns, 100us, 100ms or 100s/],
    ["--trace-window without units", ["run", "nic-basic", "--trace", join(tmp, "tw.txt"), "--trace-window", "10..20"], /^irqsim: --trace-window 10\.\.20: expected a unit: 10ns, 10us, 10ms or 10s/],
    ["a cost without a unit", ["run", "nic-basic", "--set", "costs.sched_slice=1"], /costs\.sched_slice: expected a unit: 1ns, 1us, 1ms or 1s/],
    ["a device name with an escape sequence", ["run", file("escname.yaml", 'name: e\ndescription: d\ndevices:\n  "\\e[2Jnic": {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}\n')], /escname\.yaml:4:3: "\\u001b\[2Jnic": expected a printable name/],
  ];
  test.each(cases)("%s", async (_name, args, expected) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    if (typeof expected === "string") expect(r.stderr).toBe(expected);
    else expect(r.stderr).toMatch(expected);
    expectOneLine(r.stderr);
    expect(r.stderr).not.toMatch(/\x1b/);
  });

  test("an escape sequence in a description reaches the terminal escaped", async () => {
    const r = await cli(["run", file("esc.yaml", 'name: esc\ndescription: "evil \\e[31mred"\nduration: 1ms\ndevices:\n  nic0: {type: nic, irq: 24, traffic: {kind: poisson, rate: 1000}}\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("evil \\e[31mred");
    expect(r.stdout).not.toMatch(/\x1b/);
  });

  test("rx_usecs=50 is 50 microseconds, as ethtool -C rx-usecs 50", async () => {
    const bare = await cli(["run", "coalescing", "--duration", "5ms", "--set", "devices.nic0.coalesce.rx_usecs=50", "--json"]);
    const unit = await cli(["run", "coalescing", "--duration", "5ms", "--set", "devices.nic0.coalesce.rx_usecs=50us", "--json"]);
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout).fingerprint).toBe(JSON.parse(unit.stdout).fingerprint);
  });
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
