/**
 * What each device reports under `devices` in the run result, by device type.
 */
import type { LatencySummary } from "../sim/metrics.js";

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
