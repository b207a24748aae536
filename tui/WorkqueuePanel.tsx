/**
 * Workqueues (CMWQ): each workqueue with its pending and in-flight items, then the worker
 * pools it uses: workers, idle workers, nr_running (concurrency management's count of
 * workers running and not blocked). Shows whatever `snapshot.workqueues` holds.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { col, fmtCount, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const WORKQUEUE_PANEL_TITLE = "Workqueues";

export function workqueuePanelLines(snap: Snapshot, _width: number): Line[] {
  if (snap.workqueues.length === 0) return [[{ text: "no workqueues in this system", color: "gray" }]];
  const lines: Line[] = [
    [{ text: `${padEnd("workqueue", 14)}${padStart("pend", 6)}${padStart("run", 5)}${padStart("done/s", 8)}  max_active flags`, bold: true }],
  ];
  for (const wq of snap.workqueues) {
    lines.push([
      { text: padEnd(wq.name, 14), bold: true },
      { text: col(fmtCount(wq.pending), 6), color: wq.pending > 0 ? "yellow" : undefined },
      { text: col(fmtCount(wq.in_flight), 5), color: wq.in_flight > 0 ? "blue" : undefined },
      { text: col(fmtCount(wq.rate_hz), 8) },
      { text: `  ${padEnd(String(wq.max_active), 10)} ${wq.flags.join(",")}`, color: "gray" },
    ]);
    for (const p of wq.pools) {
      lines.push([
        { text: `  pool ${padEnd(p.pool, 7)}` },
        { text: `workers ${p.workers} idle ${p.idle} ` },
        { text: `nr_running ${p.nr_running} `, color: p.nr_running > 1 ? "yellow" : undefined },
        { text: `pend ${p.pending} run ${p.in_flight}` },
      ]);
    }
  }
  return lines;
}

export function WorkqueuePanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={WORKQUEUE_PANEL_TITLE} lines={workqueuePanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
