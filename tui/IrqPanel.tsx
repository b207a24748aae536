/**
 * IRQ lines as /proc/interrupts counts them, plus what the counters alone do not say: the
 * rate over the window, who holds the line masked, and whether an assert is waiting.
 */
import type { IrqLine, Snapshot } from "../observe/snapshot.js";
import { col, fmtCount, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps, type Seg } from "./line.js";

export const IRQ_PANEL_TITLE = "IRQs";

const COL = 7;

/** How many per-CPU columns fit next to the fixed columns. */
function cpuColumns(snap: Snapshot, width: number): number {
  const fixed = 5 + 11 + 8 + 10;
  return Math.max(0, Math.min(snap.cpus.length, Math.floor((width - fixed) / COL)));
}

function maskText(l: IrqLine): Seg {
  if (l.masked_by === "disable_irq") return { text: "line", color: "magenta", bold: true };
  if (l.masked_by === "device") return { text: "device", color: "magenta" };
  return { text: "-", color: "gray" };
}

export function irqPanelLines(snap: Snapshot, width: number): Line[] {
  if (snap.irqs.length === 0) return [[{ text: "no IRQ lines", color: "gray" }]];
  const n = cpuColumns(snap, width);
  const cpuHead = snap.cpus.slice(0, n).map((c) => padStart(`CPU${c.cpu}`, COL)).join("");
  const more = n < snap.cpus.length ? " …" : "";
  const lines: Line[] = [[{ text: `${padEnd("IRQ", 5)}${padEnd("name", 11)}${padStart("rate/s", 8)}${cpuHead}${more}  masked`, bold: true }]];
  for (const l of snap.irqs) {
    const counts = l.per_cpu.slice(0, n).map((c) => col(fmtCount(c), COL)).join("");
    lines.push([
      { text: padEnd(`${l.irq}${l.pending ? "*" : ""}`, 5), bold: true },
      { text: padEnd(l.name, 11) },
      { text: col(fmtCount(l.rate_hz), 8), color: l.rate_hz > 0 ? "white" : "gray" },
      { text: counts + (more ? "  " : "") + "  " },
      maskText(l),
    ]);
  }
  return lines;
}

export function IrqPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={IRQ_PANEL_TITLE} lines={irqPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
