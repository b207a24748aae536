/**
 * Softirqs (kernel/softirq.c, include/linux/interrupt.h): ten vectors, a per-CPU pending
 * bitmask, raise_softirq, handle_softirqs (the body of __do_softirq) with its restart and
 * time limits, and ksoftirqd/N, which takes over what irq_exit leaves behind.
 */
import type { Cpu } from "../sim/cpu.js";
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { inInterrupt, SOFTIRQ_OFFSET } from "../sim/preempt.js";
import { wakeUpProcess } from "../sim/sched.js";
import { TASK_RUNNING, type Thread } from "../sim/thread.js";
import { TP } from "../sim/trace.js";
import { hex8 } from "../sim/warn.js";
import { NSEC_PER_MSEC, NSEC_PER_SEC } from "../sim/time.js";

// include/linux/interrupt.h: the vectors, in priority order (lower runs first).
export const HI_SOFTIRQ = 0;
export const TIMER_SOFTIRQ = 1;
export const NET_TX_SOFTIRQ = 2;
export const NET_RX_SOFTIRQ = 3;
export const BLOCK_SOFTIRQ = 4;
export const IRQ_POLL_SOFTIRQ = 5;
export const TASKLET_SOFTIRQ = 6;
export const SCHED_SOFTIRQ = 7;
export const HRTIMER_SOFTIRQ = 8;
export const RCU_SOFTIRQ = 9;
export const NR_SOFTIRQS = 10;

/** kernel/softirq.c softirq_to_name[]. */
export const SOFTIRQ_NAMES = ["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"] as const;

/** kernel/softirq.c: at most 10 passes over the pending mask per __do_softirq. */
export const MAX_SOFTIRQ_RESTART = 10;
/** kernel/softirq.c: MAX_SOFTIRQ_TIME = msecs_to_jiffies(2). */
export const MAX_SOFTIRQ_TIME_MS = 2;

export type SoftirqAction = (k: Kernel) => Handler;

export interface SoftirqStats {
  /** kstat softirqs per [vector][cpu]: action invocations (/proc/softirqs). */
  readonly counts: number[][];
  /** raise_softirq calls per [vector][cpu]. */
  readonly raised: number[][];
  /** handle_softirqs invocations per CPU, from irq_exit/local_bh_enable vs ksoftirqd. */
  readonly runsInline: number[];
  readonly runsKsoftirqd: number[];
  /** Why a handle_softirqs left work for ksoftirqd, per CPU. */
  readonly deferredRestart: number[];
  readonly deferredTime: number[];
  readonly deferredResched: number[];
}

export class Softirq {
  readonly actions: (SoftirqAction | null)[] = new Array(NR_SOFTIRQS).fill(null);
  readonly ksoftirqd: Thread[] = [];
  readonly stats: SoftirqStats;
  /** msecs_to_jiffies(MAX_SOFTIRQ_TIME_MS): rounds up, so at HZ=100 it is one jiffy. */
  readonly maxSoftirqJiffies: number;

  /**
   * Linux 4.9 - 6.4 behaviour ("softirq: Let ksoftirqd do its job", reverted in 6.5 by
   * d15121be7485): while ksoftirqd is runnable, irq_exit (invoke_softirq) and
   * local_bh_enable (do_softirq) leave softirqs other than HI and TASKLET to it instead of
   * running them inline.
   */
  constructor(
    private readonly k: Kernel,
    readonly deferToKsoftirqd = false,
  ) {
    const per = (): number[] => k.cpus.map(() => 0);
    const perVec = (): number[][] => Array.from({ length: NR_SOFTIRQS }, per);
    this.stats = {
      counts: perVec(),
      raised: perVec(),
      runsInline: per(),
      runsKsoftirqd: per(),
      deferredRestart: per(),
      deferredTime: per(),
      deferredResched: per(),
    };
    this.maxSoftirqJiffies = Math.ceil((MAX_SOFTIRQ_TIME_MS * NSEC_PER_MSEC * k.hz) / NSEC_PER_SEC);
    k.trace.registerNames("softirq", SOFTIRQ_NAMES);
    k.hooks.doSoftirq = (cpu) => this.handleSoftirqs(cpu, false);
    if (deferToKsoftirqd) k.hooks.invokeSoftirqNow = (cpu) => !this.ksoftirqdRunning(cpu);
    // kernel/softirq.c spawn_ksoftirqd: one per CPU, SCHED_NORMAL, nice 0.
    for (const cpu of k.cpus) {
      this.ksoftirqd.push(
        k.spawn({ comm: `ksoftirqd/${cpu.id}`, cpu: cpu.id, kernelThread: true }, (self) => this.runKsoftirqd(cpu, self)),
      );
    }
  }

  /** ksoftirqd_running() (4.9 - 6.4): runnable ksoftirqd, and nothing in SOFTIRQ_NOW_MASK. */
  private ksoftirqdRunning(cpu: Cpu): boolean {
    const SOFTIRQ_NOW_MASK = (1 << HI_SOFTIRQ) | (1 << TASKLET_SOFTIRQ);
    if ((cpu.softirqPending & SOFTIRQ_NOW_MASK) !== 0) return false;
    const t = this.ksoftirqd[cpu.id];
    return t !== undefined && t.state === TASK_RUNNING;
  }

  /** open_softirq(): install the action for a vector. */
  openSoftirq(nr: number, action: SoftirqAction): void {
    this.actions[nr] = action;
  }

  /**
   * raise_softirq_irqoff(): mark the vector pending on this CPU. In interrupt context
   * (hardirq, softirq, or BH disabled) the softirq runs on the way out; otherwise nothing
   * would run it soon, so ksoftirqd is woken.
   */
  raiseSoftirq(nr: number): void {
    const k = this.k;
    const cpu = k.thisCpu;
    cpu.softirqPending |= 1 << nr;
    this.stats.raised[nr]![cpu.id]!++;
    k.trace.emit(TP.softirq_raise, cpu.id, nr);
    if (!inInterrupt(cpu.preemptCount)) this.wakeupSoftirqd(cpu);
  }

  wakeupSoftirqd(cpu: Cpu): void {
    if (this.k.plants.stuckSoftirq) return; // the planted bug: nobody is told
    const t = this.ksoftirqd[cpu.id];
    if (t !== undefined) wakeUpProcess(this.k, t);
  }

  /**
   * handle_softirqs(): entered with IRQs off. Clear the pending mask, enable IRQs, run each
   * pending vector lowest-first; repeat while new bits appear, but stop after
   * MAX_SOFTIRQ_RESTART passes, after MAX_SOFTIRQ_TIME, or when a reschedule is due, and
   * leave the rest to ksoftirqd.
   */
  *handleSoftirqs(cpu: Cpu, ksirqd: boolean): Handler {
    const k = this.k;
    // The planted bug: return with the pending bits neither cleared nor run.
    if (k.plants.stuckSoftirq && cpu.softirqPending !== 0 && k.plants.fire("stuck-softirq", 1)) return;
    const end = k.jiffies + this.maxSoftirqJiffies;
    let maxRestart = MAX_SOFTIRQ_RESTART;
    let pending = cpu.softirqPending;
    (ksirqd ? this.stats.runsKsoftirqd : this.stats.runsInline)[cpu.id]!++;
    cpu.preemptCount += SOFTIRQ_OFFSET; // softirq_handle_begin: __local_bh_disable_ip(SOFTIRQ_OFFSET)
    for (;;) {
      cpu.softirqPending = 0;
      yield k.localIrqEnable();
      yield k.cpu(k.costs.softirq_pass);
      for (let nr = 0; pending !== 0; nr++, pending >>>= 1) {
        if ((pending & 1) === 0) continue;
        const action = this.actions[nr];
        this.stats.counts[nr]![cpu.id]!++;
        k.trace.emit(TP.softirq_entry, cpu.id, nr);
        const prevCount = cpu.preemptCount;
        if (action !== null && action !== undefined) yield* action(k);
        if (cpu.preemptCount !== prevCount) {
          // kernel/softirq.c handle_softirqs(): the action must leave preempt_count as it found it.
          k.warn(
            "preempt_count balanced on softirq exit",
            `huh, entered softirq ${nr} ${SOFTIRQ_NAMES[nr]} with preempt_count ${hex8(prevCount)}, exited with ${hex8(cpu.preemptCount)}?`,
            cpu.id,
          );
        }
        k.trace.emit(TP.softirq_exit, cpu.id, nr);
      }
      yield k.localIrqDisable();
      pending = cpu.softirqPending;
      if (pending === 0) break;
      const inTime = k.jiffies < end; // time_before(jiffies, end)
      if (inTime && !cpu.needResched && --maxRestart > 0) continue;
      if (!inTime) this.stats.deferredTime[cpu.id]!++;
      else if (cpu.needResched) this.stats.deferredResched[cpu.id]!++;
      else this.stats.deferredRestart[cpu.id]!++;
      this.wakeupSoftirqd(cpu);
      break;
    }
    cpu.preemptCount -= SOFTIRQ_OFFSET; // softirq_handle_end
  }

  /**
   * ksoftirqd/N (kernel/softirq.c run_ksoftirqd under smpboot_thread_fn): sleep until
   * softirqs are pending, then run one handle_softirqs with IRQs off around it, then
   * cond_resched() so other threads get the CPU between rounds.
   */
  private *runKsoftirqd(cpu: Cpu, _self: Thread): Handler {
    const k = this.k;
    for (;;) {
      // (With the planted stuck-softirq bug it never looks: the bits stay pending.)
      if (cpu.softirqPending === 0 || k.plants.stuckSoftirq) {
        yield k.schedule();
        continue;
      }
      yield k.localIrqDisable();
      if (cpu.softirqPending !== 0) yield* this.handleSoftirqs(cpu, true);
      yield k.localIrqEnable();
      yield k.condResched();
    }
  }
}
