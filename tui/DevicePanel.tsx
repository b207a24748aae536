/**
 * Devices: each NIC's rx ring fill (the first place overload shows), its mode and mask
 * state, receive rate, and its packets dropped by reason; then every other device: the
 * UART's receive FIFO against its trigger level and its overruns, the block device's queue
 * depth (tags in use) and request latency, a noisy line's unhandled interrupts and whether
 * the spurious detector disabled it ("nobody cared"), an hrtimer's expiries.
 */
import type { PeripheralView, Snapshot } from "../observe/snapshot.js";
import { fmtCount, fmtNs, padEnd } from "./format.js";
import { Panel, type Line, type PanelComponentProps, type Seg } from "./line.js";

export const DEVICE_PANEL_TITLE = "Devices";

function ringBar(d: { ring_fill: number; ring_size: number }, cells: number): Seg[] {
  const filled = d.ring_size > 0 ? Math.min(cells, Math.round((cells * d.ring_fill) / d.ring_size)) : 0;
  const full = d.ring_fill >= d.ring_size;
  const colour = full ? "red" : d.ring_fill * 2 >= d.ring_size ? "yellow" : "green";
  return [{ text: "[" }, { text: "█".repeat(filled), color: colour }, { text: "░".repeat(cells - filled), color: "gray" }, { text: "]" }];
}

function peripheralLines(p: PeripheralView, cells: number): Line[] {
  const head: Seg = { text: `${padEnd(p.name, 6)} ${padEnd(p.irq >= 0 ? `${p.type} ${p.irq}` : p.type, 9)} `, bold: true };
  switch (p.type) {
    case "uart":
      return [
        [
          head,
          ...ringBar({ ring_fill: p.fifo, ring_size: p.fifo_size }, Math.min(cells, p.fifo_size)),
          { text: ` FIFO ${p.fifo}/${p.fifo_size} (trigger ${p.trigger})` },
        ],
        [
          { text: `       rx ${fmtCount(p.rx_bytes)} B  irqs ${fmtCount(p.interrupts)}  overruns ` },
          { text: fmtCount(p.overruns), color: p.overruns > 0 ? "red" : "gray", bold: p.overruns > 0 },
          { text: `  max irq latency ${fmtNs(p.max_irq_latency_ns)}` },
          ...(p.flip.pushed > 0
            ? [{ text: `  flip pushed ${fmtCount(p.flip.pushed)} lost ${fmtCount(p.flip.overruns)} corrupt ${fmtCount(p.flip.corrupt)}`, color: p.flip.corrupt > 0 ? ("red" as const) : undefined }]
            : []),
        ],
      ];
    case "block": {
      const l = p.request_latency_ns;
      return [
        [
          head,
          ...ringBar({ ring_fill: p.in_flight, ring_size: p.queue_depth }, cells),
          { text: ` queue ${p.in_flight}/${p.queue_depth} (max ${p.max_in_flight})` },
        ],
        [{ text: `       requests ${fmtCount(p.submitted)} done ${fmtCount(p.completed)}  irqs ${fmtCount(p.interrupts)}` }],
        [{ text: `       latency p50 ${fmtNs(l.p50)} p99 ${fmtNs(l.p99)} max ${fmtNs(l.max)}`, color: l.count === 0 ? "gray" : undefined }],
      ];
    }
    case "noisy":
      return [
        [
          head,
          { text: ` irqs ${fmtCount(p.interrupts)}  handled ${fmtCount(p.handled)}  ` },
          { text: `unhandled ${fmtCount(p.unhandled)}`, color: p.unhandled > 0 ? "yellow" : "gray" },
        ],
        [p.line_disabled ? { text: "       LINE DISABLED (nobody cared)", color: "red", bold: true } : { text: "       line enabled", color: "gray" }],
      ];
    case "hrtimer":
      return [[head, { text: ` cpu${p.cpu} ${p.soft ? "soft (HRTIMER softirq)" : "hard (hardirq)"}  expiries ${fmtCount(p.expiries)}` }]];
  }
}

export function devicePanelLines(snap: Snapshot, width: number): Line[] {
  if (snap.devices.length === 0 && snap.peripherals.length === 0) return [[{ text: "no devices", color: "gray" }]];
  const lines: Line[] = [];
  const cells = Math.max(4, Math.min(20, width - 48));
  for (const d of snap.devices) {
    lines.push([
      { text: `${padEnd(d.name, 6)} ${padEnd(d.queues > 1 ? `${d.mode} ${d.queues}q` : d.mode, 9)} `, bold: true },
      ...ringBar(d, cells),
      { text: ` ${d.ring_fill}/${d.ring_size}`, color: d.ring_fill >= d.ring_size ? "red" : undefined },
      { text: `  rx ${fmtCount(d.rx_rate_hz)}/s ` },
      d.masked ? { text: "masked", color: "magenta", bold: true } : { text: "unmasked", color: "gray" },
    ]);
    const drops: Seg[] = [{ text: "       drops" }];
    for (const [reason, n] of Object.entries(d.drops)) drops.push({ text: ` ${reason} ${fmtCount(n)}`, color: n > 0 ? "red" : "gray", bold: n > 0 });
    lines.push(drops);
  }
  for (const p of snap.peripherals) lines.push(...peripheralLines(p, cells));
  return lines;
}

export function DevicePanel({ snap, width, height, focused = false, color = true }: PanelComponentProps) {
  return <Panel title={DEVICE_PANEL_TITLE} lines={devicePanelLines(snap, width)} width={width} height={height} focused={focused} color={color} />;
}
