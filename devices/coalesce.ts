/**
 * Interrupt coalescing, as `ethtool -C` sets it: instead of one interrupt per packet, the
 * NIC waits until `rx-frames` packets are pending or `rx-usecs` have passed since the first
 * of them, trading latency for fewer interrupts. With adaptive-rx the driver picks the
 * moderation itself from the traffic it sees: e1000's dynamic ITR
 * (drivers/net/ethernet/intel/e1000/e1000_main.c e1000_update_itr / e1000_set_itr) moves
 * between lowest latency (70,000 interrupts/s), low latency (20,000/s) and bulk (4,000/s)
 * by packets and bytes per interrupt, and the interrupt rate is throttled to that.
 */

export interface CoalesceSpec {
  /** Delay after the first pending packet, ns (ethtool rx-usecs). 0 = no delay. */
  rxUsecs: number;
  /** Interrupt once this many packets are pending (ethtool rx-frames). 0 = no limit. */
  rxFrames: number;
  /** adaptive-rx on: e1000 dynamic ITR instead of the fixed values. */
  adaptive: boolean;
}

const LOWEST_LATENCY = 0;
const LOW_LATENCY = 1;
const BULK_LATENCY = 2;
/** e1000_set_itr: interrupts per second for each state. */
const ITR_INTS_PER_S = [70_000, 20_000, 4_000];

export class Coalescer {
  /** Packets since the last interrupt. */
  pending = 0;
  private bytes = 0;
  private itrState = LOW_LATENCY;
  /** Current throttle, interrupts per second (adaptive), smoothed as e1000_set_itr does. */
  private itr = ITR_INTS_PER_S[LOW_LATENCY]!;
  private lastIrqAt = -Infinity;

  constructor(readonly spec: CoalesceSpec) {}

  get off(): boolean {
    return !this.spec.adaptive && this.spec.rxUsecs === 0 && this.spec.rxFrames <= 1;
  }

  /**
   * A packet arrived. Returns "now" to interrupt at once, or the absolute time to arm the
   * moderation timer for (if not already armed), or null to keep waiting.
   */
  onPacket(now: number, len: number): "now" | number {
    this.pending++;
    this.bytes += len;
    if (this.spec.adaptive) {
      const interval = Math.round(1e9 / this.itr);
      const earliest = this.lastIrqAt + interval;
      return now >= earliest ? "now" : earliest;
    }
    if (this.spec.rxFrames > 0 && this.pending >= this.spec.rxFrames) return "now";
    if (this.spec.rxUsecs === 0) return "now";
    return now + this.spec.rxUsecs;
  }

  /** The interrupt fired: account the packets it covers and adapt. */
  onInterrupt(now: number): void {
    if (this.spec.adaptive && this.pending > 0) this.updateItr(this.pending, this.bytes);
    this.pending = 0;
    this.bytes = 0;
    this.lastIrqAt = now;
  }

  /** e1000_update_itr(): the next state from packets and bytes per interrupt. */
  private updateItr(packets: number, bytes: number): void {
    let next = this.itrState;
    const perPacket = bytes / packets;
    switch (this.itrState) {
      case LOWEST_LATENCY:
        if (perPacket > 8000) next = BULK_LATENCY;
        else if (packets < 5 && bytes > 512) next = LOW_LATENCY;
        break;
      case LOW_LATENCY:
        if (bytes > 10000) {
          if (perPacket > 8000) next = BULK_LATENCY;
          else if (packets < 10 || perPacket > 1200) next = BULK_LATENCY;
          else if (packets > 35) next = LOWEST_LATENCY;
        } else if (perPacket > 2000) next = BULK_LATENCY;
        else if (packets <= 2 && bytes < 512) next = LOWEST_LATENCY;
        break;
      case BULK_LATENCY:
        if (bytes > 25000) {
          if (packets > 35) next = LOW_LATENCY;
        } else if (bytes < 6000) next = LOW_LATENCY;
        break;
    }
    this.itrState = next;
    const target = ITR_INTS_PER_S[next]!;
    // e1000_set_itr: "this attempts to bias the interrupt rate towards Bulk by adding
    // intermediate steps when interrupt rate is increasing".
    this.itr = target > this.itr ? Math.min(this.itr + (target >> 2), target) : target;
  }

  /** The current moderation, for reports: interrupts per second allowed (adaptive). */
  get itrIntsPerSec(): number {
    return this.itr;
  }
}
