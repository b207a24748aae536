/**
 * One receive queue of a NIC: its descriptor ring, its interrupt vector (an MSI-X vector
 * per queue, or the legacy shared INTx line), its interrupt cause/mask bits, its NAPI
 * instance and its interrupt moderation. The driver's handlers for every mode live here,
 * because each queue is serviced on its own (the tasklet mode shares one tasklet).
 * Over 450 lines because the five modes' handlers all work on the ring's private state
 * (descriptors, head/tail, ICR/IMS, the skb owners) and are clearer side by side.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, IRQF_ONESHOT, IRQF_SHARED, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { requestThreadedIrq } from "../sim/irq_thread.js";
import type { Location, Memory } from "../sim/memory.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { mutexLock, mutexUnlock } from "../sim/mutex.js";
import { TP } from "../sim/trace.js";
import { DROP_RX_RING_FULL } from "../net/dev.js";
import { createNapi, napiCompleteDone, type NapiStruct } from "../net/napi.js";
import { payloadWord, type Skb } from "../net/skb.js";
import { queueWorkOp } from "../workqueue/queue.js";
import type { WorkStruct } from "../workqueue/work.js";
import { Coalescer } from "../devices/coalesce.js";
import type { Nic } from "./nic.js";
import { takePayload } from "../net/socket.js";
import type { SkbOwner } from "../net/skb_owner.js";

/** Descriptor status bit "descriptor done" (E1000_RXD_STAT_DD). */
export const RXD_STAT_DD = 0x01;
/** ICR cause bit "receiver timer interrupt" (E1000_ICR_RXT0). */
export const ICR_RXT0 = 0x80;
/** ICR cause bit "transmit descriptor written back" (E1000_ICR_TXDW). */
export const ICR_TXDW = 0x01;

interface RxDesc {
  /** The descriptor as the device writes it back: status (DD) and length. */
  readonly status: Location;
  readonly length: Location;
  /** The buffer address the driver gave the device (here: the buffer's generation). */
  readonly addr: Location;
  /** The first payload word of the DMA buffer (what the driver's header copy reads). */
  readonly buf: Location;
  /** The packet the device put here, as the simulator knows it (ground truth). */
  skb: Skb | null;
  /** Generation of the buffer the driver last attached, and who attached it when. */
  gen: number;
  refillCpu: number;
  refillAt: number;
}

/** The report for a stale payload word: which packet's data was read instead. */
function staleWord(name: string, read: number, newest: number, newestAt: number): string {
  const was = read === 0 ? "an empty buffer" : `packet ${read - 1}'s data`;
  return `${name} = ${was} (stale: packet ${newest - 1}'s was written at ${ms(newestAt)})`;
}

/** ns as milliseconds with ns precision, for corruption reports. */
function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(6)} ms`;
}

export interface QueueCounters {
  rxPackets: number;
  rxBytes: number;
  rxMissed: number;
  interrupts: number;
  noWork: number;
  masks: number;
  unmasks: number;
  maskedNs: number;
  /** Transmit completions the device reported, and the ones the driver cleaned. */
  txCompleted: number;
  txCleaned: number;
}

export class RxQueue {
  readonly counters: QueueCounters = { rxPackets: 0, rxBytes: 0, rxMissed: 0, interrupts: 0, noWork: 0, masks: 0, unmasks: 0, maskedNs: 0, txCompleted: 0, txCleaned: 0 };
  readonly desc: IrqDesc;
  readonly napi: NapiStruct | null;
  private readonly ring: RxDesc[];
  /** Next descriptor the device fills (hardware head). */
  private head = 0;
  /** Descriptors owned by the device (between head and tail). */
  private hwOwned: number;
  /** Next descriptor the driver cleans (next_to_clean). */
  private nextToClean = 0;
  /** Interrupt cause register; reading it clears it. */
  private icr = 0;
  /** Interrupt mask: false while the driver has masked the vector (IMC/EIMC written). */
  private imsEnabled = true;
  private maskedSince = 0;
  private readonly coalescer: Coalescer;
  /** Interrupt moderation timer (the ITR / rx-usecs countdown). */
  private readonly itrTimer: SimEvent;
  /** The queue's DMA engine as a memory agent. */
  private readonly agent: number;
  /** RDT, the tail register: the driver's doorbell, read by the device. */
  private readonly tail: Location;
  /** ICR as the device posts it after its DMA writes (reading it flushes them). */
  private readonly icrReg: Location;
  private readonly k: Kernel;
  private readonly mem: Memory;
  /** The ring as an skb owner (its descriptors hold the packets), and the handlers that hold one. */
  readonly ringOwner: SkbOwner;
  private readonly topHalfOwner: SkbOwner;
  private readonly workOwner: SkbOwner;
  private readonly workFnOwner: SkbOwner;

  constructor(
    readonly nic: Nic,
    readonly index: number,
    readonly irq: number,
    affinity: number[],
  ) {
    const k = nic.k;
    const spec = nic.spec;
    this.k = k;
    this.mem = nic.mem;
    const name = spec.queues > 1 ? `${spec.name}-rx-${index}` : spec.name;
    this.agent = this.mem.addAgent(name, true);
    const ring = `${spec.name}.rx${index}`;
    this.ring = Array.from({ length: spec.ringSize }, (_, i) => ({
      status: this.mem.alloc(`${ring}[${i}].status`),
      length: this.mem.alloc(`${ring}[${i}].length`),
      addr: this.mem.alloc(`${ring}[${i}].addr`),
      buf: this.mem.alloc(`${ring}[${i}].buf`),
      skb: null,
      gen: 0,
      refillCpu: -1,
      refillAt: 0,
    }));
    const ringDescs = this.ring;
    this.ringOwner = nic.net.skbs.addOwner({
      name: `${name} rx ring`,
      contents: function* () {
        for (const d of ringDescs) if (d.skb !== null) yield d.skb;
      },
    });
    this.topHalfOwner = { name: `${name} interrupt handler`, contents: null };
    this.workFnOwner = { name: `${spec.name}_rx_work function`, contents: null };
    this.workOwner = { name: `${spec.name}_rx_work items`, contents: spec.mode === "workqueue" ? () => this.rxWorkSkbs() : null };
    if (spec.mode === "workqueue") nic.net.skbs.addOwner(this.workOwner);
    this.tail = this.mem.alloc(`${ring}.tail`);
    this.icrReg = this.mem.alloc(`${spec.name}.icr${index}`);
    this.hwOwned = spec.ringSize;
    this.desc = spec.shared
      ? k.irq.setupLine(irq, { chip: "IO-APIC", hwirq: irq, affinity, level: true, flowName: "fasteoi" })
      : k.irq.setupLine(irq, { chip: "IR-PCI-MSI", hwirq: 524288 + spec.index * 2048 + index, affinity });
    if (spec.mode === "threaded") {
      requestThreadedIrq(k, irq, (kk) => this.primary(kk), (kk) => this.threadFn(kk), IRQF_ONESHOT | (spec.shared ? IRQF_SHARED : 0), name, this);
    } else {
      k.irq.requestIrq(irq, (kk) => this.intr(kk), spec.shared ? IRQF_SHARED : 0, name, this, spec.shared ? "e1000_intr" : "e1000_intr_msi");
    }
    this.napi = spec.mode === "napi" ? createNapi(name, spec.index, spec.weight, (kk, _n, budget) => this.poll(kk, budget), spec.napiIdBase + index) : null;
    this.coalescer = new Coalescer(spec.coalesce);
    this.itrTimer = createEvent(() => this.moderationExpired());
  }

  get ringFill(): number {
    return this.nic.spec.ringSize - this.hwOwned;
  }

  get inRing(): number {
    let n = 0;
    for (const d of this.ring) if (d.skb !== null) n++;
    return n;
  }

  get masked(): boolean {
    return !this.imsEnabled;
  }

  maskedNsNow(): number {
    return this.counters.maskedNs + (this.imsEnabled ? 0 : this.k.now - this.maskedSince);
  }

  /** DMA of one packet into the ring, then (moderated) the interrupt. */
  dma(skb: Skb): void {
    const k = this.k;
    const c = this.counters;
    if (this.hwOwned === 0) {
      c.rxMissed++;
      this.nic.net.drop(skb, DROP_RX_RING_FULL, -1);
      return;
    }
    const d = this.ring[this.head]!;
    d.skb = skb;
    this.dmaWrite(d, skb);
    this.head = (this.head + 1) % this.nic.spec.ringSize;
    this.hwOwned--;
    c.rxPackets++;
    c.rxBytes += skb.len;
    this.icr |= ICR_RXT0;
    if (!this.imsEnabled) return;
    if (this.coalescer.off) {
      this.raiseMsi();
      return;
    }
    const when = this.coalescer.onPacket(k.now, skb.len);
    if (when === "now") this.raiseMsi();
    else if (this.itrTimer.slot < 0) k.engine.schedule(this.itrTimer, when);
  }

  /**
   * The device's side of the ring, in its order: fetch the descriptor the tail (doorbell)
   * handed over, DMA the packet into its buffer, write back length and DD, post the cause.
   * Device writes are not reordered among themselves (PCIe posted-write ordering).
   */
  private dmaWrite(d: RxDesc, skb: Skb): void {
    const mem = this.mem;
    const dev = this.agent;
    mem.readRegister(this.tail, dev);
    const tail = mem.last.store;
    const tailWriter = tail.writer;
    const tailAt = tail.at;
    const gen = mem.read(d.addr, dev);
    if (gen === d.gen) {
      mem.write(d.buf, payloadWord(skb), dev);
    } else {
      // The device fetched the old buffer address: the packet lands in a buffer the stack
      // already owns, and the new buffer keeps whatever it held.
      skb.corrupt = {
        cpu: mem.agentName(dev),
        at: this.k.now,
        first: `W ${d.addr.name} = buffer ${d.gen} (${mem.agentName(d.refillCpu)} at ${ms(d.refillAt)})`,
        second: `W ${this.tail.name} (${mem.agentName(tailWriter)} at ${ms(tailAt)}), seen by the device first: it read buffer ${gen}`,
        missing: "wmb() before writel(tail)",
      };
    }
    mem.write(d.length, skb.len, dev);
    mem.write(d.status, RXD_STAT_DD, dev);
    mem.write(this.icrReg, ICR_RXT0, dev);
  }

  /** Transmitted descriptors written back, not yet cleaned by the driver. */
  private txDone = 0;

  /** The device finished transmitting a packet: write back the descriptor, interrupt. */
  txComplete(): void {
    this.txDone++;
    this.counters.txCompleted++;
    this.icr |= ICR_TXDW;
    if (this.imsEnabled) this.raiseMsi();
  }

  /**
   * e1000_clean_tx_irq(): unmap the sent buffers. From the hardirq handler the skbs can
   * only be queued for NET_TX (dev_kfree_skb_irq); from NAPI they are freed in place.
   */
  private *cleanTx(k: Kernel, inHardirq: boolean): Handler {
    const n = this.txDone;
    if (n === 0) return;
    this.txDone = 0;
    this.counters.txCleaned += n;
    for (let i = 0; i < n; i++) yield k.cpu(k.costs.nic_desc_copy);
    if (inHardirq) this.nic.net.devKfreeSkbIrq(n);
    else for (let i = 0; i < n; i++) yield k.cpu(k.costs.skb_free);
  }

  private moderationExpired(): void {
    if (this.imsEnabled && this.icr !== 0) this.raiseMsi();
  }

  private raiseMsi(): void {
    this.k.engine.cancel(this.itrTimer);
    this.coalescer.onInterrupt(this.k.now);
    this.counters.interrupts++;
    this.k.irq.assert(this.desc);
  }

  /** ew32(IMC): mask this vector. */
  private *mask(k: Kernel): Handler {
    yield k.cpu(k.costs.mmio_write);
    if (!this.imsEnabled) return;
    this.imsEnabled = false;
    this.maskedSince = k.now;
    this.counters.masks++;
  }

  /** ew32(IMS): unmask; a cause latched meanwhile raises the interrupt (moderated). */
  private *unmask(k: Kernel): Handler {
    yield k.cpu(k.costs.mmio_write);
    if (this.imsEnabled) return;
    this.imsEnabled = true;
    this.counters.unmasks++;
    this.counters.maskedNs += k.now - this.maskedSince;
    if (this.icr === 0) return;
    if (this.coalescer.off) this.raiseMsi();
    else if (this.itrTimer.slot < 0) k.engine.after(this.itrTimer, this.nic.spec.coalesce.adaptive ? 0 : this.nic.spec.coalesce.rxUsecs);
  }

  /**
   * The top half (hardirq context, IRQs off), after e1000e's e1000_intr_msi, or e1000_intr
   * on a shared INTx line, where a read of ICR that shows no cause means "not mine":
   * IRQ_NONE, so the kernel can tell a stuck line from a busy one.
   */
  private *intr(k: Kernel): Handler<IrqReturn> {
    const nic = this.nic;
    yield k.cpu(k.costs.mmio_read); // er32(ICR): reading acks every cause
    this.mem.readRegister(this.icrReg, k.smpProcessorId());
    const icr = this.icr;
    this.icr = 0;
    if (nic.spec.shared && icr === 0) return IRQ_NONE;
    yield k.cpu(k.costs.nic_top_half);
    yield* nic.plantedBug(k);
    switch (nic.spec.mode) {
      case "irq": {
        yield* this.cleanTx(k, true);
        const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.toBacklog(k, skb));
        if (cleaned === 0 && (icr & ICR_RXT0) !== 0) this.counters.noWork++;
        break;
      }
      case "napi":
        yield* this.mask(k);
        nic.net.napiSchedule(this.napi!);
        break;
      case "tasklet":
        yield* this.mask(k);
        if (nic.bhQueue !== null) nic.bhQueue();
        else nic.tasklets!.schedule(nic.tasklet!);
        break;
      case "workqueue": {
        yield* this.cleanTx(k, true);
        const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.queueRxWork(skb));
        if (cleaned === 0) this.counters.noWork++;
        break;
      }
      case "threaded":
        throw new Error("threaded mode uses the primary handler");
    }
    return IRQ_HANDLED;
  }

  /** Mode threaded, hardirq part: ack the device and wake irq/N-name (ONESHOT masks the line). */
  private *primary(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    this.mem.readRegister(this.icrReg, k.smpProcessorId());
    const icr = this.icr;
    this.icr = 0;
    if (this.nic.spec.shared && icr === 0) return IRQ_NONE;
    yield* this.nic.plantedBug(k);
    return IRQ_WAKE_THREAD;
  }

  /**
   * Mode threaded, thread part: drain the ring. Per packet, the thread may wait for the
   * device (`io_wait`: a sleep, legal here, as a bus transfer would be), optionally under
   * the device mutex, then feeds the stack with BH disabled (netif_receive_skb must not
   * race NET_RX on this CPU).
   */
  private *threadFn(k: Kernel): Handler<IrqReturn> {
    yield* this.cleanTx(k, false);
    const cleaned = yield* this.cleanRx(k, Infinity, (skb) => this.threadRx(k, skb));
    if (cleaned === 0) this.counters.noWork++;
    return IRQ_HANDLED;
  }

  private threadRx(k: Kernel, skb: Skb): Handler {
    return this.nic.net.skbs.holding(skb, this.topHalfOwner, this.threadRxSkb(k, skb));
  }

  private *threadRxSkb(k: Kernel, skb: Skb): Handler {
    const nic = this.nic;
    const locked = nic.spec.lock ? yield* mutexLock(k, nic.lock) : false;
    if (nic.spec.ioWait > 0) yield k.sleep(nic.spec.ioWait);
    yield k.localBhDisable();
    yield* nic.net.netifReceiveSkb(skb);
    yield k.localBhEnable();
    if (locked) mutexUnlock(k, nic.lock);
  }

  /** netif_rx() from the top half: the skb waits in this CPU's backlog for NET_RX. */
  private toBacklog(k: Kernel, skb: Skb): Handler {
    return this.nic.net.skbs.holding(skb, this.topHalfOwner, this.enqueueBacklog(k, skb));
  }

  private *enqueueBacklog(k: Kernel, skb: Skb): Handler {
    yield k.cpu(k.costs.backlog_enqueue);
    this.nic.net.netifRx(skb);
  }

  /**
   * The skbs this queue's rx work items hold: those of pending items, and of running ones
   * whose function has not taken its packet yet.
   */
  private *rxWorkSkbs(): Iterable<Skb> {
    const wqs = this.nic.wqs!;
    for (const w of wqs.live) if (w.fn === this.rxWorkFn) yield w.data as Skb;
    for (const w of wqs.running()) if (w.fn === this.rxWorkFn && (w.data as Skb).owner === this.workOwner) yield w.data as Skb;
  }

  private readonly rxWorkFn = (k: Kernel, w: WorkStruct): Handler => this.nic.net.skbs.holding(w.data as Skb, this.workFnOwner, this.rxWork(k, w.data as Skb));

  /** Mode workqueue: one work item per packet, queued from the top half. */
  private queueRxWork(skb: Skb): Handler {
    return this.nic.net.skbs.holding(skb, this.topHalfOwner, this.queueRxWorkItem(skb));
  }

  private *queueRxWorkItem(skb: Skb): Handler {
    const nic = this.nic;
    const wqs = nic.wqs!;
    const work = wqs.initWork(`${nic.spec.name}_rx_work`, this.rxWorkFn, skb);
    // The work item carries the packet's data; queue_work()'s ordering guarantee is what
    // makes it visible to the worker (include/linux/workqueue.h, queue_work()).
    const mem = this.mem;
    const loc = mem.allocTemp(`${nic.spec.name}.rx_work`);
    mem.write(loc, skb.data, this.k.smpProcessorId());
    skb.dataLoc = loc;
    yield* queueWorkOp(wqs, nic.wq!, work);
    nic.net.skbs.give(skb, this.workOwner); // held by the work item until its function runs
  }

  /**
   * The work function: protocol processing in process context, then (optionally under the
   * device mutex) an I/O wait and delivery. Sleeping here is legal; each sleep lets the
   * pool's concurrency management start the next item.
   */
  private *rxWork(k: Kernel, skb: Skb): Handler {
    const nic = this.nic;
    takePayload(this.mem, k.smpProcessorId(), skb);
    nic.net.softnet[k.smpProcessorId()]!.processed++;
    k.trace.emit(TP.netif_receive_skb, k.smpProcessorId(), skb.id, skb.dev, skb.len);
    k.trace.measure("netif_receive_skb", k.now - skb.arrivedAt, skb.dev); // arrival -> protocol processing
    yield k.cpu(k.costs.net_rx_protocol);
    const locked = nic.spec.lock ? yield* mutexLock(k, nic.lock) : false;
    if (nic.spec.ioWait > 0) yield k.sleep(nic.spec.ioWait);
    yield* nic.net.deliverLocal(skb);
    if (locked) mutexUnlock(k, nic.lock);
  }

  /**
   * e1000_clean_rx_irq(): take up to `budget` completed descriptors off the ring, build an
   * skb for each and pass it to `sink`, then give the cleaned descriptors back to the
   * device (descriptors written, wmb(), one tail-register write). Returns the count.
   *
   * The order is the kernel's (Documentation/memory-barriers.txt, dma_rmb()): read DD,
   * dma_rmb(), only then the length and the data; refill the descriptors, wmb(), then the
   * tail. With `barriers: false` both barriers are left out (and the tail written with
   * writel_relaxed()), and under the LKMM the CPU may read the length or the data before
   * DD, or the device may fetch a descriptor before the refill reaches it.
   */
  private *cleanRx(k: Kernel, budget: number, sink: (skb: Skb) => Handler): Handler<number> {
    const mem = this.mem;
    const barriers = this.nic.spec.barriers;
    let cleaned = 0;
    while (cleaned < budget) {
      const cpu = k.smpProcessorId();
      const d = this.ring[this.nextToClean]!;
      if ((mem.read(d.status, cpu) & RXD_STAT_DD) === 0) break;
      const ddAt = mem.last.store.at;
      if (barriers) mem.rmb(cpu); // dma_rmb()
      const skb = d.skb!;
      const len = mem.read(d.length, cpu);
      const lenStale = len !== skb.len;
      const data = mem.read(d.buf, cpu);
      skb.data = data;
      if (skb.corrupt === null && (lenStale || data !== payloadWord(skb))) {
        // Only the value just read names its store; for the length, say what was read.
        const what = lenStale ? `${d.length.name} = ${len} (the packet is ${skb.len} bytes)` : staleWord(d.buf.name, data, mem.last.newest.value, mem.last.newest.at);
        skb.corrupt = {
          cpu: mem.agentName(cpu),
          at: k.now,
          first: `R ${d.status.name} = DD (written by ${mem.agentName(this.agent)} at ${ms(ddAt)})`,
          second: `R ${what}, satisfied before the DD read`,
          missing: "dma_rmb() after reading DD",
        };
      }
      yield k.cpu(k.costs.nic_desc_copy);
      d.skb = null;
      mem.write(d.status, 0, cpu);
      this.nextToClean = (this.nextToClean + 1) % this.nic.spec.ringSize;
      cleaned++;
      // The planted bug: the packet is off the ring and nobody gets it.
      if (k.plants.leakSkb && k.plants.fire("leak-skb", 7)) continue;
      yield* sink(skb);
    }
    if (cleaned > 0) {
      yield k.cpu(k.costs.mmio_write);
      this.refill(k.smpProcessorId(), cleaned);
      this.hwOwned += cleaned;
    }
    return cleaned;
  }

  /**
   * e1000_alloc_rx_buffers(): a fresh buffer address in each cleaned descriptor, then
   * wmb() and the tail write that hands them to the device. (The CPU may have changed
   * across the sink's yields: a threaded handler can migrate.)
   */
  private refill(cpu: number, n: number): void {
    const mem = this.mem;
    const size = this.nic.spec.ringSize;
    for (let i = n; i > 0; i--) {
      const d = this.ring[(this.nextToClean - i + size) % size]!;
      d.gen++;
      d.refillCpu = cpu;
      d.refillAt = this.k.now;
      mem.write(d.addr, d.gen, cpu);
    }
    if (this.nic.spec.barriers) mem.wmb(cpu); // wmb(): descriptors before the doorbell
    mem.write(this.tail, this.nextToClean, cpu); // writel(i, rx_ring->tail)
  }

  /**
   * The NAPI poll (e1000e_poll): clean up to `budget` packets, each straight into the
   * stack (napi_gro_receive -> netif_receive_skb). Less work than the budget means the ring
   * is empty: complete and unmask. A full budget leaves the vector masked and the
   * instance on the poll list.
   */
  private *poll(k: Kernel, budget: number): Handler<number> {
    yield* this.cleanTx(k, false);
    const work = yield* this.cleanRx(k, budget, (skb) => this.nic.net.netifReceiveSkb(skb));
    if (work < budget && napiCompleteDone(this.napi!, work)) yield* this.unmask(k);
    return work;
  }

  /** Mode tasklet: drain the whole ring into the stack, then unmask. */
  *taskletRx(k: Kernel): Handler {
    yield* this.cleanTx(k, false);
    yield* this.cleanRx(k, Infinity, (skb) => this.nic.net.netifReceiveSkb(skb));
    yield* this.unmask(k);
  }
}
