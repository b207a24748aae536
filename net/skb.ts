/**
 * A received packet (struct sk_buff), with its arrival time for the latency breakdown.
 */
export interface Skb {
  readonly id: number;
  /** Index of the receiving device. */
  readonly dev: number;
  readonly len: number;
  /** Device time of arrival (the DMA write), ns. */
  readonly arrivedAt: number;
}

/**
 * Memory charged to the socket per skb (skb->truesize): the data plus the sk_buff and
 * skb_shared_info overhead (~576 bytes on x86-64; SKB_TRUESIZE in include/linux/skbuff.h).
 */
export const SKB_OVERHEAD = 576;

export function truesize(skb: Skb): number {
  return skb.len + SKB_OVERHEAD;
}
