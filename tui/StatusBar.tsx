/**
 * The top line: run state, scenario, seed and simulated time (always visible, whatever the
 * width: they come first), speed and the event count.
 */
import { Text } from "ink";
import type { Snapshot } from "../observe/snapshot.js";
import { formatNs } from "../sim/time.js";
import { fmtSpeed, fmtTime } from "./format.js";
import { LineView, type Line } from "./line.js";

export type RunState = "running" | "paused" | "finished";

export interface StatusBarProps {
  snap: Snapshot;
  state: RunState;
  speed: number;
  width: number;
  color?: boolean;
}

export function statusLine(snap: Snapshot, state: RunState, speed: number): Line {
  const icon = state === "running" ? "▶ running" : state === "paused" ? "❚❚ PAUSED" : "■ finished";
  const done = snap.duration_ns > 0 ? Math.floor((100 * snap.time_ns) / snap.duration_ns) : 100;
  return [
    { text: `${snap.scenario} `, bold: true },
    { text: `seed ${snap.seed} `, color: "cyan", bold: true },
    { text: `t=${fmtTime(snap.time_ns)}`, bold: true },
    { text: ` / ${formatNs(snap.duration_ns)} (${done}%)  ` },
    { text: icon, color: state === "running" ? "green" : state === "paused" ? "yellow" : "gray", bold: state !== "running" },
    { text: `  ${fmtSpeed(speed)}` },
    { text: `  ${snap.events} events`, color: "gray" },
    { text: "  ? help", color: "gray" },
  ];
}

export function StatusBar({ snap, state, speed, width, color = true }: StatusBarProps) {
  return width > 0 ? <LineView line={statusLine(snap, state, speed)} color={color} /> : <Text />;
}
