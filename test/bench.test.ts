/**
 * Structural checks of the benchmark harness (bench/). Tiny counts, no timing assertions:
 * the numbers the benchmark measures are never pass/fail.
 */
import { describe, expect, test } from "vitest";
import { runEngineTimers } from "../bench/engine_bench.js";
import { runCeilingTimers, runRecordCeilingTimers, TimerHeap } from "../bench/ceiling.js";
import { lcgNext, type TimerWorkload } from "../bench/workload.js";
import { DEFAULT_OPTIONS, formatJson, formatTable, runBench, type BenchOptions } from "../bench/report.js";
import { loadPeers, PEER_NAMES, type PeerEngine } from "../bench/peers.js";
import { runBenchCommand } from "../bench/command.js";
import { cli } from "./helpers/cli.js";

// The peer engines are devDependencies, so a checkout with `npm install` has them all.
const peers = await loadPeers();

describe("timer workload", () => {
  test("engine and ceilings fire exactly the requested number of events", () => {
    for (const events of [0, 1, 999, 5_000]) {
      const w: TimerWorkload = { timers: 100, events, warmupEvents: 50 };
      expect(runEngineTimers(w).events).toBe(events);
      expect(runCeilingTimers(w).events).toBe(events);
      expect(runRecordCeilingTimers(w).events).toBe(events);
    }
  });

  test("engine and ceiling run the same history: checksum over the first 10,000 events and final clock", () => {
    const cases: TimerWorkload[] = [
      { timers: 1_000, events: 12_000 }, // the benchmark's shape, default ~1 ms delays
      { timers: 1_000, events: 12_000, delayBits: 2 }, // delays 1..4 ns: ties everywhere, so seq decides
      { timers: 1, events: 10_000 },
      { timers: 3_000, events: 10_000, delayBits: 8, seed: 12345 },
    ];
    for (const w of cases) {
      const e = runEngineTimers(w);
      const c = runCeilingTimers(w);
      const r = runRecordCeilingTimers(w);
      expect(e.checksumEvents).toBe(10_000);
      expect(c.checksum).toBe(e.checksum);
      expect(c.finalTime).toBe(e.finalTime);
      expect(r.checksum).toBe(e.checksum);
      expect(r.finalTime).toBe(e.finalTime);
      expect(e.finalTime).toBeGreaterThan(0);
    }
  });

  test("the checksum depends on the history (seed, delays), not on where warm-up ends", () => {
    const base = runEngineTimers({ timers: 500, events: 10_000 });
    const split = runEngineTimers({ timers: 500, events: 7_000, warmupEvents: 3_000 });
    expect(split.checksum).toBe(base.checksum);
    expect(split.finalTime).toBe(base.finalTime);
    expect(runCeilingTimers({ timers: 500, events: 7_000, warmupEvents: 3_000 }).checksum).toBe(base.checksum);
    expect(runEngineTimers({ timers: 500, events: 10_000, seed: 2 }).checksum).not.toBe(base.checksum);
    expect(runEngineTimers({ timers: 500, events: 10_000, delayBits: 10 }).checksum).not.toBe(base.checksum);
  });

  test("the ceiling heap pops in (time, insertion order) order", () => {
    const heap = new TimerHeap(2_000);
    const pushed: { id: number; time: number }[] = [];
    let x = 7;
    for (let id = 0; id < 2_000; id++) {
      x = lcgNext(x);
      const time = x >>> 28; // 0..15: many ties
      heap.push(id, time);
      pushed.push({ id, time });
    }
    const expected = [...pushed].sort((a, b) => a.time - b.time || a.id - b.id);
    const got: { id: number; time: number }[] = [];
    while (heap.size > 0) {
      const id = heap.pop();
      got.push({ id, time: heap.poppedTime });
    }
    expect(got).toEqual(expected);
    expect(heap.pop()).toBe(-1);
  });
});

describe("peer engines", () => {
  test("every peer is installed (devDependencies) and loads", () => {
    expect(peers.skipped).toEqual([]);
    expect(peers.engines.map((p) => p.name)).toEqual([...PEER_NAMES]);
    for (const p of peers.engines) expect(p.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  test("loading simjs leaves no global `window` behind", () => {
    expect("window" in globalThis).toBe(false);
  });

  test.each(PEER_NAMES)("%s fires exactly the requested number of events", (name) => {
    const peer = peers.engines.find((p) => p.name === name)!;
    for (const events of [0, 1, 999, 5_000]) {
      for (const warmupEvents of [0, 50]) {
        // The adapter throws if its own count of fired events differs.
        expect(peer.run({ timers: 100, events, warmupEvents }).events).toBe(events);
      }
    }
  });

  test.each(PEER_NAMES)("%s runs the engine's history: same delays, ties in insertion order", (name) => {
    const peer = peers.engines.find((p) => p.name === name)!;
    const cases: TimerWorkload[] = [
      { timers: 1_000, events: 12_000 },
      { timers: 1_000, events: 12_000, delayBits: 2 }, // ties everywhere
      { timers: 1, events: 10_000 },
      { timers: 300, events: 7_000, warmupEvents: 3_000, delayBits: 8, seed: 12345 },
    ];
    for (const w of cases) {
      const e = runEngineTimers(w);
      const p = peer.run(w);
      expect(p.checksum).toBe(e.checksum);
      expect(p.finalTime).toBe(e.finalTime);
    }
  });

  test("a peer that is not installed is skipped with the reason, not fatal", async () => {
    const missing = await loadPeers(async (name) => {
      if (name === "js-simulator") throw Object.assign(new Error(`Cannot find package '${name}'`), { code: "ERR_MODULE_NOT_FOUND" });
      return peers.engines.find((p) => p.name === name)!;
    });
    expect(missing.engines.map((p) => p.name)).toEqual(["simjs"]);
    expect(missing.skipped).toEqual([{ name: "js-simulator", reason: expect.stringMatching(/^not installed \(a devDependency/) }]);
    const report = runBench(TINY, missing);
    expect(report.engine.peers.map((p) => p.name)).toEqual(["simjs"]);
    expect(report.engine.peers_skipped).toEqual(missing.skipped);
    expect(report.engine.peer_target.meets).toBeNull();
    const text = formatTable(report);
    expect(text).toMatch(/js-simulator \(npm\)\s+skipped/);
    expect(text).toContain("engine / js-simulator = n/a   (target >= 1.5x: not measured)");
    expect(text).toContain("skipped js-simulator: not installed");
  });

  test("a peer that fails to load for another reason says so", async () => {
    const broken = await loadPeers(async (name): Promise<PeerEngine> => {
      throw new Error(`${name} exploded\nsecond line`);
    });
    expect(broken.engines).toEqual([]);
    expect(broken.skipped.map((s) => s.reason)).toEqual(["failed to load: js-simulator exploded", "failed to load: simjs exploded"]);
  });
});

const TINY: BenchOptions = {
  engine: { timers: 50, events: 2_000, warmupEvents: 100, repeats: 2 },
  model: {
    ...DEFAULT_OPTIONS.model,
    duration: "5ms",
    warmupDuration: "1ms",
    repeats: 1,
  },
  lineRate: { scenario: "line-rate", duration: "2ms", warmupDuration: "", repeats: 1 },
  // Two tiny runs, so the two `irqsim sweep` processes are mostly start-up: structure only.
  sweep: { args: ["livelock", "--vary", "devices.nic0.traffic.rate=1000,2000", "--duration", "1ms"], jobs: 2 },
  scale: { sizes: [10, 100], events: 1_000, warmupEvents: 100 },
  memory: { scenario: "nic-basic", short: "1ms", long: "3ms" },
};

describe("bench report", () => {
  const report = runBench(TINY, peers);

  test("counts are the requested ones and both queues agree", () => {
    expect(report.engine.events).toBe(2_000);
    expect(report.engine.same_history).toBe(true);
    expect(report.engine.ceiling_checksum).toBe(report.engine.engine_checksum);
    expect(report.engine.peers.map((p) => [p.name, p.same_history, p.checksum])).toEqual(PEER_NAMES.map((n) => [n, true, report.engine.engine_checksum]));
    expect(report.engine.peers_skipped).toEqual([]);
    expect(typeof report.engine.peer_target.meets).toBe("boolean");
    expect(report.scale.map((s) => [s.timers, s.events, s.same_history])).toEqual([
      [10, 1_000, true],
      [100, 1_000, true],
    ]);
    expect(report.model.runs.map((r) => [r.name, r.scenario])).toEqual([
      ["nic-basic", "nic-basic"],
      ["livelock 4x", "livelock"],
    ]);
    for (const r of report.model.runs) {
      expect(r.simulated_s).toBe(0.005);
      expect(r.events).toBeGreaterThan(0);
      expect(r.sets).toContain("duration=5ms");
    }
    expect(report.model.runs[1]!.sets).toContain("devices.nic0.traffic.rate=400000");
    expect(report.memory.short.simulated_s).toBe(0.001);
    expect(report.memory.long.simulated_s).toBe(0.003);
  });

  test("line rate: packets are the arrivals at 14.88 Mpps, each at least its own event", () => {
    const l = report.line_rate;
    expect(l.simulated_s).toBe(0.002);
    expect(l.packets).toBe(Math.floor(0.002 * 14_880_952) + 1);
    expect(l.events_per_packet).toBeGreaterThan(1); // every arrival is an event (no lazy arrivals)
    expect(l.ratio_to_engine).toBeCloseTo(l.packets_per_wall_s / l.engine_events_per_s, 3);
    expect(l.target.min).toBe(0.1);
  });

  test("sweep scaling: both sweeps ran every point and printed the same records", () => {
    const sw = report.sweep_scaling!;
    expect(sw.runs).toBe(2);
    expect(sw.same_output).toBe(true);
    expect(sw.jobs).toBe(2);
    expect(sw.target.min).toBe(1.6);
    expect(sw.speedup).toBeCloseTo(sw.jobs1_wall_ms / sw.jobsn_wall_ms, 2);
    expect(report.scale_target.meets).toBe(report.scale[1]!.ratio >= 1);
  });

  test("--json prints one object with stable keys", () => {
    const parsed = JSON.parse(formatJson(report)) as Record<string, unknown>;
    const keys = (o: unknown): string[] => Object.keys(o as object);
    expect(keys(parsed)).toEqual(["bench", "version", "node", "gc_exposed", "engine", "model", "line_rate", "sweep_scaling", "scale", "scale_target", "memory"]);
    const target = ["metric", "min", "meets"];
    const engine = parsed.engine as Record<string, unknown>;
    expect(keys(engine)).toEqual([
      "timers",
      "events",
      "warmup_events",
      "repeats",
      "engine_events_per_s",
      "ceiling_events_per_s",
      "ratio",
      "record_ceiling_events_per_s",
      "ratio_to_record_ceiling",
      "checksum_events",
      "engine_checksum",
      "ceiling_checksum",
      "same_history",
      "target",
      "peers",
      "peers_skipped",
      "peer_target",
    ]);
    expect(keys(engine.target)).toEqual(target);
    expect(keys(engine.peer_target)).toEqual(target);
    for (const p of engine.peers as unknown[]) expect(keys(p)).toEqual(["name", "version", "events_per_s", "engine_over_peer", "checksum", "same_history"]);
    const model = parsed.model as { runs: Record<string, unknown>[] };
    expect(keys(model)).toEqual(["engine_events_per_s", "repeats", "runs"]);
    for (const run of model.runs) {
      expect(keys(run)).toEqual(["name", "scenario", "sets", "simulated_s", "events", "wall_ms", "events_per_s", "sim_s_per_wall_s", "ratio_to_engine", "packets", "packets_per_wall_s", "events_per_packet"]);
    }
    const lineRate = parsed.line_rate as Record<string, unknown>;
    expect(keys(lineRate)).toEqual(["scenario", "simulated_s", "events", "packets", "wall_ms", "packets_per_wall_s", "events_per_packet", "engine_events_per_s", "ratio_to_engine", "target"]);
    expect(keys(lineRate.target)).toEqual(target);
    const sweep = parsed.sweep_scaling as Record<string, unknown>;
    expect(keys(sweep)).toEqual(["args", "cores", "jobs", "runs", "jobs1_wall_ms", "jobsn_wall_ms", "speedup", "same_output", "target"]);
    expect(keys(sweep.target)).toEqual(target);
    expect(keys(parsed.scale_target)).toEqual(target);
    for (const row of parsed.scale as unknown[]) {
      expect(keys(row)).toEqual([
        "timers",
        "events",
        "warmup_events",
        "engine_events_per_s",
        "ceiling_events_per_s",
        "ratio",
        "record_ceiling_events_per_s",
        "ratio_to_record_ceiling",
        "same_history",
      ]);
    }
    const memory = parsed.memory as Record<string, unknown>;
    expect(keys(memory)).toEqual(["scenario", "gc", "baseline", "short", "long", "rss_ratio", "heap_used_ratio", "heap_growth_ratio", "target"]);
    expect(keys(memory.baseline)).toEqual(["rss_bytes", "heap_used_bytes"]);
    for (const s of [memory.short, memory.long]) expect(keys(s)).toEqual(["duration", "simulated_s", "events", "rss_bytes", "heap_used_bytes"]);
    expect(keys(memory.target)).toEqual(["metric", "max", "meets"]);
    expect(typeof engine.ratio).toBe("number");
    expect(typeof (engine.target as { meets: unknown }).meets).toBe("boolean");
  });

  test("the table names every section and every target verdict", () => {
    const text = formatTable(report);
    for (const s of ["1. engine", "2. model", "2b. line rate", "2c. sweep scaling", "3. scale", "4. memory", "engine / ceiling", "engine / js-simulator", "same history: yes"]) expect(text).toContain(s);
    for (const name of PEER_NAMES) expect(text).toMatch(new RegExp(`^${name} \\d+\\.\\d+\\.\\d+ \\(npm\\)\\s+\\d+\\.\\d+ M/s`, "m"));
    // engine/ceiling, engine/js-simulator, line rate, sweep scaling, scale at 100k, memory
    expect(text.match(/\b(meets|misses)\b/g)?.length).toBe(6);
  });
});

describe("npm run bench and irqsim bench share one runner", () => {
  test("runBenchCommand renders the table or one JSON object, logging progress", async () => {
    const log: string[] = [];
    const json = await runBenchCommand(true, (m) => log.push(m), { ...TINY, sweep: null });
    const parsed = JSON.parse(json.text) as { engine: { peers: { name: string }[] } };
    expect(parsed.engine.peers.map((p) => p.name)).toEqual([...PEER_NAMES]);
    expect(json.text).not.toContain("\n");
    // The model runs first (a model run after the synthetic timer workloads is slower).
    expect(log.slice(0, 3)).toEqual(["model: nic-basic, 5ms", "model: livelock 4x, 5ms", "line-rate: line-rate, 2ms"]);
    expect(log[3]).toMatch(/^engine: 50 timers, 2000 events x 2 \(engine, ceilings, js-simulator, simjs\)$/);
    expect(log.at(-1)).toMatch(/^done in [\d.]+ s$/);
    const table = await runBenchCommand(false, () => {}, { ...TINY, sweep: null });
    expect(table.text).toMatch(/^irqsim \S+ bench/);
  });

  test("irqsim bench is a command with --json", async () => {
    const r = await cli(["bench", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--json");
    expect((await cli(["--help"])).stdout).toMatch(/^\s+bench \[options\]/m);
  });
});
