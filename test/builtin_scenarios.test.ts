import { expect, test } from "vitest";
import { listScenarios, loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";

// Every built-in scenario states what it shows in its expect: block; each must hold, with
// the simulator's invariants, at its default seed and two more.
const names = listScenarios().map((s) => s.name);

test.each(names)("%s meets its expect: block on seeds 1..3", (name) => {
  for (const seed of [1, 2, 3]) {
    const { scenario } = loadScenario(name, { sets: [`seed=${seed}`] });
    expect(scenario.expect.length, `${name} has an expect: block`).toBeGreaterThan(0);
    const r = runScenario(scenario);
    expect(r.invariants.violations, `${name} seed ${seed}`).toEqual([]);
    expect(r.expect.results.filter((e) => !e.ok), `${name} seed ${seed}`).toEqual([]);
  }
});
