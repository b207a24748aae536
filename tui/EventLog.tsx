/**
 * The tail of the event log, in ftrace's text format (observe/ftrace.ts formats each line as
 * the kernel's trace file would print it). Shows the newest lines that fit.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const EVENT_LOG_TITLE = "Event log (ftrace)";

export function eventLogLines(snap: Snapshot, _width: number, rows = snap.log.length): Line[] {
  if (snap.log.length === 0) return [[{ text: "no trace lines yet", color: "gray" }]];
  return snap.log.slice(Math.max(0, snap.log.length - rows)).map((l) => [{ text: l }]);
}

export function EventLog({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={EVENT_LOG_TITLE} lines={eventLogLines(snap, width, height - 1)} width={width} height={height} focused={focused} color={color} />;
}
