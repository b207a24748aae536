/**
 * Running a scenario: boot, advance the clock in slices (so a front-end can stay
 * responsive and stop cleanly), step, peek, inject faults, check invariants, and build the
 * result object that `run --json` prints (system/result.ts).
 */
import { boot, type System } from "./boot.js";
import type { FaultSpec, Scenario } from "./scenario.js";
import { scheduleFault } from "./faults.js";
import { checkInvariants } from "./invariants.js";
import type { StopReason } from "../sim/engine.js";
import { BudgetExceeded, EVENT_BUDGET } from "./limits.js";
import { type PlantName, Plants } from "../sim/plant.js";
import { warningLine } from "../sim/warn.js";
import { buildResult, type FirstViolation, type RunResult } from "./result.js";

export interface RunOptions {
  /** Stop after this many events (a safety net for huge configurations). */
  maxEvents?: number;
  /** Check invariants after every event (slow; used to locate the first violation). */
  checkEveryEvent?: boolean;
  /** Check invariants every this many events (the fuzzer's setting); stops at the first violation. */
  checkEvery?: number;
  /** Planted bugs (`--plant`, sim/plant.ts). */
  plants?: readonly PlantName[];
  /**
   * Events after which the run is stopped with BudgetExceeded (exit 2): the work budget,
   * enforced while running because an estimate can be fooled. Default EVENT_BUDGET;
   * Infinity for --force.
   */
  eventBudget?: number;
}

/** What `runUntil` stopped at: the run is complete; every event up to the target has fired; `maxEvents` ran out first. */
export type AdvanceResult = "done" | "reached" | "budget";

/**
 * A run in progress, and the one way a front-end drives it (the CLI, the dashboard, the
 * lessons): `advance` or `runUntil` in slices, `step` one event, `peek` at the next,
 * `inject` a fault; then `finish` for the result. Nothing outside needs the engine.
 */
export class Simulation {
  readonly sys: System;
  private readonly end: number;
  private stoppedBy: RunResult["stopped_by"] = "duration";
  /** The planted bugs and how often each fired (empty without --plant). */
  get plantHits(): Partial<Record<PlantName, number>> {
    return this.sys.k.plants.hits;
  }
  private done = false;
  firstViolation: FirstViolation | null = null;

  constructor(
    readonly scenario: Scenario,
    private readonly opts: RunOptions = {},
  ) {
    this.sys = boot(scenario, opts.plants === undefined || opts.plants.length === 0 ? undefined : new Plants(opts.plants));
    this.end = scenario.duration;
    const every = opts.checkEveryEvent ? 1 : (opts.checkEvery ?? 0);
    if (every > 0) {
      const engine = this.sys.k.engine;
      engine.afterEvent = () => {
        if (this.firstViolation !== null || engine.fired % every !== 0) return;
        const v = checkInvariants(this.sys);
        if (v.length > 0) {
          this.firstViolation = { event: engine.fired, time_ns: engine.now, violations: v };
          engine.stop();
        }
      };
    }
  }

  get now(): number {
    return this.sys.k.now;
  }

  get finished(): boolean {
    return this.done;
  }

  /** Runs up to `sliceEvents` more events. Returns true when the run is complete. */
  advance(sliceEvents: number): boolean {
    if (this.done) return true;
    const engine = this.sys.k.engine;
    const maxEvents = this.opts.maxEvents ?? Infinity;
    const workBudget = this.opts.eventBudget ?? EVENT_BUDGET;
    const budget = Math.min(sliceEvents, maxEvents - engine.fired, workBudget - engine.fired);
    const why: StopReason = engine.run({ until: this.end, maxEvents: budget });
    if (why === "time" || why === "idle") this.done = true;
    else if (why === "stopped") {
      this.done = true;
      if (this.sys.k.warning !== null || this.firstViolation !== null) this.stoppedBy = "invariant";
    }
    else if (engine.fired >= maxEvents) {
      this.stoppedBy = "max_events";
      this.done = true;
    } else if (engine.fired >= workBudget) {
      this.done = true;
      throw new BudgetExceeded(this.scenario.name, engine.now, this.end, workBudget);
    }
    return this.done;
  }

  /**
   * Throws BudgetExceeded once the run has fired its work budget of events: for front-ends
   * that drive the engine to a simulated time themselves (dashboard --plain).
   */
  enforceBudget(): void {
    const workBudget = this.opts.eventBudget ?? EVENT_BUDGET;
    if (!this.done && this.sys.k.engine.fired >= workBudget) throw new BudgetExceeded(this.scenario.name, this.sys.k.engine.now, this.end, workBudget);
  }

  /** Events fired so far. */
  get eventsFired(): number {
    return this.sys.k.engine.fired;
  }

  /** Fires exactly one event (if one is due before the end). Returns true when the run is complete. */
  step(): boolean {
    return this.advance(1);
  }

  /** The simulated time of the next event, or null when no event is due before the end. */
  peek(): number | null {
    if (this.done) return null;
    const t = this.sys.k.engine.peek();
    return t === null || t > this.end ? null : t;
  }

  /**
   * Advances to simulated time `target` (ns; the run's end if beyond it), firing at most
   * `maxEvents` events. Once every event at or before `target` has fired, the clock stands
   * exactly at `target`, so a front-end can pace the run against real time or sample it
   * at exact simulated instants.
   */
  runUntil(target: number, maxEvents: number): AdvanceResult {
    if (this.done) return "done";
    const t = Math.floor(target);
    if (t >= this.end) return this.advance(maxEvents) ? "done" : "budget";
    return this.sys.k.engine.run({ until: t, maxEvents }) === "events" ? "budget" : "reached";
  }

  /**
   * Schedules a fault (a scenario `faults:` entry) at `fault.at`, which must not be in the
   * past: injected now while paused, it is the next event a step fires.
   */
  inject(fault: FaultSpec): void {
    if (fault.at < this.now) throw new RangeError(`fault at ${fault.at} ns is before now (${this.now} ns)`);
    scheduleFault(this.sys, fault);
  }

  /** Stops early (Ctrl-C): the result covers the time simulated so far. */
  interrupt(): void {
    this.stoppedBy = "interrupted";
    this.done = true;
  }

  runToEnd(): RunResult {
    while (!this.advance(1 << 20));
    return this.finish();
  }

  finish(): RunResult {
    const w = this.sys.k.warning;
    // A WARN names its own event: that is where the history first went wrong.
    if (this.firstViolation === null && w !== null) this.firstViolation = { event: w.event, time_ns: w.ns, violations: [warningLine(w)] };
    return buildResult(this.sys, this.stoppedBy, this.firstViolation);
  }
}

export function runScenario(scenario: Scenario, opts: RunOptions = {}): RunResult {
  return new Simulation(scenario, opts).runToEnd();
}

/**
 * Re-runs a scenario checking invariants after every event, to name the first event at
 * which the history went wrong. Deterministic, so the re-run retraces the same history.
 */
export function locateFirstViolation(scenario: Scenario, opts: RunOptions = {}): FirstViolation | null {
  const sim = new Simulation(scenario, { ...opts, checkEveryEvent: true });
  while (!sim.advance(1 << 20));
  return sim.firstViolation;
}
