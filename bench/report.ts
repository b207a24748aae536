/**
 * Runs every benchmark section with the given parameters and renders the report as an
 * aligned table or as one JSON object with stable keys. Targets are informational: the
 * report says "meets" or "misses", nothing fails.
 */
import { IRQSIM_VERSION } from "../system/result.js";
import { runCeilingTimers, runRecordCeilingTimers } from "./ceiling.js";
import { runEngineTimers } from "./engine_bench.js";
import { findGc, measureMemory, measureModel, type MemoryReport, type ModelRun } from "./model.js";
import { TARGET_PEER, type PeerEngine, type Peers } from "./peers.js";
import type { TimerResult } from "./workload.js";

export const TARGETS = {
  /** Engine events/s over ceiling events/s, 1k timers. */
  engineOverCeilingMin: 0.6,
  /** Engine events/s over js-simulator events/s, 1k timers. */
  engineOverPeerMin: 1.5,
  /** Full-model events/s over engine events/s. */
  modelOverEngineMin: 0.25,
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
  scale: { sizes: [1_000, 10_000, 100_000], events: 1_000_000, warmupEvents: 200_000 },
  memory: { scenario: "nic-basic", short: "1s", long: "10s" },
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
      target: Target;
    }[];
  };
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
  const runs = modelRuns.map(([name, r]) => {
    const ratio = engineEps > 0 ? r.eventsPerSec / engineEps : 0;
    return {
      name,
      scenario: r.scenario,
      sets: r.sets,
      simulated_s: round(r.simulatedSec, 9),
      events: r.events,
      wall_ms: round(r.wallMs, 1),
      events_per_s: Math.round(r.eventsPerSec),
      sim_s_per_wall_s: round(r.simSecPerWallSec, 3),
      ratio_to_engine: round(ratio, 3),
      target: { metric: "model events/s / engine events/s", min: TARGETS.modelOverEngineMin, meets: ratio >= TARGETS.modelOverEngineMin },
    };
  });

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
    scale,
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

// ---------------------------------------------------------------------------------------
// Human table
// ---------------------------------------------------------------------------------------

function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  // First column left-aligned (labels), the rest right-aligned (numbers).
  const line = (r: string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();
  return all.map((r, i) => (i === 0 ? line(r) + "\n" + widths.map((w) => "-".repeat(w)).join("  ") : line(r)));
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString("en-US");
const fmtRate = (x: number): string => `${(x / 1e6).toFixed(2)} M/s`;
const fmtRatio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(3)}x`);
const fmtMiB = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const verdict = (t: Target): string =>
  `target ${t.min !== undefined ? `>= ${t.min}x` : `<= ${t.max}x`}: ${t.meets === null ? "not measured" : t.meets ? "meets" : "misses"}`;

export function formatTable(r: BenchReport): string {
  const out: string[] = [];
  out.push(`irqsim ${r.version} bench (node ${r.node}); ratios are within this process, absolute numbers depend on the machine`);
  out.push("");

  const e = r.engine;
  out.push(`1. engine: ${fmtInt(e.timers)} self-rescheduling timers, ${fmtInt(e.events)} events (after ${fmtInt(e.warmup_events)} warm-up), median of ${e.repeats}`);
  out.push(
    ...table(
      ["queue", "events/s", "engine / it", "same history"],
      [
        ["irqsim Engine", fmtRate(e.engine_events_per_s), "", ""],
        ["ceiling (typed-array heap)", fmtRate(e.ceiling_events_per_s), fmtRatio(e.ratio), e.same_history ? "yes" : "NO"],
        ["ceiling + records (callbacks)", fmtRate(e.record_ceiling_events_per_s), fmtRatio(e.ratio_to_record_ceiling), e.same_history ? "yes" : "NO"],
        ...e.peers.map((p) => [`${p.name} ${p.version} (npm)`, fmtRate(p.events_per_s), fmtRatio(p.engine_over_peer), p.same_history ? "yes" : "NO"]),
        ...e.peers_skipped.map((s) => [`${s.name} (npm)`, "skipped", "", ""]),
      ],
    ),
  );
  out.push(`engine / ceiling = ${fmtRatio(e.ratio)}   (${verdict(e.target)})`);
  const peer = e.peers.find((p) => p.name === TARGET_PEER);
  out.push(`engine / ${TARGET_PEER} = ${peer === undefined ? "n/a" : fmtRatio(peer.engine_over_peer)}   (${verdict(e.peer_target)})`);
  for (const s of e.peers_skipped) out.push(`skipped ${s.name}: ${s.reason}`);
  out.push(
    `same history: ${e.same_history && e.peers.every((p) => p.same_history) ? "yes" : "NO"} (checksum of first ${fmtInt(e.checksum_events)} events and final clock; engine ${e.engine_checksum.toString(16)}, ceiling ${e.ceiling_checksum.toString(16)})`,
  );
  out.push("the engine is a calendar queue (O(1) per event); the ceilings are binary heaps (O(log n)): the fastest a heap-based engine");
  out.push("of this workload runs, without and with the engine's API (caller-owned records with closures).");
  out.push("");

  out.push(`2. model: full kernel, ${r.model.runs[0]?.simulated_s ?? 0} simulated s each (boot + run, after a warm-up run), median of ${r.model.repeats}`);
  out.push(
    ...table(
      ["run", "events", "wall", "events/s", "sim s / wall s", "/ engine", "target >= " + TARGETS.modelOverEngineMin + "x"],
      r.model.runs.map((m) => [
        m.name,
        fmtInt(m.events),
        `${(m.wall_ms / 1000).toFixed(2)} s`,
        fmtRate(m.events_per_s),
        m.sim_s_per_wall_s.toFixed(3),
        fmtRatio(m.ratio_to_engine),
        m.target.meets ? "meets" : "misses",
      ]),
    ),
  );
  out.push("");

  out.push(`3. scale: engine with more pending timers (same workload; warm-up before each)`);
  out.push(
    ...table(
      ["pending timers", "events", "engine", "ceiling", "engine / ceiling", "ceiling + records", "engine / it"],
      r.scale.map((s) => [
        fmtInt(s.timers),
        fmtInt(s.events),
        fmtRate(s.engine_events_per_s),
        fmtRate(s.ceiling_events_per_s),
        fmtRatio(s.ratio),
        fmtRate(s.record_ceiling_events_per_s),
        fmtRatio(s.ratio_to_record_ceiling),
      ]),
    ),
  );
  out.push("ceiling + records: the same heap, but each timer is a caller-owned record with a closure, as the engine's API requires;");
  out.push("with many timers the records fall out of cache, and loading and calling them costs as much as the queue itself.");
  out.push("");

  const m = r.memory;
  out.push(
    `4. memory: ${m.scenario}, a separate Simulation per duration, sampled while alive ${m.gc ? "after a full GC" : "WITHOUT a forced GC (gc not available: numbers include garbage)"}`,
  );
  out.push(
    ...table(
      ["after", "events", "rss", "heapUsed"],
      [
        ["baseline", "", fmtMiB(m.baseline.rss_bytes), fmtMiB(m.baseline.heap_used_bytes)],
        [`${m.short.duration} simulated`, fmtInt(m.short.events), fmtMiB(m.short.rss_bytes), fmtMiB(m.short.heap_used_bytes)],
        [`${m.long.duration} simulated`, fmtInt(m.long.events), fmtMiB(m.long.rss_bytes), fmtMiB(m.long.heap_used_bytes)],
      ],
    ),
  );
  out.push(`${m.long.duration} / ${m.short.duration}: heapUsed ${fmtRatio(m.heap_used_ratio)}   (${verdict(m.target)}); rss ${fmtRatio(m.rss_ratio)}`);
  const kib = (b: number): string => `${b >= 0 ? "+" : ""}${(b / 1024).toFixed(0)} KiB`;
  out.push(
    `heapUsed above baseline: ${m.short.duration} ${kib(m.short.heap_used_bytes - m.baseline.heap_used_bytes)}, ${m.long.duration} ${kib(m.long.heap_used_bytes - m.baseline.heap_used_bytes)}` +
      ` (informational; rss mostly reflects the earlier sections, e.g. the 100k-timer heaps)`,
  );
  return out.join("\n");
}
