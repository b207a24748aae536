/**
 * NAPI and softnet_data: each CPU's poll list and backlog, how much of netdev_budget its
 * last net_rx_action used, time_squeeze (it ran out of budget or time); then each NAPI
 * instance: weight, polls, full polls (it stayed on the list), completions.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { col, fmtCount, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const NAPI_PANEL_TITLE = "NAPI / softnet";

export function napiPanelLines(snap: Snapshot, _width: number): Line[] {
  const lines: Line[] = [[{ text: `${padEnd("cpu", 5)}${padEnd("poll list", 14)}${padStart("backlog", 8)}${padStart("budget", 10)}${padStart("squeeze", 8)}${padStart("drop", 6)}`, bold: true }]];
  for (const c of snap.napi.cpus) {
    const list = c.poll_list.length > 0 ? c.poll_list.join(",") : "-";
    const full = c.last_budget_used >= c.budget;
    lines.push([
      { text: padEnd(String(c.cpu), 5) },
      { text: padEnd(list, 14), color: c.poll_list.length > 0 ? "yellow" : "gray", bold: c.poll_list.length > 0 },
      { text: col(fmtCount(c.backlog), 8) },
      { text: col(`${c.last_budget_used}/${c.budget}`, 10), color: full ? "red" : undefined, bold: full },
      { text: col(fmtCount(c.time_squeeze), 8), color: c.time_squeeze > 0 ? "red" : undefined },
      { text: col(fmtCount(c.dropped), 6), color: c.dropped > 0 ? "red" : undefined },
    ]);
  }
  for (const n of snap.napi.instances) {
    lines.push([
      { text: `${padEnd(n.name, 10)} w${n.weight} ` },
      { text: n.scheduled ? "SCHED " : "idle  ", color: n.scheduled ? "yellow" : "gray", bold: n.scheduled },
      { text: `last ${n.last_work < 0 ? "-" : n.last_work} polls ${fmtCount(n.polls)} full ${fmtCount(n.full_polls)} done ${fmtCount(n.completions)}` },
    ]);
  }
  return lines;
}

export function NapiPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={NAPI_PANEL_TITLE} lines={napiPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
