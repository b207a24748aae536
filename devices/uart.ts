/**
 * A 16550-style UART receiving a steady byte stream (drivers/tty/serial/8250). Bytes arrive
 * every character time (10 bits per byte at 8N1); the 16-byte receive FIFO raises the
 * interrupt when it reaches the trigger level, or after 4 character times with data and
 * no read (the character timeout). If the top half runs too late -- because the CPU sat with
 * interrupts disabled -- the FIFO fills and the next byte is lost: an overrun (LSR.OE),
 * counted as the kernel counts it in /proc/tty/driver/serial ("oe:").
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { NSEC_PER_SEC } from "../sim/time.js";

/** The 16550A's receive FIFO depth. */
export const UART_FIFO_SIZE = 16;
/** Character timeout: 4 character times (16550 datasheet). */
const CHAR_TIMEOUT_CHARS = 4;

export interface UartSpec {
  name: string;
  index: number;
  irq: number;
  affinity: number[];
  /** Line speed, bits per second; a byte takes 10 bit times (start, 8 data, stop). */
  baud: number;
  /** FCR receive trigger level: 1, 4, 8 or 14 bytes. */
  trigger: number;
}

export class Uart {
  readonly desc: IrqDesc;
  readonly counters = { rx: 0, overruns: 0, interrupts: 0, maxLatencyNs: 0 };
  private fifo = 0;
  /** An interrupt is pending in IIR (raised, not yet serviced). */
  private iirPending = false;
  private raisedAt = 0;
  private readonly charNs: number;
  private readonly byteEvent: SimEvent;
  private readonly timeout: SimEvent;

  constructor(
    private readonly k: Kernel,
    readonly spec: UartSpec,
  ) {
    // Legacy ISA line on the IO-APIC, edge-triggered, named after the tty (ttyS0...).
    this.desc = k.irq.setupLine(spec.irq, { chip: "IO-APIC", hwirq: spec.irq, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), 0, `ttyS${spec.index}`, this, "serial8250_interrupt");
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.charNs = Math.round((10 * NSEC_PER_SEC) / spec.baud);
    this.byteEvent = createEvent(() => this.byteArrives());
    this.timeout = createEvent(() => this.raise());
    k.engine.after(this.byteEvent, this.charNs);
  }

  private byteArrives(): void {
    const k = this.k;
    if (this.fifo >= UART_FIFO_SIZE) this.counters.overruns++;
    else {
      this.fifo++;
      this.counters.rx++;
      if (this.fifo >= this.spec.trigger) this.raise();
      else k.engine.schedule(this.timeout, k.now + CHAR_TIMEOUT_CHARS * this.charNs);
    }
    k.engine.after(this.byteEvent, this.charNs);
  }

  private raise(): void {
    this.k.engine.cancel(this.timeout);
    if (this.iirPending || this.fifo === 0) return;
    this.iirPending = true;
    this.raisedAt = this.k.now;
    this.counters.interrupts++;
    this.k.irq.assert(this.desc);
  }

  /** serial8250_handle_irq: read IIR, then drain the FIFO byte by byte (one inb each). */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read); // IIR
    if (!this.iirPending) return IRQ_NONE;
    this.iirPending = false;
    this.counters.maxLatencyNs = Math.max(this.counters.maxLatencyNs, k.now - this.raisedAt);
    while (this.fifo > 0) {
      yield k.cpu(k.costs.mmio_read); // LSR/RBR per byte
      this.fifo--;
    }
    return IRQ_HANDLED;
  }
}
