/**
 * Deterministic-simulation testing of the simulator (issue 10, part 3): random valid
 * scenarios, each run twice; invariants must hold and both runs must be identical. A fixed
 * fast-check seed keeps CI reproducible; IRQSIM_FUZZ_SEED / IRQSIM_FUZZ_RUNS explore more.
 */
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { checkScenario, runFuzz, scenarioArb, scenarioYaml } from "../system/fuzz.js";
import { parseScenarioText } from "../system/scenario.js";

const SEED = Number(process.env.IRQSIM_FUZZ_SEED ?? 20261123);
const RUNS = Number(process.env.IRQSIM_FUZZ_RUNS ?? 400);

describe("fuzz: random valid scenarios", () => {
  test("the generator only makes scenarios the parser accepts", () => {
    for (const raw of fc.sample(scenarioArb, { seed: SEED, numRuns: 200 })) {
      expect(() => parseScenarioText(scenarioYaml(raw), "fuzz.yaml")).not.toThrow();
    }
  });

  test(`invariants hold and runs are deterministic (${RUNS} scenarios, seed ${SEED})`, () => {
    const { ok, report } = runFuzz({ seed: SEED, numRuns: RUNS });
    // On failure the report carries the seed and the shrunk scenario as YAML.
    if (!ok) console.error(report);
    expect(ok, report).toBe(true);
  }, 120_000);

  test("a planted failure is reported with the seed and a YAML scenario", () => {
    const raw = fc.sample(scenarioArb, { seed: 1, numRuns: 1 })[0]!;
    expect(checkScenario(raw).ok).toBe(true);
    expect(scenarioYaml(raw)).toMatch(/^name: fuzz\n/);
  });
});
