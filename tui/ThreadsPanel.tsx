/**
 * Threads, as `top` lists them: pid, comm, the CPU it is on, ps's scheduling class and
 * priority (FF rt-prio for SCHED_FIFO irq threads, TS nice for the rest), state (R running
 * or runnable, S sleeping; `*` marks the one on a CPU now), %CPU over the last second of
 * simulated time, and context switches. Busiest first.
 */
import type { Snapshot, ThreadView } from "../observe/snapshot.js";
import { fmtCount, fmtNs, padEnd, padStart } from "./format.js";
import { Panel, type Line, type PanelComponentProps } from "./line.js";

export const THREADS_PANEL_TITLE = "Threads";

/** Busiest first; ties by pid, so the order is stable between frames. */
export function threadOrder(a: ThreadView, b: ThreadView): number {
  return b.cpu_pct - a.cpu_pct || b.runtime_ns - a.runtime_ns || a.pid - b.pid;
}

export function threadsPanelLines(snap: Snapshot, width: number): Line[] {
  if (snap.threads.length === 0) return [[{ text: "no threads", color: "gray" }]];
  const comm = Math.max(10, Math.min(24, width - 38));
  const lines: Line[] = [
    [
      {
        text: `${padStart("PID", 5)} ${padEnd("COMM", comm)} ${padStart("CPU", 3)} ${padEnd("CLS", 3)} ${padStart("PRI", 3)} S ${padStart("%CPU", 5)} ${padStart("SWITCH", 6)}`,
        bold: true,
      },
    ],
  ];
  for (const t of [...snap.threads].sort(threadOrder)) {
    const busy = t.cpu_pct >= 50 ? "red" : t.cpu_pct >= 10 ? "yellow" : undefined;
    lines.push([
      { text: `${padStart(String(t.pid), 5)} ` },
      { text: padEnd(t.comm, comm), bold: t.on_cpu, color: t.comm.startsWith("irq/") ? "red" : t.comm.startsWith("ksoftirqd") ? "yellow" : undefined },
      { text: ` ${padStart(String(t.cpu), 3)} ${padEnd(t.policy, 3)} ${padStart(String(t.prio), 3)} ` },
      { text: t.on_cpu ? "R*" : `${t.state} `, color: t.state === "R" ? "green" : "gray", bold: t.on_cpu },
      { text: padStart(t.cpu_pct.toFixed(1), 5), color: busy, bold: busy === "red" },
      { text: ` ${padStart(fmtCount(t.switches), 6)}` },
    ]);
  }
  return lines;
}

export function ThreadsPanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  const title = `${THREADS_PANEL_TITLE} (%CPU over the last ${fmtNs(snap.thread_window_ns)})`;
  return <Panel title={title} lines={threadsPanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
