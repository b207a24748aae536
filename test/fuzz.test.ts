/**
 * Deterministic-simulation testing of the simulator (`irqsim fuzz`, system/fuzz.ts): random
 * valid scenarios, each run twice with the invariants walked every 1,000 events; both runs
 * must be identical. A fixed seed keeps CI reproducible; IRQSIM_FUZZ_SEED / IRQSIM_FUZZ_RUNS
 * explore more (or `irqsim fuzz --seed N --runs N`).
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runFuzz, scenarioArb, scenarioYaml } from "../system/fuzz.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { cli } from "./helpers/cli.js";

const SEED = Number(process.env.IRQSIM_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.IRQSIM_FUZZ_RUNS ?? 200);

describe("fuzz: random valid scenarios", () => {
  test("the generator only makes scenarios the parser accepts", () => {
    for (const raw of fc.sample(scenarioArb, { seed: SEED, numRuns: 200 })) {
      expect(() => parseScenarioText(scenarioYaml(raw), "fuzz.yaml")).not.toThrow();
    }
  });

  test(`invariants hold and runs are deterministic (${RUNS} scenarios, seed ${SEED})`, () => {
    const r = runFuzz({ seed: SEED, numRuns: RUNS });
    // On failure the report carries the problem and the shrunk scenario as YAML.
    expect(r.ok, `${r.problem}\n${r.yaml}`).toBe(true);
    expect(r.scenarios).toBe(RUNS);
    expect(r.events).toBeGreaterThan(RUNS * 100);
  }, 180_000);
});

describe("irqsim fuzz", () => {
  test("a clean search exits 0 and says what it checked", async () => {
    const r = await cli(["fuzz", "--seed", "3", "--runs", "5"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^irqsim fuzz: 5 scenarios ok, each run twice, invariants walked every 1000 events, \d+ events \(seed 3\)\n$/);
  });

  test("--plant double-deliver: found within the default budget, shrunk, written as YAML that irqsim run reproduces", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-fuzz-"));
    const file = join(dir, "found.yaml");
    const r = await cli(["fuzz", "--plant", "double-deliver", "--out", file, "--json"]);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; seed: number; problem: string; file: string; path: string };
    expect(report.ok).toBe(false);
    expect(report.seed).toBe(1);
    expect(report.problem).toMatch(/WARNING: an skb has exactly one owner: skb nic\d+#\d+ delivered by task t\d+, but it was already delivered/);
    expect(report.file).toBe(file);
    // Found among the default 100 scenarios (the path's first step is the run index).
    expect(Number(report.path.split(":")[0])).toBeLessThan(100);
    const yaml = readFileSync(file, "utf8");
    expect(yaml).toMatch(/^# irqsim fuzz --seed 1 --plant double-deliver: /);
    const again = await cli(["run", file, "--plant", "double-deliver"]);
    expect(again.code).toBe(70);
    expect(again.stderr).toMatch(/^irqsim: invariant violated in fuzz with seed \d+ at event #\d+ \(\d+ ns\): WARNING: an skb has exactly one owner/);
    // Without the plant the same scenario is clean: the bug was the plant.
    expect((await cli(["run", file])).code).toBe(0);
  }, 120_000);

  test("bad options are one line and exit 2", async () => {
    expect((await cli(["fuzz", "--runs", "5", "--time", "1s"])).stderr).toBe("irqsim: --runs and --time: give one or the other\n");
    expect((await cli(["fuzz", "--time", "soon"])).code).toBe(2);
    expect((await cli(["fuzz", "--plant", "nope"])).code).toBe(2);
  });
});
