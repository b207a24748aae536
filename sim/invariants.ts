/**
 * Invariants checked after every run (DESIGN section 8). Each returns human-readable
 * violations; an empty list means the run is internally consistent.
 *  - packets: arrived = delivered + dropped (all reasons) + in flight;
 *  - IRQs: every assert was delivered, merged into one already pending, or is pending now;
 *  - CPU time: per CPU, the context buckets sum to the simulated time;
 *  - softirqs: a pending softirq always has someone to run it (the kernel's
 *    "NOHZ tick-stop error: local softirq work is pending" would fire otherwise).
 */
import type { System } from "./boot.js";
import { FRAME_PROCESS } from "./frame.js";
import { TASK_INTERRUPTIBLE } from "./thread.js";

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
  return v;
}

export function packetsInFlight(sys: System): number {
  let n = sys.net.inFlight();
  for (const nic of sys.nics) n += nic.inRing;
  return n;
}
