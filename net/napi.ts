/**
 * NAPI (net/core/dev.c, include/linux/netdevice.h): a device that has interrupted masks its
 * IRQ and asks to be polled; NET_RX then calls its poll function with a quota of `weight`
 * packets until it finds less work than that, when the driver calls napi_complete_done()
 * and unmasks its IRQ. Under load the device is never interrupting: it is polled, and
 * excess packets drop cheaply at its ring instead of costing an interrupt each.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";

/** include/linux/netdevice.h: NAPI_POLL_WEIGHT = 64. */
export const NAPI_POLL_WEIGHT = 64;

export interface NapiStruct {
  readonly name: string;
  /** Device index for the trace (skb->dev), -1 for a CPU's backlog. */
  readonly dev: number;
  weight: number;
  /** NAPI_STATE_SCHED: on a poll list, or being polled. */
  scheduled: boolean;
  /**
   * When napi_schedule() last set NAPI_STATE_SCHED, until net_rx_action first calls the
   * poll after that (then -1): one top half -> poll hand-off, for the latency breakdown.
   */
  scheduledAt: number;
  /** The driver's poll: process up to `budget` packets, return how many. */
  poll: (k: Kernel, napi: NapiStruct, budget: number) => Handler<number>;
  /** Counters: polls, packets, polls that used the whole weight, completions. */
  polls: number;
  work: number;
  fullPolls: number;
  completes: number;
}

export function createNapi(name: string, dev: number, weight: number, poll: NapiStruct["poll"]): NapiStruct {
  return { name, dev, weight, scheduled: false, scheduledAt: -1, poll, polls: 0, work: 0, fullPolls: 0, completes: 0 };
}

/**
 * napi_complete_done(): the poll found less work than its weight. Clears
 * NAPI_STATE_SCHED; the driver re-enables its interrupt after this returns true.
 */
export function napiCompleteDone(napi: NapiStruct, _workDone: number): boolean {
  napi.scheduled = false;
  napi.completes++;
  return true;
}
