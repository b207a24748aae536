/**
 * The spurious-interrupt detector (kernel/irq/spurious.c note_interrupt): every 100,000
 * interrupts on a line, if more than 99,900 of them went unhandled (no handler returned
 * IRQ_HANDLED), the line is stuck: the kernel reports "nobody cared", lists the handlers,
 * and disables the line for good. An unhandled interrupt more than HZ/10 after the previous
 * one restarts the unhandled count at 1, so the odd stray interrupt never adds up.
 */
import type { Kernel } from "./kernel.js";
import type { IrqDesc } from "./irq.js";
import { IRQ_NONE } from "./irq.js";

export const SPURIOUS_WINDOW = 100_000;
export const SPURIOUS_THRESHOLD = 99_900;

/** The per-line state note_interrupt keeps in struct irq_desc. */
export interface SpuriousState {
  irqCount: number;
  irqsUnhandled: number;
  /** jiffies of the last unhandled interrupt. */
  lastUnhandled: number;
  /** IRQS_SPURIOUS_DISABLED. */
  disabled: boolean;
}

export function createSpuriousState(): SpuriousState {
  return { irqCount: 0, irqsUnhandled: 0, lastUnhandled: 0, disabled: false };
}

/** A hashed kernel pointer as %p prints it: deterministic per handler name. */
function hashedPointer(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(16, "0");
}

export function noteInterrupt(k: Kernel, desc: IrqDesc, ret: number): void {
  const s = desc.spurious;
  if (ret === IRQ_NONE) {
    // time_after(jiffies, desc->last_unhandled + HZ/10)
    if (k.jiffies > s.lastUnhandled + Math.floor(k.hz / 10)) s.irqsUnhandled = 1;
    else s.irqsUnhandled++;
    s.lastUnhandled = k.jiffies;
  }
  s.irqCount++;
  if (s.irqCount < SPURIOUS_WINDOW) return;
  s.irqCount = 0;
  if (s.irqsUnhandled > SPURIOUS_THRESHOLD) {
    // __report_bad_irq(); dump_stack() is left out (no faithful stack to show).
    k.printk(`irq ${desc.irq}: nobody cared (try booting with the "irqpoll" option)`);
    k.printk("handlers:");
    for (const a of desc.actions) k.printk(`[<${hashedPointer(a.fnName)}>] ${a.fnName}`);
    k.printk(`Disabling IRQ #${desc.irq}`);
    s.disabled = true;
    k.irq.disableIrq(desc);
  }
  s.irqsUnhandled = 0;
}
