/**
 * A received packet (struct sk_buff), with its arrival time for the latency breakdown.
 */
import type { Location } from "../sim/memory.js";
import type { SkbOwner } from "./skb_owner.js";

export interface Skb {
  readonly id: number;
  /** Index of the receiving device. */
  readonly dev: number;
  readonly len: number;
  /** Device time of arrival (the DMA write), ns. */
  readonly arrivedAt: number;
  /**
   * The payload word as the current holder read it from memory: the device DMAs
   * payloadWord(skb) into the buffer; every hand-off copies what it read. A value other
   * than payloadWord(skb) at recv() is a corrupt delivery.
   */
  data: number;
  /** The memory word carrying `data` across a hand-off (socket queue, work item). */
  dataLoc: Location | null;
  /** Why the payload is wrong: the first reordered pair of accesses that made it so. */
  corrupt: CorruptRead | null;
  /** Its one owner now (net/skb_owner.ts), and the event and time that last moved it. */
  owner: SkbOwner | null;
  touchedEvent: number;
  touchedNs: number;
  /** 0 live, then SKB_DELIVERED or SKB_DROPPED. */
  fate: number;
}

/** A new skb as the device builds it, owned by nobody until it is registered. */
export function allocSkb(id: number, dev: number, len: number, arrivedAt: number): Skb {
  return { id, dev, len, arrivedAt, data: 0, dataLoc: null, corrupt: null, owner: null, touchedEvent: 0, touchedNs: 0, fate: 0 };
}

/** A pair of accesses that the missing ordering let happen in the wrong order. */
export interface CorruptRead {
  /** Where the stale value was read (or written to the wrong buffer). */
  cpu: string;
  at: number;
  /** The access that should have come first, and the one that overtook it. */
  first: string;
  second: string;
  /** The barrier that would have forbidden it. */
  missing: string;
}

/** What the device writes into the buffer for this packet: a word no other packet has. */
export function payloadWord(skb: Skb): number {
  return skb.id + 1;
}

/**
 * Memory charged to the socket per skb (skb->truesize): the data plus the sk_buff and
 * skb_shared_info overhead (~576 bytes on x86-64; SKB_TRUESIZE in include/linux/skbuff.h).
 */
export const SKB_OVERHEAD = 576;

export function truesize(skb: Skb): number {
  return skb.len + SKB_OVERHEAD;
}
