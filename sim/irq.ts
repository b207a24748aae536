/**
 * The interrupt controller and IRQ descriptors (kernel/irq/): lines with per-line
 * affinity, handler chains for shared lines, mask/unmask with a pending latch, per-CPU
 * counts for /proc/interrupts, and the conservation of every assert (ARCHITECTURE.md section 8:
 * each assert is delivered, latched, held while masked, or merged into one already
 * pending).
 *
 * Lines are edge-triggered MSI, as for a modern NIC: the flow handler acks at entry
 * (handle_edge_irq), so an assert during the handler latches a second delivery, and
 * further asserts while that one is pending merge into it, like the APIC's IRR bit.
 */
import { createEvent, type SimEvent } from "./engine.js";
import type { Kernel } from "./kernel.js";
import type { Handler } from "./ops.js";
import { TP } from "./trace.js";
import { createSpuriousState, noteInterrupt, type SpuriousState } from "./spurious.js";

export const IRQ_NONE = 0;
export const IRQ_HANDLED = 1;
export const IRQ_WAKE_THREAD = 2;
export type IrqReturn = typeof IRQ_NONE | typeof IRQ_HANDLED | typeof IRQ_WAKE_THREAD;

/** include/linux/interrupt.h request_irq flags used here. */
export const IRQF_SHARED = 0x80;
export const IRQF_ONESHOT = 0x2000;
/** IRQF_NO_THREAD: never force-threaded (threadirqs, PREEMPT_RT). */
export const IRQF_NO_THREAD = 0x00010000;
/** IRQF_TIMER = __IRQF_TIMER | IRQF_NO_SUSPEND | IRQF_NO_THREAD: timer interrupts stay in hardirq. */
export const IRQF_TIMER = 0x00000200 | 0x00004000 | IRQF_NO_THREAD;

export type IrqHandler = (k: Kernel, dev: unknown) => Handler<IrqReturn>;

export interface IrqAction {
  readonly name: string;
  /** The handler function's name, as %ps prints it (e.g. in "nobody cared" reports). */
  readonly fnName: string;
  readonly handler: IrqHandler;
  readonly dev: unknown;
  readonly flags: number;
  /** Threaded IRQs: __irq_wake_thread, set by request_threaded_irq (sim/irq_thread.ts). */
  wakeThread: ((k: Kernel, desc: IrqDesc) => void) | null;
}

export interface IrqDesc {
  /** Linux IRQ number; negative for a per-CPU system vector (see `arch`). */
  readonly irq: number;
  /**
   * For per-CPU system vectors, their /proc/interrupts row name (e.g. "LOC", the local
   * APIC timer); null for numbered device lines.
   */
  readonly arch: string | null;
  /** The irq_chip name shown in /proc/interrupts. */
  readonly chip: string;
  readonly hwirq: number;
  readonly level: boolean;
  /** The flow handler name (desc->name): "edge" for handle_edge_irq. */
  readonly flowName: string;
  readonly actions: IrqAction[];
  /** Target CPUs (smp_affinity); the lowest one is the effective target. */
  affinity: number[];
  /** disable_irq depth; > 0 means masked. */
  depth: number;
  /** An assert arrived while masked (IRQS_PENDING); replayed on unmask. */
  pendingMasked: boolean;
  /** CPU whose IRR holds this line pending, -1 if none. */
  latchedOn: number;
  /** kstat_irqs per CPU: handler invocations, as /proc/interrupts counts them. */
  readonly kstat: number[];
  asserts: number;
  delivered: number;
  merged: number;
  unhandled: number;
  /** Time of the oldest undelivered assert, for the IRQ-entry latency. */
  assertedAt: number;
  readonly replay: SimEvent;
  /** note_interrupt's bookkeeping (sim/spurious.ts). */
  readonly spurious: SpuriousState;
  /** An assert raised from inside a handler, on its way to the CPU (an MSI write in flight). */
  posted: boolean;
  readonly post: SimEvent;
}

export class IrqController {
  private readonly descs = new Map<number, IrqDesc>();

  constructor(private readonly k: Kernel) {}

  /** Numbered device lines in ascending IRQ number order. */
  lines(): IrqDesc[] {
    return [...this.descs.values()].filter((d) => d.arch === null).sort((a, b) => a.irq - b.irq);
  }

  /** Per-CPU system vectors (LOC, ...), one descriptor per CPU, in creation order. */
  archLines(): IrqDesc[] {
    return [...this.descs.values()].filter((d) => d.arch !== null);
  }

  desc(irq: number): IrqDesc {
    const d = this.descs.get(irq);
    if (d === undefined) throw new Error(`irq ${irq} is not set up`);
    return d;
  }

  /** Creates the descriptor for a line (what the interrupt domain does at probe time). */
  setupLine(irq: number, opts: { chip: string; hwirq: number; affinity: number[]; arch?: string; level?: boolean; flowName?: string }): IrqDesc {
    if (this.descs.has(irq)) return this.descs.get(irq)!;
    const desc: IrqDesc = {
      irq,
      arch: opts.arch ?? null,
      chip: opts.chip,
      hwirq: opts.hwirq,
      level: opts.level ?? false,
      flowName: opts.flowName ?? "edge",
      actions: [],
      affinity: opts.affinity.slice().sort((a, b) => a - b),
      depth: 0,
      pendingMasked: false,
      latchedOn: -1,
      kstat: this.k.cpus.map(() => 0),
      asserts: 0,
      delivered: 0,
      merged: 0,
      unhandled: 0,
      assertedAt: 0,
      replay: createEvent(() => this.replay(desc)),
      spurious: createSpuriousState(),
      posted: false,
      post: createEvent(() => this.arrive(desc)),
    };
    this.descs.set(irq, desc);
    return desc;
  }

  /**
   * request_irq(): adds a handler to the line's chain. A second handler needs IRQF_SHARED
   * on both, as kernel/irq/manage.c __setup_irq insists.
   */
  requestIrq(irq: number, handler: IrqHandler, flags: number, name: string, dev: unknown, fnName = `${name}_interrupt`): IrqAction {
    // kernel/irq/manage.c irq_setup_forced_threading (threadirqs): a plain handler becomes
    // the thread function of irq/N-name behind the default primary handler.
    if (this.forceThreading !== null && (flags & (IRQF_NO_THREAD | IRQF_ONESHOT)) === 0) return this.forceThreading(irq, handler, flags, name, dev);
    return this.setupAction(irq, handler, flags, name, dev, fnName);
  }

  /**
   * Set by sim/irq_thread.ts when interrupts are force-threaded (`threadirqs`); null when
   * handlers run in hardirq context as requested.
   */
  forceThreading: ((irq: number, handler: IrqHandler, flags: number, name: string, dev: unknown) => IrqAction) | null = null;

  /** __setup_irq(): the action on the line's chain, as given. */
  setupAction(irq: number, handler: IrqHandler, flags: number, name: string, dev: unknown, fnName = `${name}_interrupt`): IrqAction {
    const desc = this.desc(irq);
    if (desc.actions.length > 0 && (desc.actions.some((a) => (a.flags & IRQF_SHARED) === 0) || (flags & IRQF_SHARED) === 0)) {
      throw new Error(`request_irq(${irq}, ${name}): line busy and not shared (-EBUSY)`);
    }
    const action: IrqAction = { name, fnName, handler, dev, flags, wakeThread: null };
    desc.actions.push(action);
    return action;
  }

  /**
   * The device raises its line. When a handler's own action makes the device assert
   * (unmasking it with a cause pending), the message lands as a separate event at the same
   * instant: a CPU never takes an interrupt in the middle of an op.
   */
  assert(desc: IrqDesc): void {
    const k = this.k;
    desc.asserts++;
    k.trace.emit(TP.irq_assert, -1, desc.irq);
    if (k.current !== null) {
      if (desc.posted) desc.merged++;
      else {
        desc.posted = true;
        desc.assertedAt = k.engine.now;
        k.engine.after(desc.post, 0);
      }
      return;
    }
    this.arrive(desc);
  }

  private arrive(desc: IrqDesc): void {
    const k = this.k;
    desc.posted = false;
    if (desc.depth > 0) {
      if (desc.pendingMasked) desc.merged++;
      else {
        desc.pendingMasked = true;
        desc.assertedAt = k.engine.now;
      }
      return;
    }
    this.route(desc, k.engine.now);
  }

  private route(desc: IrqDesc, assertedAt: number): void {
    const cpu = this.k.cpus[desc.affinity[0]!]!;
    if (desc.latchedOn >= 0) {
      desc.merged++;
      return;
    }
    desc.assertedAt = assertedAt;
    cpu.interrupt(desc);
  }

  noteLatched(desc: IrqDesc, cpu: number): void {
    this.k.trace.emit(TP.irq_latch, cpu, desc.irq);
  }

  /** disable_irq_nosync(): mask the line; nests. */
  disableIrq(desc: IrqDesc): void {
    desc.depth++;
  }

  /** enable_irq(): unmask; an assert held while masked is replayed (check_irq_resend). */
  enableIrq(desc: IrqDesc): void {
    if (desc.depth === 0) throw new Error(`Unbalanced enable for IRQ ${desc.irq}`);
    desc.depth--;
    // Replay from an event: the caller is a handler on some CPU and a CPU never takes an
    // interrupt in the middle of an op.
    if (desc.depth === 0 && desc.pendingMasked && desc.replay.slot < 0) this.k.engine.after(desc.replay, 0);
  }

  private replay(desc: IrqDesc): void {
    if (desc.depth > 0 || !desc.pendingMasked) return;
    desc.pendingMasked = false;
    this.route(desc, desc.assertedAt);
  }

  /** irq_set_affinity(): future deliveries go to the new mask's effective CPU. */
  setAffinity(desc: IrqDesc, cpus: number[]): void {
    desc.affinity = cpus.slice().sort((a, b) => a - b);
  }

  /**
   * The hardirq frame's body: entry cost, the flow handler (ack, kstat), each action in
   * the chain, note_interrupt, exit cost. handle_irq_event() calls every handler of a
   * shared line and ORs their results.
   */
  *handle(desc: IrqDesc, cpu: number): Handler<void> {
    const k = this.k;
    desc.delivered++;
    desc.kstat[cpu]!++;
    yield k.cpu(k.costs.irq_entry);
    k.trace.measure("irq_entry", k.engine.now - desc.assertedAt, desc.irq); // IRQ assert -> top-half entry
    let ret = IRQ_NONE as number;
    const actions = desc.actions;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      // System vectors have their own tracepoints (local_timer_entry/exit), not irq_handler_*.
      // `i` (the action's place in the chain) lets trace exporters name a shared line's handler.
      k.trace.emit(desc.arch === null ? TP.irq_handler_entry : TP.local_timer_entry, cpu, desc.irq, i);
      const r = yield* action.handler(k, action.dev);
      k.trace.emit(desc.arch === null ? TP.irq_handler_exit : TP.local_timer_exit, cpu, desc.irq, r, i);
      ret |= r;
      if (r === IRQ_WAKE_THREAD && action.wakeThread !== null) action.wakeThread(k, desc);
    }
    if (ret === IRQ_NONE) desc.unhandled++;
    if (desc.arch === null) noteInterrupt(k, desc, ret);
    yield k.cpu(k.costs.irq_exit);
  }

  /** Asserts not yet delivered: posted, held while masked, or latched in a CPU's IRR. */
  pendingCount(desc: IrqDesc): number {
    return (desc.posted ? 1 : 0) + (desc.pendingMasked ? 1 : 0) + (desc.latchedOn >= 0 ? 1 : 0);
  }
}
