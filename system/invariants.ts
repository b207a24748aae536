/**
 * Invariants checked after every run (DESIGN section 8). Each returns human-readable
 * violations; an empty list means the run is internally consistent.
 *  - packets: arrived = delivered + dropped (all reasons) + in flight;
 *  - IRQs: every assert was delivered, merged into one already pending, or is pending now;
 *  - CPU time: per CPU, the context buckets sum to the simulated time;
 *  - softirqs: a pending softirq always has someone to run it (the kernel's
 *    "NOHZ tick-stop error: local softirq work is pending" would fire otherwise);
 *  - work: queued = started + pending + cancelled, a pending item is on one list at most
 *    once, and a pool's nr_running equals its running, non-sleeping, counted workers.
 */
import type { System } from "./boot.js";
import { FRAME_PROCESS } from "../sim/frame.js";
import { TASK_INTERRUPTIBLE } from "../sim/thread.js";
import { WORKER_NOT_RUNNING } from "../workqueue/pool.js";

export function checkInvariants(sys: System): string[] {
  const v: string[] = [];
  const { k, net } = sys;
  const s = net.stats;
  const dropped = s.dropped.reduce((a, b) => a + b, 0);
  const inFlight = packetsInFlight(sys);
  if (s.arrived !== s.delivered + dropped + inFlight) {
    v.push(`packets: arrived ${s.arrived} != delivered ${s.delivered} + dropped ${dropped} + in flight ${inFlight}`);
  }
  for (const d of [...k.irq.lines(), ...k.irq.archLines()]) {
    const pending = k.irq.pendingCount(d);
    if (d.asserts !== d.delivered + d.merged + pending) {
      v.push(`irq ${d.irq}: asserted ${d.asserts} != delivered ${d.delivered} + merged ${d.merged} + pending ${pending}`);
    }
  }
  for (const cpu of k.cpus) {
    cpu.accrue();
    const sum = cpu.acct.reduce((a, b) => a + b, 0);
    if (sum !== k.now) v.push(`cpu${cpu.id}: accounted ${sum} ns != simulated ${k.now} ns`);
    if (cpu.softirqPending !== 0) {
      const kst = sys.softirq.ksoftirqd[cpu.id]!;
      const atProcessLevel = cpu.stack.length === 1 && cpu.top.kind === FRAME_PROCESS;
      const bhOff = cpu.preemptCount !== 0;
      if (atProcessLevel && !bhOff && kst.state === TASK_INTERRUPTIBLE) {
        v.push(`cpu${cpu.id}: softirq work is pending (mask 0x${cpu.softirqPending.toString(16)}) but ksoftirqd sleeps`);
      }
    }
  }
  checkWork(sys, v);
  if (sys.runtime !== null) v.push(...sys.runtime.check());
  return v;
}

function checkWork(sys: System, v: string[]): void {
  const wqs = sys.wqs;
  const seen = new Map<number, string>();
  let pending = 0;
  const note = (id: number, where: string): void => {
    const prev = seen.get(id);
    if (prev !== undefined) v.push(`work ${id}: queued twice (${prev} and ${where})`);
    seen.set(id, where);
    pending++;
  };
  for (const pool of wqs.pools()) {
    for (const w of pool.worklist) note(w.id, `pool ${pool.id} worklist`);
    for (const worker of pool.workers) for (const w of worker.scheduled) note(w.id, `${worker.thread.comm} scheduled`);
    let running = 0;
    for (const worker of pool.workers) if ((worker.flags & WORKER_NOT_RUNNING) === 0 && !worker.sleeping) running++;
    if (running !== pool.nrRunning) v.push(`worker pool ${pool.id}: nr_running ${pool.nrRunning} != ${running} running workers`);
  }
  for (const wq of wqs.workqueues) {
    for (const pwq of wq.pwqs.values()) for (const w of pwq.inactive) note(w.id, `${wq.name} inactive list`);
    if (wq.rescuer !== null) for (const w of wq.rescuer.scheduled) note(w.id, `${wq.name} rescuer`);
  }
  const s = wqs.stats;
  if (s.queued !== s.started + pending + s.cancelled) {
    v.push(`work: queued ${s.queued} != started ${s.started} + pending ${pending} + cancelled ${s.cancelled}`);
  }
}

export function packetsInFlight(sys: System): number {
  let n = sys.net.inFlight();
  for (const nic of sys.nics) n += nic.inRing;
  return n;
}
