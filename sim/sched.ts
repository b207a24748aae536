/**
 * The scheduler, grown only as far as the foundation needs (ARCHITECTURE.md section 4):
 * per-CPU run queues; SCHED_FIFO before SCHED_NORMAL; a CFS-like pick of the smallest
 * virtual runtime (integer nanoseconds, weighted with the kernel's inverse weights) among
 * fair threads; slice expiry and wake-up preemption; the costs of a
 * context switch and of waking an idle CPU from `sim/costs.ts`.
 */
import type { Cpu } from "./cpu.js";
import type { Kernel } from "./kernel.js";
import { TP } from "./trace.js";
import {
  NICE_0_LOAD,
  SCHED_FIFO,
  SCHED_PRIO_TO_WEIGHT,
  SCHED_PRIO_TO_WMULT,
  TASK_DEAD,
  TASK_INTERRUPTIBLE,
  TASK_RUNNING,
  type Thread,
} from "./thread.js";
import type { WaitQueue } from "./waitqueue.js";

/**
 * A thread waking from sleep is placed no further back than min_vruntime minus half the
 * scheduling latency (kernel/sched/fair.c place_entity with GENTLE_FAIR_SLEEPERS,
 * sysctl_sched_latency 6 ms), so long sleepers get a bounded head start.
 */
export const SLEEPER_CREDIT_NS = 3_000_000;

/** sched_switch prev_state codes used in the trace. */
export const PREV_RUNNABLE = 0;
export const PREV_SLEEPING = 1;
export const PREV_DEAD = 2;

/**
 * kernel/sched/fair.c __calc_delta(delta, NICE_0_LOAD, &se->load) as calc_delta_fair calls
 * it: fact = scale_load_down(NICE_0_LOAD) * inv_weight, shifted down until it fits 32
 * bits, then (delta * fact) >> shift. Integers throughout, like the kernel: vruntime is a
 * whole number of nanoseconds and every machine computes the same one.
 */
const WMULT_SHIFT = 32;
const FAIR_FACT = new Map<number, { fact: number; shift: number }>();
SCHED_PRIO_TO_WEIGHT.forEach((w, i) => {
  let fact = NICE_0_LOAD * SCHED_PRIO_TO_WMULT[i]!; // < 2^39: exact
  let shift = WMULT_SHIFT;
  const hi = Math.floor(fact / 2 ** 32);
  if (hi > 0) {
    const fs = 32 - Math.clz32(hi); // fls()
    shift -= fs;
    fact = Math.floor(fact / 2 ** fs);
  }
  FAIR_FACT.set(w, { fact, shift });
});

export function calcDeltaFair(delta: number, weight: number): number {
  if (weight === NICE_0_LOAD) return delta;
  const f = FAIR_FACT.get(weight)!;
  const p = delta * f.fact;
  // mul_u64_u32_shr: exact in doubles while the product fits 53 bits, else in BigInt.
  if (p <= Number.MAX_SAFE_INTEGER) return Math.floor(p / 2 ** f.shift);
  return Number((BigInt(delta) * BigInt(f.fact)) >> BigInt(f.shift));
}

/**
 * The CPU time `t`, current on `cpu`, has used since it was switched in (or last charged):
 * wall time less, with CONFIG_IRQ_TIME_ACCOUNTING, the hardirq and softirq time spent on
 * top of it (kernel/sched/core.c update_rq_clock_task subtracts irq_time_read() from
 * rq->clock_task; kernel/sched/cputime.c irqtime_account_irq charges softirqs run by
 * ksoftirqd to ksoftirqd, so those stay task time).
 */
function execDelta(cpu: Cpu, t: Thread, now: number): number {
  return now - t.execStart - (cpu.irqtimeNow() - t.execIrqtime);
}

function vruntimeNow(cpu: Cpu, t: Thread, now: number): number {
  return t.vruntime + calcDeltaFair(Math.max(0, execDelta(cpu, t, now)), t.weight);
}

/** Charges the CPU time `t` used since it was switched in. */
function updateCurr(cpu: Cpu, t: Thread, now: number): void {
  const delta = execDelta(cpu, t, now);
  t.execStart = now;
  t.execIrqtime = cpu.irqtimeNow();
  if (delta <= 0) return;
  t.runtimeNs += delta;
  t.vruntime += calcDeltaFair(delta, t.weight);
}

/** sum_exec_runtime of `t` as of now, including the stretch it is running right now. */
export function taskRuntime(k: Kernel, t: Thread): number {
  const cpu = k.cpus[t.cpu]!;
  return t.runtimeNs + (cpu.curr === t ? Math.max(0, execDelta(cpu, t, k.now)) : 0);
}

function minVruntime(cpu: Cpu, now: number): number {
  let min = cpu.curr.idle ? Infinity : vruntimeNow(cpu, cpu.curr, now);
  for (const t of cpu.rq) if (t.policy !== SCHED_FIFO && t.vruntime < min) min = t.vruntime;
  return min === Infinity ? 0 : min;
}

/** FIFO by priority then queue order; else the fair thread with the least vruntime. */
function pickNext(cpu: Cpu): Thread | null {
  let best: Thread | null = null;
  for (const t of cpu.rq) {
    if (best === null) best = t;
    else if (t.policy === SCHED_FIFO || best.policy === SCHED_FIFO) {
      if (t.policy === SCHED_FIFO && (best.policy !== SCHED_FIFO || t.rtPriority > best.rtPriority)) best = t;
    } else if (t.vruntime < best.vruntime || (t.vruntime === best.vruntime && t.pid < best.pid)) best = t;
  }
  return best;
}

/**
 * schedule(): put the current thread back on the run queue if it is still runnable,
 * pick the next one, and switch to it, paying the context-switch cost. The caller has
 * already cut the current segment short if the thread was preempted mid-segment.
 */
export function schedule(cpu: Cpu): void {
  const k = cpu.k;
  const now = k.engine.now;
  const prev = cpu.curr;
  cpu.needResched = false;
  k.engine.cancel(cpu.sliceEvent);
  if (!prev.idle) {
    updateCurr(cpu, prev, now);
    if (prev.state === TASK_RUNNING) {
      prev.queued = true;
      cpu.rq.push(prev);
    }
  }
  const next = pickNext(cpu);
  if (next !== null) {
    cpu.rq.splice(cpu.rq.indexOf(next), 1);
    next.queued = false;
    next.execStart = now;
    next.execIrqtime = cpu.irqtimeNow();
    if (next.blocked) {
      // sched_update_worker -> wq_worker_running: back on a CPU after blocking.
      next.blocked = false;
      k.hooks.threadRunning?.(next);
    }
  }
  const to = next ?? cpu.idle;
  if (to !== prev) {
    if (!prev.idle) {
      if (prev.state === TASK_RUNNING) prev.nivcsw++;
      else prev.nvcsw++;
    }
    const prevState = prev.state === TASK_RUNNING ? PREV_RUNNABLE : prev.state === TASK_DEAD ? PREV_DEAD : PREV_SLEEPING;
    // __schedule(): rq_lock + smp_mb__after_spinlock() is a full barrier, so a task that
    // migrates sees on its new CPU everything it saw (and wrote) on the old one.
    k.mem.mb(cpu.id);
    k.trace.emit(TP.sched_switch, cpu.id, prev.pid, to.pid, prevState);
    cpu.nrSwitches++;
    cpu.switchCurr();
    cpu.curr = to;
    cpu.stack[0] = to.frame;
    if (k.costs.context_switch > 0) cpu.pushSwitch(k.costs.context_switch);
  }
  armSlice(cpu);
}

/** Arms the slice timer when a fair thread runs with others waiting. */
function armSlice(cpu: Cpu): void {
  const curr = cpu.curr;
  if (curr.idle || curr.policy === SCHED_FIFO || cpu.rq.length === 0 || cpu.sliceEvent.slot >= 0) return;
  cpu.k.engine.after(cpu.sliceEvent, cpu.k.costs.sched_slice);
}

/** The current thread goes to sleep (its state was set by the caller's op). */
export function blockCurrent(cpu: Cpu): void {
  const t = cpu.curr;
  t.state = TASK_INTERRUPTIBLE;
  t.blocked = true;
  // sched_submit_work -> wq_worker_sleeping: a kworker tells its pool before it blocks.
  cpu.k.hooks.threadSleeping?.(t);
  schedule(cpu);
}

export function threadExit(cpu: Cpu): void {
  cpu.curr.state = TASK_DEAD;
  schedule(cpu);
}

/**
 * wake_up_process(): make a sleeping thread runnable on its CPU and decide whether it
 * should preempt what runs there. Returns false if it was not sleeping.
 */
export function wakeUpProcess(k: Kernel, t: Thread): boolean {
  if (t.state !== TASK_INTERRUPTIBLE) return false;
  // try_to_wake_up() implies a full barrier when it wakes a task (memory-barriers.txt,
  // "Sleep and wake-up functions"): what the waker stored is visible to the woken.
  if (k.current !== null) k.mem.mb(k.current.id);
  k.engine.cancel(t.timer);
  if (t.waitingOn !== null) {
    const w = t.waitingOn.waiters;
    w.splice(w.indexOf(t), 1);
    t.waitingOn = null;
  }
  if (t.allowed.length > 1) t.cpu = selectTaskRq(k, t);
  const cpu = k.cpus[t.cpu]!;
  const now = k.engine.now;
  if (t.policy !== SCHED_FIFO) t.vruntime = Math.max(t.vruntime, minVruntime(cpu, now) - SLEEPER_CREDIT_NS);
  t.state = TASK_RUNNING;
  t.queued = true;
  cpu.rq.push(t);
  k.trace.emit(TP.sched_wakeup, k.current?.id ?? cpu.id, t.pid, cpu.id);
  checkPreemptWakeup(k, cpu, t, now);
  armSlice(cpu);
  return true;
}

/**
 * select_task_rq() for a thread allowed on several CPUs (unbound kworkers): its previous
 * CPU if idle, else the lowest-numbered idle allowed CPU, else the allowed CPU with the
 * fewest runnable threads (ties to the lowest number). Deterministic by construction.
 */
function selectTaskRq(k: Kernel, t: Thread): number {
  const idle = (c: number): boolean => {
    const cpu = k.cpus[c]!;
    return cpu.curr.idle && cpu.rq.length === 0 && cpu.stack.length === 1;
  };
  if (idle(t.cpu) && t.allowed.includes(t.cpu)) return t.cpu;
  const firstIdle = t.allowed.find(idle);
  if (firstIdle !== undefined) return firstIdle;
  let best = t.allowed[0]!;
  for (const c of t.allowed) if (k.cpus[c]!.rq.length < k.cpus[best]!.rq.length) best = c;
  return best;
}

/** check_preempt_curr(): RT beats fair; a fair thread far enough behind in vruntime wins. */
function checkPreemptWakeup(k: Kernel, cpu: Cpu, t: Thread, now: number): void {
  const curr = cpu.curr;
  let preempt: boolean;
  if (curr.idle) preempt = true;
  else if (t.policy === SCHED_FIFO) preempt = curr.policy !== SCHED_FIFO || t.rtPriority > curr.rtPriority;
  else if (curr.policy === SCHED_FIFO) preempt = false;
  else preempt = vruntimeNow(cpu, curr, now) - t.vruntime > k.costs.sched_wakeup_granularity;
  if (!preempt) return;
  cpu.needResched = true;
  // The waker's own CPU acts at its next preemption point; another CPU needs an IPI,
  // which (with idle exit) takes costs.wakeup to land.
  if (k.current !== cpu && cpu.kickEvent.slot < 0) {
    k.engine.after(cpu.kickEvent, k.costs.wakeup);
    // From another CPU: to a busy CPU a reschedule IPI (RES in /proc/interrupts); to an idle
    // one try_to_wake_up queues the task on its wake list (ttwu_queue_wakelist) and sends a
    // call-function IPI (CAL) -- none at all if the idle CPU polls TIF_POLLING_NRFLAG, which
    // is not modelled (HLT idle).
    if (k.current !== null) {
      if (curr.idle) cpu.callIpis++;
      else cpu.reschedIpis++;
    }
  }
}

/** wake_up(): wakes every thread sleeping on `wq`, in the order they went to sleep. */
export function wakeUp(k: Kernel, wq: WaitQueue): number {
  if (wq.waiters.length === 0) return 0;
  const ws = wq.waiters.slice();
  let n = 0;
  for (const t of ws) if (wakeUpProcess(k, t)) n++;
  return n;
}

/** Threads runnable or running (procs_running in /proc/stat). */
export function nrRunning(k: Kernel): number {
  let n = 0;
  for (const c of k.cpus) n += c.rq.length + (c.curr.idle ? 0 : 1);
  return n;
}

export function nrBlocked(_k: Kernel): number {
  // procs_blocked counts TASK_UNINTERRUPTIBLE (D state) sleepers; nothing here sleeps in
  // D state yet (block I/O arrives with the block device).
  return 0;
}
