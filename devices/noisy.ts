/**
 * A misbehaving device: it raises its interrupt line at random (Poisson) but only a fraction
 * of the time latches a cause in its status register, so its driver (drivers/noisy.ts)
 * mostly finds nothing and returns IRQ_NONE. On its own line that is a "stuck" interrupt,
 * which note_interrupt (sim/spurious.ts) catches after 99,900 unhandled out of 100,000
 * and disables with "nobody cared".
 */
import type { Kernel } from "../sim/kernel.js";
import type { IrqDesc } from "../sim/irq.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import type { RandomStream } from "../sim/rng.js";
import { NSEC_PER_SEC } from "../sim/time.js";

export interface NoisyHwSpec {
  name: string;
  /** Interrupts per second (Poisson). */
  rate: number;
  /** Fraction of them with a real cause. */
  handled: number;
}

export class NoisyHw {
  /** Interrupts raised. */
  raised = 0;
  /** A real cause is latched (the device's status register). */
  private cause = false;
  private readonly rng: RandomStream;
  private readonly tick: SimEvent;

  constructor(k: Kernel, spec: NoisyHwSpec, desc: IrqDesc) {
    this.rng = k.rng.stream(`${spec.name}.irqs`);
    const mean = NSEC_PER_SEC / spec.rate;
    this.tick = createEvent(() => {
      this.raised++;
      if (this.rng.next() < spec.handled) this.cause = true;
      k.irq.assert(desc);
      k.engine.after(this.tick, this.rng.exponentialNs(mean));
    });
    k.engine.after(this.tick, this.rng.exponentialNs(mean));
  }

  /** Reading the status register: whether a cause was latched; reading clears it. */
  readStatus(): boolean {
    const c = this.cause;
    this.cause = false;
    return c;
  }
}
