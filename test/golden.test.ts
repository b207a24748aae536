/**
 * Golden fingerprints: every built-in scenario, seeds 1..3, must give exactly the
 * fingerprint recorded in test/golden/fingerprints.json, on every machine and Node
 * version. A change in behaviour that alters one regenerates the file with `npm run golden`
 * and says which and why in its commit.
 */
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { builtinScenarios, GOLDEN_FILE, GOLDEN_SEEDS, goldenRun, type GoldenFile } from "./golden/fingerprints.js";

const golden = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as GoldenFile;

describe("golden fingerprints (test/golden/fingerprints.json; regenerate: npm run golden)", () => {
  test("the file covers every built-in scenario and seeds 1..3", () => {
    expect(Object.keys(golden.runs).sort()).toEqual(builtinScenarios());
    for (const run of Object.values(golden.runs)) expect(Object.keys(run.fingerprints)).toEqual(GOLDEN_SEEDS.map(String));
  });

  for (const name of builtinScenarios()) {
    test(name, () => {
      const want = golden.runs[name];
      expect(want, `${name} is not in the golden file: npm run golden`).toBeDefined();
      for (const seed of GOLDEN_SEEDS) {
        const got = goldenRun(name, seed);
        expect(got.duration).toBe(want!.duration);
        expect(got.fingerprint, `${name} seed ${seed} changed; if intended: npm run golden, and say why in the commit`).toBe(want!.fingerprints[String(seed)]);
      }
    }, 60_000);
  }
});
