/**
 * The 16550A UART as hardware: a byte arrives every character time (10 bits per byte at
 * 8N1); the 16-byte receive FIFO raises the interrupt when it reaches the trigger level
 * (FCR), or after 4 character times with data and no read (the character timeout). A byte
 * arriving at a full FIFO is lost: an overrun (LSR.OE). The driver (drivers/uart.ts) reads
 * IIR and drains the FIFO through RBR.
 */
import type { Kernel } from "../sim/kernel.js";
import type { IrqDesc } from "../sim/irq.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { NSEC_PER_SEC } from "../sim/time.js";

/** The 16550A's receive FIFO depth. */
export const UART_FIFO_SIZE = 16;
/** Character timeout: 4 character times (16550 datasheet). */
const CHAR_TIMEOUT_CHARS = 4;

export interface UartHwSpec {
  /** Line speed, bits per second; a byte takes 10 bit times (start, 8 data, stop). */
  baud: number;
  /** FCR receive trigger level: 1, 4, 8 or 14 bytes. */
  trigger: number;
}

export class Uart16550 {
  /** Bytes received into the FIFO, bytes lost to a full one, interrupts raised. */
  readonly counters = { rx: 0, overruns: 0, interrupts: 0 };
  /** Bytes waiting in the receive FIFO. */
  fifo = 0;
  /** When the pending interrupt was raised. */
  raisedAt = 0;
  /** An interrupt is pending in IIR (raised, not yet serviced). */
  private iirPending = false;
  private readonly charNs: number;
  private readonly byteEvent: SimEvent;
  private readonly timeout: SimEvent;

  constructor(
    private readonly k: Kernel,
    private readonly spec: UartHwSpec,
    /** The interrupt line the UART is wired to. */
    private readonly desc: IrqDesc,
  ) {
    this.charNs = Math.round((10 * NSEC_PER_SEC) / spec.baud);
    this.byteEvent = createEvent(() => this.byteArrives());
    this.timeout = createEvent(() => this.raise());
    k.engine.after(this.byteEvent, this.charNs);
  }

  /** Reading IIR: whether an interrupt is pending; reading it acknowledges it. */
  readIir(): boolean {
    const pending = this.iirPending;
    this.iirPending = false;
    return pending;
  }

  /** Reading RBR: one byte out of the FIFO (the caller checked it is not empty). */
  readRbr(): void {
    this.fifo--;
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
}
