/**
 * The 8250 driver for a 16550-style UART receiving a steady byte stream
 * (drivers/tty/serial/8250; the port itself is devices/uart_hw.ts). If the top half runs
 * too late -- because the CPU sat with interrupts disabled -- the FIFO fills and the next
 * byte is lost: an overrun (LSR.OE), counted as the kernel counts it in
 * /proc/tty/driver/serial ("oe:"). With a workqueue the bytes go on through the tty flip
 * buffer to flush_to_ldisc.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { ACQUIRE, PLAIN, RELEASE, type Location } from "../sim/memory.js";
import type { WorkStruct } from "../workqueue/work.js";
import type { Workqueue, Workqueues } from "../workqueue/workqueue.js";
import { queueWorkOp } from "../workqueue/queue.js";
import { Uart16550 } from "../devices/uart_hw.js";

/**
 * The tty flip buffer's size here, a power of two as circular-buffers.rst requires
 * (the kernel's tty_buffer pages are bigger; the overflow behaviour is the same).
 */
export const FLIP_SIZE = 256;

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
  /** The port this driver drives (devices/uart_hw.ts). */
  readonly hw: Uart16550;
  /** The driver's own counters: IRQ latency and the flip buffer. */
  private readonly drv = { maxLatencyNs: 0, pushed: 0, flipOverruns: 0, flushed: 0, corrupt: 0 };
  private flip: FlipBuffer | null = null;
  /** Serial number of the next byte the top half takes from the FIFO, and the last the consumer took. */
  private nextOut = 1;
  private lastIn = 0;

  constructor(
    private readonly k: Kernel,
    readonly spec: UartSpec,
  ) {
    // Legacy ISA line on the IO-APIC, edge-triggered, named after the tty (ttyS0...).
    this.desc = k.irq.setupLine(spec.irq, { chip: "IO-APIC", hwirq: spec.irq, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), 0, `ttyS${spec.index}`, this, "serial8250_interrupt");
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.hw = new Uart16550(k, spec, this.desc);
  }

  /** The port's counters and the driver's, as the result reports them. */
  get counters(): { rx: number; overruns: number; interrupts: number; maxLatencyNs: number; pushed: number; flipOverruns: number; flushed: number; corrupt: number } {
    const h = this.hw.counters;
    const d = this.drv;
    return { rx: h.rx, overruns: h.overruns, interrupts: h.interrupts, maxLatencyNs: d.maxLatencyNs, pushed: d.pushed, flipOverruns: d.flipOverruns, flushed: d.flushed, corrupt: d.corrupt };
  }

  /** serial8250_handle_irq: read IIR, then drain the FIFO byte by byte (one inb each). */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read); // IIR
    const hw = this.hw;
    if (!hw.readIir()) return IRQ_NONE;
    this.drv.maxLatencyNs = Math.max(this.drv.maxLatencyNs, k.now - hw.raisedAt);
    const flip = this.flip;
    let pushed = 0;
    while (hw.fifo > 0) {
      yield k.cpu(k.costs.mmio_read); // LSR/RBR per byte
      hw.readRbr();
      const byte = this.nextOut++;
      if (flip !== null) {
        if (this.produce(k, flip, byte)) pushed++;
        else this.drv.flipOverruns++;
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
    this.drv.pushed++;
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
        if (byte <= this.lastIn) this.drv.corrupt++;
        else this.lastIn = byte;
        tail = (tail + 1) & (FLIP_SIZE - 1);
        n++;
      }
      flip.tailIdx = tail;
      mem.write(flip.tail, tail, cpu, barriers ? RELEASE : PLAIN);
      this.drv.flushed += n;
      yield k.cpu(Math.ceil((k.costs.copy_per_kib * n) / 1024)); // into the line discipline
    }
  }
}
