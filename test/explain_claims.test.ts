import { describe, expect, test } from "vitest";
import { builtinVariations, type Claim, type TryNext } from "../cli/explain.js";
import { lookupPath } from "../lessons/expr.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { cli } from "./helpers/cli.js";

// Every "Try next" of `irqsim explain` that claims something (X rises, drops, is zero)
// carries that claim as data; this runs each variation (seed 1, a short run) and checks it.

const cache = new Map<string, RunResult>();
function run(scenario: string, sets: string[], ms: number): RunResult {
  const key = `${scenario}|${ms}|${sets.join(" ")}`;
  let r = cache.get(key);
  if (r === undefined) {
    const { scenario: s } = loadScenario(scenario, { sets });
    s.seed = 1;
    s.duration = ms * 1_000_000;
    r = runScenario(s);
    cache.set(key, r);
  }
  return r;
}

function metric(r: RunResult, m: string): number {
  if (m.startsWith("dmesg:")) return r.dmesg.filter((l) => l.includes(m.slice(6))).length;
  if (m.startsWith("corrupt:")) return r.memory.corrupt.filter((c) => c.missing === m.slice(8)).length;
  const v = lookupPath(r, m);
  if (v === undefined) throw new Error(`no metric ${m}`);
  return v;
}

/** A variation's own overrides: its --sets, the last value of each sweep axis, --memory as kernel.memory. */
function variantSets(t: TryNext): string[] {
  const out = [...(t.sets ?? [])];
  for (const v of t.vary ?? []) {
    const [key, values] = v.split(/=(.*)/s) as [string, string];
    out.push(`${key}=${values.split(",").at(-1)}`);
  }
  const mem = t.flags?.indexOf("--memory") ?? -1;
  if (mem >= 0) out.push(`kernel.memory=${t.flags![mem + 1]}`);
  return out;
}

/** What a claim compares with: its `than`, a sweep's first values, or the scenario as it is. */
function baseSets(t: TryNext, c: Claim): string[] {
  if (c.than !== undefined) return c.than;
  return (t.vary ?? []).map((v) => {
    const [key, values] = v.split(/=(.*)/s) as [string, string];
    return `${key}=${values.split(",")[0]}`;
  });
}

const variations = builtinVariations();

describe("explain: every Try next claim holds when run", () => {
  test("every variation that changes the run states what it claims", () => {
    const bare = variations.filter(({ try: t }) => (t.sets !== undefined || t.vary !== undefined || t.flags?.includes("--memory")) && (t.claims ?? []).length === 0);
    expect(bare.map(({ scenario, try: t }) => `${scenario}: ${t.what}`)).toEqual([]);
  });

  test.each(variations.filter(({ try: t }) => (t.claims ?? []).length > 0).map(({ scenario, try: t }) => [`${scenario}: ${t.what}`, scenario, t] as const))("%s", (_, scenario, t) => {
    for (const c of t.claims!) {
      const ms = c.ms ?? 20;
      const v = metric(run(scenario, variantSets(t), ms), c.metric);
      const what = `${c.metric} ${c.is}`;
      if (c.is === "zero") expect(v, what).toBe(0);
      else if (c.is === "above_zero") expect(v, what).toBeGreaterThan(0);
      else {
        const b = metric(run(scenario, baseSets(t, c), ms), c.metric);
        if (c.is === "higher") expect(v, `${what} than ${b}`).toBeGreaterThan(b);
        else if (c.is === "lower") expect(v, `${what} than ${b}`).toBeLessThan(b);
        else expect(Math.abs(v - b), `${what} as ${b}`).toBeLessThanOrEqual(0.02 * Math.max(Math.abs(v), Math.abs(b)));
      }
    }
  });

  test("views (--proc) run and show what they name", async () => {
    for (const { scenario, try: t } of variations.filter(({ try: x }) => x.flags?.includes("--proc"))) {
      const r = await cli(["run", scenario, "--duration", "5ms", ...(t.flags ?? [])]);
      expect(r.code, `${scenario} ${t.flags!.join(" ")}`).toBe(0);
      expect(r.stdout).toContain("CPU0");
    }
  });
});
