/**
 * An NVMe-like device's hardware queue pair: a submitted command is serviced for an
 * exponentially distributed time drawn from the device's own stream (commands are served
 * in parallel, as flash channels do), then posted to the completion queue, and the device
 * raises its interrupt. The driver (drivers/block.ts) rings the doorbell and reaps the
 * completion queue; tags and queue depth are the driver's business.
 */
import type { Kernel } from "../sim/kernel.js";
import type { IrqDesc } from "../sim/irq.js";
import { createEvent } from "../sim/engine.js";
import type { RandomStream } from "../sim/rng.js";

export class NvmeQueue<C> {
  /** Interrupts the device raised (one per completion posted). */
  interrupts = 0;
  /** The completion queue: commands done, not yet reaped. */
  private readonly cq: C[] = [];

  constructor(
    private readonly k: Kernel,
    /** Mean service time, ns. */
    private readonly service: number,
    private readonly rng: RandomStream,
    private readonly desc: IrqDesc,
  ) {}

  /** The doorbell was rung for `cmd`: it completes after its service time. */
  submit(cmd: C): void {
    const k = this.k;
    k.engine.schedule(
      createEvent(() => {
        this.cq.push(cmd);
        this.interrupts++;
        k.irq.assert(this.desc);
      }),
      k.now + this.rng.exponentialNs(this.service),
    );
  }

  /** Completions waiting to be reaped. */
  get pending(): number {
    return this.cq.length;
  }

  /** Reaps the oldest completion (the caller checked `pending`). */
  reap(): C {
    return this.cq.shift()!;
  }
}
