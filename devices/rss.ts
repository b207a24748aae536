/**
 * Receive-side scaling: the NIC hashes each packet's flow (Toeplitz over the addresses and
 * ports on real hardware) and looks the low bits up in an indirection table that names the
 * queue. The kernel's default table spreads entries round-robin over the queues
 * (include/linux/ethtool.h ethtool_rxfh_indir_default: index % n_rx_rings). A flow always
 * lands on the same queue, so one heavy flow cannot be spread.
 */

/** Entries in the indirection table (128 on e1000e/igb/ixgbe-class NICs). */
export const RSS_INDIR_SIZE = 128;

/** A well-mixed 32-bit hash of the flow id (standing in for Toeplitz). */
export function flowHash(flow: number): number {
  let h = Math.imul(flow ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function rssQueue(flow: number, queues: number): number {
  if (queues <= 1) return 0;
  const entry = flowHash(flow) % RSS_INDIR_SIZE;
  return entry % queues;
}
