/**
 * Runs a simulation up to a simulated time rather than an event count, so a front-end can
 * pace it against real time or sample it at exact simulated instants.
 */
import type { Simulation } from "../sim/run.js";

/**
 * Advances `sim` to simulated time `target` (ns; the run's end if beyond it), firing at
 * most `maxEvents` events. When no event is left before `target` the clock ends exactly at
 * `target`. Returns true when the run is complete.
 */
export function advanceTo(sim: Simulation, target: number, maxEvents: number): boolean {
  if (sim.finished) return true;
  const t = Math.floor(target);
  if (t >= sim.scenario.duration) return sim.advance(maxEvents);
  sim.sys.k.engine.run({ until: t, maxEvents });
  return false;
}
