/**
 * Invariants checked after every run, and every N events while fuzzing (ARCHITECTURE.md section 8).
 * Each returns human-readable violations; an empty list means the run is consistent.
 *  - a kernel WARN check that fired during the run (sim/warn.ts) comes first;
 *  - packets, by ownership: every container (ring, backlog, work items, socket queue) is
 *    asked what it holds and checked against the registry of live skbs, so a leak names
 *    the packet, its last owner and the event that last touched it; then
 *    arrived = delivered + dropped (all reasons) + live, with the owners named;
 *  - IRQs: every assert was delivered, merged into one already pending, or is pending now;
 *  - CPU time: per CPU, the /proc/stat buckets sum to the simulated time, and each bucket
 *    equals the CPU's own tally of the segments that ran in that context (kept where
 *    segments end, independently of the /proc/stat accrual);
 *  - threads: their runtimes sum to the time the CPUs had a task other than idle current;
 *  - softirqs: a pending softirq always has someone to run it (the kernel's
 *    "NOHZ tick-stop error: local softirq work is pending" would fire otherwise);
 *  - NAPI: a scheduled instance is on exactly one list (or being polled), an unscheduled
 *    one on none; a tasklet is on at most one list, and only with TASKLET_STATE_SCHED;
 *  - work: every queued item is on the list its owner names, at most once; queued =
 *    started + pending + cancelled; a pool's nr_running equals its running workers.
 */
import { taskRuntime } from "../sim/sched.js";
import type { System } from "./boot.js";
import { ACCT_IDLE, ACCT_NAMES } from "../sim/cpu.js";
import { FRAME_PROCESS } from "../sim/frame.js";
import { TASK_INTERRUPTIBLE } from "../sim/thread.js";
import { warningLine } from "../sim/warn.js";
import { WORKER_NOT_RUNNING } from "../workqueue/pool.js";
import type { WorkStruct } from "../workqueue/work.js";
import type { NapiStruct } from "../net/napi.js";

export function checkInvariants(sys: System): string[] {
  const v: string[] = [];
  const { k } = sys;
  if (k.warning !== null) v.push(warningLine(k.warning));
  checkPackets(sys, v);
  for (const d of [...k.irq.lines(), ...k.irq.archLines()]) {
    const pending = k.irq.pendingCount(d);
    if (d.asserts !== d.delivered + d.merged + pending) {
      v.push(`irq ${d.irq}: asserted ${d.asserts} != delivered ${d.delivered} + merged ${d.merged} + pending ${pending}`);
    }
  }
  checkCpuTime(sys, v);
  checkThreadRuntime(sys, v);
  checkNapi(sys, v);
  checkTasklets(sys, v);
  checkWork(sys, v);
  if (sys.runtime !== null) v.push(...sys.runtime.check());
  return v;
}

function checkPackets(sys: System, v: string[]): void {
  const { net } = sys;
  const s = net.stats;
  v.push(...net.skbs.walk().map((x) => `packets: ${x}`));
  const dropped = s.dropped.reduce((a, b) => a + b, 0);
  const live = net.skbs.live.size;
  if (s.arrived !== s.delivered + dropped + live) {
    const where = [...net.skbs.byOwner()].map(([o, n]) => `${o}: ${n}`).join(", ");
    v.push(`packets: arrived ${s.arrived} != delivered ${s.delivered} + dropped ${dropped} + owned ${live}${where === "" ? "" : ` (${where})`}`);
  }
}

function checkCpuTime(sys: System, v: string[]): void {
  const { k } = sys;
  for (const cpu of k.cpus) {
    cpu.accrue();
    const seg = cpu.segmentTotals();
    let busy = 0;
    seg.forEach((ns, c) => {
      busy += ns;
      if (cpu.acct[c] !== ns) v.push(`cpu${cpu.id}: /proc/stat ${ACCT_NAMES[c]} ${cpu.acct[c]} ns != ${ns} ns of ${ACCT_NAMES[c]} segments`);
    });
    if (cpu.acct[ACCT_IDLE] !== k.now - busy) v.push(`cpu${cpu.id}: /proc/stat idle ${cpu.acct[ACCT_IDLE]} ns != ${k.now - busy} ns without a segment`);
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
}

/**
 * Per-thread runtimes against the CPUs: every nanosecond a CPU spent with a task other
 * than its idle thread current is some thread's runtime, or, with IRQ time accounting,
 * IRQ time spent on top of it (sim/cpu.ts irqtimeOnTaskNow; 0 with it off).
 */
function checkThreadRuntime(sys: System, v: string[]): void {
  const { k } = sys;
  let threads = 0;
  for (const t of k.threads) threads += taskRuntime(k, t);
  let busy = 0;
  let irq = 0;
  for (const cpu of k.cpus) {
    busy += k.now - cpu.idleCurrNow();
    irq += cpu.irqtimeOnTaskNow();
  }
  if (threads + irq !== busy) v.push(`threads: runtimes sum to ${threads} ns (+ ${irq} ns of IRQ time on tasks) != ${busy} ns the CPUs ran a task`);
}

/**
 * NAPI_STATE_SCHED vs poll lists: a scheduled instance is in exactly one place (a CPU's
 * poll list, the list net_rx_action took, its repoll list, or being polled), and one that
 * is not scheduled is on no list (it may still be finishing the poll that completed it).
 */
function checkNapi(sys: System, v: string[]): void {
  const where = new Map<NapiStruct, string[]>();
  const note = (n: NapiStruct, place: string): void => {
    const w = where.get(n);
    if (w === undefined) where.set(n, [place]);
    else w.push(place);
  };
  sys.net.softnet.forEach((sd, cpu) => {
    for (const n of sd.pollList) note(n, `cpu${cpu}'s poll list`);
    for (const n of sd.rxList) note(n, `cpu${cpu}'s net_rx_action list`);
    for (const n of sd.rxRepoll) note(n, `cpu${cpu}'s repoll list`);
  });
  const polling = new Set(sys.net.softnet.map((sd) => sd.polling).filter((n) => n !== null));
  const all = [...sys.net.softnet.map((sd) => sd.backlog), ...sys.nics.flatMap((nic) => nic.queues.map((q) => q.napi).filter((n) => n !== null))];
  for (const n of all) {
    const places = where.get(n) ?? [];
    // Threaded NAPI and busy polling hold NAPI_STATE_SCHED on no list (net/napi.ts ownedBy).
    const count = places.length + (polling.has(n) ? 1 : 0) + (n.ownedBy !== null ? 1 : 0);
    if (n.scheduled && count !== 1) v.push(`napi ${n.name}: NAPI_STATE_SCHED but in ${count} places${places.length > 0 ? ` (${places.join(", ")})` : ""}`);
    if (!n.scheduled && places.length > 0) v.push(`napi ${n.name}: on ${places.join(", ")} without NAPI_STATE_SCHED`);
  }
}

/** Tasklets: each on at most one list (per-CPU, HI, or the one tasklet_action took), and only with TASKLET_STATE_SCHED. */
function checkTasklets(sys: System, v: string[]): void {
  const lists = sys.tasklets.lists();
  for (const t of sys.tasklets.all) {
    let n = 0;
    for (const l of lists) for (const x of l) if (x === t) n++;
    if (n > 1) v.push(`tasklet ${t.name}: on ${n} lists`);
    if (n > 0 && !t.sched) v.push(`tasklet ${t.name}: on a list without TASKLET_STATE_SCHED`);
  }
}

function checkWork(sys: System, v: string[]): void {
  const wqs = sys.wqs;
  const seen = new Map<WorkStruct, string>();
  const note = (w: WorkStruct, where: string): void => {
    const prev = seen.get(w);
    if (prev !== undefined) v.push(`work ${w.id} (${w.func}): queued twice (${prev} and ${where})`);
    else if (!wqs.live.has(w)) v.push(`work ${w.id} (${w.func}): on ${where} but not queued`);
    seen.set(w, where);
  };
  for (const pool of wqs.pools()) {
    for (const w of pool.worklist) note(w, `pool ${pool.id} worklist`);
    for (const worker of pool.workers) for (const w of worker.scheduled) note(w, `${worker.thread.comm} scheduled`);
    let running = 0;
    for (const worker of pool.workers) if ((worker.flags & WORKER_NOT_RUNNING) === 0 && !worker.sleeping) running++;
    if (running !== pool.nrRunning) v.push(`worker pool ${pool.id}: nr_running ${pool.nrRunning} != ${running} running workers`);
  }
  for (const wq of wqs.workqueues) {
    for (const pwq of wq.pwqs.values()) for (const w of pwq.inactive) note(w, `${wq.name} inactive list`);
    if (wq.rescuer !== null) for (const w of wq.rescuer.scheduled) note(w, `${wq.name} rescuer`);
  }
  for (const w of wqs.live) {
    if (!seen.has(w)) v.push(`work ${w.id} (${w.func}) lost: queued at event #${w.touchedEvent} onto ${w.owner}, but on no list`);
  }
  const s = wqs.stats;
  const pending = wqs.live.size;
  if (s.queued !== s.started + pending + s.cancelled) {
    v.push(`work: queued ${s.queued} != started ${s.started} + pending ${pending} + cancelled ${s.cancelled}`);
  }
}

/** Packets some owner holds now (rings, backlogs, work items, handlers, sockets). */
export function packetsInFlight(sys: System): number {
  return sys.net.inFlight();
}
