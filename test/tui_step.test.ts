/**
 * Digging in: `n` skips events nobody would step to, the step-to-next keys find the next
 * softirq, wake-up, drop or BUG, and each explanation says what happened and why in kernel
 * terms (the mechanism), whole.
 */
import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { LiveRun } from "../tui/live_run.js";

function paused(name: string, sets: string[] = []): LiveRun {
  const { scenario } = loadScenario(name, { sets });
  const sim = new Simulation(scenario);
  return new LiveRun(sim, new SnapshotHistory(sim.sys, { formatter: null }), { speed: 0.01, clock: () => 0 });
}

describe("stepping to what matters", () => {
  test("n never stops on an event with nothing to show", () => {
    const run = paused("nic-basic");
    for (let i = 0; i < 40; i++) expect(run.stepTo("meaningful")).not.toContain("nothing visible changed");
  });

  test("the next softirq: NET_RX at irq_exit, and why", () => {
    const msg = paused("nic-basic").stepTo("softirq");
    expect(msg).toMatch(/starts the NET_RX softirq action/);
    expect(msg).toContain("why: at irq_exit()");
  });

  test("the next wake-up names who and why", () => {
    const msg = paused("threaded-irq").stepTo("wakeup");
    expect(msg).toMatch(/wakes up, runnable on cpu\d/);
    expect(msg).toContain("why:");
  });

  test("the next drop says which reason and what is behind", () => {
    const msg = paused("nic-basic", ["duration=5ms", "devices.nic0.traffic.rate=1000000"]).stepTo("drop");
    expect(msg).toMatch(/is dropped \(cpu_backlog\)/);
    expect(msg).toContain("why: netif_rx found the CPU's input_pkt_queue over netdev_max_backlog");
  });

  test("the next BUG: the kernel's report and that only a thread may sleep", () => {
    const msg = paused("sleep-in-atomic").stepTo("BUG");
    expect(msg).toMatch(/kernel log: BUG: /);
    expect(msg).toContain("why: a blocking call (msleep, mutex_lock) in atomic context");
  });

  test("a kind that never comes: it says so, and stops at the end", () => {
    const run = paused("block-io", ["duration=2ms"]);
    const msg = run.stepTo("drop");
    expect(msg).toMatch(/no (drop event left before the end|drop event in the next \d+ events)/);
  });
});
