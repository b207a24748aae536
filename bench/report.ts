/**
 * Runs every benchmark section with the given parameters and renders the report as an
 * aligned table or as one JSON object with stable keys. Targets are informational: the
 * report says "meets" or "misses", nothing fails.
 */
import { availableParallelism } from "node:os";
import { IRQSIM_VERSION } from "../system/result.js";
import { runSweep } from "./sweep_scaling.js";
import { runCeilingTimers, runRecordCeilingTimers } from "./ceiling.js";
import { runEngineTimers } from "./engine_bench.js";
import { findGc, measureMemory, measureModel, type MemoryReport, type ModelRun } from "./model.js";
import { TARGET_PEER, type PeerEngine, type Peers } from "./peers.js";
export { formatTable } from "./report_table.js";
import type { TimerResult } from "./workload.js";

export const TARGETS = {
  /** Engine events/s over ceiling events/s, 1k timers. */
  engineOverCeilingMin: 0.6,
  /** Engine events/s over js-simulator events/s, 1k timers. */
  engineOverPeerMin: 1.5,
  /** line-rate packets simulated per wall second over engine events/s (same process). */
  lineRateOverEngineMin: 0.1,
  /** Sweep speedup, --jobs <cores> over --jobs 1, as a fraction of the cores. */
  sweepSpeedupPerCoreMin: 0.8,
  /** Engine events/s over heap-ceiling events/s at the largest scale size (100k timers). */
  scaleOverCeilingMin: 1.0,
  /** heapUsed after the long run over heapUsed after the short run. */
  memoryLongOverShortMax: 1.2,
} as const;

export interface BenchOptions {
  engine: { timers: number; events: number; warmupEvents: number; repeats: number };
  model: {
    duration: string;
    /** Untimed run before each row's measured ones ("" for none). */
    warmupDuration: string;
    /** Measured runs per row; the row reports the median. */
    repeats: number;
    runs: { name: string; scenario: string; sets: string[] }[];
  };
  /** line-rate: every arrival its own event (lazy arrivals are not in). */
  lineRate: { scenario: string; duration: string; warmupDuration: string; repeats: number };
  /** The same sweep with --jobs 1 and --jobs <jobs>, each a separate irqsim process; null: skipped. */
  sweep: { args: string[]; jobs: number } | null;
  scale: { sizes: number[]; events: number; warmupEvents: number };
  memory: { scenario: string; short: string; long: string };
  /** Progress lines (main sends them to stderr). */
  log?: (msg: string) => void;
}

export const DEFAULT_OPTIONS: BenchOptions = {
  engine: { timers: 1_000, events: 2_000_000, warmupEvents: 200_000, repeats: 3 },
  model: {
    duration: "1s",
    warmupDuration: "1s",
    repeats: 3,
    runs: [
      { name: "nic-basic", scenario: "nic-basic", sets: [] },
      // livelock's default offered load is 100 kpps: 4x overload.
      { name: "livelock 4x", scenario: "livelock", sets: ["devices.nic0.traffic.rate=400000"] },
    ],
  },
  lineRate: { scenario: "line-rate", duration: "100ms", warmupDuration: "20ms", repeats: 1 },
  sweep: {
    args: ["livelock", "--vary", "devices.nic0.traffic.rate=50000,100000,150000,200000,250000,300000,350000,400000", "--duration", "500ms"],
    jobs: availableParallelism(),
  },
  scale: { sizes: [1_000, 10_000, 100_000], events: 1_000_000, warmupEvents: 200_000 },
  // 10x the duration, as the 1 s / 10 s of the issue, at a tenth of the wall time.
  memory: { scenario: "line-rate", short: "100ms", long: "1s" },
};

export interface Target {
  metric: string;
  min?: number;
  max?: number;
  /** null: not measured (the peer engine is not installed). */
  meets: boolean | null;
}

export interface BenchReport {
  bench: "irqsim";
  version: string;
  node: string;
  gc_exposed: boolean;
  engine: {
    timers: number;
    events: number;
    warmup_events: number;
    repeats: number;
    engine_events_per_s: number;
    ceiling_events_per_s: number;
    ratio: number;
    record_ceiling_events_per_s: number;
    ratio_to_record_ceiling: number;
    checksum_events: number;
    engine_checksum: number;
    ceiling_checksum: number;
    same_history: boolean;
    target: Target;
    peers: PeerRow[];
    peers_skipped: { name: string; reason: string }[];
    peer_target: Target;
  };
  model: {
    engine_events_per_s: number;
    repeats: number;
    runs: {
      name: string;
      scenario: string;
      sets: string[];
      simulated_s: number;
      events: number;
      wall_ms: number;
      events_per_s: number;
      sim_s_per_wall_s: number;
      ratio_to_engine: number;
      packets: number;
      packets_per_wall_s: number;
      events_per_packet: number;
    }[];
  };
  line_rate: {
    scenario: string;
    simulated_s: number;
    events: number;
    packets: number;
    wall_ms: number;
    packets_per_wall_s: number;
    events_per_packet: number;
    engine_events_per_s: number;
    ratio_to_engine: number;
    target: Target;
  };
  sweep_scaling: {
    args: string[];
    cores: number;
    jobs: number;
    runs: number;
    jobs1_wall_ms: number;
    jobsn_wall_ms: number;
    speedup: number;
    same_output: boolean;
    target: Target;
  } | null;
  scale: {
    timers: number;
    events: number;
    warmup_events: number;
    engine_events_per_s: number;
    ceiling_events_per_s: number;
    ratio: number;
    record_ceiling_events_per_s: number;
    ratio_to_record_ceiling: number;
    same_history: boolean;
  }[];
  scale_target: Target;
  memory: {
    scenario: string;
    gc: boolean;
    baseline: { rss_bytes: number; heap_used_bytes: number };
    short: MemoryRow;
    long: MemoryRow;
    rss_ratio: number;
    heap_used_ratio: number;
    heap_growth_ratio: number | null;
    target: Target;
  };
}

interface PeerRow {
  name: string;
  version: string;
  events_per_s: number;
  /** Engine events/s over this peer's. */
  engine_over_peer: number;
  checksum: number;
  /** Same checksum and final clock as the engine: the peer ran the identical history. */
  same_history: boolean;
}

interface MemoryRow {
  duration: string;
  simulated_s: number;
  events: number;
  rss_bytes: number;
  heap_used_bytes: number;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sameHistory(a: TimerResult, b: TimerResult): boolean {
  return a.checksum === b.checksum && a.finalTime === b.finalTime;
}

const ratioOf = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * Engine, ceiling, record ceiling and `peers` on one workload, alternated `repeats` times
 * (so drift in the machine's speed hits all alike); medians of events/s.
 */
function compareQueues(timers: number, events: number, warmupEvents: number, repeats: number, peers: PeerEngine[] = []) {
  const w = { timers, events, warmupEvents };
  const eng: TimerResult[] = [];
  const ceil: TimerResult[] = [];
  const rec: TimerResult[] = [];
  const peer: TimerResult[][] = peers.map(() => []);
  for (let r = 0; r < Math.max(1, repeats); r++) {
    eng.push(runEngineTimers(w));
    ceil.push(runCeilingTimers(w));
    rec.push(runRecordCeilingTimers(w));
    peers.forEach((p, i) => peer[i]!.push(p.run(w)));
  }
  const engineEps = median(eng.map((x) => x.eventsPerSec));
  const ceilingEps = median(ceil.map((x) => x.eventsPerSec));
  const recordEps = median(rec.map((x) => x.eventsPerSec));
  return {
    engine: eng[0]!,
    ceiling: ceil[0]!,
    engineEps,
    ceilingEps,
    recordEps,
    ratio: ratioOf(engineEps, ceilingEps),
    recordRatio: ratioOf(engineEps, recordEps),
    same: eng.every((e, i) => sameHistory(e, ceil[i]!) && sameHistory(e, rec[i]!)),
    peers: peers.map((p, i) => {
      const eps = median(peer[i]!.map((x) => x.eventsPerSec));
      return { peer: p, eps, results: peer[i]!, same: peer[i]!.every((x, j) => sameHistory(x, eng[j]!)) };
    }),
  };
}

/**
 * `peers`: the peer engines that could be loaded (bench/peers.ts `loadPeers`); the ones
 * that could not are listed in the report with the reason.
 */
export function runBench(opts: BenchOptions = DEFAULT_OPTIONS, peers: Peers = { engines: [], skipped: [] }): BenchReport {
  const log = opts.log ?? (() => {});

  // 2. model, first: a run after the synthetic timer workloads is about a fifth slower
  //    (V8 keeps code and feedback shaped by them), while the engine measures the same
  //    either way. Measured first, the model runs as it does in `irqsim run`.
  const mo = opts.model;
  const modelRuns = mo.runs.map((spec): [string, ModelRun] => {
    log(`model: ${spec.name}, ${mo.duration}`);
    return [spec.name, measureModel(spec.scenario, spec.sets, mo.duration, mo.warmupDuration, mo.repeats)];
  });

  const lr = opts.lineRate;
  log(`line-rate: ${lr.scenario}, ${lr.duration}`);
  const lineRate = measureModel(lr.scenario, [], lr.duration, lr.warmupDuration, lr.repeats);

  // 1. engine vs ceiling and peers
  const eo = opts.engine;
  const names = ["engine", "ceilings", ...peers.engines.map((p) => p.name)].join(", ");
  log(`engine: ${eo.timers} timers, ${eo.events} events x ${eo.repeats} (${names})`);
  for (const s of peers.skipped) log(`engine: skipping ${s.name}: ${s.reason}`);
  const cmp = compareQueues(eo.timers, eo.events, eo.warmupEvents, eo.repeats, peers.engines);
  const engineEps = cmp.engineEps;
  const peerRows: PeerRow[] = cmp.peers.map((p) => ({
    name: p.peer.name,
    version: p.peer.version,
    events_per_s: Math.round(p.eps),
    engine_over_peer: round(ratioOf(engineEps, p.eps), 3),
    checksum: p.results[0]!.checksum,
    same_history: p.same,
  }));
  const targetPeer = cmp.peers.find((p) => p.peer.name === TARGET_PEER);
  const peerRatio = targetPeer === undefined ? null : ratioOf(engineEps, targetPeer.eps);
  const runs = modelRuns.map(([name, r]) => ({
    name,
    scenario: r.scenario,
    sets: r.sets,
    simulated_s: round(r.simulatedSec, 9),
    events: r.events,
    wall_ms: round(r.wallMs, 1),
    events_per_s: Math.round(r.eventsPerSec),
    sim_s_per_wall_s: round(r.simSecPerWallSec, 3),
    ratio_to_engine: round(ratioOf(r.eventsPerSec, engineEps), 3),
    packets: r.packets,
    packets_per_wall_s: Math.round(r.packetsPerWallSec),
    events_per_packet: round(ratioOf(r.events, r.packets), 3),
  }));

  const lrRatio = ratioOf(lineRate.packetsPerWallSec, engineEps);
  const line_rate: BenchReport["line_rate"] = {
    scenario: lineRate.scenario,
    simulated_s: round(lineRate.simulatedSec, 9),
    events: lineRate.events,
    packets: lineRate.packets,
    wall_ms: round(lineRate.wallMs, 1),
    packets_per_wall_s: Math.round(lineRate.packetsPerWallSec),
    events_per_packet: round(ratioOf(lineRate.events, lineRate.packets), 3),
    engine_events_per_s: Math.round(engineEps),
    ratio_to_engine: round(lrRatio, 4),
    target: { metric: "line-rate packets per wall s / engine events/s", min: TARGETS.lineRateOverEngineMin, meets: lrRatio >= TARGETS.lineRateOverEngineMin },
  };

  // 3. scale
  const scale: BenchReport["scale"] = opts.scale.sizes.map((timers) => {
    log(`scale: ${timers} timers`);
    const c = compareQueues(timers, opts.scale.events, opts.scale.warmupEvents, 1);
    return {
      timers,
      events: c.engine.events,
      warmup_events: c.engine.warmupEvents,
      engine_events_per_s: Math.round(c.engineEps),
      ceiling_events_per_s: Math.round(c.ceilingEps),
      ratio: round(c.ratio, 3),
      record_ceiling_events_per_s: Math.round(c.recordEps),
      ratio_to_record_ceiling: round(c.recordRatio, 3),
      same_history: c.same,
    };
  });

  const scaleTop = scale.at(-1);
  const scale_target: Target = {
    metric: `engine events/s / ceiling events/s at ${scaleTop?.timers ?? 0} pending timers`,
    min: TARGETS.scaleOverCeilingMin,
    meets: scaleTop !== undefined && scaleTop.ratio >= TARGETS.scaleOverCeilingMin,
  };

  // Sweep scaling: separate processes, so it neither slows nor is slowed by the above.
  let sweep_scaling: BenchReport["sweep_scaling"] = null;
  if (opts.sweep !== null) {
    const sw = opts.sweep;
    log(`sweep scaling: irqsim sweep ${sw.args.join(" ")} --jobs 1, then --jobs ${sw.jobs}`);
    const one = runSweep(sw.args, 1);
    const many = runSweep(sw.args, sw.jobs);
    const speedup = ratioOf(one.wallMs, many.wallMs);
    const want = TARGETS.sweepSpeedupPerCoreMin * sw.jobs;
    sweep_scaling = {
      args: sw.args,
      cores: availableParallelism(),
      jobs: sw.jobs,
      runs: one.records,
      jobs1_wall_ms: round(one.wallMs, 1),
      jobsn_wall_ms: round(many.wallMs, 1),
      speedup: round(speedup, 3),
      same_output: one.output === many.output,
      target: { metric: `speedup --jobs ${sw.jobs} over --jobs 1`, min: round(want, 3), meets: speedup >= want },
    };
  }

  // 4. memory
  const me = opts.memory;
  log(`memory: ${me.scenario} ${me.short} and ${me.long}`);
  const m: MemoryReport = measureMemory(me.scenario, [], me.short, me.long, findGc());
  const row = (duration: string, s: MemoryReport["short"]): MemoryRow => ({
    duration,
    simulated_s: round(s.simulatedSec, 9),
    events: s.events,
    rss_bytes: s.rssBytes,
    heap_used_bytes: s.heapUsedBytes,
  });

  return {
    bench: "irqsim",
    version: IRQSIM_VERSION,
    node: process.version,
    gc_exposed: m.gc,
    engine: {
      timers: eo.timers,
      events: cmp.engine.events,
      warmup_events: cmp.engine.warmupEvents,
      repeats: Math.max(1, eo.repeats),
      engine_events_per_s: Math.round(cmp.engineEps),
      ceiling_events_per_s: Math.round(cmp.ceilingEps),
      ratio: round(cmp.ratio, 3),
      record_ceiling_events_per_s: Math.round(cmp.recordEps),
      ratio_to_record_ceiling: round(cmp.recordRatio, 3),
      checksum_events: cmp.engine.checksumEvents,
      engine_checksum: cmp.engine.checksum,
      ceiling_checksum: cmp.ceiling.checksum,
      same_history: cmp.same,
      target: { metric: "engine events/s / ceiling events/s", min: TARGETS.engineOverCeilingMin, meets: cmp.ratio >= TARGETS.engineOverCeilingMin },
      peers: peerRows,
      peers_skipped: peers.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      peer_target: {
        metric: `engine events/s / ${TARGET_PEER} events/s`,
        min: TARGETS.engineOverPeerMin,
        meets: peerRatio === null ? null : peerRatio >= TARGETS.engineOverPeerMin,
      },
    },
    model: { engine_events_per_s: Math.round(engineEps), repeats: Math.max(1, mo.repeats), runs },
    line_rate,
    sweep_scaling,
    scale,
    scale_target,
    memory: {
      scenario: me.scenario,
      gc: m.gc,
      baseline: { rss_bytes: m.baseline.rssBytes, heap_used_bytes: m.baseline.heapUsedBytes },
      short: row(me.short, m.short),
      long: row(me.long, m.long),
      rss_ratio: round(m.rssRatio, 3),
      heap_used_ratio: round(m.heapUsedRatio, 3),
      heap_growth_ratio: Number.isFinite(m.heapGrowthRatio) ? round(m.heapGrowthRatio, 3) : null,
      target: {
        metric: "heapUsed(long) / heapUsed(short)",
        max: TARGETS.memoryLongOverShortMax,
        meets: m.heapUsedRatio <= TARGETS.memoryLongOverShortMax,
      },
    },
  };
}

export function formatJson(r: BenchReport): string {
  return JSON.stringify(r);
}
