/**
 * What each device shows of itself, as one projection the rest of the system iterates
 * instead of looking devices up by type: its entry under `devices` in the run result.
 * Boot builds one per scenario device, in the scenario's order.
 */
import type { LatencySummary } from "../sim/metrics.js";
import type { HrTimer } from "../softirq/timer.js";
import type { Nic } from "../drivers/nic.js";
import type { BlockDevice } from "../drivers/block.js";
import type { Uart } from "../drivers/uart.js";
import type { NoisyDevice } from "../drivers/noisy.js";

export interface NicResult {
  type: "nic";
  mode: string;
  rx_packets: number;
  rx_bytes: number;
  rx_missed: number;
  interrupts: number;
  no_work_irqs: number;
  masked_ns: number;
  ring_fill: number;
  /** Transmit completions reported by the device and cleaned by the driver. */
  tx_completed: number;
  tx_cleaned: number;
  /** Per receive queue (RSS): its vector, the CPU its interrupts go to, its traffic. */
  queues: { queue: number; irq: number; cpu: number; rx_packets: number; rx_missed: number; interrupts: number }[];
}

export interface NoisyResult {
  type: "noisy";
  interrupts: number;
  handled: number;
  unhandled: number;
  /** The spurious detector disabled its line ("nobody cared"). */
  line_disabled: boolean;
}

export interface HrtimerResult {
  type: "hrtimer";
  cpu: number;
  soft: boolean;
  expiries: number;
}

export interface BlockResult {
  type: "block";
  submitted: number;
  completed: number;
  in_flight: number;
  max_in_flight: number;
  interrupts: number;
  /** Submit -> request completed (seen by the task's wake-up). */
  request_latency_ns: LatencySummary;
}

export interface UartResult {
  type: "uart";
  rx_bytes: number;
  /** Bytes lost to a full FIFO (LSR.OE; "oe:" in /proc/tty/driver/serial). */
  overruns: number;
  interrupts: number;
  /** Longest wait from raising the interrupt to the top half reading IIR. */
  max_irq_latency_ns: number;
  /**
   * The tty flip buffer (with a `workqueue:`): bytes the top half pushed, lost to a full
   * buffer, flushed to the line discipline by flush_to_ldisc, and read stale there.
   */
  flip: { pushed: number; overruns: number; flushed: number; corrupt: number };
}

export type DeviceResult = NicResult | NoisyResult | UartResult | BlockResult | HrtimerResult;

export interface DeviceProjection {
  /** The scenario's name for the device. */
  readonly name: string;
  /** Its entry under `devices` in the run result, as of now. */
  result(): DeviceResult;
}

export function nicProjection(nic: Nic): DeviceProjection {
  return {
    name: nic.spec.name,
    result: (): NicResult => {
      const c = nic.counters;
      return {
        type: "nic",
        mode: nic.spec.mode,
        rx_packets: c.rxPackets,
        rx_bytes: c.rxBytes,
        rx_missed: c.rxMissed,
        interrupts: c.interrupts,
        no_work_irqs: c.noWork,
        masked_ns: nic.maskedNsNow(),
        ring_fill: nic.ringFill,
        tx_completed: c.txCompleted,
        tx_cleaned: c.txCleaned,
        queues: nic.queues.map((q) => ({
          queue: q.index,
          irq: q.irq,
          cpu: q.desc.affinity[0]!,
          rx_packets: q.counters.rxPackets,
          rx_missed: q.counters.rxMissed,
          interrupts: q.counters.interrupts,
        })),
      };
    },
  };
}

export function hrtimerProjection(h: HrTimer): DeviceProjection {
  return {
    name: h.name,
    result: (): HrtimerResult => ({ type: "hrtimer", cpu: h.cpu, soft: h.soft, expiries: h.fired }),
  };
}

export function blockProjection(b: BlockDevice): DeviceProjection {
  return {
    name: b.spec.name,
    result: (): BlockResult => ({
      type: "block",
      submitted: b.counters.submitted,
      completed: b.counters.completed,
      in_flight: b.inFlight,
      max_in_flight: b.counters.maxInFlight,
      interrupts: b.counters.interrupts,
      request_latency_ns: b.latency.summary(),
    }),
  };
}

export function uartProjection(u: Uart): DeviceProjection {
  return {
    name: u.spec.name,
    result: (): UartResult => {
      const c = u.counters;
      return {
        type: "uart",
        rx_bytes: c.rx,
        overruns: c.overruns,
        interrupts: c.interrupts,
        max_irq_latency_ns: c.maxLatencyNs,
        flip: { pushed: c.pushed, overruns: c.flipOverruns, flushed: c.flushed, corrupt: c.corrupt },
      };
    },
  };
}

export function noisyProjection(d: NoisyDevice): DeviceProjection {
  return {
    name: d.spec.name,
    result: (): NoisyResult => ({
      type: "noisy",
      interrupts: d.counters.raised,
      handled: d.counters.handled,
      unhandled: d.counters.unhandled,
      line_disabled: d.desc.spurious.disabled,
    }),
  };
}
