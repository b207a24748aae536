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
import { ACQUIRE, PLAIN, RELEASE, type Location } from "../sim/memory.js";
import type { WorkStruct } from "../workqueue/work.js";
import type { Workqueue, Workqueues } from "../workqueue/workqueue.js";
import { queueWorkOp } from "../workqueue/queue.js";

/**
 * The tty flip buffer's size here, a power of two as circular-buffers.rst requires
 * (the kernel's tty_buffer pages are bigger; the overflow behaviour is the same).
 */
export const FLIP_SIZE = 256;

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
  /** smp_store_release/smp_load_acquire on the flip buffer indices. */
  barriers: boolean;
}

/**
 * The tty flip buffer as a single-producer single-consumer ring, written the way
 * Documentation/core-api/circular-buffers.rst writes one: the producer (the top half)
 * fills a slot, then publishes `head` with smp_store_release(); the consumer
 * (flush_to_ldisc, a work item) reads `head` with smp_load_acquire() before the slots, and
 * frees them with smp_store_release() of `tail`. Each byte carries its serial number, so
 * the consumer can tell a stale slot from the byte it should hold.
 */
interface FlipBuffer {
  readonly slots: Location[];
  readonly head: Location;
  readonly tail: Location;
  /** Producer's and consumer's own copies of their index (only they write it). */
  headIdx: number;
  tailIdx: number;
  readonly wqs: Workqueues;
  readonly wq: Workqueue;
  readonly work: WorkStruct;
}

export class Uart {
  readonly desc: IrqDesc;
  readonly counters = { rx: 0, overruns: 0, interrupts: 0, maxLatencyNs: 0, pushed: 0, flipOverruns: 0, flushed: 0, corrupt: 0 };
  private flip: FlipBuffer | null = null;
  /** Serial number of the next byte the top half takes from the FIFO, and the last the consumer took. */
  private nextOut = 1;
  private lastIn = 0;
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
    const flip = this.flip;
    let pushed = 0;
    while (this.fifo > 0) {
      yield k.cpu(k.costs.mmio_read); // LSR/RBR per byte
      this.fifo--;
      const byte = this.nextOut++;
      if (flip !== null) {
        if (this.produce(k, flip, byte)) pushed++;
        else this.counters.flipOverruns++;
      }
    }
    // tty_flip_buffer_push(): queue flush_to_ldisc (a no-op if it is already pending).
    if (pushed > 0) yield* queueWorkOp(flip!.wqs, flip!.wq, flip!.work);
    return IRQ_HANDLED;
  }

  /** flush_to_ldisc runs on `wq`: from now on the bytes go through the flip buffer. */
  useFlipBuffer(wqs: Workqueues, wq: Workqueue): void {
    const mem = this.k.mem;
    const name = `ttyS${this.spec.index}.flip`;
    const work = wqs.initWork("flush_to_ldisc", (kk) => this.flushToLdisc(kk));
    this.flip = {
      slots: Array.from({ length: FLIP_SIZE }, (_, i) => mem.alloc(`${name}[${i}]`)),
      head: mem.alloc(`${name}.head`),
      tail: mem.alloc(`${name}.tail`),
      headIdx: 0,
      tailIdx: 0,
      wqs,
      wq,
      work,
    };
  }

  /** The producer side for one byte; false if the buffer is full (the byte is lost). */
  private produce(k: Kernel, flip: FlipBuffer, byte: number): boolean {
    const mem = k.mem;
    const cpu = k.smpProcessorId();
    const head = flip.headIdx;
    // READ_ONCE(tail): a stale tail only understates the free space, and the consumer's
    // smp_store_release(tail) orders its slot reads before it.
    const tail = mem.read(flip.tail, cpu);
    if (((tail - head - 1) & (FLIP_SIZE - 1)) === 0) return false; // CIRC_SPACE() == 0
    mem.write(flip.slots[head]!, byte, cpu);
    flip.headIdx = (head + 1) & (FLIP_SIZE - 1);
    mem.write(flip.head, flip.headIdx, cpu, this.spec.barriers ? RELEASE : PLAIN);
    this.counters.pushed++;
    return true;
  }

  /** flush_to_ldisc(): the consumer, in process context on a kworker. */
  private *flushToLdisc(k: Kernel): Handler {
    const flip = this.flip!;
    const mem = k.mem;
    const barriers = this.spec.barriers;
    for (;;) {
      const cpu = k.smpProcessorId();
      const head = mem.read(flip.head, cpu, barriers ? ACQUIRE : PLAIN);
      let tail = flip.tailIdx;
      if (head === tail) return;
      let n = 0;
      while (tail !== head) {
        const byte = mem.read(flip.slots[tail]!, cpu);
        // Serials only grow (bytes lost to a full buffer leave gaps); an older one is a
        // stale slot: the previous lap's byte, read before the producer's store.
        if (byte <= this.lastIn) this.counters.corrupt++;
        else this.lastIn = byte;
        tail = (tail + 1) & (FLIP_SIZE - 1);
        n++;
      }
      flip.tailIdx = tail;
      mem.write(flip.tail, tail, cpu, barriers ? RELEASE : PLAIN);
      this.counters.flushed += n;
      yield k.cpu(Math.ceil((k.costs.copy_per_kib * n) / 1024)); // into the line discipline
    }
  }
}
