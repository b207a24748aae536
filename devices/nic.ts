/**
 * A NIC with an rx descriptor ring (drivers/net/ethernet/intel/e1000e style). The device
 * DMA-writes the buffer and length, then sets the descriptor's DD status bit, latches a
 * cause in ICR and, unless the driver has masked it (IMC), raises its MSI. Reading ICR
 * acks it; writing IMS unmasks, and a cause that arrived while masked raises the MSI at
 * once, so no packet is left waiting without an interrupt.
 *
 * How the driver splits the work (`mode`):
 *  - irq: the classic interrupt per packet. The top half copies every completed descriptor
 *    into an skb and hands it to netif_rx(); protocol processing happens in NET_RX.
 *  - napi: the top half masks the device and calls napi_schedule(); NET_RX polls the ring
 *    under the NAPI weight and budget, and the driver unmasks only when a poll finds less
 *    work than its weight (napi_complete_done).
 *  - tasklet: the top half masks the device and schedules a tasklet that drains the ring
 *    and unmasks (the pre-NAPI style of many drivers). Several devices may share one.
 *  - threaded: request_threaded_irq with IRQF_ONESHOT; the primary handler acks and wakes
 *    irq/N-name, which drains the ring in process context (BH disabled around the stack).
 *  - workqueue: the top half copies each packet off the ring and queues one work item per
 *    packet; the work function does the protocol processing in a kworker and may sleep
 *    (an I/O wait, a mutex), so concurrency management has something to manage.
 * `bug` plants a classic driver mistake in the top half: msleep() or mutex_lock() in
 * hardirq context, which the kernel reports in dmesg.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_WAKE_THREAD, IRQF_ONESHOT, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { requestThreadedIrq } from "../sim/irq_thread.js";
import { createMutex, mutexLock, mutexUnlock, type Mutex } from "../sim/mutex.js";
import type { Workqueue, Workqueues } from "../workqueue/workqueue.js";
import { queueWorkOp } from "../workqueue/queue.js";
import type { Location, Memory } from "../sim/memory.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { TP } from "../sim/trace.js";
import { DROP_RX_RING_FULL, type NetStack } from "../net/dev.js";
import { createNapi, napiCompleteDone, type NapiStruct } from "../net/napi.js";
import type { Skb } from "../net/skb.js";
import type { TaskletStruct, Tasklets } from "../softirq/tasklet.js";
import { createTraffic, type Traffic, type TrafficSpec } from "./traffic.js";

/** Descriptor status bit "descriptor done" (E1000_RXD_STAT_DD). */
export const RXD_STAT_DD = 0x01;
/** ICR cause bit "receiver timer interrupt" (E1000_ICR_RXT0). */
export const ICR_RXT0 = 0x80;

export type NicMode = "irq" | "napi" | "tasklet" | "threaded" | "workqueue";
export type NicBug = "none" | "msleep_in_irq" | "mutex_in_irq";

interface RxDesc {
  readonly status: Location;
  readonly length: Location;
  /** The DMA buffer's contents: the packet the device wrote. */
  skb: Skb | null;
}

export interface NicSpec {
  name: string;
  /** Index among devices (trace argument, skb->dev). */
  index: number;
  irq: number;
  affinity: number[];
  ringSize: number;
  packetSize: number;
  mode: NicMode;
  /** NAPI weight (mode napi). */
  weight: number;
  /** Modes threaded/workqueue: a sleep in the deferred function per packet (an I/O wait). */
  ioWait: number;
  /** Modes threaded/workqueue: hold the device mutex around the I/O wait and delivery. */
  lock: boolean;
  bug: NicBug;
  traffic: TrafficSpec;
}

export interface NicCounters {
  /** Packets the device took into the ring. */
  rxPackets: number;
  rxBytes: number;
  /** Packets lost because no descriptor was free (rx_missed_errors). */
  rxMissed: number;
  /** MSIs the device raised. */
  interrupts: number;
  /** Top-half runs that found nothing to clean (an earlier run took it already). */
  noWork: number;
  /** Times the driver masked the device (IMC) and unmasked it (IMS). */
  masks: number;
  unmasks: number;
  /** Nanoseconds spent masked. */
  maskedNs: number;
}

export class Nic {
  readonly counters: NicCounters = { rxPackets: 0, rxBytes: 0, rxMissed: 0, interrupts: 0, noWork: 0, masks: 0, unmasks: 0, maskedNs: 0 };
  readonly desc: IrqDesc;
  readonly napi: NapiStruct | null;
  private tasklet: TaskletStruct | null = null;
  private tasklets: Tasklets | null = null;
  private wqs: Workqueues | null = null;
  private wq: Workqueue | null = null;
  /** The driver's mutex (e.g. guarding a device's request queue or a socket). */
  readonly lock: Mutex;
  private readonly ring: RxDesc[];
  /** Next descriptor the device fills (hardware head). */
  private head = 0;
  /** Descriptors owned by the device (between head and tail). */
  private hwOwned: number;
  /** Next descriptor the driver cleans (next_to_clean). */
  private nextToClean = 0;
  /** Interrupt cause register; reading it clears it. */
  private icr = 0;
  /** Interrupt mask: false while the driver has masked the device (IMC written). */
  private imsEnabled = true;
  private maskedSince = 0;
  private readonly traffic: Traffic;
  private readonly arrival: SimEvent;
  private nextId = 0;
  private readonly agent: number;

  constructor(
    private readonly k: Kernel,
    private readonly mem: Memory,
    private readonly net: NetStack,
    readonly spec: NicSpec,
  ) {
    this.agent = -1 - spec.index;
    this.ring = Array.from({ length: spec.ringSize }, (_, i) => ({
      status: mem.alloc(`${spec.name}.rx[${i}].status`),
      length: mem.alloc(`${spec.name}.rx[${i}].length`),
      skb: null,
    }));
    this.hwOwned = spec.ringSize;
    this.desc = k.irq.setupLine(spec.irq, { chip: "IR-PCI-MSI", hwirq: 524288 + spec.index * 2048, affinity: spec.affinity });
    this.lock = createMutex(`${spec.name}.lock`);
    if (spec.mode === "threaded") {
      requestThreadedIrq(k, spec.irq, (kk, dev) => (dev as Nic).primary(kk), (kk, dev) => (dev as Nic).threadFn(kk), IRQF_ONESHOT, spec.name, this);
    } else {
      k.irq.requestIrq(spec.irq, (kk, dev) => (dev as Nic).intr(kk), 0, spec.name, this);
    }
    this.napi = spec.mode === "napi" ? createNapi(spec.name, spec.index, spec.weight, (kk, _n, budget) => this.poll(kk, budget)) : null;
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.traffic = createTraffic(spec.traffic, k.rng.stream(`${spec.name}.arrivals`));
    this.arrival = createEvent(() => {
      this.receive();
      k.engine.schedule(this.arrival, Math.max(k.now, this.traffic.next()));
    });
    k.engine.schedule(this.arrival, this.traffic.next());
  }

  /** Mode workqueue: where the top half queues its per-packet work items. */
  useWorkqueue(wqs: Workqueues, wq: Workqueue): void {
    this.wqs = wqs;
    this.wq = wq;
  }

  /** Mode tasklet: the tasklet this device's top half schedules (possibly shared). */
  useTasklet(tasklets: Tasklets, t: TaskletStruct): void {
    this.tasklets = tasklets;
    this.tasklet = t;
  }

  /** Descriptors holding packets the driver has not cleaned yet. */
  get ringFill(): number {
    return this.spec.ringSize - this.hwOwned;
  }

  /** Packets sitting in the ring (DD set, not yet cleaned). */
  get inRing(): number {
    let n = 0;
    for (const d of this.ring) if (d.skb !== null) n++;
    return n;
  }

  get masked(): boolean {
    return !this.imsEnabled;
  }

  /** Time masked so far, including a masking still in progress. */
  maskedNsNow(): number {
    return this.counters.maskedNs + (this.imsEnabled ? 0 : this.k.now - this.maskedSince);
  }

  /**
   * A burst of `n` extra packets arriving now on top of the traffic (the dashboard's
   * fault key, lessons). Call it from an event, not from inside a handler.
   */
  injectBurst(n: number): void {
    for (let i = 0; i < n; i++) this.receive();
  }

  /** A packet comes off the wire. */
  private receive(): void {
    const k = this.k;
    const skb: Skb = { id: this.nextId++, dev: this.spec.index, len: this.spec.packetSize, arrivedAt: k.now };
    this.net.stats.arrived++;
    k.trace.emit(TP.pkt_arrive, -1, skb.dev, skb.id);
    if (this.hwOwned === 0) {
      this.counters.rxMissed++;
      this.net.drop(skb, DROP_RX_RING_FULL, -1);
    } else {
      // Device-side order: buffer and length first, DD last.
      const d = this.ring[this.head]!;
      d.skb = skb;
      this.mem.write(d.length, skb.len, this.agent);
      this.mem.write(d.status, RXD_STAT_DD, this.agent);
      this.head = (this.head + 1) % this.spec.ringSize;
      this.hwOwned--;
      this.counters.rxPackets++;
      this.counters.rxBytes += skb.len;
      this.icr |= ICR_RXT0;
      if (this.imsEnabled) this.raiseMsi();
    }
  }

  private raiseMsi(): void {
    this.counters.interrupts++;
    this.k.irq.assert(this.desc);
  }

  /** ew32(IMC): mask the device's interrupts. */
  private *mask(k: Kernel): Handler {
    yield k.cpu(k.costs.mmio_write);
    if (!this.imsEnabled) return;
    this.imsEnabled = false;
    this.maskedSince = k.now;
    this.counters.masks++;
  }

  /** ew32(IMS): unmask; a cause latched meanwhile raises the MSI now. */
  private *unmask(k: Kernel): Handler {
    yield k.cpu(k.costs.mmio_write);
    if (this.imsEnabled) return;
    this.imsEnabled = true;
    this.counters.unmasks++;
    this.counters.maskedNs += k.now - this.maskedSince;
    if (this.icr !== 0) this.raiseMsi();
  }

  /**
   * The top half (hardirq context, IRQs off), after e1000e's e1000_intr_msi. An MSI is
   * never shared, so it returns IRQ_HANDLED.
   */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read); // er32(ICR): reading acks every cause
    this.icr = 0;
    yield k.cpu(k.costs.nic_top_half);
    yield* this.plantedBug(k);
    switch (this.spec.mode) {
      case "irq": {
        const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.toBacklog(k, skb));
        if (cleaned === 0) this.counters.noWork++;
        break;
      }
      case "napi":
        yield* this.mask(k);
        this.net.napiSchedule(this.napi!);
        break;
      case "tasklet":
        yield* this.mask(k);
        this.tasklets!.schedule(this.tasklet!);
        break;
      case "workqueue": {
        const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.queueRxWork(skb));
        if (cleaned === 0) this.counters.noWork++;
        break;
      }
      case "threaded":
        throw new Error("threaded mode uses the primary handler");
    }
    return IRQ_HANDLED;
  }

  /** The driver bug the scenario asked for: sleeping in hardirq context. */
  private *plantedBug(k: Kernel): Handler {
    if (this.spec.bug === "msleep_in_irq") {
      yield k.sleep(1_000_000); // msleep(1), "waiting for the PHY"
    } else if (this.spec.bug === "mutex_in_irq") {
      if (yield* mutexLock(k, this.lock)) mutexUnlock(k, this.lock);
    }
  }

  /** Mode threaded, hardirq part: ack the device and wake irq/N-name (ONESHOT masks the line). */
  private *primary(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    this.icr = 0;
    yield* this.plantedBug(k);
    return IRQ_WAKE_THREAD;
  }

  /** Mode threaded, thread part: drain the ring into the stack with BH disabled. */
  private *threadFn(k: Kernel): Handler<IrqReturn> {
    yield k.localBhDisable();
    const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.net.netifReceiveSkb(skb));
    yield k.localBhEnable();
    if (cleaned === 0) this.counters.noWork++;
    return IRQ_HANDLED;
  }

  /** Mode workqueue: one work item per packet, queued from the top half. */
  private *queueRxWork(skb: Skb): Handler {
    const wqs = this.wqs!;
    const work = wqs.initWork(`${this.spec.name}_rx_work`, (kk, w) => this.rxWork(kk, w.data as Skb), skb);
    this.net.stats.inProcess++; // held by the work item until delivered
    yield* queueWorkOp(wqs, this.wq!, work);
  }

  /**
   * The work function: protocol processing in process context, then (optionally under the
   * device mutex) an I/O wait and delivery. Sleeping here is legal; each sleep lets the
   * pool's concurrency management start the next item.
   */
  private *rxWork(k: Kernel, skb: Skb): Handler {
    k.trace.emit(TP.netif_receive_skb, k.smpProcessorId(), skb.id);
    this.net.latency?.onBottomHalf(k.now - skb.arrivedAt);
    yield k.cpu(k.costs.net_rx_protocol);
    const locked = this.spec.lock ? yield* mutexLock(k, this.lock) : false;
    if (this.spec.ioWait > 0) yield k.sleep(this.spec.ioWait);
    this.net.stats.inProcess--;
    yield* this.net.deliverLocal(skb);
    if (locked) mutexUnlock(k, this.lock);
  }

  /** netif_rx() from the top half: the skb waits in this CPU's backlog for NET_RX. */
  private *toBacklog(k: Kernel, skb: Skb): Handler {
    this.net.stats.inProcess++;
    yield k.cpu(k.costs.backlog_enqueue);
    this.net.stats.inProcess--;
    this.net.netifRx(skb);
  }

  /**
   * e1000_clean_rx_irq(): take up to `budget` completed descriptors off the ring, build an
   * skb for each and pass it to `sink`, then give the cleaned descriptors back to the
   * device (descriptors written, wmb(), one tail-register write). Returns the count.
   */
  private *cleanRx(k: Kernel, budget: number, sink: (skb: Skb) => Handler): Handler<number> {
    const cpu = k.smpProcessorId();
    let cleaned = 0;
    while (cleaned < budget) {
      const d = this.ring[this.nextToClean]!;
      if ((this.mem.read(d.status, cpu) & RXD_STAT_DD) === 0) break;
      const skb = d.skb!;
      this.mem.read(d.length, cpu);
      yield k.cpu(k.costs.nic_desc_copy);
      d.skb = null;
      this.mem.write(d.status, 0, cpu);
      this.nextToClean = (this.nextToClean + 1) % this.spec.ringSize;
      cleaned++;
      yield* sink(skb);
    }
    if (cleaned > 0) {
      yield k.cpu(k.costs.mmio_write);
      this.hwOwned += cleaned;
    }
    return cleaned;
  }

  /**
   * The NAPI poll (e1000e_poll): clean up to `budget` packets, each straight into the
   * stack (napi_gro_receive -> netif_receive_skb). Less work than the budget means the ring
   * is empty: complete and unmask. A full budget leaves the device masked and the
   * instance on the poll list.
   */
  private *poll(k: Kernel, budget: number): Handler<number> {
    const work = yield* this.cleanRx(k, budget, (skb) => this.net.netifReceiveSkb(skb));
    if (work < budget && napiCompleteDone(this.napi!, work)) yield* this.unmask(k);
    return work;
  }

  /** Mode tasklet: drain the whole ring into the stack, then unmask. */
  *taskletRx(k: Kernel): Handler {
    yield* this.cleanRx(k, Infinity, (skb) => this.net.netifReceiveSkb(skb));
    yield* this.unmask(k);
  }
}
