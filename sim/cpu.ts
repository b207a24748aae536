/**
 * One CPU: its context stack (process <- softirq <- hardirq), preempt_count,
 * irqs_disabled, the IRQs latched while interrupts were off, and the time accounting per
 * context that /proc/stat reports. The interpreter here advances handler generators and
 * turns their ops into time (ARCHITECTURE.md sections 3 and 4).
 *
 * Rules modelled:
 *  - `cpu(ns)` runs as a segment; a hardirq arriving with IRQs on cuts it short and the
 *    frame later resumes with exactly the time it had left.
 *  - Hardirqs never nest: a line firing while the CPU is in a hardirq or has IRQs off is
 *    latched and delivered as soon as IRQs are enabled again (local_irq_enable, iret).
 *  - irq_exit(): if !in_interrupt() && local_softirq_pending(), run the softirqs on top of
 *    the interrupted context (kernel/softirq.c: __irq_exit_rcu -> invoke_softirq).
 *  - Returning from an interrupt to preemptible process context honours need_resched
 *    (preempt_schedule_irq).
 * Over 450 lines because the interpreter, the context stack and both time tallies (the
 * /proc/stat buckets and the independent segment tally) change together: a segment's
 * accounting is defined by how frames are cut, pushed and resumed.
 */
import { createEvent, type SimEvent } from "./engine.js";
import type { Kernel } from "./kernel.js";
import {
  createFrame,
  FRAME_HARDIRQ,
  FRAME_PROCESS,
  FRAME_SOFTIRQ,
  FRAME_SWITCH,
  type Frame,
} from "./frame.js";
import {
  HARDIRQ_MASK,
  HARDIRQ_OFFSET,
  inInterrupt,
  PREEMPT_OFFSET,
  SOFTIRQ_DISABLE_OFFSET,
  SOFTIRQ_OFFSET,
} from "./preempt.js";
import {
  OP_BH_DISABLE,
  OP_BH_ENABLE,
  OP_COND_RESCHED,
  OP_CPU,
  OP_IRQ_DISABLE,
  OP_IRQ_ENABLE,
  OP_PREEMPT_DISABLE,
  OP_PREEMPT_ENABLE,
  OP_SCHEDULE,
  OP_SLEEP,
  OP_USER,
  OP_WAIT,
} from "./ops.js";
import { createThread, TASK_DEAD, type Thread } from "./thread.js";
import { blockCurrent, schedule, threadExit } from "./sched.js";
import type { IrqDesc } from "./irq.js";
import {
  MIGHT_SLEEP_SITES,
  mightReschedShouldPrint,
  schedulingWhileAtomicReport,
  sleepInAtomicReport,
  type SleepingFunction,
} from "./printk.js";
import type { WaitQueue } from "./waitqueue.js";
import { hex8 } from "./warn.js";

/** Accounting classes, in /proc/stat's spirit. */
export const ACCT_HARDIRQ = 0;
export const ACCT_SOFTIRQ = 1;
export const ACCT_SYSTEM = 2;
export const ACCT_USER = 3;
export const ACCT_IDLE = 4;
export const ACCT_NAMES = ["hardirq", "softirq", "system", "user", "idle"] as const;

/** No CPU legitimately runs this many ops at a single instant. */
const MAX_OPS_PER_INSTANT = 1_000_000;

export class Cpu {
  preemptCount = 0;
  irqsDisabled = false;
  needResched = false;
  /** irq_stat[cpu].__softirq_pending: bit n = softirq vector n raised. */
  softirqPending = 0;
  readonly stack: Frame[] = [];
  /** The thread at process level: a real thread, or this CPU's idle thread. */
  curr: Thread;
  readonly idle: Thread;
  /** Runnable threads waiting for this CPU (not including curr). */
  readonly rq: Thread[] = [];
  /** IRQ lines asserted while IRQs were off, in arrival order (the APIC's IRR). */
  readonly latched: IrqDesc[] = [];
  /** Nanoseconds per accounting class (ACCT_*): the /proc/stat tally. */
  readonly acct = [0, 0, 0, 0, 0];
  /**
   * An independent tally: the length of every finished or cut `cpu(ns)` segment, by the
   * context of the frame that ran it (hardirq, softirq, system, user). It is kept where
   * segments end, not where /proc/stat accrues, so a slice /proc/stat misaccounts shows
   * up as a difference (sim/invariants.ts).
   */
  readonly segNs = [0, 0, 0, 0];
  /**
   * Time this CPU's current task was its idle thread, kept at each context switch: the
   * other side of the per-thread runtimes (every other nanosecond belongs to some thread).
   */
  private idleCurrNs = 0;
  private currSince = 0;
  /** Context switches on this CPU (the `ctxt` line of /proc/stat sums these). */
  nrSwitches = 0;
  /** Reschedule IPIs received (RES in /proc/interrupts). */
  reschedIpis = 0;
  /** Function-call IPIs received: wake-list wake-ups of this CPU while idle (CAL). */
  callIpis = 0;
  /** The running segment's end. */
  readonly segEvent: SimEvent;
  /** Remote wake-up / resched IPI arrival. */
  readonly kickEvent: SimEvent;
  /** Fair-class slice expiry. */
  readonly sliceEvent: SimEvent;
  private acctClass = ACCT_IDLE;
  private acctSince = 0;
  /** The time being accrued is IRQ time: hardirq, or a softirq run on top of a task (not in ksoftirqd). */
  private acctIrq = false;
  /**
   * CONFIG_IRQ_TIME_ACCOUNTING's per-CPU irqtime (kernel/sched/cputime.c): hardirq time and
   * softirq time not served by ksoftirqd, which the scheduler keeps out of task runtimes.
   * Stays 0 with kernel.irq_time_accounting off.
   */
  private irqtimeNs = 0;
  /** The part of irqtimeNs spent on top of a task (not the idle thread): no task's runtime. */
  private irqtimeOnTaskNs = 0;
  private segStart = 0;
  private inInterp = false;
  /** Ops run without the clock moving: a guard against zero-cost loops. */
  private opsAtInstant = 0;
  private instant = -1;

  constructor(
    readonly k: Kernel,
    readonly id: number,
  ) {
    const idleFrame = createFrame(FRAME_PROCESS, null);
    // swapper/N is pid 0 on every CPU (init_task and its per-CPU clones).
    this.idle = createThread({ pid: 0, comm: `swapper/${id}`, cpu: id, kernelThread: true, idle: true }, idleFrame, () => {});
    this.curr = this.idle;
    this.stack.push(idleFrame);
    this.segEvent = createEvent(() => this.segmentEnd());
    this.kickEvent = createEvent(() => this.kicked());
    this.sliceEvent = createEvent(() => this.sliceExpired());
  }

  get top(): Frame {
    return this.stack[this.stack.length - 1]!;
  }

  /** An IRQ line targets this CPU (called from device events, never from a handler). */
  interrupt(desc: IrqDesc): void {
    if (this.irqsDisabled) {
      this.latch(desc);
      return;
    }
    this.accrue();
    this.cutSegment();
    this.enterHardirq(desc);
    this.resume();
  }

  latch(desc: IrqDesc): void {
    desc.latchedOn = this.id;
    this.latched.push(desc);
    this.k.irq.noteLatched(desc, this.id);
  }

  /** irq_time_read(): this CPU's IRQ time so far, including the stretch running now. */
  irqtimeNow(): number {
    return this.irqtimeNs + (this.acctIrq ? this.k.engine.now - this.acctSince : 0);
  }

  /** IRQ time accounted while a task (not the idle thread) was current, up to now. */
  irqtimeOnTaskNow(): number {
    return this.irqtimeOnTaskNs + (this.acctIrq && !this.curr.idle ? this.k.engine.now - this.acctSince : 0);
  }

  /** Adds the time since the last change to the current accounting class. */
  accrue(): void {
    const now = this.k.engine.now;
    const plants = this.k.plants;
    // The planted bug: every 5th slice of softirq time is never added.
    if (plants.skipCpuTime && this.acctClass === ACCT_SOFTIRQ && now > this.acctSince && plants.fire("skip-cpu-time", 5)) {
      this.acctSince = now;
      return;
    }
    this.acct[this.acctClass]! += now - this.acctSince;
    if (this.acctIrq) {
      this.irqtimeNs += now - this.acctSince;
      if (!this.curr.idle) this.irqtimeOnTaskNs += now - this.acctSince;
    }
    this.acctSince = now;
  }

  /** Preempts the running segment, keeping the time it has left. */
  cutSegment(): void {
    const ev = this.segEvent;
    if (ev.slot >= 0) {
      const ran = this.k.engine.now - this.segStart;
      this.top.remaining -= ran;
      this.tallySegment(ran);
      this.k.engine.cancel(ev);
    }
  }

  /** Adds `ns` of the top frame's segment to the independent tally (segNs). */
  private tallySegment(ns: number): void {
    this.segNs[this.segmentClass()]! += ns;
  }

  /** The context of the top frame's segment, by the frame's kind. */
  private segmentClass(): number {
    const f = this.top;
    if (f.kind === FRAME_HARDIRQ) return ACCT_HARDIRQ;
    if (f.kind === FRAME_SOFTIRQ) return ACCT_SOFTIRQ;
    if (f.kind === FRAME_SWITCH) return ACCT_SYSTEM;
    if (f.user) return ACCT_USER;
    return (this.preemptCount & SOFTIRQ_OFFSET) !== 0 ? ACCT_SOFTIRQ : ACCT_SYSTEM;
  }

  /** context_switch(): the current task becomes `to` (called before curr changes). */
  switchCurr(): void {
    const now = this.k.engine.now;
    if (this.curr.idle) this.idleCurrNs += now - this.currSince;
    this.currSince = now;
  }

  /** Nanoseconds so far with the idle thread current. */
  idleCurrNow(): number {
    return this.idleCurrNs + (this.curr.idle ? this.k.engine.now - this.currSince : 0);
  }

  /** segNs with the running segment included up to now. */
  segmentTotals(): number[] {
    const t = this.segNs.slice();
    if (this.segEvent.slot >= 0) t[this.segmentClass()]! += this.k.engine.now - this.segStart;
    return t;
  }

  /**
   * Advances generators until the top frame is in a time segment or the CPU idles.
   * Only event callbacks call this, so it never nests.
   */
  resume(): void {
    if (this.inInterp) throw new Error(`cpu${this.id}: interpreter re-entered`);
    const k = this.k;
    this.inInterp = true;
    k.current = this;
    if (this.instant !== k.engine.now) {
      this.instant = k.engine.now;
      this.opsAtInstant = 0;
    }
    try {
      for (;;) {
        const f = this.top;
        if (f.remaining > 0) {
          this.segStart = k.engine.now;
          k.engine.after(this.segEvent, f.remaining);
          break;
        }
        const gen = f.gen;
        if (gen === null) {
          if (f.kind === FRAME_SWITCH) {
            // context_switch() done: IRQs back on, latched IRQs first.
            this.stack.pop();
            this.returnFromInterrupt(false);
            continue;
          }
          // Idle at process level: run a thread if one is waiting.
          if (this.rq.length > 0) {
            schedule(this);
            continue;
          }
          // kernel/time/tick-sched.c report_idle_softirq(): going idle with softirqs pending
          // and nobody (ksoftirqd is not runnable) to run them.
          if (this.softirqPending !== 0 && this.curr.idle && this.stack.length === 1) {
            k.warn("pending softirqs are run before a CPU idles", `NOHZ tick-stop error: local softirq work is pending, handler #${this.softirqPending.toString(16).padStart(2, "0")}!!!`, this.id);
          }
          break;
        }
        if (++this.opsAtInstant > MAX_OPS_PER_INSTANT) this.noProgress();
        const send = f.send;
        f.send = undefined;
        f.user = false;
        const r = gen.next(send);
        if (r.done === true) this.finishFrame(f, r.value);
        else this.execOp(f, r.value);
      }
    } finally {
      k.current = null;
      this.inInterp = false;
    }
    this.acctClass = this.classify();
    // irqtime_account_irq(): hardirq always; softirq unless curr is ksoftirqd, whose
    // handle_softirqs runs in its own process frame (inline ones push a softirq frame).
    this.acctIrq =
      this.k.irqTimeAccounting &&
      (this.acctClass === ACCT_HARDIRQ || (this.acctClass === ACCT_SOFTIRQ && this.stack.some((f) => f.kind === FRAME_SOFTIRQ)));
  }

  /**
   * Handlers that loop without consuming time (e.g. a tasklet requeued forever with every
   * cost set to 0) would spin at one instant and never return: stop with a clear error.
   */
  private noProgress(): never {
    throw new Error(
      `cpu${this.id}: more than ${MAX_OPS_PER_INSTANT} operations at t=${this.k.engine.now} ns without time passing ` +
        "(a loop whose costs are all 0; give softirq_pass, tasklet_run or napi_poll a cost above 0)",
    );
  }

  private segmentEnd(): void {
    this.accrue();
    this.tallySegment(this.k.engine.now - this.segStart);
    this.top.remaining = 0;
    this.resume();
  }

  /** Remote wake-up or resched IPI: reschedule if the process level may be preempted. */
  private kicked(): void {
    if (!this.needResched && !(this.curr.idle && this.rq.length > 0)) return;
    if (this.stack.length === 1 && this.preemptCount === 0 && !this.irqsDisabled) {
      this.accrue();
      this.cutSegment();
      schedule(this);
      this.resume();
    } else {
      this.needResched = true;
    }
  }

  private sliceExpired(): void {
    if (this.curr.idle || this.rq.length === 0) return;
    this.needResched = true;
    this.kicked();
  }

  private execOp(f: Frame, op: number): void {
    const k = this.k;
    switch (op) {
      case OP_CPU:
        f.remaining = k.opNs;
        return;
      case OP_USER:
        f.remaining = k.opNs;
        f.user = f.kind === FRAME_PROCESS && f.thread !== null && !f.thread.kernelThread;
        return;
      case OP_IRQ_DISABLE:
        this.irqsDisabled = true;
        return;
      case OP_IRQ_ENABLE:
        // A top half must not enable IRQs (the kernel WARNs); keep them off in hardirq.
        if ((this.preemptCount & HARDIRQ_MASK) !== 0) return;
        this.irqsDisabled = false;
        this.deliverLatched();
        return;
      case OP_BH_DISABLE:
        this.preemptCount += SOFTIRQ_DISABLE_OFFSET;
        return;
      case OP_BH_ENABLE:
        // kernel/softirq.c __local_bh_enable_ip: drop the count, run pending softirqs if
        // no longer in interrupt context, then preempt_check_resched(). In 4.9 - 6.4
        // do_softirq() also left them to a running ksoftirqd (ksoftirqd_running()).
        this.preemptCount -= SOFTIRQ_DISABLE_OFFSET;
        if (
          !inInterrupt(this.preemptCount) &&
          this.softirqPending !== 0 &&
          k.hooks.doSoftirq !== null &&
          (k.hooks.invokeSoftirqNow === null || k.hooks.invokeSoftirqNow(this))
        ) {
          this.pushSoftirq(this.irqsDisabled);
          return;
        }
        this.preemptCheck();
        return;
      case OP_PREEMPT_DISABLE:
        this.preemptCount += PREEMPT_OFFSET;
        return;
      case OP_PREEMPT_ENABLE:
        this.preemptCount -= PREEMPT_OFFSET;
        this.preemptCheck();
        return;
      case OP_COND_RESCHED:
        this.preemptCheck();
        return;
      case OP_SLEEP:
      case OP_WAIT:
      case OP_SCHEDULE:
        this.blockingOp(f, op);
        return;
      default:
        throw new Error(`cpu${this.id}: unknown op ${String(op)}`);
    }
  }

  /**
   * A blocking op. In atomic context (a hardirq or softirq, preemption or IRQs disabled)
   * it does not block: the kernel's __might_resched report goes to the log (at most once
   * per second, as the kernel rate-limits it) and the handler continues with `false`.
   */
  private blockingOp(f: Frame, op: number): void {
    const k = this.k;
    const atomic = this.preemptCount !== 0 || this.irqsDisabled || f.kind !== FRAME_PROCESS || this.curr.idle;
    if (atomic) {
      if (op !== OP_SCHEDULE) this.atomicSleepBug(op === OP_SLEEP ? "msleep" : k.opSite);
      f.send = false;
      return;
    }
    const t = f.thread!;
    if (op === OP_SLEEP) k.engine.after(t.timer, k.opNs);
    else if (op === OP_WAIT) {
      const wq = k.opObj as WaitQueue;
      t.waitingOn = wq;
      wq.waiters.push(t);
    }
    f.send = true;
    blockCurrent(this);
  }

  /**
   * How Linux reports a sleeping call in atomic context (see MIGHT_SLEEP_SITES): functions
   * that call might_sleep() print __might_resched's report, at most once a second; msleep
   * and schedule_timeout have no might_sleep() and are caught only in schedule() by
   * __schedule_bug ("scheduling while atomic"), every time.
   */
  private atomicSleepBug(fn: SleepingFunction): void {
    const k = this.k;
    const site = MIGHT_SLEEP_SITES[fn];
    if (site.report === "scheduling_while_atomic") {
      for (const line of schedulingWhileAtomicReport(this.curr.comm, this.curr.pid, this.preemptCount)) k.printk(line);
      return;
    }
    const now = k.engine.now;
    if (!mightReschedShouldPrint(now, k.lastMightReschedNs)) return;
    k.lastMightReschedNs = now;
    const lines = sleepInAtomicReport({
      file: site.file,
      line: site.line,
      inAtomic: this.preemptCount !== 0,
      irqsDisabled: this.irqsDisabled,
      nonBlock: false,
      pid: this.curr.pid,
      comm: this.curr.comm,
      preemptCount: this.preemptCount,
    });
    for (const line of lines) k.printk(line);
  }

  /** Reschedule now if need_resched is set and process level is preemptible. */
  private preemptCheck(): void {
    if (this.needResched && this.preemptCount === 0 && !this.irqsDisabled && this.stack.length === 1) {
      schedule(this);
    }
  }

  /** irq_enter(): push a hardirq frame for `desc` with IRQs off. */
  enterHardirq(desc: IrqDesc): void {
    const f = createFrame(FRAME_HARDIRQ, this.k.irq.handle(desc, this.id), this.irqsDisabled, desc.irq);
    f.entryCount = this.preemptCount;
    this.irqsDisabled = true;
    this.preemptCount += HARDIRQ_OFFSET;
    this.stack.push(f);
  }

  private pushSoftirq(savedIrqsDisabled: boolean): void {
    const f = createFrame(FRAME_SOFTIRQ, this.k.hooks.doSoftirq!(this), savedIrqsDisabled);
    f.entryCount = this.preemptCount;
    this.stack.push(f);
  }

  /** Runs context_switch() as a short IRQs-off frame before the next thread continues. */
  pushSwitch(cost: number): void {
    const f = createFrame(FRAME_SWITCH, null, false);
    f.remaining = cost;
    this.irqsDisabled = true;
    this.stack.push(f);
  }

  private finishFrame(f: Frame, _value: unknown): void {
    switch (f.kind) {
      case FRAME_HARDIRQ:
        this.stack.pop();
        // kernel/softirq.c __irq_exit_rcu: leave hardirq, then invoke_softirq() if
        // !in_interrupt() && local_softirq_pending(). IRQs stay off until it enables them.
        this.preemptCount -= HARDIRQ_OFFSET;
        if (this.preemptCount !== f.entryCount) this.leakedPreempt("hardirq", `irq ${f.irq}`, f.entryCount);
        const hooks = this.k.hooks;
        if (
          !inInterrupt(this.preemptCount) &&
          this.softirqPending !== 0 &&
          hooks.doSoftirq !== null &&
          (hooks.invokeSoftirqNow === null || hooks.invokeSoftirqNow(this))
        ) {
          this.pushSoftirq(f.savedIrqsDisabled);
          return;
        }
        this.returnFromInterrupt(f.savedIrqsDisabled);
        return;
      case FRAME_SOFTIRQ:
        this.stack.pop();
        if (this.preemptCount !== f.entryCount) this.leakedPreempt("softirq", "__do_softirq", f.entryCount);
        this.returnFromInterrupt(f.savedIrqsDisabled);
        return;
      case FRAME_PROCESS:
        f.thread!.state = TASK_DEAD;
        threadExit(this);
        return;
      default:
        throw new Error(`cpu${this.id}: frame kind ${f.kind} cannot finish`);
    }
  }

  /** WARN: a context returned with a different preempt_count than it was entered with. */
  private leakedPreempt(context: string, what: string, entry: number): void {
    this.k.warn(`preempt_count balanced on ${context} exit`, `${what}: entered with preempt_count ${hex8(entry)}, exited with ${hex8(this.preemptCount)}`, this.id);
  }

  /**
   * Back to the interrupted context: restore its IRQ state (iret), take any latched IRQ
   * first, otherwise preempt if need_resched and the process level is preemptible.
   */
  private returnFromInterrupt(irqsDisabled: boolean): void {
    this.irqsDisabled = irqsDisabled;
    if (!irqsDisabled && this.deliverLatched()) return;
    this.preemptCheck();
  }

  /** Delivers the oldest latched IRQ, if IRQs are on. True if one was delivered. */
  private deliverLatched(): boolean {
    if (this.irqsDisabled || this.latched.length === 0) return false;
    const desc = this.latched.shift()!;
    desc.latchedOn = -1;
    this.enterHardirq(desc);
    return true;
  }

  /** The accounting class of the time about to pass. */
  private classify(): number {
    const pc = this.preemptCount;
    if ((pc & HARDIRQ_MASK) !== 0) return ACCT_HARDIRQ;
    // kernel/sched/cputime.c account_system_time: in_serving_softirq() -> CPUTIME_SOFTIRQ,
    // wherever the softirq runs (irq_exit, local_bh_enable or ksoftirqd).
    if ((pc & SOFTIRQ_OFFSET) !== 0) return ACCT_SOFTIRQ;
    const top = this.top;
    if (top.kind === FRAME_SWITCH) return ACCT_SYSTEM;
    if (this.stack.length === 1 && this.curr.idle) return ACCT_IDLE;
    if (top.user && this.segEvent.slot >= 0) return ACCT_USER;
    return ACCT_SYSTEM;
  }
}
