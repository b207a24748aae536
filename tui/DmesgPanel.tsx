/**
 * The kernel log's tail, as `dmesg` prints it (`[seconds.micros] text`), newest last,
 * wrapped to the panel's width (never cut). BUG and WARNING reports and the spurious-IRQ
 * detector's "nobody cared" / "Disabling IRQ" lines are in red.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { wrapText } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const DMESG_PANEL_TITLE = "dmesg";

/** Log lines the panel keeps (before wrapping). */
export const DMESG_PANEL_LINES = 8;

const ALARM = /\b(BUG|WARNING|Oops|nobody cared|Disabling IRQ|overrun|clamping)\b/i;

/** `[    0.012345]`: dmesg's timestamp, seconds with microseconds. */
export function dmesgStamp(ns: number): string {
  const us = Math.floor(ns / 1000);
  const s = `${Math.floor(us / 1_000_000)}.${String(us % 1_000_000).padStart(6, "0")}`;
  return `[${s.padStart(12)}]`;
}

export function dmesgPanelLines(snap: Snapshot, width: number, rows = Infinity): Line[] {
  if (snap.dmesg.length === 0) return [[{ text: "the kernel log is empty", color: "gray" }]];
  const out: Line[] = [];
  for (const l of snap.dmesg.slice(-DMESG_PANEL_LINES)) {
    const bad = ALARM.test(l.text);
    const stamp = dmesgStamp(l.time_ns);
    wrapText(l.text, width - stamp.length - 1).forEach((w, i) => {
      out.push([{ text: `${i === 0 ? stamp : " ".repeat(stamp.length)} ${w}`, color: bad ? "red" : undefined, bold: bad }]);
    });
  }
  return out.slice(Math.max(0, out.length - rows));
}

export function DmesgPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  const more = snap.dmesg_lines > DMESG_PANEL_LINES ? ` (${snap.dmesg_lines} lines)` : "";
  return <Panel title={`${DMESG_PANEL_TITLE}${more}`} lines={dmesgPanelLines(snap, width, height - 1)} width={width} height={height} focused={focused} color={color} />;
}
