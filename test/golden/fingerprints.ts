/**
 * The golden fingerprints: which runs are pinned and how they are computed, shared by the
 * check (test/golden.test.ts) and the one script that rewrites the file
 * (test/golden/update.ts, `npm run golden`). Every built-in scenario, seeds 1..3, each run
 * for its own duration capped at GOLDEN_MAX_NS of simulated time (measured: the 36 runs
 * take ~12 s on a shared 2-core machine; full durations would take ~19 s).
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadScenario } from "../../system/scenario_files.js";
import { runScenario } from "../../system/run.js";
import { formatNs, NSEC_PER_MSEC } from "../../sim/time.js";

export const GOLDEN_FILE = fileURLToPath(new URL("./fingerprints.json", import.meta.url));
export const GOLDEN_SEEDS = [1, 2, 3] as const;
export const GOLDEN_MAX_NS = 50 * NSEC_PER_MSEC;

export interface GoldenFile {
  readme: string;
  /** scenario -> { duration, seed -> fingerprint } */
  runs: Record<string, { duration: string; fingerprints: Record<string, string> }>;
}

export const GOLDEN_README =
  "Fingerprints of every built-in scenario for seeds 1..3 (each run capped at 50ms). Checked by test/golden.test.ts. " +
  "Regenerate ONLY with `npm run golden`, and say in the commit message which fingerprints changed and why.";

export function builtinScenarios(): string[] {
  const dir = fileURLToPath(new URL("../../scenarios/", import.meta.url));
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** Runs `name` with `seed` for min(its duration, GOLDEN_MAX_NS); returns the duration and fingerprint. */
export function goldenRun(name: string, seed: number): { duration: string; fingerprint: string } {
  const { scenario } = loadScenario(name, { sets: [] });
  scenario.seed = seed;
  scenario.duration = Math.min(scenario.duration, GOLDEN_MAX_NS);
  const r = runScenario(scenario);
  if (!r.invariants.ok) throw new Error(`${name} seed ${seed}: invariant violated: ${r.invariants.violations[0]}`);
  return { duration: formatNs(scenario.duration), fingerprint: r.fingerprint };
}

/** Computes the whole golden table. */
export function computeGolden(): GoldenFile {
  const runs: GoldenFile["runs"] = {};
  for (const name of builtinScenarios()) {
    const fingerprints: Record<string, string> = {};
    let duration = "";
    for (const seed of GOLDEN_SEEDS) {
      const g = goldenRun(name, seed);
      duration = g.duration;
      fingerprints[String(seed)] = g.fingerprint;
    }
    runs[name] = { duration, fingerprints };
  }
  return { readme: GOLDEN_README, runs };
}
