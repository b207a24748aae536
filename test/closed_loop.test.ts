import { describe, expect, test } from "vitest";
import { ClosedLoop } from "../devices/closed_loop.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import { cli } from "./helpers/cli.js";

function run(sets: string[], ms = 10) {
  const { scenario } = loadScenario("coordinated-omission", { sets });
  scenario.duration = ms * 1_000_000;
  return runScenario(scenario);
}

describe("closed-loop traffic (devices/closed_loop.ts)", () => {
  test("a client sends again think ns after its reply, and never answers more than it sent", () => {
    const c = new ClosedLoop({ clients: 2, think: 5000, start: 100 });
    expect(c.firstSends()).toEqual([100, 100]);
    c.onSend();
    expect(c.inFlight).toBe(1);
    expect(c.onReply(1000)).toBe(6000);
    expect(c.inFlight).toBe(0);
    expect(() => c.onReply(2000)).toThrow(/reply 2 to 1 requests/);
  });

  test("one client without stalls: one request per (path + think), never more than one in flight", () => {
    const noStall = ["tasks.slowdrv.hold=1ns"];
    const a = run([...noStall, "devices.nic0.traffic={kind: closed, clients: 1, think: 20us}"]);
    const b = a.latency_ns.deliver!.p50;
    // Every request takes the same path when nothing stalls: the cycle is b + think.
    expect(a.packets.delivered).toBeGreaterThanOrEqual(Math.floor(10e6 / (b + 20_000)) - 1);
    expect(a.packets.delivered).toBeLessThanOrEqual(Math.ceil(10e6 / (b + 20_000)) + 1);
    expect(a.packets.arrived - a.packets.delivered).toBeLessThanOrEqual(1);
    // Four clients: four requests in flight at a time, about four times the throughput.
    const four = run([...noStall, "devices.nic0.traffic={kind: closed, clients: 4, think: 20us}"]);
    expect(four.packets.arrived - four.packets.delivered).toBeLessThanOrEqual(4);
    expect(four.packets.delivered).toBeGreaterThan(3 * a.packets.delivered);
  });

  test("the closed loop sends less while the system stalls, and its p99 hides the stall the open loop shows", () => {
    const stall = ["tasks.slowdrv.hold=1ms", "tasks.slowdrv.every=5ms"];
    const calm = run(["tasks.slowdrv.hold=1ns", "devices.nic0.traffic={kind: closed, clients: 1, think: 20us}"], 20);
    const closed = run([...stall, "devices.nic0.traffic={kind: closed, clients: 1, think: 20us}"], 20);
    const open = run([...stall, "devices.nic0.traffic.rate=20000"], 20);
    // Four stalls of 1 ms: about 4 ms of requests never sent.
    expect(closed.packets.delivered).toBeLessThan(calm.packets.delivered * 0.85);
    expect(closed.latency_ns.deliver!.p99).toBeLessThan(20_000);
    expect(open.latency_ns.deliver!.p99).toBeGreaterThan(500_000);
  });

  test("bad closed-loop traffic is one line and exit 2", async () => {
    const r = await cli(["run", "coordinated-omission", "--set", "devices.nic0.traffic={kind: closed, clients: 0}"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("clients");
  });
});
