/**
 * Tasklets (kernel/softirq.c, include/linux/interrupt.h): deferred functions run from the
 * HI and TASKLET softirqs. Two state bits make them simple to use:
 *  - TASKLET_STATE_SCHED: scheduling an already-scheduled tasklet is a no-op;
 *  - TASKLET_STATE_RUN: taken with a trylock around the call, so a tasklet never runs on
 *    two CPUs at once. A CPU that finds it running elsewhere puts it back on its own list
 *    and raises the softirq again (it spins through softirq restarts and ksoftirqd until
 *    the other CPU is done). Scheduling it while it runs sets SCHED again: it runs once more.
 * tasklet_disable() raises a count that makes tasklet_action requeue instead of running.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { wakeUp } from "../sim/sched.js";
import { TP } from "../sim/trace.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import { HI_SOFTIRQ, TASKLET_SOFTIRQ, type Softirq } from "./softirq.js";
import { inInterrupt } from "../sim/preempt.js";

export interface TaskletStruct {
  readonly id: number;
  readonly name: string;
  /** TASKLET_STATE_SCHED. */
  sched: boolean;
  /** When tasklet_schedule() last set SCHED (for the schedule -> run latency). */
  scheduledAt: number;
  /** TASKLET_STATE_RUN: the CPU running it, or -1. */
  runningOn: number;
  /** tasklet_disable() depth. */
  count: number;
  readonly func: (k: Kernel, t: TaskletStruct) => Handler;
  /** wait_var_event(&t->state, ...) sleepers. */
  readonly stateWq: WaitQueue;
  readonly stats: {
    scheduled: number;
    /** tasklet_schedule while already SCHED: merged into the pending run. */
    alreadyScheduled: number;
    /** tasklet_schedule while it was running: it will run once more. */
    scheduledWhileRunning: number;
    /** Runs per CPU. */
    runs: number[];
    /** Found RUN held by another CPU: requeued and the softirq re-raised. */
    busyElsewhere: number;
    /** Found disabled: requeued. */
    disabledRequeues: number;
  };
}

export class Tasklets {
  /** Per-CPU lists: tasklet_vec and tasklet_hi_vec. */
  private readonly vec: TaskletStruct[][];
  private readonly hiVec: TaskletStruct[][];
  readonly all: TaskletStruct[] = [];

  constructor(
    private readonly k: Kernel,
    private readonly softirq: Softirq,
  ) {
    this.vec = k.cpus.map(() => []);
    this.hiVec = k.cpus.map(() => []);
    this.taken = k.cpus.flatMap(() => [[], []]);
    softirq.openSoftirq(TASKLET_SOFTIRQ, (kk) => this.action(kk, this.vec, TASKLET_SOFTIRQ));
    softirq.openSoftirq(HI_SOFTIRQ, (kk) => this.action(kk, this.hiVec, HI_SOFTIRQ));
  }

  /** tasklet_setup(). */
  create(name: string, func: TaskletStruct["func"]): TaskletStruct {
    const t: TaskletStruct = {
      id: this.all.length,
      name,
      sched: false,
      scheduledAt: 0,
      runningOn: -1,
      count: 0,
      func,
      stateWq: createWaitQueue(`${name}.state`),
      stats: { scheduled: 0, alreadyScheduled: 0, scheduledWhileRunning: 0, runs: this.k.cpus.map(() => 0), busyElsewhere: 0, disabledRequeues: 0 },
    };
    this.all.push(t);
    this.k.trace.registerObject("tasklet", t.id, { name });
    return t;
  }

  /** tasklet_schedule(): queue on this CPU's TASKLET list unless already SCHED. */
  schedule(t: TaskletStruct): boolean {
    return this.scheduleOn(t, this.vec, TASKLET_SOFTIRQ);
  }

  /** tasklet_hi_schedule(): the same on the HI list (runs before every other softirq). */
  hiSchedule(t: TaskletStruct): boolean {
    return this.scheduleOn(t, this.hiVec, HI_SOFTIRQ);
  }

  private scheduleOn(t: TaskletStruct, vec: TaskletStruct[][], nr: number): boolean {
    if (t.sched) {
      t.stats.alreadyScheduled++;
      return false;
    }
    t.sched = true;
    t.scheduledAt = this.k.now;
    t.stats.scheduled++;
    if (t.runningOn >= 0) t.stats.scheduledWhileRunning++;
    vec[this.k.smpProcessorId()]!.push(t);
    this.softirq.raiseSoftirq(nr);
    return true;
  }

  /** Every list a tasklet can be on now (for the invariant walk). */
  lists(): TaskletStruct[][] {
    return [...this.vec, ...this.hiVec, ...this.taken];
  }

  /** Per CPU and vector: the list tasklet_action took and has not finished (tasklet_action_common's local list). */
  private readonly taken: TaskletStruct[][];

  /** tasklet_action_common(): run this CPU's list, taken whole with IRQs off. */
  private *action(k: Kernel, vec: TaskletStruct[][], nr: number): Handler {
    const cpu = k.smpProcessorId();
    const list = vec[cpu]!.splice(0);
    const slot = cpu * 2 + (nr === HI_SOFTIRQ ? 1 : 0);
    this.taken[slot] = list;
    while (list.length > 0) {
      const t = list[0]!;
      yield k.cpu(k.costs.tasklet_run);
      list.shift(); // off the taken list: it runs, or goes back on this CPU's list
      if (t.runningOn < 0) {
        // tasklet_trylock() succeeded.
        if (t.count === 0) {
          // kernel/softirq.c tasklet_clear_sched(): WARN if SCHED was not set.
          if (!t.sched) k.warn("a tasklet on a list has TASKLET_STATE_SCHED", `tasklet ${t.name} runs without TASKLET_STATE_SCHED`, cpu);
          t.sched = false; // tasklet_clear_sched
          t.runningOn = cpu;
          t.stats.runs[cpu]!++;
          k.trace.emit(TP.tasklet_entry, cpu, t.id);
          k.trace.measure("tasklet_start", k.now - t.scheduledAt, t.id); // tasklet_schedule() -> the function
          yield* t.func(k, t);
          k.trace.emit(TP.tasklet_exit, cpu, t.id);
          if (t.runningOn !== cpu) k.warn("a tasklet never runs on two CPUs", `tasklet ${t.name} ran on cpu${cpu} while TASKLET_STATE_RUN said cpu${t.runningOn}`, cpu);
          this.unlock(t);
          continue;
        }
        t.stats.disabledRequeues++;
      } else {
        t.stats.busyElsewhere++;
      }
      vec[cpu]!.push(t);
      this.softirq.raiseSoftirq(nr);
    }
  }

  /** tasklet_unlock(): clear RUN and wake tasklet_disable/tasklet_kill waiters. */
  private unlock(t: TaskletStruct): void {
    t.runningOn = -1;
    wakeUp(this.k, t.stateWq);
  }

  /**
   * tasklet_disable(): raise the count, then wait until it is not running anywhere.
   * Sleeps, so process context only (tasklet_disable_in_atomic spins instead).
   */
  *disable(k: Kernel, t: TaskletStruct): Handler {
    t.count++;
    while (t.runningOn >= 0) yield k.wait(t.stateWq);
  }

  /** tasklet_enable(). */
  enable(t: TaskletStruct): void {
    if (t.count === 0) throw new Error(`tasklet ${t.name}: unbalanced tasklet_enable`);
    t.count--;
  }

  /**
   * tasklet_kill(): wait until it is not scheduled and claim SCHED (so nobody can schedule
   * it meanwhile), wait until it is not running, then release SCHED. The kernel warns when
   * called from interrupt context.
   */
  *kill(k: Kernel, t: TaskletStruct): Handler {
    if (inInterrupt(k.thisCpu.preemptCount)) k.printk("Attempt to kill tasklet from interrupt");
    while (t.sched) yield k.wait(t.stateWq);
    t.sched = true;
    while (t.runningOn >= 0) yield k.wait(t.stateWq);
    t.sched = false;
  }
}
