/**
 * Charts are described as Vega-Lite specifications and drawn to SVG by Vega's own headless
 * renderer (vega-lite compiles, vega lays out axes, legends and marks, `View.toSVG()`
 * writes the SVG): no DOM, no canvas, no native build. Without node-canvas Vega estimates
 * text widths from character counts, so the same spec gives the same bytes on any machine.
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export type ChartSpec = TopLevelSpec;

/** Shared look: a readable font, no outer border, white background. */
const CONFIG = {
  font: "DejaVu Sans, Helvetica, Arial, sans-serif",
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start" as const },
};

export async function renderSvg(spec: ChartSpec): Promise<string> {
  const withConfig = { background: "white", ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec;
  const view = new View(parse(compile(withConfig).spec), { renderer: "none", logLevel: 0 });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
