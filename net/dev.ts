/**
 * The receive side of net/core/dev.c: per-CPU softnet_data, netif_rx() into the backlog,
 * and net_rx_action(), the NET_RX softirq, polling the backlog under the kernel's budget
 * and handing each packet to protocol processing (__netif_receive_skb) and its socket.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { TP } from "../sim/trace.js";
import { NSEC_PER_SEC, NSEC_PER_USEC } from "../sim/time.js";
import { NET_RX_SOFTIRQ, NET_TX_SOFTIRQ, type Softirq } from "../softirq/softirq.js";
import { payloadWord, type CorruptRead, type Skb } from "./skb.js";
import type { Socket } from "./socket.js";
import { createNapi, napiCompleteDone, type NapiStruct } from "./napi.js";
import { wakeUpProcess } from "../sim/sched.js";
import { sockQueueRcvSkb } from "./socket.js";
import { SKB_DELIVERED, SKB_DROPPED, SkbRegistry, type SkbOwner } from "./skb_owner.js";

/** net/core/dev.c defaults of the sysctls under net.core. */
export const NETDEV_BUDGET = 300; // netdev_budget: packets per net_rx_action
export const NETDEV_MAX_BACKLOG = 1000; // netdev_max_backlog: input_pkt_queue limit
export const DEV_WEIGHT = 64; // dev_weight (weight_p): the backlog NAPI's quota per poll

/** net/core/dev.c: netdev_budget_usecs = 2 * USEC_PER_SEC / HZ, i.e. two jiffies. */
export function netdevBudgetUsecs(hz: number): number {
  return Math.floor((2 * 1_000_000) / hz);
}

/** The net.core sysctls that shape receive processing. */
export interface NetSysctls {
  netdevBudget: number;
  netdevBudgetUsecs: number;
  netdevMaxBacklog: number;
  devWeight: number;
}

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
  /** Transmitted skbs freed from hardirq context, waiting for NET_TX (completion_queue). */
  completionQueue: number;
  /** Skbs net_tx_action freed. */
  txFreed: number;
  /** NAPI instances waiting for NET_RX on this CPU, in scheduling order. */
  pollList: NapiStruct[];
  /**
   * While net_rx_action runs: the list it took (not yet polled), the instance it is
   * polling, and those to poll again. Kept here so the invariant walk sees every instance.
   */
  rxList: NapiStruct[];
  polling: NapiStruct | null;
  rxRepoll: NapiStruct[];
  /** The per-CPU backlog of netif_rx(), itself polled as a NAPI instance. */
  readonly backlog: NapiStruct;
  readonly inputPktQueue: Skb[];
  readonly processQueue: Skb[];
  processed: number;
  dropped: number;
  timeSqueeze: number;
  /** The backlog (input_pkt_queue + process_queue) as an skb owner. */
  owner: SkbOwner;
  /** The device NAPI instance whose poll this CPU is in, in any context (skb->napi_id for sk_mark_napi_id). */
  napiIdOwner: NapiStruct | null;
}

export interface NetStats {
  arrived: number;
  delivered: number;
  /** Delivered with a payload other than the one the device wrote (a memory-ordering bug). */
  corrupt: number;
  readonly dropped: number[];
}

/** Corrupt deliveries kept for the result; the count covers all of them. */
export const MAX_CORRUPT_REPORTS = 20;

export interface CorruptReport extends CorruptRead {
  packet: number;
  dev: number;
  /** When the reader got it. */
  deliveredAt: number;
}

export class NetStack {
  readonly softnet: SoftnetData[];
  readonly stats: NetStats = { arrived: 0, delivered: 0, corrupt: 0, dropped: DROP_REASONS.map(() => 0) };
  /** Device names by index, for naming packets ("nic0#12"). */
  readonly devNames: string[] = [];
  /** Every live skb and its one owner (net/skb_owner.ts). */
  readonly skbs: SkbRegistry;
  /** Per CPU: netif_receive_skb holding a packet through protocol processing. */
  private readonly receiving: SkbOwner[];
  /** The first MAX_CORRUPT_REPORTS corrupt deliveries, each with the accesses that caused it. */
  readonly corruptReports: CorruptReport[] = [];
  /** The socket each device's traffic is addressed to (protocol demux), by device index. */
  readonly sockets: (Socket | null)[] = [];
  readonly budgetJiffies: number;

  constructor(
    private readonly k: Kernel,
    private readonly softirq: Softirq,
    readonly sysctl: NetSysctls,
  ) {
    this.skbs = new SkbRegistry(k, (skb) => `${this.devNames[skb.dev] ?? `dev${skb.dev}`}#${skb.id}`);
    this.receiving = k.cpus.map((cpu) => ({ name: `netif_receive_skb on cpu${cpu.id}`, contents: null }));
    k.trace.registerNames("drop_reason", DROP_REASONS);
    this.softnet = k.cpus.map((cpu) => {
      const sd: SoftnetData = {
        completionQueue: 0,
        txFreed: 0,
        pollList: [],
        rxList: [],
        polling: null,
        rxRepoll: [],
        backlog: createNapi(`backlog/${cpu.id}`, -1, sysctl.devWeight, (_k, _n, quota) => this.processBacklog(sd, quota)),
        inputPktQueue: [],
        processQueue: [],
        processed: 0,
        dropped: 0,
        timeSqueeze: 0,
        owner: null as unknown as SkbOwner,
        napiIdOwner: null,
      };
      sd.owner = this.skbs.addOwner({ name: `backlog of cpu${cpu.id}`, contents: () => [...sd.inputPktQueue, ...sd.processQueue] });
      return sd;
    });
    // net_rx_action: time_limit = jiffies + usecs_to_jiffies(netdev_budget_usecs), rounding up.
    this.budgetJiffies = Math.ceil((sysctl.netdevBudgetUsecs * NSEC_PER_USEC * k.hz) / NSEC_PER_SEC);
    softirq.openSoftirq(NET_RX_SOFTIRQ, (kk) => this.netRxAction(kk));
    softirq.openSoftirq(NET_TX_SOFTIRQ, (kk) => this.netTxAction(kk));
  }

  /**
   * dev_kfree_skb_irq(): an skb cannot be freed in hardirq context, so it goes on this CPU's
   * completion_queue and NET_TX is raised to free it.
   */
  devKfreeSkbIrq(n: number): void {
    const sd = this.softnet[this.k.smpProcessorId()]!;
    sd.completionQueue += n;
    this.softirq.raiseSoftirq(NET_TX_SOFTIRQ);
  }

  /** net_tx_action(): free what dev_kfree_skb_irq queued. */
  *netTxAction(k: Kernel): Handler {
    const sd = this.softnet[k.smpProcessorId()]!;
    const n = sd.completionQueue;
    sd.completionQueue = 0;
    for (let i = 0; i < n; i++) yield k.cpu(k.costs.skb_free);
    sd.txFreed += n;
  }

  /**
   * napi_schedule() -> napi_schedule_prep(): set NAPI_STATE_SCHED unless it is already set;
   * then ____napi_schedule(). Returns false if it was set. A device instance found already
   * scheduled gets NAPI_STATE_MISSED (its owner polls it once more before completing); the
   * backlog is scheduled with a plain test_and_set_bit (enqueue_to_backlog), no MISSED.
   */
  napiSchedule(napi: NapiStruct): boolean {
    if (napi.scheduled) {
      if (napi.dev >= 0) napi.missed = true;
      return false;
    }
    for (const sd of this.softnet) {
      // NAPI_STATE_SCHED is what keeps an instance off a second poll list.
      if (sd.pollList.includes(napi)) this.k.warn("NAPI_STATE_SCHED set while on a poll list", `napi ${napi.name} is on cpu${this.softnet.indexOf(sd)}'s poll list without NAPI_STATE_SCHED`);
    }
    napi.scheduled = true;
    // napi_schedule_prep(): try_cmpxchg() on n->state, a fully ordered RMW, so the poll
    // sees everything the top half saw and stored.
    this.k.mem.mb(this.k.smpProcessorId());
    this.napiScheduleLocked(napi);
    return true;
  }

  /**
   * ____napi_schedule(), NAPI_STATE_SCHED already held: a threaded instance wakes its
   * kthread (NAPI_STATE_SCHED_THREADED, no softirq); any other goes on this CPU's poll
   * list and raises NET_RX.
   */
  napiScheduleLocked(napi: NapiStruct): void {
    napi.scheduledAt = this.k.now;
    if (napi.thread !== null) {
      napi.schedThreaded = true;
      napi.ownedBy = "thread";
      wakeUpProcess(this.k, napi.thread);
      return;
    }
    this.softnet[this.k.smpProcessorId()]!.pollList.push(napi);
    this.softirq.raiseSoftirq(NET_RX_SOFTIRQ);
  }

  drop(skb: Skb, reason: number, cpu: number): void {
    this.skbs.release(skb, SKB_DROPPED, null);
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
    if (qlen > this.sysctl.netdevMaxBacklog) {
      sd.dropped++;
      this.drop(skb, DROP_CPU_BACKLOG, cpu.id);
      return;
    }
    sd.inputPktQueue.push(skb);
    this.skbs.give(skb, sd.owner);
    k.trace.emit(TP.netif_rx, cpu.id, skb.id, skb.dev, skb.len);
    this.napiSchedule(sd.backlog);
  }

  /**
   * net_rx_action(): take this CPU's poll list and poll each instance in turn, at most
   * `weight` packets a poll, under a budget of netdev_budget packets and
   * netdev_budget_usecs. An instance that used its whole weight goes back on the list
   * (after those not yet polled). When the budget or the time runs out with work left:
   * time_squeeze++, and NET_RX is raised again so the rest runs later, at the next
   * irq_exit or in ksoftirqd.
   */
  *netRxAction(k: Kernel): Handler {
    const cpu = k.thisCpu;
    const sd = this.softnet[cpu.id]!;
    // The planted bug: a preempt_disable() with no preempt_enable() on some path.
    if (k.plants.unbalancedPreempt && k.plants.fire("unbalanced-preempt", 1)) yield k.preemptDisable();
    const timeLimit = k.jiffies + this.budgetJiffies;
    let budget = this.sysctl.netdevBudget;
    let list = sd.pollList.splice(0);
    const repoll: NapiStruct[] = [];
    sd.rxList = list;
    sd.rxRepoll = repoll;
    for (;;) {
      if (list.length === 0) {
        // ____napi_schedule may have refilled poll_list while we polled: go again.
        if (repoll.length === 0 && sd.pollList.length > 0) {
          list = sd.pollList.splice(0);
          sd.rxList = list;
          continue;
        }
        break;
      }
      const n = list.shift()!;
      sd.polling = n;
      budget -= yield* this.napiPoll(k, n, repoll);
      sd.polling = null;
      if (budget <= 0 || k.jiffies >= timeLimit) {
        sd.timeSqueeze++;
        break;
      }
    }
    // Unpolled first, then newly scheduled, then the repolls (list_splice order).
    sd.pollList = [...list, ...sd.pollList, ...repoll];
    sd.rxList = [];
    sd.rxRepoll = [];
    if (sd.pollList.length > 0) this.softirq.raiseSoftirq(NET_RX_SOFTIRQ);
  }

  /**
   * napi_poll() -> __napi_poll(): one call of the driver's poll with quota `weight`. An
   * instance that used its whole weight goes on `repoll`, unless a busy poller asked for
   * it meanwhile (NAPI_STATE_PREFER_BUSY_POLL): then it is completed early so the task can
   * take it, and rescheduled only if napi_complete_done() armed no timer.
   */
  *napiPoll(k: Kernel, n: NapiStruct, repoll: NapiStruct[]): Handler<number> {
    const weight = n.weight;
    if (!n.scheduled) this.k.warn("NAPI_STATE_SCHED set while on a poll list", `net_rx_action polls ${n.name} without NAPI_STATE_SCHED`);
    yield k.cpu(k.costs.napi_poll);
    if (n.scheduledAt >= 0) {
      // The first poll since napi_schedule(): the hand-off from the top half is done.
      // Repolls of an instance that used its whole weight are not new hand-offs.
      k.trace.measure("napi_poll_start", k.now - n.scheduledAt, n.dev); // napi_schedule() -> its first poll
      n.scheduledAt = -1;
    }
    const work = yield* this.callPoll(k, n, weight);
    if (work > weight) this.k.warn("a NAPI poll does at most its weight", `NAPI poll function ${n.name} returned ${work}, exceeding its budget of ${weight}.`);
    n.polls++;
    n.work += work;
    k.trace.emit(TP.napi_poll, k.smpProcessorId(), n.dev, work, weight);
    if (work < weight) return work; // the driver completed (napi_complete_done)
    n.fullPolls++;
    if (n.preferBusyPoll) {
      if (napiCompleteDone(n, work)) this.napiSchedule(n);
      return work;
    }
    repoll.push(n);
    return work;
  }

  /** n->poll(n, budget), with this CPU's softnet_data noting which device instance it polls. */
  *callPoll(k: Kernel, n: NapiStruct, budget: number): Handler<number> {
    const sd = this.softnet[k.smpProcessorId()]!;
    const outer = sd.napiIdOwner;
    sd.napiIdOwner = n.id > 0 ? n : null;
    const work = yield* n.poll(k, n, budget);
    sd.napiIdOwner = outer;
    return work;
  }

  /**
   * process_backlog(): drain process_queue, splicing input_pkt_queue into it when empty;
   * complete when both are empty.
   */
  private *processBacklog(sd: SoftnetData, quota: number): Handler<number> {
    let work = 0;
    for (;;) {
      while (sd.processQueue.length > 0) {
        const skb = sd.processQueue.shift()!;
        yield* this.netifReceiveSkb(skb);
        if (++work >= quota) return work;
      }
      if (sd.inputPktQueue.length === 0) {
        napiCompleteDone(sd.backlog, work);
        return work;
      }
      sd.processQueue.push(...sd.inputPktQueue.splice(0));
    }
  }

  /**
   * netif_receive_skb -> __netif_receive_skb -> ip_rcv -> udp_rcv: protocol processing in
   * NET_RX context, then the socket. The caller has taken the skb off its queue or ring.
   */
  netifReceiveSkb(skb: Skb): Handler {
    return this.skbs.holding(skb, this.receiving[this.k.smpProcessorId()]!, this.receiveSkb(skb));
  }

  private *receiveSkb(skb: Skb): Handler {
    const k = this.k;
    // __netif_receive_skb_core: every packet the stack takes in counts in sd->processed.
    this.softnet[k.smpProcessorId()]!.processed++;
    k.trace.emit(TP.netif_receive_skb, k.smpProcessorId(), skb.id, skb.dev, skb.len);
    k.trace.measure("netif_receive_skb", k.now - skb.arrivedAt, skb.dev); // arrival -> protocol processing
    yield k.cpu(k.costs.net_rx_protocol);
    yield* this.deliverLocal(skb);
  }

  /** sock_queue_rcv_skb for the socket the packet is addressed to, or a drop. */
  *deliverLocal(skb: Skb): Handler {
    const k = this.k;
    const sk = this.sockets[skb.dev] ?? null;
    if (sk === null || !sockQueueRcvSkb(k, sk, skb)) {
      this.drop(skb, DROP_SOCKET_RCVBUFF, k.smpProcessorId());
      return;
    }
    this.skbs.give(skb, sk.owner);
    // sk_mark_napi_id(): the socket remembers the NAPI instance its packets come from,
    // which is what a busy poller then polls (net/busy_poll.ts).
    const from = this.softnet[k.smpProcessorId()]!.napiIdOwner;
    if (from !== null) sk.napi = from;
    yield k.cpu(k.costs.socket_enqueue);
  }

  /**
   * recv() handed `skb` to the task: check its payload end to end, as an application
   * checksum would. The simulator knows which store each read returned, so a mismatch
   * is reported with the reordered pair behind it.
   */
  checkDelivered(skb: Skb, readerCpu: number): void {
    if (skb.data === payloadWord(skb)) return;
    this.stats.corrupt++;
    if (this.corruptReports.length >= MAX_CORRUPT_REPORTS) return;
    const why: CorruptRead = skb.corrupt ?? {
      cpu: `CPU${readerCpu}`,
      at: this.k.now,
      first: "spin_lock(sk_receive_queue.lock)",
      second: "R skb data: a stale payload after the hand-off",
      missing: "publication through the hand-off",
    };
    this.corruptReports.push({ packet: skb.id, dev: skb.dev, deliveredAt: this.k.now, ...why });
  }

  /** A packet arrives off the wire: registered live, owned by `owner` (its ring). */
  arrive(skb: Skb, owner: SkbOwner): void {
    this.stats.arrived++;
    this.skbs.arrive(skb, owner);
  }

  /** recv() returned `skb` to the task `by`: it leaves the registry, delivered. */
  deliver(skb: Skb, by: SkbOwner): void {
    if (this.skbs.release(skb, SKB_DELIVERED, by)) this.stats.delivered++;
  }

  /** Packets some owner holds: rings, backlogs, work items, handlers, socket queues. */
  inFlight(): number {
    return this.skbs.live.size;
  }
}
