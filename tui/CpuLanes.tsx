/**
 * One lane per CPU: what it runs right now, ftrace-style flags, a recent-history strip
 * coloured by context, and where its time went over the window (/proc/stat's split).
 */
import type { CpuLane, Snapshot } from "../observe/snapshot.js";
import { fmtCount, padEnd, padStart, pct } from "./format.js";
import { CONTEXT_COLOUR, Panel, stripColour, type Line, type PanelComponentProps, type Seg } from "./line.js";

export const CPU_LANES_TITLE = "CPUs";

/**
 * ftrace's latency flags, three of them: irqs-off (`d`), context (`h` hardirq, `s` serving
 * a softirq, `b` bottom halves disabled), preempt depth (hex digit, `.` when 0).
 */
export function laneFlags(lane: CpuLane): string {
  const pc = lane.preempt_count;
  const hard = (pc & 0xf0000) !== 0;
  const serving = (pc & 0x100) !== 0;
  const bh = (pc & 0xff00) !== 0;
  const ctx = hard ? "h" : serving ? "s" : bh ? "b" : ".";
  const depth = pc & 0xff;
  return `${lane.irqs_disabled ? "d" : "."}${ctx}${depth === 0 ? "." : Math.min(depth, 15).toString(16)}`;
}

function stripSegs(strip: string, n: number): Seg[] {
  const s = strip.length > n ? strip.slice(strip.length - n) : strip.padStart(n, " ");
  const out: Seg[] = [];
  for (const ch of s) {
    const last = out[out.length - 1];
    if (last !== undefined && last.text.endsWith(ch)) last.text += ch;
    else if (ch === " " || ch === ".") out.push({ text: ch, color: "gray" });
    else out.push({ text: ch, color: stripColour(ch), bold: ch !== ch.toLowerCase() });
  }
  return out;
}

function utilText(lane: CpuLane): string {
  const u = lane.util_ns;
  const w = u.hardirq + u.softirq + u.system + u.user + u.idle;
  const p = (x: number) => padStart(String(pct(x, w)), 3);
  return ` hi${p(u.hardirq)}% si${p(u.softirq)}% sy${p(u.system)}% us${p(u.user)}% rq ${fmtCount(lane.nr_running)}`;
}

const LABEL_W = 22;
const UTIL_W = 38;

export function cpuLaneLines(snap: Snapshot, width: number): Line[] {
  // Narrow terminals: the label gives up room so the strip keeps about a dozen cells.
  const labelW = Math.max(10, Math.min(LABEL_W, width - 6 - 4 - 1 - 13));
  return snap.cpus.map((lane) => {
    const head: Seg[] = [
      { text: padEnd(`cpu${lane.cpu}`, 6) },
      { text: `${laneFlags(lane)} ` },
      { text: padEnd(lane.context.label, labelW), color: CONTEXT_COLOUR[lane.context.kind], bold: lane.context.kind !== "idle" },
    ];
    const fixed = 6 + 4 + labelW + 1;
    const withUtil = width - fixed - UTIL_W;
    if (withUtil >= 8) return [...head, { text: "▕" }, ...stripSegs(lane.strip, withUtil - 1), { text: utilText(lane) }];
    const stripOnly = width - fixed;
    if (stripOnly >= 5) return [...head, { text: "▕" }, ...stripSegs(lane.strip, stripOnly - 1)];
    return head;
  });
}

export function CpuLanes({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={CPU_LANES_TITLE} lines={cpuLaneLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
