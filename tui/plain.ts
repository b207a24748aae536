/**
 * `dashboard --plain`: a snapshot as plain text for pipes, logs and CI. The same panels as
 * the live dashboard, built by the same line builders, without colour or layout: a header
 * line, then each panel's title and lines. Deterministic: same scenario and seed, same text.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { formatNs } from "../sim/time.js";
import { cpuLaneLines, CPU_LANES_TITLE } from "./CpuLanes.js";
import { devicePanelLines, DEVICE_PANEL_TITLE } from "./DevicePanel.js";
import { eventLogLines, EVENT_LOG_TITLE } from "./EventLog.js";
import { irqPanelLines, IRQ_PANEL_TITLE } from "./IrqPanel.js";
import { latencyPanelLines, LATENCY_PANEL_TITLE } from "./LatencyPanel.js";
import type { Line } from "./line.js";
import { napiPanelLines, NAPI_PANEL_TITLE } from "./NapiPanel.js";
import { softirqPanelLines, SOFTIRQ_PANEL_TITLE } from "./SoftirqPanel.js";
import { fmtTime } from "./format.js";
import { workqueuePanelLines, WORKQUEUE_PANEL_TITLE } from "./WorkqueuePanel.js";
import { threadOrder, threadsPanelLines, THREADS_PANEL_TITLE } from "./ThreadsPanel.js";
import { dmesgPanelLines, DMESG_PANEL_TITLE } from "./DmesgPanel.js";
import { memoryPanelLines, MEMORY_PANEL_TITLE } from "./MemoryPanel.js";

const text = (l: Line): string => l.map((s) => s.text).join("").trimEnd();

export interface PlainOptions {
  /** Width the panels lay their columns out for. */
  width?: number;
  /** Event-log lines to include. */
  logLines?: number;
}

export function plainSnapshot(snap: Snapshot, opts: PlainOptions = {}): string {
  const width = opts.width ?? 120;
  const logLines = opts.logLines ?? 5;
  const out: string[] = [
    `=== ${snap.scenario} seed ${snap.seed} t=${fmtTime(snap.time_ns)} / ${formatNs(snap.duration_ns)}  ${snap.events} events  window ${formatNs(snap.window_ns)}` +
      `  packets arrived ${snap.packets.arrived} delivered ${snap.packets.delivered} dropped ${snap.packets.dropped} in flight ${snap.packets.in_flight}`,
  ];
  const section = (title: string, lines: Line[]): void => {
    out.push(`--- ${title}`);
    for (const l of lines) out.push(text(l));
  };
  section(CPU_LANES_TITLE, cpuLaneLines(snap, width));
  section(IRQ_PANEL_TITLE, irqPanelLines(snap, width));
  section(SOFTIRQ_PANEL_TITLE, softirqPanelLines(snap, width));
  section(NAPI_PANEL_TITLE, napiPanelLines(snap, width));
  section(WORKQUEUE_PANEL_TITLE, workqueuePanelLines(snap, width));
  section(DEVICE_PANEL_TITLE, devicePanelLines(snap, width));
  // The busiest threads only: a text snapshot every 10 ms must stay short.
  const busiest = { ...snap, threads: [...snap.threads].sort(threadOrder).slice(0, 8) };
  section(`${THREADS_PANEL_TITLE} (%CPU over the last ${formatNs(snap.thread_window_ns)}, busiest 8)`, threadsPanelLines(busiest, width));
  if (snap.memory.matters) section(MEMORY_PANEL_TITLE, memoryPanelLines(snap, width));
  section(LATENCY_PANEL_TITLE, latencyPanelLines(snap, width));
  if (snap.dmesg.length > 0) section(DMESG_PANEL_TITLE, dmesgPanelLines(snap, width));
  if (logLines > 0) section(EVENT_LOG_TITLE, eventLogLines(snap, width, logLines));
  return out.join("\n") + "\n";
}
