// Colour needs a colour-capable chalk: force it before ink (and its chalk) load.
import { beforeAll, describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { takeSnapshot } from "../observe/snapshot_projection.js";
import type { Snapshot } from "../observe/snapshot.js";

let render: typeof import("ink-testing-library").render;
let Dashboard: typeof import("../tui/Dashboard.js").Dashboard;
let snap: Snapshot;

beforeAll(async () => {
  process.env.FORCE_COLOR = "1";
  ({ render } = await import("ink-testing-library"));
  ({ Dashboard } = await import("../tui/Dashboard.js"));
  const { scenario } = loadScenario("nic-basic", { sets: ["duration=2ms"] });
  const sim = new Simulation(scenario);
  const history = new SnapshotHistory(sim.sys);
  while (!sim.advance(100_000));
  history.sample();
  snap = takeSnapshot(sim.sys, history);
});

/** SGR colour parameters: 30-37, 90-97 foreground, 40-47, 100-107 background, 38/48 extended. */
const COLOUR_SGR = /\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;

describe("colour", () => {
  test("with colour: contexts and states are coloured", () => {
    const frame = render(<Dashboard snap={snap} columns={120} rows={40} focus="cpus" help={false} state="running" speed={0.01} notice="" color={true} />).lastFrame()!;
    expect(frame).toMatch(COLOUR_SGR);
  });

  test("NO_COLOR (color false): not one colour escape, the same text", () => {
    const plain = render(<Dashboard snap={snap} columns={120} rows={40} focus="cpus" help={false} state="running" speed={0.01} notice="" color={false} />).lastFrame()!;
    const coloured = render(<Dashboard snap={snap} columns={120} rows={40} focus="cpus" help={false} state="running" speed={0.01} notice="" color={true} />).lastFrame()!;
    expect(plain).not.toMatch(COLOUR_SGR);
    const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
    expect(strip(plain)).toBe(strip(coloured));
  });
});
