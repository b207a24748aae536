/**
 * The pictures, as Vega-Lite specifications (drawn by report/vega.ts):
 *  - the per-CPU timeline of a window of a run (report/timeline.ts collects it);
 *  - the latency histograms per stage (bcc's log2 microsecond buckets, observe/hist.ts);
 *  - a sweep's delivered-vs-offered curves: a line per combination of the other varied
 *    keys through the mean over seeds, a point per run, error bars of the Student-t 95%
 *    confidence interval of the mean (computed here, as the `sweep --seeds` table does,
 *    rather than by Vega-Lite's bootstrap, which would draw random numbers).
 */
import type { Log2Hist } from "../observe/hist.js";
import { LANES, type Lane, type Timeline } from "./timeline.js";
import type { ChartSpec } from "./vega.js";

const US = 1000;

const LANE_COLORS: Record<Lane, string> = { hardirq: "#d62728", softirq: "#ff7f0e", thread: "#1f77b4", idle: "#d9d9d9" };

function laneName(cpu: number, lane: Lane): string {
  return `CPU${cpu} ${lane}`;
}

export function timelineSpec(tl: Timeline, title: string): ChartSpec {
  const irqLines = [...new Set(tl.irqs.map((m) => m.irq))].sort((a, b) => a - b);
  const order = [...irqLines.map((i) => `IRQ ${i} asserted`), ...Array.from({ length: tl.cpus }, (_, c) => LANES.map((l) => laneName(c, l))).flat()];
  const index = new Map(order.map((n, i) => [n, i]));
  const y = { field: "lane", type: "nominal" as const, sort: order, title: null, scale: { domain: order }, axis: { labelLimit: 160 } };
  const x = { field: "start", type: "quantitative" as const, title: "simulated time (µs)", scale: { domain: [tl.from / US, tl.to / US], nice: false } };
  const spans = tl.spans.map((s) => ({ lane: laneName(s.cpu, s.lane), kind: s.lane, start: s.start / US, end: s.end / US, what: s.label }));
  const irqs = tl.irqs.map((m) => ({ lane: `IRQ ${m.irq} asserted`, start: m.time / US, what: `IRQ ${m.irq} asserted` }));
  const arrows = tl.handoffs.map((h) => {
    const a = laneName(h.from.cpu, h.from.lane);
    const b = laneName(h.to.cpu, h.to.lane);
    return { lane: a, lane2: b, start: h.from.time / US, end: h.to.time / US, what: h.label, down: (index.get(b) ?? 0) > (index.get(a) ?? 0) ? 180 : 0 };
  });
  const cut = tl.cut > 0 ? ` (${tl.cut} more items not drawn)` : "";
  return {
    title: { text: title, subtitle: `per-CPU lanes, ${tl.from / US}–${tl.to / US} µs; ▼ IRQ asserted; arrows: softirq raised → run, task woken → runs${cut}` },
    width: 900,
    height: { step: 16 },
    layer: [
      {
        data: { values: spans },
        mark: { type: "bar", height: 12 },
        encoding: {
          x,
          x2: { field: "end" },
          y,
          color: {
            field: "kind",
            type: "nominal",
            title: "context",
            legend: { orient: "top" },
            scale: { domain: [...LANES], range: LANES.map((l) => LANE_COLORS[l]) },
          },
          tooltip: [{ field: "what", title: "what" }, { field: "start", title: "from µs" }, { field: "end", title: "to µs" }],
        },
      },
      {
        data: { values: irqs },
        mark: { type: "point", shape: "triangle-down", filled: true, size: 40, color: "black" },
        encoding: { x, y },
      },
      {
        data: { values: arrows },
        mark: { type: "rule", color: "#444", strokeWidth: 1 },
        encoding: { x, x2: { field: "end" }, y, y2: { field: "lane2" } },
      },
      {
        data: { values: arrows },
        mark: { type: "point", shape: "triangle-up", filled: true, size: 25, color: "#444" },
        encoding: { x: { ...x, field: "end" }, y: { ...y, field: "lane2" }, angle: { field: "down", type: "quantitative", scale: null } },
      },
    ],
  } as ChartSpec;
}

export function latencyHistSpec(hists: Record<string, Log2Hist>, descriptions: Record<string, string>): ChartSpec {
  const stages = Object.keys(hists);
  const rows = stages.flatMap((stage) =>
    hists[stage]!.buckets.map((b) => ({ stage: `${stage}: ${descriptions[stage] ?? ""}`, bucket: `${b.low}–${b.high}`, low: b.low, count: b.count })),
  );
  return {
    title: { text: "Latency per stage", subtitle: "log2 buckets of microseconds, as bcc's histograms count them" },
    data: { values: rows },
    facet: { row: { field: "stage", type: "nominal", title: null, sort: stages.map((s) => `${s}: ${descriptions[s] ?? ""}`), header: { labelAngle: 0, labelAlign: "left", labelAnchor: "start", labelOrient: "top", labelFontSize: 12 } } },
    spec: {
      width: 600,
      height: 90,
      mark: { type: "bar", color: "#1f77b4" },
      encoding: {
        x: { field: "bucket", type: "ordinal", sort: { field: "low" }, title: "latency (µs)", axis: { labelAngle: 0 } },
        y: { field: "count", type: "quantitative", title: "packets / events" },
        tooltip: [{ field: "bucket", title: "µs" }, { field: "count" }],
      },
    },
    resolve: { scale: { x: "independent", y: "independent" } },
  } as ChartSpec;
}

/** The run's picture: the timeline above the histograms. */
export function runSpec(tl: Timeline, hists: Record<string, Log2Hist>, descriptions: Record<string, string>, title: string): ChartSpec {
  return { vconcat: [timelineSpec(tl, title), latencyHistSpec(hists, descriptions)], spacing: 40 } as unknown as ChartSpec;
}

export interface SweepPointData {
  /** The line this run belongs to (the other varied keys), e.g. "mode=napi". */
  series: string;
  x: number;
  seed: number;
  y: number;
}

export interface SweepMeanData {
  series: string;
  x: number;
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

export function sweepSpec(runs: SweepPointData[], means: SweepMeanData[], labels: { x: string; y: string; title: string }): ChartSpec {
  const x = { field: "x", type: "quantitative" as const, title: labels.x };
  const color = { field: "series", type: "nominal" as const, title: "varied" };
  return {
    title: { text: labels.title, subtitle: "line: mean over seeds; dots: each run; bars: 95% confidence interval of the mean (Student t)" },
    width: 640,
    height: 360,
    layer: [
      { data: { values: means }, mark: { type: "line", strokeWidth: 2 }, encoding: { x, y: { field: "mean", type: "quantitative", title: labels.y }, color } },
      {
        data: { values: means.filter((m) => m.n > 1) },
        mark: { type: "errorbar", ticks: true },
        encoding: { x, y: { field: "lo", type: "quantitative", title: labels.y }, y2: { field: "hi" }, color },
      },
      {
        data: { values: runs },
        mark: { type: "point", filled: true, size: 30, opacity: 0.7 },
        encoding: { x, y: { field: "y", type: "quantitative", title: labels.y }, color, tooltip: [{ field: "series" }, { field: "x" }, { field: "seed" }, { field: "y" }] },
      },
    ],
  } as ChartSpec;
}
