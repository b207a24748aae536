/**
 * Runs a simulation up to a simulated time rather than an event count, so a front-end can
 * pace it against real time or sample it at exact simulated instants.
 */
import type { Simulation } from "../system/run.js";

/** done: the run is complete; reached: every event up to the target has fired; budget: maxEvents ran out first. */
export type AdvanceResult = "done" | "reached" | "budget";

/**
 * Advances `sim` to simulated time `target` (ns; the run's end if beyond it), firing at
 * most `maxEvents` events. Once every event at or before `target` has fired, the clock
 * stands exactly at `target`.
 */
export function advanceTo(sim: Simulation, target: number, maxEvents: number): AdvanceResult {
  if (sim.finished) return "done";
  const t = Math.floor(target);
  if (t >= sim.scenario.duration) return sim.advance(maxEvents) ? "done" : "budget";
  return sim.sys.k.engine.run({ until: t, maxEvents }) === "events" ? "budget" : "reached";
}
