import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinVariations, explainScenario, type Explanation } from "../cli/explain.js";
import { listScenarios, loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import { cli } from "./helpers/cli.js";


/** Runs a variation briefly: it must load, validate and simulate without breaking an invariant. */
function runBriefly(ref: string, sets: string[]): void {
  const { scenario } = loadScenario(ref, { sets });
  scenario.duration = 2_000_000;
  const r = runScenario(scenario);
  expect(r.invariants.violations).toEqual([]);
}

describe("irqsim explain", () => {
  const builtins = listScenarios().map((s) => s.name);

  test.each(builtins)("%s: sections, kernel references, runnable variations", async (name) => {
    const r = await cli(["explain", name]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    for (const h of ["What it shows", "Kernel rules and constants in play", "What to look at in the output", "Try next"]) expect(r.stdout).toContain(h);
    const j = await cli(["explain", name, "--json"]);
    const e = JSON.parse(j.stdout) as Explanation;
    expect(e.scenario).toBe(name);
    expect(e.shows.length).toBeGreaterThan(40);
    expect(e.rules.length).toBeGreaterThan(0);
    expect(e.rules.every((rule) => /[a-z]+\/[\w./-]+/.test(rule.where))).toBe(true);
    expect(e.look_at.length).toBeGreaterThan(0);
    expect(e.try_next.length).toBeGreaterThan(0);
    for (const t of e.try_next) expect(t.command).toMatch(new RegExp(`^irqsim (run|sweep) ${name}`));
  });

  test("the constants a student needs are named with their kernel files", async () => {
    const all = builtins.map((n) => JSON.stringify(explainScenario(n))).join("\n");
    expect(all).toContain("MAX_SOFTIRQ_RESTART (10)");
    expect(all).toContain("kernel/softirq.c");
    expect(all).toContain("netdev_budget (300)");
    expect(all).toContain("net/core/dev.c");
    expect(all).toContain("99,900");
    expect(all).toContain("kernel/irq/spurious.c");
    expect(all).toContain("kernel/workqueue.c");
    expect(all).toContain("IRQF_ONESHOT");
    expect(all).toContain("dma_rmb()");
    expect(all).toContain("Documentation/memory-barriers.txt");
    expect(all).toContain("drivers/net/ethernet/intel/e1000e/netdev.c");
  });

  test("every suggested --set of the built-ins loads and runs", () => {
    for (const { scenario, try: t } of builtinVariations()) {
      if (t.sets !== undefined) runBriefly(scenario, t.sets);
    }
  });

  test("every suggested sweep value loads and runs", () => {
    for (const { scenario, try: t } of builtinVariations()) {
      if (t.vary === undefined) continue;
      // Each value of each axis on its own, and the first value of every axis together.
      const axes = t.vary.map((v) => {
        const [key, values] = v.split(/=(.*)/s) as [string, string];
        return values.split(",").map((x) => `${key}=${x}`);
      });
      for (const axis of axes) for (const set of axis) runBriefly(scenario, [set]);
      runBriefly(scenario, axes.map((a) => a[a.length - 1]!));
    }
  });

  test.each([
    ["workqueue-rx", "mode workqueue", "kernel/workqueue.c"],
    ["nic-basic", "mode irq", "net/core/dev.c"],
    ["spurious-irq", "noisy", "kernel/irq/spurious.c"],
    ["missing-barrier", "mode napi", "Documentation/memory-barriers.txt"],
  ])("a user's YAML (a copy of %s) gets a generic explanation from its devices and modes", async (base, shows, where) => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-explain-"));
    const file = join(dir, "mine.yaml");
    const text = readFileSync(join(import.meta.dirname, "..", "scenarios", `${base}.yaml`), "utf8").replace(`name: ${base}`, "name: mine");
    writeFileSync(file, text);
    const r = await cli(["explain", file, "--json"]);
    expect(r.code).toBe(0);
    const e = JSON.parse(r.stdout) as Explanation;
    expect(e.scenario).toBe("mine");
    expect(e.shows).toContain(shows);
    expect(e.rules.map((x) => x.where).join(" ")).toContain(where);
    expect(e.try_next.length).toBeGreaterThan(0);
    for (const t of e.try_next) {
      if (t.sets !== undefined) runBriefly(file, t.sets);
      if (t.vary !== undefined) for (const v of t.vary) {
        const [key, values] = v.split(/=(.*)/s) as [string, string];
        for (const x of values.split(",")) runBriefly(file, [`${key}=${x}`]);
      }
    }
    const human = await cli(["explain", file]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain("Try next");
  });

  test("an unknown scenario is one line and exit 2", async () => {
    const r = await cli(["explain", "no-such-scenario"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("unknown scenario");
  });
});
