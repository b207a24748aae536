/**
 * The receive side of net/core/dev.c: per-CPU softnet_data, netif_rx() into the backlog,
 * and net_rx_action(), the NET_RX softirq, polling the backlog under the kernel's budget
 * and handing each packet to protocol processing (__netif_receive_skb) and its socket.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { TP } from "../sim/trace.js";
import { NSEC_PER_SEC, NSEC_PER_USEC } from "../sim/time.js";
import { NET_RX_SOFTIRQ, type Softirq } from "../softirq/softirq.js";
import type { Skb } from "./skb.js";
import type { Socket } from "./socket.js";
import { sockQueueRcvSkb } from "./socket.js";

/** net/core/dev.c: netdev_budget = 300 packets per net_rx_action. */
export const NETDEV_BUDGET = 300;
/** net/core/dev.c: netdev_budget_usecs = 2 * USEC_PER_SEC / HZ: two jiffies (2000 us at HZ=1000). */
export function netdevBudgetUsecs(hz: number): number {
  return Math.floor((2 * 1_000_000) / hz);
}
/** net/core/dev.c: netdev_max_backlog = 1000 packets in input_pkt_queue. */
export const NETDEV_MAX_BACKLOG = 1000;
/** net/core/dev.c: dev_rx_weight (weight_p) = 64, the backlog NAPI's quota per poll. */
export const DEV_RX_WEIGHT = 64;

/** Why a packet was dropped: the kernel's drop reasons where one exists. */
export const DROP_REASONS = [
  "rx_ring_full", // NIC had no free rx descriptor (ethtool rx_missed_errors / rx_no_buffer)
  "cpu_backlog", // SKB_DROP_REASON_CPU_BACKLOG: input_pkt_queue over netdev_max_backlog
  "socket_rcvbuff", // SKB_DROP_REASON_SOCKET_RCVBUFF: receive queue over sk_rcvbuf
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
export const DROP_RX_RING_FULL = 0;
export const DROP_CPU_BACKLOG = 1;
export const DROP_SOCKET_RCVBUFF = 2;

/** struct softnet_data, the per-CPU receive state and /proc/net/softnet_stat counters. */
export interface SoftnetData {
  readonly inputPktQueue: Skb[];
  readonly processQueue: Skb[];
  /** The backlog's NAPI_STATE_SCHED: it is on the poll list. */
  backlogScheduled: boolean;
  processed: number;
  dropped: number;
  timeSqueeze: number;
}

export interface NetStats {
  arrived: number;
  delivered: number;
  readonly dropped: number[];
  /** Packets held by a handler between queues (dequeued, not yet queued elsewhere). */
  inProcess: number;
}

export interface NetLatencyHooks {
  /** netif_rx -> protocol processing start (the bottom-half delay). */
  onBottomHalf(ns: number): void;
}

export class NetStack {
  readonly softnet: SoftnetData[];
  readonly stats: NetStats = { arrived: 0, delivered: 0, dropped: DROP_REASONS.map(() => 0), inProcess: 0 };
  /** The socket each device's traffic is addressed to (protocol demux), by device index. */
  readonly sockets: (Socket | null)[] = [];
  latency: NetLatencyHooks | null = null;
  readonly budgetJiffies: number;

  constructor(
    private readonly k: Kernel,
    private readonly softirq: Softirq,
  ) {
    this.softnet = k.cpus.map(() => ({
      inputPktQueue: [],
      processQueue: [],
      backlogScheduled: false,
      processed: 0,
      dropped: 0,
      timeSqueeze: 0,
    }));
    // net_rx_action: time_limit = jiffies + usecs_to_jiffies(netdev_budget_usecs), rounding up.
    this.budgetJiffies = Math.ceil((netdevBudgetUsecs(k.hz) * NSEC_PER_USEC * k.hz) / NSEC_PER_SEC);
    softirq.openSoftirq(NET_RX_SOFTIRQ, (kk) => this.netRxAction(kk));
  }

  drop(skb: Skb, reason: number, cpu: number): void {
    this.stats.dropped[reason]!++;
    this.k.trace.emit(TP.pkt_drop, cpu, skb.dev, skb.id, reason);
  }

  /**
   * netif_rx() -> enqueue_to_backlog(): queue on this CPU's input_pkt_queue; if the
   * backlog was idle, schedule its NAPI (raise NET_RX). Over netdev_max_backlog: drop.
   */
  netifRx(skb: Skb): void {
    const k = this.k;
    const cpu = k.thisCpu;
    const sd = this.softnet[cpu.id]!;
    const qlen = sd.inputPktQueue.length;
    if (qlen > NETDEV_MAX_BACKLOG) {
      sd.dropped++;
      this.drop(skb, DROP_CPU_BACKLOG, cpu.id);
      return;
    }
    skb.queuedAt = k.now;
    sd.inputPktQueue.push(skb);
    k.trace.emit(TP.netif_rx, cpu.id, skb.id);
    if (!sd.backlogScheduled) {
      sd.backlogScheduled = true;
      this.softirq.raiseSoftirq(NET_RX_SOFTIRQ);
    }
  }

  /**
   * net_rx_action(): poll under a budget of NETDEV_BUDGET packets and
   * netdev_budget_usecs; when either runs out with work left, count a time_squeeze and
   * re-raise NET_RX so the rest runs later (or in ksoftirqd).
   */
  *netRxAction(k: Kernel): Handler {
    const cpu = k.thisCpu;
    const sd = this.softnet[cpu.id]!;
    const timeLimit = k.jiffies + this.budgetJiffies;
    let budget = NETDEV_BUDGET;
    while (sd.backlogScheduled) {
      const work = yield* this.processBacklog(sd, DEV_RX_WEIGHT);
      budget -= work;
      // A poll that used its whole weight stays on the list (napi_poll repoll).
      if (work < DEV_RX_WEIGHT) break;
      if (budget <= 0 || k.jiffies >= timeLimit) {
        sd.timeSqueeze++;
        break;
      }
    }
    if (sd.backlogScheduled) this.softirq.raiseSoftirq(NET_RX_SOFTIRQ);
  }

  /**
   * process_backlog(): drain process_queue, splicing input_pkt_queue into it when empty;
   * complete (leave the poll list) when both are empty.
   */
  private *processBacklog(sd: SoftnetData, quota: number): Handler<number> {
    let work = 0;
    for (;;) {
      while (sd.processQueue.length > 0) {
        const skb = sd.processQueue.shift()!;
        yield* this.netifReceiveSkb(skb);
        sd.processed++;
        if (++work >= quota) return work;
      }
      if (sd.inputPktQueue.length === 0) {
        sd.backlogScheduled = false;
        return work;
      }
      sd.processQueue.push(...sd.inputPktQueue.splice(0));
    }
  }

  /** __netif_receive_skb -> ip_rcv -> udp_rcv -> sock_queue_rcv_skb. */
  private *netifReceiveSkb(skb: Skb): Handler {
    const k = this.k;
    this.stats.inProcess++;
    this.latency?.onBottomHalf(k.now - skb.queuedAt);
    yield k.cpu(k.costs.net_rx_protocol);
    this.stats.inProcess--;
    const sk = this.sockets[skb.dev] ?? null;
    if (sk === null || !sockQueueRcvSkb(k, sk, skb)) {
      this.drop(skb, DROP_SOCKET_RCVBUFF, k.smpProcessorId());
      return;
    }
    yield k.cpu(k.costs.socket_enqueue);
  }

  /** Packets inside the stack: backlogs, in processing, socket queues. */
  inFlight(): number {
    let n = this.stats.inProcess;
    for (const sd of this.softnet) n += sd.inputPktQueue.length + sd.processQueue.length;
    for (const sk of this.sockets) if (sk !== null) n += sk.queue.length + sk.inRecv;
    return n;
  }
}
