/**
 * A NIC with an rx descriptor ring (drivers/net/ethernet/intel/e1000e style), driven in
 * the classic interrupt-per-packet way: the device DMA-writes the buffer and length, then
 * sets the descriptor's DD status bit, latches a cause in ICR and asserts its MSI. The top
 * half reads ICR (which acks it), walks the ring while DD is set, copies each descriptor's
 * skb off the ring into netif_rx(), then gives the cleaned descriptors back to the device
 * with one tail-register write.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import type { Location, Memory } from "../sim/memory.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { TP } from "../sim/trace.js";
import { DROP_RX_RING_FULL, type NetStack } from "../net/dev.js";
import type { Skb } from "../net/skb.js";
import { createTraffic, type Traffic, type TrafficSpec } from "./traffic.js";

/** Descriptor status bit "descriptor done" (E1000_RXD_STAT_DD). */
export const RXD_STAT_DD = 0x01;
/** ICR cause bit "receiver timer interrupt" (E1000_ICR_RXT0). */
export const ICR_RXT0 = 0x80;

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
  traffic: TrafficSpec;
}

export interface NicCounters {
  /** Packets the device took into the ring. */
  rxPackets: number;
  rxBytes: number;
  /** Packets lost because no descriptor was free (rx_missed_errors). */
  rxMissed: number;
  /** Interrupts the device raised. */
  interrupts: number;
  /** Top-half runs that found nothing to clean (an earlier run took it already). */
  noWork: number;
}

export class Nic {
  readonly counters: NicCounters = { rxPackets: 0, rxBytes: 0, rxMissed: 0, interrupts: 0, noWork: 0 };
  readonly desc: IrqDesc;
  private readonly ring: RxDesc[];
  /** Next descriptor the device fills (hardware head). */
  private head = 0;
  /** Descriptors owned by the device (between head and tail). */
  private hwOwned: number;
  /** Next descriptor the driver cleans (next_to_clean). */
  private nextToClean = 0;
  /** Interrupt cause register; reading it clears it. */
  private icr = 0;
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
    k.irq.requestIrq(spec.irq, (kk, dev) => (dev as Nic).intr(kk), 0, spec.name, this);
    this.traffic = createTraffic(spec.traffic, k.rng.stream(`${spec.name}.arrivals`));
    this.arrival = createEvent(() => this.receive());
    k.engine.schedule(this.arrival, this.traffic.next());
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

  /** A packet comes off the wire. */
  private receive(): void {
    const k = this.k;
    const skb: Skb = { id: this.nextId++, dev: this.spec.index, len: this.spec.packetSize, arrivedAt: k.now, irqAt: 0, queuedAt: 0 };
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
      this.counters.interrupts++;
      k.irq.assert(this.desc);
    }
    k.engine.schedule(this.arrival, Math.max(k.now, this.traffic.next()));
  }

  /**
   * The top half (hardirq context, IRQs off), after e1000e's e1000_intr_msi without NAPI.
   * An MSI is never shared, so it always returns IRQ_HANDLED; a run that finds the ring
   * already cleaned (the packet that asserted it was taken by the run before) is counted.
   */
  private *intr(k: Kernel): Handler<IrqReturn> {
    const cpu = k.smpProcessorId();
    yield k.cpu(k.costs.mmio_read); // er32(ICR): reading acks every cause
    this.icr = 0;
    yield k.cpu(k.costs.nic_top_half);
    let cleaned = 0;
    for (;;) {
      const d = this.ring[this.nextToClean]!;
      if ((this.mem.read(d.status, cpu) & RXD_STAT_DD) === 0) break;
      const skb = d.skb!;
      this.mem.read(d.length, cpu);
      yield k.cpu(k.costs.nic_desc_copy);
      d.skb = null;
      this.mem.write(d.status, 0, cpu);
      this.nextToClean = (this.nextToClean + 1) % this.spec.ringSize;
      cleaned++;
      skb.irqAt = k.now;
      this.net.stats.inProcess++;
      yield k.cpu(k.costs.backlog_enqueue);
      this.net.stats.inProcess--;
      this.net.netifRx(skb);
    }
    if (cleaned > 0) {
      // Refill: descriptors are written, wmb(), then the tail register (MMIO) hands them back.
      yield k.cpu(k.costs.mmio_write);
      this.hwOwned += cleaned;
    } else {
      this.counters.noWork++;
    }
    return IRQ_HANDLED;
  }
}
