/**
 * A NIC (drivers/net/ethernet/intel/e1000e style) with one or more receive queues. Each
 * packet belongs to a flow; receive-side scaling hashes the flow to a queue through the
 * indirection table, and every queue has its own ring, interrupt vector (with its own
 * smp_affinity), NAPI instance and interrupt moderation (drivers/nic_queue.ts).
 *
 * How the driver splits the work (`mode`):
 *  - irq: the classic interrupt per packet. The top half copies every completed descriptor
 *    into an skb and hands it to netif_rx(); protocol processing happens in NET_RX.
 *  - napi: the top half masks the vector and calls napi_schedule(); NET_RX polls the ring
 *    under the NAPI weight and budget, and the driver unmasks only when a poll finds less
 *    work than its weight (napi_complete_done).
 *  - tasklet: the top half masks the vector and schedules a tasklet that drains the ring
 *    and unmasks (the pre-NAPI style of many drivers). Several devices may share one.
 *  - threaded: request_threaded_irq with IRQF_ONESHOT; the primary handler acks and wakes
 *    irq/N-name, which drains the ring in process context (BH disabled around the stack).
 *  - workqueue: the top half copies each packet off the ring and queues one work item per
 *    packet; the work function does the protocol processing in a kworker and may sleep
 *    (an I/O wait, a mutex), so concurrency management has something to manage.
 * `shared` puts it on a legacy INTx line (IO-APIC, fasteoi) that other devices may share;
 * its handler then returns IRQ_NONE when ICR shows no cause of its own.
 * `bug` plants a classic driver mistake in the top half: msleep() or mutex_lock() in
 * hardirq context, which the kernel reports in dmesg.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import type { IrqDesc } from "../sim/irq.js";
import type { Memory } from "../sim/memory.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { createMutex, mutexLock, mutexUnlock, type Mutex } from "../sim/mutex.js";
import type { RandomStream } from "../sim/rng.js";
import { TP } from "../sim/trace.js";
import type { NetStack } from "../net/dev.js";
import type { NapiStruct } from "../net/napi.js";
import { allocSkb } from "../net/skb.js";
import type { TaskletStruct, Tasklets } from "../softirq/tasklet.js";
import type { Workqueue, Workqueues } from "../workqueue/workqueue.js";
import type { CoalesceSpec } from "../devices/coalesce.js";
import { RxQueue, type QueueCounters } from "./nic_queue.js";
import { rssQueue } from "../devices/rss.js";
import { createTraffic, type Traffic, type TrafficSpec } from "../devices/traffic.js";
import { ClosedLoop } from "../devices/closed_loop.js";

export { ICR_RXT0, RXD_STAT_DD } from "./nic_queue.js";

export type NicMode = "irq" | "napi" | "tasklet" | "threaded" | "workqueue";
export type NicBug = "none" | "msleep_in_irq" | "mutex_in_irq";

export interface NicSpec {
  name: string;
  /** Index among devices (trace argument, skb->dev). */
  index: number;
  /** The first queue's IRQ; queue q uses irq + q. */
  irq: number;
  /** smp_affinity of queue q: affinity[q % affinity.length]. */
  affinity: number[];
  ringSize: number;
  packetSize: number;
  mode: NicMode;
  /** NAPI weight (mode napi). */
  weight: number;
  /** napi_id of queue 0's NAPI instance (mode napi); queue q gets napiIdBase + q. */
  napiIdBase: number;
  /** Receive queues (RSS); each has its own ring and vector. */
  queues: number;
  /** Distinct flows in the traffic; RSS spreads flows, never one flow, across queues. */
  flows: number;
  coalesce: CoalesceSpec;
  /** On a shared legacy INTx line instead of MSI-X. */
  shared: boolean;
  /** Modes threaded/workqueue: a sleep in the deferred function per packet (an I/O wait). */
  ioWait: number;
  /** Modes threaded/workqueue: hold the device mutex around the I/O wait and delivery. */
  lock: boolean;
  bug: NicBug;
  /** dma_rmb() after reading DD and wmb() before the tail write (false: the planted bug). */
  barriers: boolean;
  /** Packets per second the host transmits (evenly spaced); each completion interrupts queue 0. */
  txRate: number;
  traffic: TrafficSpec;
}

export class Nic {
  readonly queues: RxQueue[];
  /** The driver's mutex (e.g. guarding a device's request queue or a socket). */
  readonly lock: Mutex;
  tasklet: TaskletStruct | null = null;
  tasklets: Tasklets | null = null;
  /** Mode tasklet on a BH workqueue: queue_work() of the converted tasklet (workqueue/bh.ts). */
  bhQueue: (() => boolean) | null = null;
  wqs: Workqueues | null = null;
  wq: Workqueue | null = null;
  private readonly traffic: Traffic;
  private readonly flowRng: RandomStream;
  private readonly arrival: SimEvent;
  /** Traffic kind closed: the clients, who send again when their reply arrives. */
  readonly closedLoop: ClosedLoop | null;
  private nextId = 0;

  constructor(
    readonly k: Kernel,
    readonly mem: Memory,
    readonly net: NetStack,
    readonly spec: NicSpec,
  ) {
    this.lock = createMutex(`${spec.name}.lock`);
    net.devNames[spec.index] = spec.name;
    this.queues = Array.from({ length: spec.queues }, (_, q) => new RxQueue(this, q, spec.irq + q, [spec.affinity[q % spec.affinity.length]!]));
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.traffic = createTraffic(spec.traffic, k.rng.stream(`${spec.name}.arrivals`));
    this.flowRng = k.rng.stream(`${spec.name}.flows`);
    this.arrival = createEvent(() => {
      this.receive();
      const next = this.traffic.next();
      if (Number.isFinite(next)) k.engine.schedule(this.arrival, Math.max(k.now, next));
    });
    const first = this.traffic.next();
    if (Number.isFinite(first)) k.engine.schedule(this.arrival, first);
    const t = spec.traffic;
    this.closedLoop = t.kind === "closed" ? new ClosedLoop({ clients: t.clients, think: t.think, start: t.start }) : null;
    for (const at of this.closedLoop?.firstSends() ?? []) this.sendAt(at);
    if (spec.txRate > 0) {
      // Transmit completions (the host's own traffic going out), evenly spaced.
      const period = 1e9 / spec.txRate;
      let n = 1;
      const tx: SimEvent = createEvent(() => {
        this.queues[0]!.txComplete();
        k.engine.schedule(tx, Math.floor(++n * period));
      });
      k.engine.schedule(tx, Math.floor(period));
    }
  }

  /** A closed-loop client's request leaves at `at` (its own event: several may be pending). */
  private sendAt(at: number): void {
    const k = this.k;
    k.engine.schedule(
      createEvent(() => {
        this.closedLoop!.onSend();
        this.receive();
      }),
      Math.max(k.now, at),
    );
  }

  /** The application has one of this NIC's packets: with closed-loop traffic, its client sends again. */
  reply(): void {
    if (this.closedLoop !== null) this.sendAt(this.closedLoop.onReply(this.k.now));
  }

  /** Queue 0's vector (the whole device's, with one queue). */
  get desc(): IrqDesc {
    return this.queues[0]!.desc;
  }

  /** Queue 0's NAPI instance, null unless mode napi. */
  get napi(): NapiStruct | null {
    return this.queues[0]!.napi;
  }

  /** Counters summed over the queues. */
  get counters(): QueueCounters {
    const sum: QueueCounters = { rxPackets: 0, rxBytes: 0, rxMissed: 0, interrupts: 0, noWork: 0, masks: 0, unmasks: 0, maskedNs: 0, txCompleted: 0, txCleaned: 0 };
    for (const q of this.queues) for (const key of Object.keys(sum) as (keyof QueueCounters)[]) sum[key] += q.counters[key];
    return sum;
  }

  get ringFill(): number {
    return this.queues.reduce((a, q) => a + q.ringFill, 0);
  }

  get inRing(): number {
    return this.queues.reduce((a, q) => a + q.inRing, 0);
  }

  /** Some queue's vector is masked by the driver. */
  get masked(): boolean {
    return this.queues.some((q) => q.masked);
  }

  /** Time masked, averaged over the queues, including maskings still in progress. */
  maskedNsNow(): number {
    return Math.round(this.queues.reduce((a, q) => a + q.maskedNsNow(), 0) / this.queues.length);
  }

  /** Mode workqueue: where the top halves queue their per-packet work items. */
  useWorkqueue(wqs: Workqueues, wq: Workqueue): void {
    this.wqs = wqs;
    this.wq = wq;
  }

  /** Mode tasklet on a BH workqueue: the top halves queue this work item instead. */
  useBhWork(queue: () => boolean): void {
    this.bhQueue = queue;
  }

  /** Mode tasklet: the tasklet the top halves schedule (possibly shared with other devices). */
  useTasklet(tasklets: Tasklets, t: TaskletStruct): void {
    this.tasklets = tasklets;
    this.tasklet = t;
  }

  /**
   * A burst of `n` extra packets arriving now on top of the traffic (a scenario fault, the
   * dashboard's fault key). Call it from an event, not from inside a handler.
   */
  injectBurst(n: number): void {
    for (let i = 0; i < n; i++) this.receive(true);
  }

  /** A packet comes off the wire and is steered to its flow's queue. */
  private receive(burst = false): void {
    const k = this.k;
    // A replayed trace names each packet's size and flow; otherwise flows are drawn.
    const flow = (burst ? null : this.traffic.flow()) ?? (this.spec.flows > 1 ? this.flowRng.int(this.spec.flows) : 0);
    const len = (burst ? null : this.traffic.size()) ?? this.spec.packetSize;
    const skb = allocSkb(this.nextId++, this.spec.index, len, k.now);
    const q = this.queues[rssQueue(flow, this.queues.length)]!;
    this.net.arrive(skb, q.ringOwner);
    k.trace.emit(TP.pkt_arrive, -1, skb.dev, skb.id);
    q.dma(skb);
  }

  /** The sender's new pace (a `set_rate` fault); false for replayed traffic. */
  setTrafficRate(rate: number): boolean {
    return this.traffic.setRate?.(rate, this.k.now) ?? false;
  }

  /**
   * `ethtool -C rx-usecs N rx-frames M adaptive-rx off` while it runs: every queue's
   * moderation (its Coalescer reads this spec) uses the new values from the next packet on;
   * a timer already armed expires as it was set, as the ITR countdown in flight does.
   */
  setCoalesce(rxUsecs: number, rxFrames: number): void {
    const c = this.spec.coalesce;
    c.rxUsecs = rxUsecs;
    c.rxFrames = rxFrames;
    c.adaptive = false;
  }

  /** The driver with or without its dma_rmb()/wmb() from now on (a `set_barriers` fault). */
  setBarriers(barriers: boolean): void {
    this.spec.barriers = barriers;
  }

  /** The driver bug the scenario asked for: sleeping in hardirq context. */
  *plantedBug(k: Kernel): Handler {
    if (this.spec.bug === "msleep_in_irq") {
      yield k.sleep(1_000_000); // msleep(1), "waiting for the PHY"
    } else if (this.spec.bug === "mutex_in_irq") {
      if (yield* mutexLock(k, this.lock)) mutexUnlock(k, this.lock);
    }
  }

  /** Mode tasklet: drain every queue, then unmask each. */
  *taskletRx(k: Kernel): Handler {
    for (const q of this.queues) yield* q.taskletRx(k);
  }
}
