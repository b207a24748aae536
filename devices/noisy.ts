/**
 * A misbehaving device: it raises its interrupt line at random (Poisson) but only a fraction
 * of the time has a cause its driver can find, so its handler mostly returns IRQ_NONE. On
 * its own line that is a "stuck" interrupt, which note_interrupt (sim/spurious.ts) catches
 * after 99,900 unhandled out of 100,000 and disables with "nobody cared".
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, IRQF_SHARED, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import type { RandomStream } from "../sim/rng.js";
import { NSEC_PER_SEC } from "../sim/time.js";

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
  readonly counters = { raised: 0, handled: 0, unhandled: 0 };
  /** A real cause is latched (the device's status register). */
  private cause = false;
  private readonly rng: RandomStream;
  private readonly tick: SimEvent;

  constructor(
    k: Kernel,
    readonly spec: NoisySpec,
  ) {
    this.desc = spec.shared
      ? k.irq.setupLine(spec.irq, { chip: "IO-APIC", hwirq: spec.irq, affinity: spec.affinity, level: true, flowName: "fasteoi" })
      : k.irq.setupLine(spec.irq, { chip: "IR-PCI-MSI", hwirq: 1_048_576 + spec.index, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), spec.shared ? IRQF_SHARED : 0, spec.name, this, `${spec.name}_isr`);
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.rng = k.rng.stream(`${spec.name}.irqs`);
    const mean = NSEC_PER_SEC / spec.rate;
    this.tick = createEvent(() => {
      this.counters.raised++;
      if (this.rng.next() < spec.handled) this.cause = true;
      k.irq.assert(this.desc);
      k.engine.after(this.tick, this.rng.exponentialNs(mean));
    });
    k.engine.after(this.tick, this.rng.exponentialNs(mean));
  }

  /** Its handler: read the status register; nothing there means "not mine". */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    if (!this.cause) {
      this.counters.unhandled++;
      return IRQ_NONE;
    }
    this.cause = false;
    this.counters.handled++;
    return IRQ_HANDLED;
  }
}
