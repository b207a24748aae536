/**
 * Softirqs: the vectors that have done anything (runs and raises per second, runs per CPU
 * as /proc/softirqs counts them), each CPU's pending bits and running vector, ksoftirqd's
 * state and why handle_softirqs handed work to it, and any tasklets.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { col, fmtCount, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const SOFTIRQ_PANEL_TITLE = "Softirqs";

const COL = 8;

export function softirqPanelLines(snap: Snapshot, width: number): Line[] {
  const s = snap.softirqs;
  const fixed = 9 + 8 + 9;
  const n = Math.max(0, Math.min(snap.cpus.length, Math.floor((width - fixed) / COL)));
  const lines: Line[] = [];
  const head = snap.cpus.slice(0, n).map((c) => padStart(`CPU${c.cpu}`, COL)).join("");
  lines.push([{ text: `${padEnd("vector", 9)}${padStart("runs/s", 8)}${padStart("raised/s", 9)}${head}`, bold: true }]);
  const active = s.vectors.filter((v) => v.per_cpu.some((c) => c > 0) || v.raised_hz > 0 || s.pending.some((p) => (p & (1 << v.vec)) !== 0));
  if (active.length === 0) lines.push([{ text: "no softirq has run yet", color: "gray" }]);
  for (const v of active) {
    lines.push([
      { text: padEnd(v.name, 9), color: "yellow", bold: s.running.includes(v.name) },
      { text: col(fmtCount(v.rate_hz), 8) },
      { text: col(fmtCount(v.raised_hz), 9) },
      { text: v.per_cpu.slice(0, n).map((c) => col(fmtCount(c), COL)).join("") },
    ]);
  }
  lines.push([{ text: `${padEnd("cpu", 5)}${padEnd("pending", 16)}${padEnd("ksoftirqd", 10)}inline/ksoftirqd  deferred rst/time/rsch`, bold: true }]);
  for (const k of s.ksoftirqd) {
    const pending = s.pending_names[k.cpu] ?? [];
    const d = k.deferred;
    lines.push([
      { text: padEnd(String(k.cpu), 5) },
      { text: padEnd(pending.length > 0 ? pending.join(",") : "-", 16), color: pending.length > 0 ? "yellow" : "gray", bold: pending.length > 0 },
      { text: padEnd(k.state, 10), color: k.state === "sleeping" ? "gray" : "yellow" },
      { text: padEnd(`${fmtCount(k.runs_inline)}/${fmtCount(k.runs_ksoftirqd)}`, 18) },
      { text: `${d.restart_limit}/${d.time_limit}/${d.need_resched}` },
    ]);
  }
  for (const t of s.tasklets) {
    const state = t.running_on >= 0 ? `running on cpu${t.running_on}` : t.scheduled ? "scheduled" : "idle";
    lines.push([{ text: `tasklet ${t.name}  ` }, { text: padEnd(state, 16), color: t.running_on >= 0 || t.scheduled ? "yellow" : "gray" }, { text: `runs ${fmtCount(t.runs)}` }]);
  }
  return lines;
}

export function SoftirqPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={SOFTIRQ_PANEL_TITLE} lines={softirqPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
