import { Kernel } from "../../sim/kernel.js";
import { DEFAULT_COSTS, type Costs } from "../../sim/costs.js";
import { createEvent } from "../../sim/engine.js";
import type { IrqHandler } from "../../sim/irq.js";

/** Every cost zero except the scheduler's slice settings: exact, hand-checkable times. */
export const ZERO_COSTS: Costs = Object.fromEntries(Object.keys(DEFAULT_COSTS).map((key) => [key, 0])) as unknown as Costs;

export function bareKernel(opts: { cpus?: number; hz?: number; costs?: Partial<Costs> } = {}): Kernel {
  return new Kernel({
    seed: 1,
    cpus: opts.cpus ?? 1,
    hz: opts.hz ?? 1000,
    costs: { ...ZERO_COSTS, sched_slice: DEFAULT_COSTS.sched_slice, sched_wakeup_granularity: DEFAULT_COSTS.sched_wakeup_granularity, ...opts.costs },
  });
}

/** Sets up an IRQ line with one handler and returns a function that asserts it at time t. */
export function testLine(k: Kernel, irq: number, handler: IrqHandler, affinity = [0]) {
  const desc = k.irq.setupLine(irq, { chip: "TEST", hwirq: irq, affinity });
  k.irq.requestIrq(irq, handler, 0, `dev${irq}`, null);
  return {
    desc,
    assertAt(t: number): void {
      k.engine.schedule(createEvent(() => k.irq.assert(desc)), t);
    },
  };
}

export function runUntil(k: Kernel, t: number): void {
  k.engine.run({ until: t });
  for (const c of k.cpus) c.accrue();
}
