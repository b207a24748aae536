/**
 * Limits (issue 10, part 5): the work budget refuses oversized runs unless --force, and
 * Ctrl-C during `run`/`sweep` exits 130, says what was done, and leaves no partial files.
 */
import { describe, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EVENT_BUDGET, estimateEvents } from "../sim/limits.js";
import { loadScenario } from "../sim/scenario.js";
import { runScenario } from "../sim/run.js";
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

/** Spawns the CLI, waits for `ready` on stderr (or a delay), sends SIGINT, times the exit. */
function interruptCli(args: string[], delayMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; latencyMs: number }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "cli/bin.ts", ...args], { cwd: join(import.meta.dirname, ".."), env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    let sentAt = 0;
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      sentAt = performance.now();
      child.kill("SIGINT");
    }, delayMs);
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

  test("sweep: exits 130 soon after SIGINT, says how many runs finished", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-int-"));
    const r = await interruptCli(["sweep", "livelock", "--duration", "2s", "--vary", "devices.nic0.traffic.rate=300000,400000,500000,600000", "--jobs", "1", "--out", join(dir, "s.jsonl")], 3000);
    console.log(`irqsim sweep --jobs 1: SIGINT -> exit in ${r.latencyMs.toFixed(0)} ms`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/irqsim: sweep interrupted after \d+ of 4 runs/);
    expect(readdirSync(dir).filter((f) => f !== "s.jsonl")).toEqual([]);
  }, 60_000);
});
