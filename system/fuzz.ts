/**
 * Deterministic-simulation testing of the simulator itself (`irqsim fuzz`, in the spirit of
 * TigerBeetle's VOPR): a fast-check arbitrary of random VALID scenarios, and the property
 * every one of them must satisfy: the invariants hold (walked every FUZZ_CHECK_EVERY
 * events and at the end, with the kernel's WARN checks always on), and two runs of the
 * same scenario give the same fingerprint and byte-identical JSON. fast-check is a runtime
 * dependency because the published CLI runs this.
 *
 * The arbitrary produces the raw YAML-shaped object (what a user would write), and the
 * property runs it through `stringify` + `parseScenarioText`, so a counterexample printed
 * as YAML is exactly what was run: save it and `irqsim run it.yaml` reproduces it.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { COST_KEYS, DEFAULT_COSTS, NONZERO_COSTS } from "../sim/costs.js";
import { runScenario } from "./run.js";
import { parseScenarioText } from "./scenario_yaml.js";
import type { PlantName } from "../sim/plant.js";

/** A raw scenario as written in YAML (validated later, by the real parser). */
export type RawScenario = Record<string, unknown>;

const NIC_MODES = ["irq", "napi", "tasklet", "threaded", "workqueue"] as const;
const WQ_FLAGS = ["unbound", "highpri", "mem_reclaim", "cpu_intensive", "ordered"] as const;
/** The legacy INTx line every `shared: true` device sits on. */
const SHARED_IRQ = 19;

/** A subset of 0..cpus-1 (non-empty, distinct, in order) chosen by a bit mask. */
function cpuSet(mask: number, cpus: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < cpus; c++) if (mask & (1 << c)) out.push(c);
  return out.length > 0 ? out : [mask % cpus];
}

const usec = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => `${n}us`);

const trafficArb = fc.oneof(
  fc.record({ kind: fc.constantFrom("constant", "poisson"), rate: fc.integer({ min: 1_000, max: 400_000 }), size: fc.integer({ min: 64, max: 9000 }), start: usec(0, 500) }),
  fc.record({ kind: fc.constant("onoff"), rate: fc.integer({ min: 1_000, max: 400_000 }), on: usec(50, 1000), off: usec(50, 1000), size: fc.integer({ min: 64, max: 1500 }) }),
);

const nicArb = fc.record(
  {
    type: fc.constant("nic" as const),
    mode: fc.constantFrom(...NIC_MODES),
    affinityMask: fc.integer({ min: 1, max: 15 }),
    ring_size: fc.integer({ min: 8, max: 1024 }),
    queues: fc.integer({ min: 1, max: 4 }),
    flows: fc.integer({ min: 1, max: 64 }),
    coalesce: fc.record({ rx_usecs: usec(0, 200), rx_frames: fc.integer({ min: 0, max: 64 }), adaptive_rx: fc.boolean() }),
    shared: fc.boolean(),
    tx_rate: fc.oneof(fc.constant(0), fc.integer({ min: 1_000, max: 100_000 })),
    weight: fc.integer({ min: 1, max: 128 }),
    io_wait: usec(0, 50),
    lock: fc.boolean(),
    barriers: fc.boolean(),
    bug: fc.constantFrom("none", "none", "none", "msleep_in_irq", "mutex_in_irq"),
    traffic: trafficArb,
  },
  { requiredKeys: ["type", "mode", "affinityMask", "traffic"] },
);

const noisyArb = fc.record({
  type: fc.constant("noisy" as const),
  affinityMask: fc.integer({ min: 1, max: 15 }),
  shared: fc.boolean(),
  rate: fc.integer({ min: 100, max: 200_000 }),
  handled: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => Math.round(x * 100) / 100),
});

const uartArb = fc.record({
  type: fc.constant("uart" as const),
  affinityMask: fc.integer({ min: 1, max: 15 }),
  baud: fc.constantFrom(9600, 115_200, 921_600, 4_000_000),
  trigger: fc.constantFrom(1, 4, 8, 14),
});

const blockArb = fc.record({
  type: fc.constant("block" as const),
  affinityMask: fc.integer({ min: 1, max: 15 }),
  queue_depth: fc.integer({ min: 1, max: 64 }),
  service: usec(5, 500),
});

const hrtimerArb = fc.record({
  type: fc.constant("hrtimer" as const),
  cpu: fc.nat(63),
  period: usec(20, 2000),
  soft: fc.boolean(),
  work: usec(0, 20),
});

const deviceArb = fc.oneof(nicArb, nicArb, noisyArb, uartArb, blockArb, hrtimerArb);

const taskArb = fc.oneof(
  fc.record({ type: fc.constant("socket-reader" as const), pick: fc.nat(), cpu: fc.nat(63), nice: fc.integer({ min: -20, max: 19 }), work_per_packet: usec(0, 20), batch: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ type: fc.constant("busy" as const), cpu: fc.nat(63), nice: fc.integer({ min: -20, max: 19 }) }),
  fc.record({ type: fc.constant("irqs-off" as const), cpu: fc.nat(63), every: usec(100, 2000), hold: usec(1, 300) }),
  fc.record({ type: fc.constant("block-io" as const), pick: fc.nat(), cpu: fc.nat(63), jobs: fc.integer({ min: 1, max: 8 }), think: usec(0, 50) }),
);

const faultArb = fc.oneof(
  fc.record({ kind: fc.constant("worker_creation_stall" as const), at: usec(0, 3000), duration: usec(1, 2000) }),
  fc.record({ kind: fc.constant("set_affinity" as const), at: usec(0, 3000), pick: fc.nat(), mask: fc.integer({ min: 1, max: 15 }) }),
  fc.record({ kind: fc.constant("traffic_burst" as const), at: usec(0, 3000), pick: fc.nat(), packets: fc.integer({ min: 1, max: 2000 }) }),
);

/** Cost overrides: a few keys, each within [1 ns, 3x its default]. */
const costsArb = fc
  .uniqueArray(fc.tuple(fc.constantFrom(...COST_KEYS), fc.double({ min: 0, max: 3, noNaN: true })), { maxLength: 5, selector: ([k]) => k })
  .map((pairs) => {
    const out: Record<string, string> = {};
    for (const [k, f] of pairs) {
      const v = Math.round(DEFAULT_COSTS[k] * f);
      // A 1 ns scheduler slice is valid but makes a 5 ms run take millions of switches.
      // Scenario durations carry a unit (a bare number is refused as ambiguous).
      out[k] = `${k === "sched_slice" ? Math.max(10_000, v) : NONZERO_COSTS.includes(k) ? Math.max(1, v) : v}ns`;
    }
    return out;
  });

/** A random valid scenario (1-4 CPUs, 1-3 devices, 1-5 ms), as the raw YAML object. */
export const scenarioArb: fc.Arbitrary<RawScenario> = fc
  .record({
    seed: fc.nat(4_294_967_295),
    durationUs: fc.integer({ min: 1000, max: 5000 }),
    cpus: fc.integer({ min: 1, max: 4 }),
    hz: fc.constantFrom(100, 250, 300, 1000),
    tick: fc.constantFrom("nohz", "periodic"),
    netdev_budget: fc.integer({ min: 1, max: 600 }),
    netdev_max_backlog: fc.integer({ min: 1, max: 2000 }),
    defer: fc.boolean(),
    memory: fc.constantFrom("lkmm", "lkmm", "sc"),
    memory_weakness: fc.double({ min: 0, max: 1, noNaN: true }),
    memory_window: fc.integer({ min: 0, max: 5000 }),
    devices: fc.array(deviceArb, { minLength: 1, maxLength: 3 }),
    tasks: fc.array(taskArb, { maxLength: 3 }),
    workqueue: fc.record({ flags: fc.uniqueArray(fc.constantFrom(...WQ_FLAGS), { maxLength: 2 }), max_active: fc.integer({ min: 0, max: 16 }) }),
    faults: fc.array(faultArb, { maxLength: 3 }),
    costs: costsArb,
  })
  .map((g) => buildScenario(g));

type Gen = {
  seed: number;
  durationUs: number;
  cpus: number;
  hz: number;
  tick: string;
  netdev_budget: number;
  netdev_max_backlog: number;
  defer: boolean;
  memory: "lkmm" | "sc";
  memory_weakness: number;
  memory_window: number;
  devices: Record<string, unknown>[];
  tasks: Record<string, unknown>[];
  workqueue: { flags: string[]; max_active: number };
  faults: Record<string, unknown>[];
  costs: Record<string, string>;
};

/** Fixes the cross references (irqs, CPUs, names) so the scenario is valid by construction. */
function buildScenario(g: Gen): RawScenario {
  const devices: Record<string, Record<string, unknown>> = {};
  const nics: string[] = [];
  const blocks: string[] = [];
  const irqs: number[] = [];
  let needWq = false;
  g.devices.forEach((d0, i) => {
    const { affinityMask, ...d } = d0 as Record<string, unknown> & { affinityMask?: number };
    const name = `${d.type}${i}`;
    const dev: Record<string, unknown> = { ...d };
    if (d.type === "hrtimer") {
      dev.cpu = (d.cpu as number) % g.cpus;
    } else {
      dev.affinity = cpuSet(affinityMask!, g.cpus);
      const queues = d.type === "nic" ? ((d.queues as number | undefined) ?? 1) : 1;
      const shared = d.shared === true && queues === 1;
      if (d.type === "nic" || d.type === "noisy") dev.shared = shared;
      dev.irq = shared ? SHARED_IRQ : 30 + 10 * i;
      if (!irqs.includes(dev.irq as number)) irqs.push(dev.irq as number);
      if (d.type === "nic") {
        nics.push(name);
        // Fields a mode never reads are refused by the schema (no silent knobs): drop them.
        if (dev.mode !== "napi") delete dev.weight;
        if (dev.mode !== "threaded" && dev.mode !== "workqueue") {
          delete dev.io_wait;
          delete dev.lock;
        }
        const co = dev.coalesce as { rx_usecs: string; rx_frames: number; adaptive_rx: boolean } | undefined;
        if (co !== undefined) {
          if (co.adaptive_rx) dev.coalesce = { adaptive_rx: true };
          else if (co.rx_usecs === "0us") dev.coalesce = { rx_usecs: "0us", rx_frames: 0, adaptive_rx: false };
        }
        if (dev.mode === "workqueue") {
          dev.workqueue = "fuzz_wq";
          needWq = true;
        }
        if (dev.mode === "tasklet" && i % 2 === 0) dev.tasklet = "fuzz_tasklet"; // shared by some
      }
      if (d.type === "block") blocks.push(name);
    }
    devices[name] = dev;
  });
  const tasks: Record<string, Record<string, unknown>> = {};
  g.tasks.forEach((t0, i) => {
    const { pick, ...t } = t0 as Record<string, unknown> & { pick?: number };
    t.cpu = (t.cpu as number) % g.cpus;
    if (t.type === "socket-reader") {
      if (nics.length === 0) return;
      t.socket = nics[pick! % nics.length];
    }
    if (t.type === "block-io") {
      if (blocks.length === 0) return;
      t.device = blocks[pick! % blocks.length];
    }
    tasks[`t${i}`] = t;
  });
  const faults: Record<string, unknown>[] = [];
  for (const f0 of g.faults) {
    const { pick, mask, ...f } = f0 as Record<string, unknown> & { pick?: number; mask?: number };
    if (f.kind === "set_affinity") {
      if (irqs.length === 0) continue;
      f.irq = irqs[pick! % irqs.length];
      f.cpus = cpuSet(mask!, g.cpus);
    }
    if (f.kind === "traffic_burst") {
      if (nics.length === 0) continue;
      f.device = nics[pick! % nics.length];
    }
    faults.push(f);
  }
  const raw: RawScenario = {
    name: "fuzz",
    description: "generated by irqsim's scenario fuzzer",
    seed: g.seed,
    duration: `${g.durationUs}us`,
    cpus: g.cpus,
    kernel: { hz: g.hz, tick: g.tick, netdev_budget: g.netdev_budget, netdev_max_backlog: g.netdev_max_backlog, softirq_defer_to_ksoftirqd: g.defer, memory: g.memory, memory_weakness: g.memory_weakness, memory_window: `${g.memory_window}ns` },
    devices,
  };
  if (Object.keys(g.costs).length > 0) raw.costs = g.costs;
  if (Object.keys(tasks).length > 0) raw.tasks = tasks;
  if (needWq) raw.workqueues = { fuzz_wq: g.workqueue };
  if (faults.length > 0) raw.faults = faults;
  return raw;
}

/** The scenario as a YAML file a user can save and `irqsim run`. */
export function scenarioYaml(raw: RawScenario): string {
  return stringify(raw);
}

/** Events one generated run may take before it counts as a runaway. */
export const MAX_FUZZ_EVENTS = 2_000_000;
/** The invariants are walked every this many events of every generated run. */
export const FUZZ_CHECK_EVERY = 1_000;

export interface FuzzOutcome {
  ok: boolean;
  /** What broke, one line; empty when ok. */
  problem: string;
  fingerprint?: string;
  events?: number;
}

export interface FuzzCheckOptions {
  /** Planted bugs to run every scenario with (sim/plant.ts). */
  plants?: readonly PlantName[];
  /** Walk the invariants every this many events (default FUZZ_CHECK_EVERY). */
  checkEvery?: number;
}

/**
 * Runs one generated scenario twice and checks invariants (every `checkEvery` events and
 * at the end) and determinism (same fingerprint, byte-identical JSON).
 */
export function checkScenario(raw: RawScenario, opts: FuzzCheckOptions = {}): FuzzOutcome {
  const yaml = scenarioYaml(raw);
  const runOpts = { maxEvents: MAX_FUZZ_EVENTS, checkEvery: opts.checkEvery ?? FUZZ_CHECK_EVERY, plants: opts.plants ?? [] };
  // 1-5 ms of a sane scenario is well under a million events; more means a runaway loop.
  const a = runScenario(parseScenarioText(yaml, "fuzz.yaml"), runOpts);
  if (a.stopped_by === "max_events") return { ok: false, problem: `runaway: over ${MAX_FUZZ_EVENTS} events by ${a.simulated_ns} ns simulated`, fingerprint: a.fingerprint, events: a.events };
  if (!a.invariants.ok) {
    const first = a.invariants.first;
    const where = first === undefined ? "at the end of the run" : `at event #${first.event} (${first.time_ns} ns)`;
    return { ok: false, problem: `invariant violated ${where}: ${(first?.violations ?? a.invariants.violations)[0]}`, fingerprint: a.fingerprint, events: a.events };
  }
  const b = runScenario(parseScenarioText(yaml, "fuzz.yaml"), runOpts);
  if (a.fingerprint !== b.fingerprint) return { ok: false, problem: `not deterministic: fingerprint ${a.fingerprint} then ${b.fingerprint}` };
  if (JSON.stringify(a) !== JSON.stringify(b)) return { ok: false, problem: "not deterministic: same fingerprint but different JSON result" };
  return { ok: true, problem: "", fingerprint: a.fingerprint, events: a.events };
}

/** The property: every generated scenario runs, keeps its invariants and is deterministic. */
export function fuzzProperty(opts: FuzzCheckOptions = {}, onRun?: (out: FuzzOutcome) => void): fc.IProperty<[RawScenario]> {
  return fc.property(scenarioArb, (raw) => {
    let out: FuzzOutcome;
    try {
      out = checkScenario(raw, opts);
    } catch (e) {
      out = { ok: false, problem: `threw ${(e as Error).message}` };
    }
    onRun?.(out);
    if (!out.ok) throw new Error(out.problem);
  });
}

export interface FuzzOptions extends FuzzCheckOptions {
  seed: number;
  /** Scenarios to generate (ignored with timeLimitMs, which runs until time is up). */
  numRuns: number;
  /** Wall-clock budget of the search loop, ms (never used inside a simulation). */
  timeLimitMs?: number;
  /** Called after each scenario's runs (progress). */
  onRun?: (out: FuzzOutcome) => void;
}

export interface FuzzReport {
  ok: boolean;
  /** fast-check's seed: the same seed and options replay the same search. */
  seed: number;
  /** Scenarios generated and checked (each run twice), shrink attempts included. */
  scenarios: number;
  /** Events simulated in the first run of every scenario. */
  events: number;
  /** The search stopped at the time limit. */
  interrupted: boolean;
  /** On failure: what broke (for the shrunk scenario), where fast-check found it, the YAML. */
  problem?: string;
  path?: string;
  shrinks?: number;
  yaml?: string;
}

/**
 * Runs the fuzzer: scenarios from `seed` until `numRuns` pass or one fails. A failure is
 * shrunk by fast-check to a smallest scenario that still fails; the report names the seed
 * and path (to replay the search) and carries that scenario as YAML.
 */
export function runFuzz(opts: FuzzOptions): FuzzReport {
  let scenarios = 0;
  let events = 0;
  const onRun = (out: FuzzOutcome): void => {
    scenarios++;
    events += out.events ?? 0;
    opts.onRun?.(out);
  };
  const params: fc.Parameters<[RawScenario]> = { seed: opts.seed, numRuns: opts.timeLimitMs === undefined ? opts.numRuns : Number.MAX_SAFE_INTEGER };
  if (opts.timeLimitMs !== undefined) params.interruptAfterTimeLimit = opts.timeLimitMs;
  const details = fc.check(fuzzProperty(opts, onRun), params);
  const report: FuzzReport = { ok: !details.failed, seed: opts.seed, scenarios, events, interrupted: details.interrupted };
  if (!details.failed) return report;
  const ex = details.counterexample?.[0];
  report.problem = details.errorInstance instanceof Error ? details.errorInstance.message.split("\n", 1)[0]! : String(details.errorInstance);
  report.path = details.counterexamplePath ?? "";
  report.shrinks = details.numShrinks;
  if (ex !== undefined) report.yaml = scenarioYaml(ex);
  return report;
}
