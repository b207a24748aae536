/**
 * Which panels have something to say about this run, so the layout (tui/layout.ts) keeps
 * those when rows are short: an alarm (a BUG or "nobody cared" in dmesg, a corrupt
 * delivery) first, then the panels whose subsystem this scenario uses, in GRID_PRIORITY
 * order, then the rest. A workqueue scenario at 80x24 shows its Workqueues panel rather
 * than an empty Softirq or NAPI panel.
 */
import type { Snapshot } from "../observe/snapshot.js";
import { GRID_PRIORITY, type PanelId } from "./layout.js";

/** Softirq vectors every kernel runs on its own (the tick's timers, the scheduler, RCU). */
const HOUSEKEEPING = new Set(["HI", "TIMER", "SCHED", "RCU"]);

const ALARM = /\b(BUG|WARNING|Oops|nobody cared)\b/;

/** Per grid panel: does it show something beyond "nothing here"? */
export function panelSays(snap: Snapshot): Record<PanelId, boolean> {
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return {
    cpus: true,
    log: true,
    irqs: snap.irqs.length > 0,
    devices: snap.devices.length + snap.peripherals.length > 0,
    softirqs:
      snap.softirqs.tasklets.length > 0 ||
      snap.softirqs.ksoftirqd.some((k) => k.runs_ksoftirqd > 0) ||
      snap.softirqs.vectors.some((v) => !HOUSEKEEPING.has(v.name) && sum(v.per_cpu) > 0),
    napi: snap.napi.instances.length > 0 || snap.napi.cpus.some((c) => c.backlog > 0 || c.time_squeeze > 0) || snap.devices.some((d) => d.mode === "irq"),
    workqueues: snap.workqueues.some((w) => w.executed > 0 || w.pending > 0 || w.in_flight > 0),
    threads: snap.threads.length > 0,
    memory: snap.memory.matters,
    latency: snap.latency.some((l) => l.count > 0),
    charts: snap.series !== null,
    // An empty kernel log says something too: no BUG, no "nobody cared".
    dmesg: true,
  };
}

/** GRID_PRIORITY reordered for this snapshot. */
export function panelPriority(snap: Snapshot): PanelId[] {
  const says = panelSays(snap);
  const alarm: PanelId[] = [];
  if (snap.dmesg.some((l) => ALARM.test(l.text))) alarm.push("dmesg");
  if (snap.memory.corrupt > 0) alarm.push("memory");
  const rest = GRID_PRIORITY.filter((id) => !alarm.includes(id));
  return [...alarm, ...rest.filter((id) => says[id]), ...rest.filter((id) => !says[id])];
}
