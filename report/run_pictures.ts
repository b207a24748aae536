/**
 * `run --svg FILE` and `run --html FILE` (and `irqsim report`, which re-runs a result's
 * scenario to draw it): a timeline collector attached before the first event, then, after
 * the run, the SVG (timeline above the latency histograms) and the HTML page, each written
 * atomically.
 */
import { stringify } from "yaml";
import type { Simulation } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { latencyLog2Hist, type Log2Hist } from "../observe/hist.js";
import type { TraceWindow } from "../observe/trace_window.js";
import { runSpec } from "./charts.js";
import { pageHtml, runTables } from "./html.js";
import { TimelineCollector } from "./timeline.js";
import { renderSvg } from "./vega.js";

/** What the timeline shows when no window is given: the first 2 ms. */
export const DEFAULT_PICTURE_WINDOW: TraceWindow = { from: 0, to: 2_000_000 };

export class RunPictures {
  private readonly collector: TimelineCollector;

  constructor(
    private readonly sim: Simulation,
    window: TraceWindow = DEFAULT_PICTURE_WINDOW,
  ) {
    this.collector = new TimelineCollector(sim.sys, window.from, window.to);
  }

  /** The SVG of the finished run. */
  async svg(): Promise<string> {
    const sys = this.sim.sys;
    const tl = this.collector.finish(this.sim.now);
    const hists: Record<string, Log2Hist> = {};
    const descriptions: Record<string, string> = {};
    for (const l of Object.values(sys.latency)) {
      hists[l.name] = latencyLog2Hist(l);
      descriptions[l.name] = l.description;
    }
    const s = this.sim.scenario;
    return renderSvg(runSpec(tl, hists, descriptions, `${s.name}, seed ${s.seed}: what each CPU did`));
  }

  /** The HTML page: tables, the SVG, the scenario as run (with --set/--seed/--duration applied). */
  static html(result: RunResult, svg: string, scenario: object, description: string): string {
    return pageHtml({
      title: `irqsim: ${result.scenario}, seed ${result.seed}`,
      meta: `${description.replace(/([^.])$/, "$1.")} Simulated ${result.simulated_ns / 1e6} ms, ${result.events} events, fingerprint ${result.fingerprint}, irqsim ${result.irqsim}.`,
      tables: runTables(result),
      figures: [{ title: "Timeline and latency", svg }],
      scenario: stringify(scenario),
    });
  }
}
