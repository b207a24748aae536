// The Simulation API front-ends drive a run with (system/run.ts): step, peek, runUntil,
// inject. Each is checked against what the engine and the result say happened.
import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario, Simulation } from "../system/run.js";
import { NSEC_PER_MSEC } from "../sim/time.js";

function sim(ref: string, sets: string[] = []): Simulation {
  return new Simulation(loadScenario(ref, { sets: ["duration=2ms", ...sets] }).scenario);
}

describe("Simulation", () => {
  test("peek names the next event's time and step fires exactly that one", () => {
    const s = sim("nic-basic");
    for (let i = 0; i < 50; i++) {
      const next = s.peek();
      expect(next).not.toBeNull();
      const fired = s.eventsFired;
      s.step();
      expect(s.eventsFired).toBe(fired + 1);
      expect(s.now).toBe(next);
    }
  });

  test("runUntil stops with the clock exactly at the target, and says done at the end", () => {
    const s = sim("nic-basic");
    expect(s.runUntil(NSEC_PER_MSEC / 2 + 7, 1_000_000)).toBe("reached");
    expect(s.now).toBe(NSEC_PER_MSEC / 2 + 7);
    expect(s.peek()!).toBeGreaterThan(s.now);
    expect(s.runUntil(NSEC_PER_MSEC, 1)).toBe("budget");
    while (s.runUntil(10 * NSEC_PER_MSEC, 100_000) !== "done");
    expect(s.finished).toBe(true);
    expect(s.peek()).toBeNull();
  });

  test("stepping to the end gives the same result as running straight through", () => {
    const straight = runScenario(loadScenario("tasklet-serial", { sets: ["duration=300us"] }).scenario);
    const s = new Simulation(loadScenario("tasklet-serial", { sets: ["duration=300us"] }).scenario);
    while (!s.step());
    expect(JSON.stringify(s.finish())).toBe(JSON.stringify(straight));
  });

  test("an injected traffic_burst is the scenario's fault: same packets, same result", () => {
    const burst = { kind: "traffic_burst" as const, device: "nic0", at: NSEC_PER_MSEC, packets: 100 };
    const fromFile = runScenario(loadScenario("nic-basic", { sets: ["duration=2ms", `faults=${JSON.stringify([{ ...burst, at: "1ms" }])}`] }).scenario);
    const s = sim("nic-basic");
    s.inject(burst);
    const injected = s.runToEnd();
    const plain = runScenario(loadScenario("nic-basic", { sets: ["duration=2ms"] }).scenario);
    expect(injected.packets.arrived).toBe(plain.packets.arrived + 100);
    expect(injected.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(injected.fingerprint).not.toBe(plain.fingerprint);
    expect(injected.fingerprint).toBe(fromFile.fingerprint);
  });

  test("a fault in the past or on a device that is not a NIC is refused", () => {
    const s = sim("nic-basic");
    s.runUntil(NSEC_PER_MSEC, 1_000_000);
    expect(() => s.inject({ kind: "traffic_burst", device: "nic0", at: 0, packets: 1 })).toThrow(/before now/);
    expect(() => s.inject({ kind: "traffic_burst", device: "nope", at: s.now, packets: 1 })).toThrow(/no NIC named nope/);
  });
});
