/**
 * Kernel timers (kernel/time/timer.c): a timer_list expires at a jiffy on the CPU it was
 * added on, and runs in that CPU's TIMER softirq. The local APIC timer interrupt (LOC in
 * /proc/interrupts) fires at the first jiffy with something due, raises TIMER_SOFTIRQ, and
 * irq_exit runs the expired timers. Only jiffies with work due interrupt the CPU here (as
 * with NOHZ); the periodic tick arrives with the timer device.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { IRQ_HANDLED, type IrqDesc } from "../sim/irq.js";
import { TP } from "../sim/trace.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import { TIMER_SOFTIRQ, type Softirq } from "./softirq.js";

export interface TimerList {
  readonly id: number;
  readonly name: string;
  /** Expiry, in jiffies. */
  expires: number;
  /** CPU whose base holds it while pending, -1 when not pending. */
  cpu: number;
  /** Order of (re)arming, to keep expiry order deterministic within a jiffy. */
  seq: number;
  readonly fn: (k: Kernel, t: TimerList) => Handler | void;
}

interface TimerBase {
  pending: TimerList[];
  /** The LOC interrupt for the earliest jiffy with a timer due. */
  readonly tick: SimEvent;
  readonly loc: IrqDesc;
}

/** The LOC vector (LOCAL_TIMER_VECTOR 0xec on x86); negative: not an IRQ number. */
const LOCAL_TIMER_VECTOR = -0xec;

export class Timers {
  private readonly bases: TimerBase[];
  private nextId = 0;
  private nextSeq = 0;
  /** Timers expired, per CPU. */
  readonly expired: number[];

  constructor(
    private readonly k: Kernel,
    private readonly softirq: Softirq,
  ) {
    this.expired = k.cpus.map(() => 0);
    this.bases = k.cpus.map((cpu) => {
      const loc = k.irq.setupLine(LOCAL_TIMER_VECTOR - cpu.id * 0x100, { chip: "LAPIC", hwirq: 0, affinity: [cpu.id], arch: "LOC" });
      k.irq.requestIrq(loc.irq, (kk) => this.localTimerInterrupt(kk), 0, "local_timer", null);
      return { pending: [], tick: createEvent(() => k.irq.assert(loc)), loc };
    });
    softirq.openSoftirq(TIMER_SOFTIRQ, (kk) => this.runTimerSoftirq(kk));
  }

  /** timer_setup(). */
  create(name: string, fn: TimerList["fn"]): TimerList {
    const t: TimerList = { id: this.nextId++, name, expires: 0, cpu: -1, seq: 0, fn };
    this.k.trace.registerObject("timer", t.id, { name });
    return t;
  }

  pending(t: TimerList): boolean {
    return t.cpu >= 0;
  }

  /** add_timer_on() / mod_timer(): (re)arm `t` to expire at jiffy `expires` on `cpu`. */
  modTimer(t: TimerList, expires: number, cpu: number): void {
    this.delTimer(t);
    t.expires = expires;
    t.cpu = cpu;
    t.seq = this.nextSeq++;
    const base = this.bases[cpu]!;
    base.pending.push(t);
    this.program(cpu);
  }

  /** del_timer(): returns true if it was pending. */
  delTimer(t: TimerList): boolean {
    if (t.cpu < 0) return false;
    const base = this.bases[t.cpu]!;
    base.pending.splice(base.pending.indexOf(t), 1);
    const cpu = t.cpu;
    t.cpu = -1;
    this.program(cpu);
    return true;
  }

  /** Nanoseconds at which jiffy `j` begins. */
  private jiffyNs(j: number): number {
    return Math.ceil((j * NSEC_PER_SEC) / this.k.hz);
  }

  /** Arm the LOC interrupt for the earliest pending expiry on `cpu`. */
  private program(cpu: number): void {
    const base = this.bases[cpu]!;
    const engine = this.k.engine;
    if (base.pending.length === 0) {
      engine.cancel(base.tick);
      return;
    }
    let first = Infinity;
    for (const t of base.pending) if (t.expires < first) first = t.expires;
    const at = Math.max(engine.now, this.jiffyNs(first));
    if (base.tick.slot < 0 || base.tick.time !== at) engine.schedule(base.tick, at);
  }

  /** local_apic_timer_interrupt -> hrtimer_interrupt -> run_local_timers. */
  private *localTimerInterrupt(k: Kernel): Handler<typeof IRQ_HANDLED> {
    yield k.cpu(k.costs.timer_interrupt);
    const base = this.bases[k.smpProcessorId()]!;
    if (base.pending.some((t) => t.expires <= k.jiffies)) this.softirq.raiseSoftirq(TIMER_SOFTIRQ);
    return IRQ_HANDLED;
  }

  /** run_timer_softirq -> __run_timers: every timer due by now, in expiry then arming order. */
  private *runTimerSoftirq(k: Kernel): Handler {
    const cpu = k.smpProcessorId();
    const base = this.bases[cpu]!;
    for (;;) {
      const due = base.pending.filter((t) => t.expires <= k.jiffies).sort((a, b) => a.expires - b.expires || a.seq - b.seq);
      if (due.length === 0) break;
      const t = due[0]!;
      base.pending.splice(base.pending.indexOf(t), 1);
      t.cpu = -1;
      this.expired[cpu]!++;
      yield k.cpu(k.costs.timer_run);
      k.trace.emit(TP.timer_expire_entry, cpu, t.id);
      const r = t.fn(k, t);
      if (r !== undefined) yield* r;
      k.trace.emit(TP.timer_expire_exit, cpu, t.id);
    }
    this.program(cpu);
  }
}
