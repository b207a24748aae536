/**
 * Charts over the recent past, one column per frame (newest on the right), in block
 * characters: per CPU how busy it was, coloured by the class that dominated the column
 * (red hardirq, yellow softirq, blue system, green user -- the strip's colours); delivered
 * packets per second; interrupts per second; and the p99 latency of the samples of each
 * interval. Each line ends with the latest value and the column maximum.
 */
import type { SeriesPoint, Snapshot } from "../observe/snapshot.js";
import { fmtCount, fmtNs, padEnd } from "./format.js";
import { Panel, type Colour, type Line, type PanelComponentProps, type Seg } from "./line.js";

export const CHARTS_PANEL_TITLE = "Charts";

const BLOCKS = " ▁▂▃▄▅▆▇█";

/** A value in [0, max] as one of nine block heights; anything above zero shows. */
export function block(v: number, max: number): string {
  if (!(max > 0) || v <= 0) return BLOCKS[0]!;
  return BLOCKS[Math.max(1, Math.min(8, Math.round((8 * v) / max)))]!;
}

const LABEL = 10;
const TAIL = 22;

function cpuColumn(c: SeriesPoint["cpus"][number]): { busy: number; colour: Colour } {
  const parts: [number, Colour][] = [
    [c.hardirq, "red"],
    [c.softirq, "yellow"],
    [c.system, "blue"],
    [c.user, "green"],
  ];
  const top = parts.reduce((a, b) => (b[0] > a[0] ? b : a));
  return { busy: c.hardirq + c.softirq + c.system + c.user, colour: top[1] };
}

function sparkline(label: string, values: number[], fmt: (v: number) => string, cells: number): Line {
  const vs = values.slice(-cells);
  const max = Math.max(0, ...vs);
  return [
    { text: padEnd(label, LABEL) },
    { text: vs.map((v) => block(v, max)).join("").padStart(cells), color: "cyan" },
    { text: ` ${fmt(vs[vs.length - 1] ?? 0)} (max ${fmt(max)})`, color: "gray" },
  ];
}

export function chartsPanelLines(snap: Snapshot, width: number): Line[] {
  const s = snap.series;
  if (s === null || s.points.length < 2) return [[{ text: "charts fill in as the run goes (one column per frame)", color: "gray" }]];
  const cells = Math.max(8, width - LABEL - TAIL);
  const pts = s.points.slice(-cells);
  const span = pts.reduce((a, p) => a + p.dt_ns, 0);
  const lines: Line[] = [[{ text: `last ${fmtNs(span)} of simulated time, ${pts.length} frames`, color: "gray" }]];
  snap.cpus.forEach((_, i) => {
    const segs: Seg[] = [{ text: padEnd(`cpu${i} busy`, LABEL) }, { text: " ".repeat(cells - pts.length) }];
    for (const p of pts) {
      const c = p.cpus[i];
      if (c === undefined) continue;
      const { busy, colour } = cpuColumn(c);
      segs.push({ text: block(busy, 1), color: colour });
    }
    const last = pts[pts.length - 1]!.cpus[i]!;
    const pct = (x: number): string => String(Math.round(100 * x)).padStart(3);
    segs.push({ text: ` hi${pct(last.hardirq)} si${pct(last.softirq)} us${pct(last.user)}`, color: "gray" });
    lines.push(segs);
  });
  lines.push(sparkline("pkts/s", pts.map((p) => p.delivered_pps), fmtCount, cells));
  lines.push(sparkline("irqs/s", pts.map((p) => p.irq_hz), fmtCount, cells));
  lines.push(sparkline("p99", pts.map((p) => p.p99_ns), fmtNs, cells));
  lines.push([{ text: `${" ".repeat(LABEL)}p99: ${s.stage} stage, per frame`, color: "gray" }]);
  return lines;
}

export function ChartsPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={CHARTS_PANEL_TITLE} lines={chartsPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
