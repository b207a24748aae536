/**
 * Full-model measurements: a real scenario booted and run through `Simulation`, for
 * speed (events/s, simulated seconds per wall second) and for memory growth.
 */
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { NSEC_PER_SEC } from "../sim/time.js";

/** Events per `Simulation.advance` slice, as `runToEnd` uses. */
const SLICE = 1 << 20;

export interface ModelRun {
  scenario: string;
  /** `--set` overrides applied (the duration included). */
  sets: string[];
  simulatedSec: number;
  events: number;
  /** Packets that arrived at the machine's NICs (the traffic simulated). */
  packets: number;
  /** Boot plus run; scenario parsing and result building excluded. */
  wallMs: number;
  eventsPerSec: number;
  simSecPerWallSec: number;
  packetsPerWallSec: number;
}

function runSim(scenarioName: string, sets: string[]): { sim: Simulation; wallMs: number } {
  const { scenario } = loadScenario(scenarioName, { sets });
  const t0 = performance.now();
  const sim = new Simulation(scenario);
  while (!sim.advance(SLICE));
  return { sim, wallMs: performance.now() - t0 };
}

/**
 * Runs `scenarioName` with `sets` and a `duration=` override `repeats` times, after an
 * untimed warm-up run of `warmupDuration` (omit or "" for none), and returns the run with
 * the median events/s. The warm-up lets V8 finish compiling the model's hot paths (the
 * first runs of a process are markedly slower), so the figure is the steady state, as for
 * the engine in section 1.
 */
export function measureModel(scenarioName: string, sets: string[], duration: string, warmupDuration?: string, repeats = 1): ModelRun {
  if (warmupDuration) runSim(scenarioName, [...sets, `duration=${warmupDuration}`]);
  const allSets = [...sets, `duration=${duration}`];
  const runs: ModelRun[] = [];
  for (let i = 0; i < Math.max(1, repeats); i++) {
    const { sim, wallMs } = runSim(scenarioName, allSets);
    const events = sim.sys.k.engine.fired;
    const packets = sim.sys.net.stats.arrived;
    const simulatedSec = sim.now / NSEC_PER_SEC;
    const wallSec = wallMs / 1000;
    runs.push({
      scenario: scenarioName,
      sets: allSets,
      simulatedSec,
      events,
      packets,
      wallMs,
      eventsPerSec: wallSec > 0 ? events / wallSec : 0,
      simSecPerWallSec: wallSec > 0 ? simulatedSec / wallSec : 0,
      packetsPerWallSec: wallSec > 0 ? packets / wallSec : 0,
    });
  }
  runs.sort((x, y) => x.eventsPerSec - y.eventsPerSec);
  return runs[runs.length >> 1]!;
}

export interface MemorySample {
  simulatedSec: number;
  events: number;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface MemoryReport {
  /** Whether a full GC ran before each sample (otherwise the numbers include garbage). */
  gc: boolean;
  baseline: { rssBytes: number; heapUsedBytes: number };
  short: MemorySample;
  long: MemorySample;
  /** long / short, process-wide. */
  rssRatio: number;
  heapUsedRatio: number;
  /** (long - baseline) / (short - baseline) for heapUsed: growth attributable to the run. */
  heapGrowthRatio: number;
}

/** Returns a function forcing a full GC, or null if this process cannot. */
export function findGc(): (() => void) | null {
  const g = (globalThis as { gc?: unknown }).gc;
  return typeof g === "function" ? () => (g as () => void)() : null;
}

function sample(gc: (() => void) | null): { rssBytes: number; heapUsedBytes: number } {
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
}

/**
 * Memory after `shortDuration` and after `longDuration` of `scenarioName`: two separate
 * Simulations, each sampled while it is still alive (the run's retained state counted),
 * the first dropped (and collected) before the second starts.
 */
export function measureMemory(scenarioName: string, sets: string[], shortDuration: string, longDuration: string, gc = findGc()): MemoryReport {
  const baseline = sample(gc);
  const one = (duration: string): MemorySample => {
    const { sim } = runSim(scenarioName, [...sets, `duration=${duration}`]);
    const m = sample(gc);
    // Read the simulation after sampling so it is provably alive during the sample.
    return { simulatedSec: sim.now / NSEC_PER_SEC, events: sim.sys.k.engine.fired, ...m };
  };
  const short = one(shortDuration);
  const long = one(longDuration);
  const growthShort = short.heapUsedBytes - baseline.heapUsedBytes;
  const growthLong = long.heapUsedBytes - baseline.heapUsedBytes;
  return {
    gc: gc !== null,
    baseline,
    short,
    long,
    rssRatio: long.rssBytes / short.rssBytes,
    heapUsedRatio: long.heapUsedBytes / short.heapUsedBytes,
    heapGrowthRatio: growthShort > 0 ? growthLong / growthShort : NaN,
  };
}
