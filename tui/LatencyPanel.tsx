/**
 * Latency per stage a packet goes through (HDR histograms): p50, p99, p99.9, and a small
 * histogram over power-of-two buckets, one character per bucket.
 */
import type { LatencyStage, Snapshot } from "../observe/snapshot.js";
import { col, fmtNs, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const LATENCY_PANEL_TITLE = "Latency";

const BARS = "▁▂▃▄▅▆▇█";

/** One character per bucket, height relative to the fullest; a space for an empty one. */
export function sparkline(stage: LatencyStage, maxChars: number): string {
  const b = stage.buckets.slice(Math.max(0, stage.buckets.length - maxChars));
  const top = Math.max(0, ...b.map((x) => x.count));
  if (top === 0) return "";
  return b.map((x) => (x.count === 0 ? " " : BARS[Math.min(BARS.length - 1, Math.floor(((BARS.length - 1) * x.count) / top + 0.5))]!)).join("");
}

/** The stage column: the longest stage name (top_half_to_bh) and a space. */
const STAGE_WIDTH = 15;

export function latencyPanelLines(snap: Snapshot, width: number): Line[] {
  const lines: Line[] = [[{ text: `${padEnd("stage", STAGE_WIDTH)}${padStart("p50", 8)}${padStart("p99", 8)}${padStart("p99.9", 8)}  histogram (log2)`, bold: true }]];
  const room = Math.max(0, width - STAGE_WIDTH - 24 - 2 - 16);
  for (const s of snap.latency) {
    if (s.count === 0) {
      lines.push([{ text: padEnd(s.name, STAGE_WIDTH) }, { text: "no samples yet", color: "gray" }]);
      continue;
    }
    const spark = sparkline(s, Math.min(16, room));
    const b = s.buckets.slice(Math.max(0, s.buckets.length - Math.min(16, room)));
    const range = b.length > 0 ? ` ${fmtNs(b[0]!.lo_ns)}..${fmtNs(b[b.length - 1]!.hi_ns)}` : "";
    lines.push([
      { text: padEnd(s.name, STAGE_WIDTH) },
      { text: col(fmtNs(s.p50), 8) },
      { text: col(fmtNs(s.p99), 8), color: "yellow" },
      { text: col(fmtNs(s.p999), 8), color: "red" },
      { text: "  " },
      { text: spark, color: "cyan" },
      { text: range, color: "gray" },
    ]);
  }
  return lines;
}

export function LatencyPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={LATENCY_PANEL_TITLE} lines={latencyPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
