/**
 * The driver of the misbehaving device in devices/noisy.ts: its handler reads the status
 * register and, finding no cause, says "not mine" (IRQ_NONE), which is what lets the
 * kernel tell a stuck line from a busy one.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, IRQF_SHARED, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { NoisyHw } from "../devices/noisy.js";

export interface NoisySpec {
  name: string;
  index: number;
  irq: number;
  affinity: number[];
  shared: boolean;
  rate: number;
  handled: number;
}

export class NoisyDevice {
  readonly desc: IrqDesc;
  /** The device this driver drives. */
  readonly hw: NoisyHw;
  private handled = 0;
  private unhandled = 0;

  constructor(
    k: Kernel,
    readonly spec: NoisySpec,
  ) {
    this.desc = spec.shared
      ? k.irq.setupLine(spec.irq, { chip: "IO-APIC", hwirq: spec.irq, affinity: spec.affinity, level: true, flowName: "fasteoi" })
      : k.irq.setupLine(spec.irq, { chip: "IR-PCI-MSI", hwirq: 1_048_576 + spec.index, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), spec.shared ? IRQF_SHARED : 0, spec.name, this, `${spec.name}_isr`);
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.hw = new NoisyHw(k, spec, this.desc);
  }

  /** Interrupts the device raised, and how many the handler found a cause for. */
  get counters(): { raised: number; handled: number; unhandled: number } {
    return { raised: this.hw.raised, handled: this.handled, unhandled: this.unhandled };
  }

  /** Its handler: read the status register; nothing there means "not mine". */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    if (!this.hw.readStatus()) {
      this.unhandled++;
      return IRQ_NONE;
    }
    this.handled++;
    return IRQ_HANDLED;
  }
}
