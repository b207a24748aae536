/**
 * The memory model (sim/memory.ts): which model the run uses, loads that had a choice of
 * value and those that returned a stale one, fences, and deliveries whose payload was not
 * what the device wrote -- the missing dma_rmb()'s consequence -- with the first one
 * explained (wrapped, never cut).
 */
import type { Snapshot } from "../observe/snapshot.js";
import { fmtCount, wrapText } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const MEMORY_PANEL_TITLE = "Memory ordering";

export function memoryPanelLines(snap: Snapshot, width: number): Line[] {
  const m = snap.memory;
  const lines: Line[] = [
    [
      { text: `model ${m.model}`, bold: true },
      { text: `  stores ${fmtCount(m.stores)}  fences ${fmtCount(m.fences)}` },
    ],
    [
      { text: `loads with a choice ${fmtCount(m.loads_with_choice)}  ` },
      { text: `stale ${fmtCount(m.stale_loads)}`, color: m.stale_loads > 0 ? "yellow" : undefined, bold: m.stale_loads > 0 },
    ],
    [
      { text: "corrupt deliveries " },
      { text: fmtCount(m.corrupt), color: m.corrupt > 0 ? "red" : "green", bold: m.corrupt > 0 },
      { text: m.corrupt > 0 ? "  (payload read before the write was visible)" : "", color: "gray" },
    ],
  ];
  if (m.first_corrupt !== "") for (const w of wrapText(`first: ${m.first_corrupt}`, width, "  ")) lines.push([{ text: w, color: "red" }]);
  return lines;
}

export function MemoryPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={MEMORY_PANEL_TITLE} lines={memoryPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
