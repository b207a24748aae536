/**
 * Limits (issue 10, part 5): the work budget refuses oversized runs unless --force, and
 * Ctrl-C during `run`/`sweep` exits 130, says what was done, and leaves no partial files.
 */
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENT_BUDGET, estimateEvents } from "../system/limits.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import { cli } from "./helpers/cli.js";


describe("work budget", () => {
  test("the estimate is within a small factor of the real event count (built-ins, 20 ms)", () => {
    for (const name of ["nic-basic", "livelock", "multiqueue", "spurious-irq", "coalescing"]) {
      const { scenario } = loadScenario(name);
      scenario.duration = 20_000_000;
      const real = runScenario(scenario).events;
      const est = estimateEvents(scenario);
      expect(est, name).toBeGreaterThan(real * 0.5);
      expect(est, name).toBeLessThan(real * 5);
    }
  });

  test("line-rate: 1 s fits the budget (the CPUs poll ~3 Mpps of the 14.88), 10 s does not; NAPI under load alone gets the cap", () => {
    const { scenario } = loadScenario("line-rate");
    scenario.duration = 1_000_000_000;
    const est = estimateEvents(scenario);
    // 8 CPUs x 1e9 / (150 + 2500) ns = 3.02 Mpps polled at 20 events each, 11.86 Mpps at one.
    expect(est).toBeGreaterThan(70_000_000);
    expect(est).toBeLessThan(75_000_000);
    scenario.duration = 10_000_000_000;
    expect(estimateEvents(scenario)).toBeGreaterThan(EVENT_BUDGET);
    // The same load in irq mode (every packet interrupts) still counts every packet in full.
    const irq = loadScenario("line-rate", { sets: ["devices.nic0.mode=irq"] }).scenario;
    irq.duration = 1_000_000_000;
    expect(estimateEvents(irq)).toBeGreaterThan(14_880_952 * 20);
  });

  test("run refuses over the budget with exit 2 naming the estimate and --force", async () => {
    const r = await cli(["run", "livelock", "--duration", "100s", "--set", "devices.nic0.traffic.rate=600000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irqsim: livelock would take about 1200 million events, over the budget of 200 million .*--force/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(EVENT_BUDGET).toBe(200_000_000);
  });

  test("--force overrides (bounded here by --max-events)", async () => {
    const r = await cli(["run", "livelock", "--duration", "100s", "--set", "devices.nic0.traffic.rate=600000", "--force", "--max-events", "1000", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).stopped_by).toBe("max_events");
  });

  test("sweep refuses a point over the budget, and --force lets it through the check", async () => {
    const r = await cli(["sweep", "livelock", "--duration", "100s", "--vary", "devices.nic0.traffic.rate=1000,600000", "--jobs", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^irqsim: sweep run 1 \(devices.nic0.traffic.rate=600000\) would take about 1200 million events.*--force/);
  });
});

/**
 * Spawns the CLI, waits `delayMs` (counted from the first stderr output matching `ready`,
 * if given, else from the spawn), sends SIGINT and times the exit.
 */
function interruptCli(args: string[], delayMs: number, ready?: RegExp) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; latencyMs: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/bin.ts", ...args], { cwd: join(import.meta.dirname, ".."), env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      timer = setTimeout(() => {
        sentAt = performance.now();
        child.kill("SIGINT");
      }, delayMs);
    };
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      if (ready !== undefined && timer === undefined && ready.test(stderr)) arm();
    });
    if (ready === undefined) arm();
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, latencyMs: sentAt === 0 ? -1 : performance.now() - sentAt });
    });
  });
}

describe("Ctrl-C", () => {
  test("run: exits 130 soon after SIGINT, prints what was done, leaves no partial --out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-int-"));
    const out = join(dir, "result.json");
    // 3 s covers tsx start-up and boot; the run itself needs far longer than that.
    const r = await interruptCli(["run", "livelock", "--duration", "10s", "--set", "devices.nic0.traffic.rate=600000", "--out", out, "--trace", join(dir, "t.txt")], 3000);
    console.log(`irqsim run: SIGINT -> exit in ${r.latencyMs.toFixed(0)} ms`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(2000);
    expect(r.stderr).toMatch(/irqsim: interrupted at .* of 10\.000 s \(seed 1\)/);
    expect(r.stdout).toMatch(/irqsim run livelock/); // the summary of what was simulated
    // No temporary or partial files: the trace is dropped, --out holds a complete result.
    const left = readdirSync(dir);
    expect(left.filter((f) => f !== "result.json")).toEqual([]);
    if (existsSync(out)) expect(() => JSON.parse(readFileSync(out, "utf8"))).not.toThrow();
  }, 30_000);

  // Each point takes ~2 s of wall time, so a stop that waited for the point in progress
  // would take up to that long; a stop between slices leaves that point part-way. That,
  // not the wall-clock latency (printed, and bounded only loosely against a loaded
  // machine), is what these assert. Measured by hand: ~12 ms with --jobs 1, ~30-70 ms
  // with workers (the built CLI, SIGINT to exit).
  const SWEEP = ["sweep", "livelock", "--duration", "2s", "--vary", "devices.nic0.traffic.rate=300000,400000,500000,600000"];
  const started = /irqsim: sweep \w+ of livelock: 4 of 4 runs/;

  /** The runs the message says were stopped part-way: [index, simulated s, duration s]. */
  const stoppedRuns = (stderr: string): [number, number, number][] =>
    [...stderr.matchAll(/run (\d+) at ([\d.]+) of ([\d.]+) s/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);

  test("sweep --jobs 1: exits 130 soon after SIGINT, mid-run, says how many runs finished", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-int-"));
    const out = join(dir, "s.jsonl");
    const r = await interruptCli([...SWEEP, "--jobs", "1", "--out", out], 1000, started);
    console.log(`irqsim sweep --jobs 1: SIGINT -> exit in ${r.latencyMs.toFixed(0)} ms`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(2000);
    const m = /irqsim: sweep interrupted after (\d+) of 4 runs; stopped (run \d+ at [\d.]+ of 2\.000 s)$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const finished = Number(m![1]);
    // The run in progress is the one after the finished ones, stopped part-way through.
    const [[index, simulated, duration]] = stoppedRuns(r.stderr) as [[number, number, number]];
    expect(index).toBe(finished);
    expect(simulated).toBeGreaterThan(0);
    expect(simulated).toBeLessThan(duration);
    // No partial files: --out holds exactly the finished runs, complete.
    expect(readdirSync(dir).filter((f) => f !== "s.jsonl")).toEqual([]);
    const lines = existsSync(out) ? readFileSync(out, "utf8").split("\n").filter((l) => l !== "") : [];
    expect(lines).toHaveLength(finished);
    for (const l of lines) expect(JSON.parse(l).result.stopped_by).toBe("duration");
  }, 60_000);

  test("sweep on workers: exits 130 soon after SIGINT; runs in progress stop part-way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-int-"));
    // Workers started from source load tsx first: give them time to be running a point.
    const r = await interruptCli([...SWEEP, "--jobs", "2", "--out", join(dir, "s.jsonl")], 2500, started);
    console.log(`irqsim sweep --jobs 2: SIGINT -> exit in ${r.latencyMs.toFixed(0)} ms`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.latencyMs).toBeGreaterThan(0);
    expect(r.latencyMs).toBeLessThan(2000);
    const m = /irqsim: sweep interrupted after (\d+) of 4 runs/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(4);
    // A worker still loading when the signal came is dropped unreported; any that report
    // stopped before the end of their run.
    for (const [, simulated, duration] of stoppedRuns(r.stderr)) expect(simulated).toBeLessThan(duration);
    expect(readdirSync(dir).filter((f) => f !== "s.jsonl")).toEqual([]);
  }, 60_000);
});
