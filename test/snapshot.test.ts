import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { STRIP_CHARS, type Snapshot } from "../observe/snapshot.js";
import { takeSnapshot } from "../observe/snapshot_projection.js";
import { NSEC_PER_MSEC, NSEC_PER_USEC } from "../sim/time.js";
import { LiveRun } from "../tui/live_run.js";

function boot(ref: string, sets: string[] = []) {
  const { scenario } = loadScenario(ref, { sets });
  return new Simulation(scenario);
}

/** Runs to `until`, sampling every `every` ns; returns the snapshot at `until`. */
function sampled(sim: Simulation, history: SnapshotHistory, until: number, every: number): Snapshot {
  for (let t = every; t <= until; t += every) {
    while (sim.runUntil(t, 10_000) === "budget");
    history.sample();
  }
  return takeSnapshot(sim.sys, history);
}

const STRIP_RE = new RegExp(`^[${Object.values(STRIP_CHARS).join("")}hskuHSKU.]*$`);

describe("takeSnapshot on a real run", () => {
  const sim = boot("nic-basic", ["duration=20ms"]);
  const history = new SnapshotHistory(sim.sys, { windowSamples: 11, stripLength: 32, logLines: 40 });
  const snap = sampled(sim, history, 5 * NSEC_PER_MSEC, 250 * NSEC_PER_USEC);

  test("is plain JSON: serialising and parsing gives the same object", () => {
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  test("header: scenario, seed, time, window", () => {
    expect(snap.scenario).toBe("nic-basic");
    expect(snap.seed).toBe(1);
    expect(snap.time_ns).toBe(5 * NSEC_PER_MSEC);
    expect(snap.duration_ns).toBe(20 * NSEC_PER_MSEC);
    // 11 samples kept: the window is the last 10 intervals.
    expect(snap.window_ns).toBe(10 * 250 * NSEC_PER_USEC);
    expect(snap.events).toBe(sim.sys.k.engine.fired);
  });

  test("CPU lanes: utilisation covers exactly the window, strips use the documented alphabet", () => {
    expect(snap.cpus.map((c) => c.cpu)).toEqual([0, 1]);
    for (const lane of snap.cpus) {
      const u = lane.util_ns;
      expect(u.hardirq + u.softirq + u.system + u.user + u.idle).toBe(snap.window_ns);
      expect(lane.strip).toHaveLength(20);
      expect(lane.strip).toMatch(STRIP_RE);
      expect(["hardirq", "softirq", "switch", "thread", "idle"]).toContain(lane.context.kind);
    }
    // nic-basic: the NIC interrupts CPU0 only; CPU1 runs the reader.
    expect(snap.cpus[0]!.util_ns.hardirq).toBeGreaterThan(0);
    expect(snap.cpus[1]!.util_ns.hardirq).toBe(0);
    expect(snap.cpus[1]!.util_ns.user).toBeGreaterThan(0);
  });

  test("IRQ lines, softirqs, NAPI and devices agree with the system", () => {
    const [line] = snap.irqs;
    expect(line).toMatchObject({ irq: 24, name: "nic0", masked_by: null });
    expect(line!.per_cpu[1]).toBe(0);
    expect(line!.total).toBe(line!.per_cpu[0]);
    // ~50k interrupts/s offered (Poisson): the rate over the window is in that region.
    expect(line!.rate_hz).toBeGreaterThan(25_000);
    expect(line!.rate_hz).toBeLessThan(100_000);
    const netRx = snap.softirqs.vectors.find((v) => v.name === "NET_RX")!;
    expect(netRx.per_cpu[0]).toBeGreaterThan(0);
    expect(netRx.raised_hz).toBeGreaterThan(0);
    expect(snap.softirqs.ksoftirqd.map((k) => k.comm)).toEqual(["ksoftirqd/0", "ksoftirqd/1"]);
    expect(snap.softirqs.pending_names).toHaveLength(2);
    expect(snap.napi.cpus[0]!.budget).toBe(300);
    expect(snap.devices[0]).toMatchObject({ name: "nic0", type: "nic", ring_size: 256 });
    expect(Object.keys(snap.devices[0]!.drops)).toEqual(["rx_ring_full", "cpu_backlog", "socket_rcvbuff"]);
    expect(snap.workqueues).toEqual([]);
    expect(snap.packets.arrived).toBe(snap.packets.delivered + snap.packets.dropped + snap.packets.in_flight);
  });

  test("latency: percentiles in order and log2 buckets that account for every sample", () => {
    expect(snap.latency.map((l) => l.name)).toEqual(["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]);
    for (const l of snap.latency) {
      expect(l.count).toBeGreaterThan(0);
      expect(l.p50).toBeLessThanOrEqual(l.p99);
      expect(l.p99).toBeLessThanOrEqual(l.p999);
      expect(l.buckets.reduce((a, b) => a + b.count, 0)).toBe(l.count);
      for (const b of l.buckets) expect(b.hi_ns).toBeGreaterThan(b.lo_ns);
    }
  });

  test("the event-log tail is bounded and in ftrace's text format", () => {
    expect(snap.log).toHaveLength(40);
    for (const line of snap.log) expect(line).toMatch(/^ {0,15}\S+-\d+ +\[00[01]\] [.dDb][.nN][.hHsSzZ][.0-9a-f]\. +\d+\.\d{6}: \w+: /);
    expect(snap.log.some((l) => /irq_handler_entry: irq=24 name=nic0$/.test(l))).toBe(true);
  });
});

describe("SnapshotHistory", () => {
  test("same scenario, seed and sampling times: the same snapshots", () => {
    const take = () => {
      const sim = boot("nic-basic", ["duration=5ms"]);
      return JSON.stringify(sampled(sim, new SnapshotHistory(sim.sys), 3 * NSEC_PER_MSEC, 100 * NSEC_PER_USEC));
    };
    expect(take()).toBe(take());
  });

  test("the strip is bounded; no formatter keeps no log", () => {
    const sim = boot("nic-basic", ["duration=5ms"]);
    const history = new SnapshotHistory(sim.sys, { formatter: null, stripLength: 8 });
    const snap = sampled(sim, history, 2 * NSEC_PER_MSEC, 100 * NSEC_PER_USEC);
    for (const lane of snap.cpus) expect(lane.strip).toHaveLength(8);
    expect(snap.log).toEqual([]);
  });

  test("NAPI: instances with their last poll, poll lists by name", () => {
    const sim = boot("nic-basic", ["devices.nic0.mode=napi", "duration=5ms"]);
    const snap = sampled(sim, new SnapshotHistory(sim.sys), 3 * NSEC_PER_MSEC, 500 * NSEC_PER_USEC);
    const [inst] = snap.napi.instances;
    expect(inst).toMatchObject({ name: "nic0", weight: 64 });
    expect(inst!.polls).toBeGreaterThan(0);
    expect(inst!.last_work).toBeGreaterThanOrEqual(0);
    for (const c of snap.napi.cpus) for (const n of c.poll_list) expect(["nic0", "backlog/0", "backlog/1"]).toContain(n);
  });

  test("a multi-queue NIC: one IRQ line and NAPI instance per queue, rings summed", () => {
    const sim = boot("nic-basic", ["devices.nic0.mode=napi", "devices.nic0.queues=2", "duration=5ms"]);
    const snap = sampled(sim, new SnapshotHistory(sim.sys), 2 * NSEC_PER_MSEC, 500 * NSEC_PER_USEC);
    expect(snap.irqs.map((l) => l.irq)).toEqual([24, 25]);
    expect(snap.napi.instances).toHaveLength(2);
    expect(snap.devices[0]).toMatchObject({ queues: 2, ring_size: 512 });
  });

  test("workqueues: each workqueue with its pools, items executed and rates", () => {
    const sim = boot("workqueue-rx", ["duration=5ms"]);
    const snap = sampled(sim, new SnapshotHistory(sim.sys), 4 * NSEC_PER_MSEC, 500 * NSEC_PER_USEC);
    expect(snap.workqueues.length).toBeGreaterThan(0);
    const wq = snap.workqueues[0]!;
    expect(wq.executed).toBeGreaterThan(0);
    expect(wq.rate_hz).toBeGreaterThan(0);
    expect(wq.pools.length).toBeGreaterThan(0);
    for (const p of wq.pools) {
      expect(p.idle).toBeLessThanOrEqual(p.workers);
      expect(p.pool).toMatch(/^(\d+H?|u\d+)$/);
    }
    expect(wq.pending).toBe(wq.pools.reduce((a, p) => a + p.pending, 0));
  });
});

describe("LiveRun", () => {
  test("paces simulated time against the clock it is given", () => {
    let now = 1000;
    const sim = boot("nic-basic");
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys, { formatter: null }), { speed: 0.01, clock: () => now });
    now += 100; // 100 ms of real time at 0.01x: 1 ms of simulated time
    while (run.pump());
    expect(sim.now).toBe(1 * NSEC_PER_MSEC);
    run.togglePause();
    now += 100;
    expect(run.pump()).toBe(false);
    expect(sim.now).toBe(1 * NSEC_PER_MSEC);
  });

  test("step fires exactly one event and explains it; speed moves along the ladder", () => {
    const sim = boot("nic-basic");
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys), { speed: 0.01, clock: () => 0 });
    const lines: string[] = [];
    for (let i = 1; i <= 30; i++) {
      lines.push(run.step());
      expect(sim.sys.k.engine.fired).toBe(i);
    }
    expect(run.paused).toBe(true);
    expect(lines[0]).toMatch(/^#1 at \d+\.\d{6} ms: /);
    expect(lines.some((l) => l.includes("runs the top half of IRQ 24 (nic0)"))).toBe(true);
    run.faster();
    expect(run.speed).toBe(0.02);
    run.slower();
    run.slower();
    expect(run.speed).toBe(0.005);
  });

  test("the fault is an engine event: a ring's worth of packets per NIC on the next step", () => {
    const sim = boot("nic-basic");
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys, { formatter: null }), { clock: () => 0 });
    run.step();
    const before = sim.sys.net.stats.arrived;
    expect(run.injectFault()).toMatch(/burst of 256 packets on nic0/);
    expect(sim.sys.net.stats.arrived).toBe(before);
    expect(run.step()).toMatch(/packet #\d+ arrives at nic0/);
    expect(sim.sys.net.stats.arrived).toBe(before + 256);
  });
});
