/**
 * Steering a live run and replaying it: every key's change is a fault at an instant no
 * other event shares, so the scenario written by --record, run by `irqsim run`, fires
 * the same events and ends with the fingerprint the dashboard printed on quit.
 */
import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario, loadScenarioAsWritten } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { runScenario, Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { LiveRun } from "../tui/live_run.js";
import { recordedScenarioText } from "../tui/record.js";
import { NSEC_PER_MSEC } from "../sim/time.js";
import { cli } from "./helpers/cli.js";

function live(name: string, sets: string[] = []): { run: LiveRun; advance: (ms: number) => void; record: (faults: LiveRun["steering"]["faults"], durationNs: number, fingerprint: string) => string } {
  const { scenario } = loadScenario(name, { sets });
  const record = (faults: LiveRun["steering"]["faults"], durationNs: number, fingerprint: string): string =>
    recordedScenarioText(loadScenarioAsWritten(name, { sets }), scenario.seed, faults, durationNs, fingerprint);
  const sim = new Simulation(scenario);
  let now = 0;
  // speed 1: one ms of real time per ms of simulated time; the fake clock decides.
  const run = new LiveRun(sim, new SnapshotHistory(sim.sys, { formatter: null }), { speed: 1, clock: () => now });
  const advance = (ms: number): void => {
    now += ms;
    while (run.pump());
  };
  return { run, advance, record };
}

describe("dashboard steering, recorded and replayed", () => {
  test("rate, affinity, coalescing, barriers, burst on a NIC replay to the same fingerprint", () => {
    const { run, advance, record } = live("nic-basic", ["duration=40ms", "cpus=2"]);
    advance(3);
    expect(run.steer((st) => st.scaleRate(2))).toMatch(/set_rate/);
    advance(2);
    run.step(); // mid-instant: the next change must still land on an instant of its own
    run.togglePause();
    expect(run.steer((st) => st.rotateAffinity())).toMatch(/irq 24 -> CPU1/);
    advance(2);
    expect(run.steer((st) => st.stepCoalesce(1))).toMatch(/rx-usecs 0ns -> 10.0us/);
    expect(run.steer((st) => st.toggleBarriers())).toMatch(/WITHOUT dma_rmb/);
    expect(run.injectFault()).toMatch(/burst of 256 packets on nic0/);
    advance(4);
    const end = run.settleForQuit();
    expect(end.duration_ns).toBeGreaterThan(10 * NSEC_PER_MSEC);
    expect(end.duration_ns).toBeLessThan(40 * NSEC_PER_MSEC);
    const steered = run.steering.faults;
    expect(steered.map((f) => f.kind)).toEqual(["set_rate", "set_affinity", "set_coalesce", "set_barriers", "traffic_burst"]);

    const text = record(steered, end.duration_ns, end.fingerprint);
    const replayed = runScenario(parseScenarioText(text, "recorded.yaml"));
    expect(replayed.fingerprint).toBe(end.fingerprint);
    expect(replayed.simulated_ns).toBe(end.duration_ns);
    // The changes changed the run: without them the same span ends elsewhere.
    const plain = runScenario(parseScenarioText(record([], end.duration_ns, "-"), "plain.yaml"));
    expect(plain.fingerprint).not.toBe(end.fingerprint);
  });

  test("max_active on a workqueue: raising it lets parked items in, and the replay matches", () => {
    const { run, advance, record } = live("workqueue-rx", ["duration=30ms", "workqueues.rx_wq.max_active=1"]);
    advance(5);
    const parked = run.snapshot().workqueues[0]!.pending;
    expect(parked).toBeGreaterThan(5); // 20k pkt/s against one 200us item at a time
    expect(run.steer((st) => st.scaleMaxActive(2))).toMatch(/rx_wq 1 -> 2/);
    expect(run.steer((st) => st.scaleMaxActive(2))).toMatch(/rx_wq 2 -> 4/);
    expect(run.steer((st) => st.scaleMaxActive(2))).toMatch(/rx_wq 4 -> 8/);
    advance(5);
    const end = run.settleForQuit();
    const text = record(run.steering.faults, end.duration_ns, end.fingerprint);
    expect(runScenario(parseScenarioText(text, "recorded.yaml")).fingerprint).toBe(end.fingerprint);
    // 8 items in their 200us waits at once drain 40k items/s against 20k/s arriving: the
    // backlog (which with 1 only grows, by ~15 a ms) shrinks.
    expect(run.snapshot().workqueues[0]!.max_active).toBe(8);
    expect(run.snapshot().workqueues[0]!.pending).toBeLessThan(parked / 2);
    // Halved: the 8 active items finish, and then no more than 4 run at once.
    expect(run.steer((st) => st.scaleMaxActive(0.5))).toMatch(/rx_wq 8 -> 4/);
    let most = 0;
    for (let i = 0; i < 20; i++) {
      advance(0.1);
      if (i >= 5) most = Math.max(most, run.snapshot().workqueues[0]!.in_flight);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4);
  });

  test("each new fault kind changes the run (no silent knob)", () => {
    // The whole result, not only the fingerprint (the event history): without its barriers
    // the driver issues fewer fences and may load stale values, which the history may not show.
    const base = (faults: string): string =>
      JSON.stringify(runScenario(parseScenarioText(readFileSync(join("scenarios", "workqueue-rx.yaml"), "utf8"), "workqueue-rx.yaml", ["duration=6ms", "workqueues.rx_wq.max_active=1", `faults=${faults}`])));
    const none = base("[]");
    for (const f of [
      "{kind: set_rate, device: nic0, at: 2ms, rate: 40000}",
      "{kind: set_coalesce, device: nic0, at: 2ms, rx_usecs: 50us, rx_frames: 0}",
      "{kind: set_barriers, device: nic0, at: 2ms, barriers: false}",
      "{kind: set_max_active, workqueue: rx_wq, at: 2ms, max_active: 4}",
    ]) {
      expect(base(`[${f}]`), f).not.toBe(none);
    }
  });

  test("a recorded file runs with `irqsim run`, and the CLI rejects faults that do not apply", async () => {
    const { run, advance, record } = live("nic-basic", ["duration=20ms"]);
    advance(2);
    run.steer((st) => st.scaleRate(0.5));
    advance(1);
    const end = run.settleForQuit();
    const dir = mkdtempSync(join(tmpdir(), "irqsim-record-"));
    const file = join(dir, "session.yaml");
    writeFileSync(file, record(run.steering.faults, end.duration_ns, end.fingerprint));
    const r = await cli(["run", file, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).fingerprint).toBe(end.fingerprint);
    expect(readFileSync(file, "utf8")).toContain("kind: set_rate");
    const bad = await cli(["run", "workqueue-rx", "--set", 'faults=[{kind: set_max_active, workqueue: nope, at: 1ms, max_active: 2}]']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/faults\.0\.workqueue.*expected the name of a workqueue/);
    // A rate change on replayed traffic would change nothing: refused, not ignored.
    const csv = join(dir, "trace.csv");
    writeFileSync(csv, "0,1500,0\n10us,1500,0\n");
    const replayed = await cli(["run", "nic-basic", "--set", `devices.nic0.traffic={kind: replay, file: ${csv}}`, "--set", "faults=[{kind: set_rate, device: nic0, at: 1ms, rate: 5000}]"]);
    expect(replayed.code).toBe(2);
    expect(replayed.stderr).toMatch(/faults\.0\.device.*expected a nic whose traffic has a rate/);
    const ordered = await cli(["run", "workqueue-rx", "--set", "workqueues.rx_wq.flags=[ordered]", "--set", "faults=[{kind: set_max_active, workqueue: rx_wq, at: 1ms, max_active: 4}]"]);
    expect(ordered.code).toBe(2);
    expect(ordered.stderr).toMatch(/expected a workqueue that is not ordered/);
    // --plain runs to the end: a day of simulated time is refused by the budget estimate
    // (the live view with --duration forever is not: tmux test test/dashboard_pty).
    const plainForever = await cli(["dashboard", "nic-basic", "--plain", "--duration", "forever"]);
    expect(plainForever.code).toBe(2);
    expect(plainForever.stderr).toMatch(/^irqsim: nic-basic would take about \d+ million events, over the budget/);
  });
});
