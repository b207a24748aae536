/**
 * Runs a scenario to the end with a trace export attached, as `irqsim run --trace` does,
 * dropping the file if the run throws. Shared by the ftrace and Chrome trace tests.
 */
import { Simulation } from "../../system/run.js";
import type { Scenario } from "../../system/scenario.js";
import { TraceExport, type TraceFormat } from "../../observe/trace_export.js";
import { parseTraceWindow, WHOLE_RUN } from "../../observe/trace_window.js";

export function runWithTrace(scenario: Scenario, file: string, format: TraceFormat, opts: { window?: string; limit?: number } = {}) {
  const sim = new Simulation(scenario);
  const exp = new TraceExport(sim.sys, {
    file,
    format,
    window: opts.window === undefined ? WHOLE_RUN : parseTraceWindow(opts.window),
    limit: opts.limit ?? 1_000_000,
  });
  try {
    while (!sim.advance(1 << 20));
  } catch (e) {
    exp.abort();
    throw e;
  }
  return { report: exp.finish(sim.now), sim };
}
