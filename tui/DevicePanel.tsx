/**
 * Devices: each NIC's rx ring fill (the first place overload shows), its mode and mask
 * state, receive rate, and its packets dropped by reason.
 */
import type { DeviceView, Snapshot } from "../observe/snapshot.js";
import { fmtCount, padEnd } from "./format.js";
import { Panel, type Line, type PanelComponentProps, type Seg } from "./line.js";

export const DEVICE_PANEL_TITLE = "Devices";

function ringBar(d: DeviceView, cells: number): Seg[] {
  const filled = d.ring_size > 0 ? Math.round((cells * d.ring_fill) / d.ring_size) : 0;
  const full = d.ring_fill >= d.ring_size;
  const colour = full ? "red" : d.ring_fill * 2 >= d.ring_size ? "yellow" : "green";
  return [{ text: "[" }, { text: "█".repeat(filled), color: colour }, { text: "░".repeat(cells - filled), color: "gray" }, { text: "]" }];
}

export function devicePanelLines(snap: Snapshot, width: number): Line[] {
  if (snap.devices.length === 0) return [[{ text: "no devices", color: "gray" }]];
  const lines: Line[] = [];
  const cells = Math.max(4, Math.min(20, width - 48));
  for (const d of snap.devices) {
    lines.push([
      { text: `${padEnd(d.name, 6)} ${padEnd(d.queues > 1 ? `${d.mode} ${d.queues}q` : d.mode, 9)}`, bold: true },
      ...ringBar(d, cells),
      { text: ` ${d.ring_fill}/${d.ring_size}`, color: d.ring_fill >= d.ring_size ? "red" : undefined },
      { text: `  rx ${fmtCount(d.rx_rate_hz)}/s ` },
      d.masked ? { text: "masked", color: "magenta", bold: true } : { text: "unmasked", color: "gray" },
    ]);
    const drops: Seg[] = [{ text: "       drops" }];
    for (const [reason, n] of Object.entries(d.drops)) drops.push({ text: ` ${reason} ${fmtCount(n)}`, color: n > 0 ? "red" : "gray", bold: n > 0 });
    lines.push(drops);
  }
  return lines;
}

export function DevicePanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={DEVICE_PANEL_TITLE} lines={devicePanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
