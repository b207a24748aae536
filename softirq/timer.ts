/**
 * Kernel timers (kernel/time/timer.c) and hrtimers (kernel/time/hrtimer.c). A timer_list
 * expires at a jiffy on the CPU it was added on and runs in that CPU's TIMER softirq;
 * timer-wheel granularity is the jiffy, so a 1.5 ms delay at HZ=250 waits for the next
 * 4 ms boundary. An hrtimer expires at a nanosecond: a hard one runs its callback in the
 * local timer interrupt itself, a soft one (HRTIMER_MODE_SOFT) in the HRTIMER softirq.
 * The local APIC timer interrupt (LOC in /proc/interrupts) is programmed for the next
 * event: with `tick: periodic` it also fires every jiffy on every CPU (the scheduler tick,
 * CONFIG_HZ); with `tick: nohz` (CONFIG_NO_HZ_IDLE, what distributions ship) every jiffy on
 * a CPU that is running a task, and on an idle CPU only when something is due
 * (kernel/time/tick-sched.c: tick_nohz_idle_stop_tick / tick_nohz_idle_exit).
 *
 * A tick (kernel/time/timer.c update_process_times) raises TIMER_SOFTIRQ when a timer_list
 * is due (run_local_timers) and, on SMP, SCHED_SOFTIRQ when this CPU's rebalance is due
 * (kernel/sched/fair.c trigger_load_balance): every balance_interval * busy_factor ms on a
 * busy CPU, with balance_interval = the domain's weight and busy_factor 16
 * (kernel/sched/topology.c sd_init). RCU's tick work (rcu_sched_clock_irq raising
 * RCU_SOFTIRQ) is not modelled: there are no RCU callbacks here.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { IRQ_HANDLED, IRQF_TIMER, type IrqDesc } from "../sim/irq.js";
import { TP } from "../sim/trace.js";
import { jiffiesToNsCeil } from "../sim/time.js";
import { HRTIMER_SOFTIRQ, SCHED_SOFTIRQ, TIMER_SOFTIRQ, type Softirq } from "./softirq.js";

/** kernel/sched/topology.c sd_init: .busy_factor = 16. */
export const SD_BUSY_FACTOR = 16;

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

export interface HrTimer {
  readonly id: number;
  readonly name: string;
  /** Expiry, ns; -1 when not armed. */
  expires: number;
  readonly cpu: number;
  /** HRTIMER_MODE_SOFT: the callback runs in the HRTIMER softirq. */
  readonly soft: boolean;
  /** Runs on expiry; returns the next expiry (HRTIMER_RESTART) or -1 (HRTIMER_NORESTART). */
  readonly fn: (k: Kernel, t: HrTimer) => Handler<number>;
  fired: number;
}

interface TimerBase {
  pending: TimerList[];
  hrtimers: HrTimer[];
  /** Soft hrtimers that expired, waiting for the HRTIMER softirq. */
  softExpired: HrTimer[];
  /** Periodic ticks taken. */
  ticks: number;
  /** The LOC interrupt being handled is a scheduler tick (tick_sched_timer expired). */
  tickPending: boolean;
  /** rq->next_balance, in jiffies. */
  nextBalance: number;
  /** The periodic tick (every jiffy), separate from the one-shot programming in `tick`. */
  readonly periodicTick: SimEvent;
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
    readonly periodic = false,
  ) {
    this.expired = k.cpus.map(() => 0);
    this.bases = k.cpus.map((cpu) => {
      const loc = k.irq.setupLine(LOCAL_TIMER_VECTOR - cpu.id * 0x100, { chip: "LAPIC", hwirq: 0, affinity: [cpu.id], arch: "LOC" });
      k.irq.requestIrq(loc.irq, (kk) => this.localTimerInterrupt(kk), IRQF_TIMER, "local_timer", null);
      const base: TimerBase = {
        pending: [],
        hrtimers: [],
        softExpired: [],
        ticks: 0,
        tickPending: false,
        nextBalance: 0,
        tick: createEvent(() => k.irq.assert(loc)),
        periodicTick: createEvent(() => {
          k.engine.schedule(base.periodicTick, this.jiffyNs(k.jiffies + 1));
          // NO_HZ_IDLE: the tick is stopped while the CPU idles (an interrupt on an idle
          // CPU does not restart it; only leaving idle for a task does).
          if (!this.periodic && cpu.curr.idle) return;
          base.ticks++;
          base.tickPending = true;
          // One clock event device: a one-shot programmed for this same instant is this tick.
          if (base.tick.slot >= 0 && base.tick.time === k.now) k.engine.cancel(base.tick);
          k.irq.assert(loc);
        }),
        loc,
      };
      return base;
    });
    softirq.openSoftirq(TIMER_SOFTIRQ, (kk) => this.runTimerSoftirq(kk));
    softirq.openSoftirq(HRTIMER_SOFTIRQ, (kk) => this.runHrtimerSoftirq(kk));
    for (const base of this.bases) k.engine.schedule(base.periodicTick, this.jiffyNs(k.jiffies + 1));
    // run_rebalance_domains(): the balancing itself moves nothing here (tasks are pinned).
    if (k.cpus.length > 1) softirq.openSoftirq(SCHED_SOFTIRQ, function* () {});
  }

  /** Periodic ticks each CPU has taken. */
  ticks(cpu: number): number {
    return this.bases[cpu]!.ticks;
  }

  /** hrtimer_init() on `cpu`. */
  createHrtimer(name: string, cpu: number, soft: boolean, fn: HrTimer["fn"]): HrTimer {
    const t: HrTimer = { id: this.nextId++, name, expires: -1, cpu, soft, fn, fired: 0 };
    this.k.trace.registerObject("timer", t.id, { name });
    return t;
  }

  /** hrtimer_start() with an absolute expiry in ns. */
  startHrtimer(t: HrTimer, expires: number): void {
    const base = this.bases[t.cpu]!;
    if (t.expires < 0) base.hrtimers.push(t);
    t.expires = expires;
    this.program(t.cpu);
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
    if (expires <= this.k.jiffies) {
      // Due already: interrupt now so the TIMER softirq runs it (not waiting for a tick).
      if (base.tick.slot < 0 || base.tick.time > this.k.now) this.k.engine.schedule(base.tick, this.k.now);
    } else this.program(cpu);
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
    return jiffiesToNsCeil(j, this.k.hz);
  }

  /** Program the LOC interrupt for the next event on `cpu`: a jiffy, a timer, an hrtimer. */
  private program(cpu: number): void {
    const base = this.bases[cpu]!;
    const engine = this.k.engine;
    let at = Infinity;
    // Timers already due wait for the TIMER softirq that is (or is about to be) raised;
    // only future jiffies program the interrupt, and a periodic tick covers every jiffy.
    if (!this.periodic) for (const t of base.pending) if (t.expires > this.k.jiffies) at = Math.min(at, this.jiffyNs(t.expires));
    for (const h of base.hrtimers) at = Math.min(at, h.expires);
    if (at === Infinity) {
      engine.cancel(base.tick);
      return;
    }
    at = Math.max(engine.now, at);
    if (base.tick.slot < 0 || base.tick.time !== at) engine.schedule(base.tick, at);
  }

  /**
   * local_apic_timer_interrupt -> hrtimer_interrupt: run expired hard hrtimers here, queue
   * soft ones for HRTIMER_SOFTIRQ, and (the tick's run_local_timers) raise TIMER_SOFTIRQ if
   * a timer_list is due.
   */
  private *localTimerInterrupt(k: Kernel): Handler<typeof IRQ_HANDLED> {
    yield k.cpu(k.costs.timer_interrupt);
    const cpu = k.smpProcessorId();
    const base = this.bases[cpu]!;
    const due = base.hrtimers.filter((h) => h.expires <= k.now).sort((a, b) => a.expires - b.expires || a.id - b.id);
    for (const h of due) {
      base.hrtimers.splice(base.hrtimers.indexOf(h), 1);
      if (h.soft) {
        base.softExpired.push(h);
        this.softirq.raiseSoftirq(HRTIMER_SOFTIRQ);
        continue;
      }
      yield* this.expireHrtimer(k, h);
    }
    if (base.pending.some((t) => t.expires <= k.jiffies)) this.softirq.raiseSoftirq(TIMER_SOFTIRQ);
    if (base.tickPending) {
      base.tickPending = false;
      this.triggerLoadBalance(k, base);
    }
    this.program(cpu);
    return IRQ_HANDLED;
  }

  /**
   * sched_tick -> trigger_load_balance(): on SMP, raise SCHED_SOFTIRQ once rq->next_balance
   * is reached; the next is balance_interval (the domain weight, in ms) * busy_factor away
   * for a CPU running a task (get_sd_balance_interval with cpu_busy).
   */
  private triggerLoadBalance(k: Kernel, base: TimerBase): void {
    const n = k.cpus.length;
    if (n < 2 || k.jiffies < base.nextBalance) return;
    this.softirq.raiseSoftirq(SCHED_SOFTIRQ);
    const ms = n * SD_BUSY_FACTOR;
    base.nextBalance = k.jiffies + Math.max(1, Math.ceil((ms * k.hz) / 1000));
  }

  private *expireHrtimer(k: Kernel, h: HrTimer): Handler {
    const cpu = k.smpProcessorId();
    h.expires = -1;
    h.fired++;
    k.trace.emit(TP.timer_expire_entry, cpu, h.id);
    const next = yield* h.fn(k, h);
    k.trace.emit(TP.timer_expire_exit, cpu, h.id);
    if (next >= 0 && h.expires < 0) this.startHrtimer(h, Math.max(next, k.now));
  }

  /** hrtimer_run_softirq: the soft hrtimers that expired on this CPU. */
  private *runHrtimerSoftirq(k: Kernel): Handler {
    const base = this.bases[k.smpProcessorId()]!;
    for (const h of base.softExpired.splice(0)) yield* this.expireHrtimer(k, h);
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
