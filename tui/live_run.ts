/**
 * A simulation driven live: paced against real time at an adjustable speed, paused,
 * stepped one event at a time, with faults injected on demand. It only runs the
 * simulation in bounded slices, so the caller (tui/App.tsx) keeps the event loop free for
 * keys and drawing. Real time (the injected `clock`) paces the run; the simulation itself
 * never sees it.
 */
import { checkInvariants } from "../system/invariants.js";
import type { Simulation } from "../system/run.js";
import { cpuContexts, takeSnapshot } from "../observe/snapshot_projection.js";
import type { CpuContext, Snapshot, TraceRecord } from "../observe/snapshot.js";
import type { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { NSEC_PER_MSEC } from "../sim/time.js";
import { explainStep, isMeaningful } from "./explain.js";
import { TP } from "../sim/trace.js";
import { fmtSpeed, fmtTime } from "./format.js";
import type { RunState } from "./StatusBar.js";
import { Steering } from "./steer.js";

/** What `n` and the step-to-next keys look for. */
export type StepKind = "any" | "meaningful" | "softirq" | "wakeup" | "drop" | "BUG";

/** Events one step key fires at most before it gives up (and says so). */
export const STEP_LIMIT = 200_000;

function stepMatches(kind: StepKind, records: TraceRecord[], before: CpuContext[], after: CpuContext[], dmesg: (i: number) => string): boolean {
  switch (kind) {
    case "any":
      return true;
    case "meaningful":
      return records.some(isMeaningful) || after.some((c, i) => before[i]?.label !== c.label);
    case "softirq":
      return records.some((r) => r.tp === TP.softirq_entry);
    case "wakeup":
      return records.some((r) => r.tp === TP.sched_wakeup);
    case "drop":
      return records.some((r) => r.tp === TP.pkt_drop);
    case "BUG":
      return records.some((r) => r.tp === TP.printk && /\b(BUG|WARNING)\b/.test(dmesg(r.a)));
  }
}

/** Speeds `+`/`-` step through: simulated time per unit of real time; Infinity = max. */
export const SPEEDS: readonly number[] = [
  0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, Infinity,
];
/** 100 ms of simulated time take 10 s to watch. */
export const DEFAULT_SPEED = 0.01;

export interface LiveRunOptions {
  speed?: number;
  /** Real time in ms (performance.now by default). */
  clock?: () => number;
  /** Events per slice between looks at the clock. */
  sliceEvents?: number;
  /** Real time one `pump` may spend simulating, ms. */
  budgetMs?: number;
}

/** The most debt (real time the simulation is behind its pace) carried forward, ms. */
const MAX_LAG_MS = 250;

export class LiveRun {
  paused = false;
  speed: number;
  readonly clock: () => number;
  private readonly sliceEvents: number;
  private readonly budgetMs: number;
  private anchorReal: number;
  private anchorSim: number;
  private finishedSeen = false;
  /** Invariant violations found when the run finished (empty: all held). */
  violations: string[] = [];
  /** The live changes (keys r a m b c f), as faults, for --record. */
  readonly steering: Steering;

  constructor(
    readonly sim: Simulation,
    readonly history: SnapshotHistory,
    opts: LiveRunOptions = {},
  ) {
    this.speed = opts.speed ?? DEFAULT_SPEED;
    this.clock = opts.clock ?? (() => performance.now());
    this.sliceEvents = opts.sliceEvents ?? 2000;
    this.budgetMs = opts.budgetMs ?? 12;
    this.anchorReal = this.clock();
    this.anchorSim = sim.now;
    this.steering = new Steering(sim);
  }

  get finished(): boolean {
    return this.sim.finished;
  }

  get state(): RunState {
    return this.finished ? "finished" : this.paused ? "paused" : "running";
  }

  private reanchor(): void {
    this.anchorReal = this.clock();
    this.anchorSim = this.sim.now;
  }

  /**
   * Simulates what the pace allows now, for at most the real-time budget. Returns true if
   * it stopped only because the budget ran out (call again at once, after yielding).
   */
  pump(): boolean {
    if (this.paused || this.finished) return false;
    const start = this.clock();
    const target = Number.isFinite(this.speed) ? Math.floor(this.anchorSim + (start - this.anchorReal) * NSEC_PER_MSEC * this.speed) : Infinity;
    let r = this.sim.runUntil(target, this.sliceEvents);
    while (r === "budget" && this.clock() - start < this.budgetMs) r = this.sim.runUntil(target, this.sliceEvents);
    if (r === "done") {
      this.onFinish();
      return false;
    }
    if (r === "reached") return false;
    // Behind the pace: keep at most MAX_LAG_MS of debt, so a slow stretch is not followed
    // by a sprint.
    const lagNs = MAX_LAG_MS * NSEC_PER_MSEC * this.speed;
    if (Number.isFinite(lagNs) && target - this.sim.now > lagNs) {
      this.anchorSim = this.sim.now;
      this.anchorReal = this.clock() - MAX_LAG_MS;
    }
    return true;
  }

  togglePause(): void {
    this.paused = !this.paused;
    this.reanchor();
  }

  faster(): void {
    this.speed = SPEEDS.find((s) => s > this.speed) ?? Infinity;
    this.reanchor();
  }

  slower(): void {
    const lower = SPEEDS.filter((s) => s < this.speed);
    this.speed = lower.length > 0 ? lower[lower.length - 1]! : SPEEDS[0]!;
    this.reanchor();
  }

  /** Fires exactly one event (pausing first) and explains it in one line. */
  step(): string {
    return this.stepTo("any");
  }

  /**
   * Fires events (pausing first) until one matches `kind` -- any event; a meaningful one
   * (it emits a trace point other than an exit, or changes what a CPU runs); the next
   * softirq action, wake-up, packet drop or BUG -- and explains that one: what and why.
   * Gives up after STEP_LIMIT events, saying so.
   */
  stepTo(kind: StepKind): string {
    this.paused = true;
    if (this.finished) return "the run is over: no event left to step";
    const sim = this.sim;
    const start = sim.eventsFired;
    const k = sim.sys.k;
    for (;;) {
      const before = cpuContexts(sim.sys, this.history);
      const fired = sim.eventsFired;
      this.history.startCapture();
      const done = sim.step();
      const records = this.history.stopCapture();
      if (done) this.onFinish();
      if (sim.eventsFired === fired) {
        this.reanchor();
        return `no ${kind === "any" || kind === "meaningful" ? "" : `${kind} `}event left before the end (${fmtTime(sim.now)}): the run is over`;
      }
      const after = cpuContexts(sim.sys, this.history);
      if (stepMatches(kind, records, before, after, (i) => k.dmesg[i]?.text ?? "")) {
        this.reanchor();
        const skipped = sim.eventsFired - start - 1;
        const note = skipped > 0 ? ` (${skipped} quieter event${skipped === 1 ? "" : "s"} before it)` : "";
        return explainStep(sim.sys, sim.eventsFired, sim.now, records, before, after) + note;
      }
      if (sim.eventsFired - start >= STEP_LIMIT || done) {
        this.reanchor();
        return `no ${kind} event in the next ${sim.eventsFired - start} events (now ${fmtTime(sim.now)}); press again to look further`;
      }
    }
  }

  /** `f`: a burst on every NIC, as many packets as its rings hold (a recorded fault). */
  injectFault(): string {
    return this.steer((st) => st.burst());
  }

  /** Applies one steering change (tui/steer.ts) and keeps the pace from jumping. */
  steer(change: (st: Steering) => string): string {
    if (this.finished) return "the run is over: nothing changed";
    const msg = change(this.steering);
    this.reanchor();
    if (this.sim.finished) this.onFinish();
    return msg;
  }

  /**
   * The end of a session (quit, or the run finished): every event due at the current
   * instant and every recorded change fire, so a replay that stops at `duration_ns` has
   * fired exactly the same events. Returns where it stopped and the run's fingerprint.
   */
  settleForQuit(): { duration_ns: number; fingerprint: string } {
    const sim = this.sim;
    const until = Math.max(sim.now, this.steering.lastFaultAt);
    while (!sim.finished && sim.runUntil(until, 1 << 16) === "budget");
    const duration = sim.finished ? sim.scenario.duration : sim.now;
    return { duration_ns: duration, fingerprint: sim.sys.k.trace.fingerprint() };
  }

  /**
   * `w`: the ftrace text of the last RECENT_TRACE_NS of simulated time, and a file name
   * that says what it is (scenario, seed, the instant it ends at).
   */
  recentTrace(): { file: string; text: string; lines: number } {
    const sim = this.sim;
    const rec = this.history.recent;
    const lines = rec.since(sim.now, rec.keepNs).length;
    const file = `${sim.scenario.name}-seed${sim.scenario.seed}-${sim.now}ns.trace.txt`;
    return { file, text: rec.ftraceText(sim.now, rec.keepNs, sim.sys.k.cpus.length), lines };
  }

  /** Samples the history and returns a snapshot of now. */
  snapshot(): Snapshot {
    this.history.sample();
    return takeSnapshot(this.sim.sys, this.history);
  }

  private onFinish(): void {
    if (this.finishedSeen) return;
    this.finishedSeen = true;
    this.violations = checkInvariants(this.sim.sys);
  }

  /** One line for the end of the run. */
  finishNotice(): string {
    const inv = this.violations.length === 0 ? "invariants hold" : `INVARIANT VIOLATED: ${this.violations[0]}`;
    return `run finished at ${fmtTime(this.sim.now)} (${inv}); q quits`;
  }

  describeSpeed(): string {
    return `speed ${fmtSpeed(this.speed)}${Number.isFinite(this.speed) ? " (simulated time per real second)" : " (as fast as it runs)"}`;
  }
}
