/**
 * Go's runtime, where the pattern is inside the scheduler: goroutines (the sync layer,
 * written in blocking style) run on GOMAXPROCS Ps, each P driven by an M (an OS thread).
 * Network waits park the goroutine on the netpoller (the async layer): no thread blocks,
 * the M runs the next goroutine. A blocking syscall (a file read) blocks its M with its P;
 * sysmon, finding the P in the syscall for a tick (20 us) with work waiting, retakes it and
 * hands it to another M -- woken if one is idle, created if not -- so the M count grows
 * with concurrent blocking syscalls while the P count stays GOMAXPROCS. When the syscall
 * returns, the M takes an idle P if there is one, else queues its goroutine and parks.
 * Simplified: ready goroutines go to the global run queue (injectglist); no local run
 * queues, work stealing or spinning Ms. (runtime/proc.go: entersyscall, exitsyscall,
 * retake, handoffp, startm, stopm, wakep; runtime/netpoll.go.)
 */
import type { Kernel } from "../sim/kernel.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { wakeUpProcess } from "../sim/sched.js";
import type { Thread } from "../sim/thread.js";
import { Latency } from "../sim/metrics.js";
import { NSEC_PER_MSEC } from "../sim/time.js";
import { startArrivals } from "./arrivals.js";
import type { Request } from "./request.js";
import { RUNTIME_MODELS, THREAD_CREATE_DEFAULT, type GoRuntimeSpec } from "./schema.js";
import type { LoopRuntimeResult, RuntimeSystem } from "./system.js";
import { mergeLatency, round1 } from "./latency.js";

/** runtime/debug.SetMaxThreads default. */
const GO_MAX_THREADS = 10_000;
/** retake() leaves a P in a syscall alone for up to 10 ms when nothing else waits for it. */
const RETAKE_ANYWAY_NS = 10 * NSEC_PER_MSEC;

interface G {
  req: Request;
  /** 0: new; 1: back from the netpoller or a syscall that lost its P: finish it */
  phase: number;
  ready: number;
}

interface P {
  id: number;
  m: M | null;
}

interface M {
  thread: Thread;
  p: P | null;
  /** a P startm gave it while it was parked or being created */
  nextP: P | null;
  parked: boolean;
  inSyscall: boolean;
  syscallSince: number;
  /** when startm woke it (the hand-off it pays) */
  wokenAt: number;
  retake: SimEvent;
}

export function bootGo(k: Kernel, spec: GoRuntimeSpec, cpus: number): RuntimeSystem {
  const nP = spec.gomaxprocs ?? cpus;
  const mCpus = spec.pool_cpus ?? Array.from({ length: cpus }, (_, i) => i);
  const ps: P[] = Array.from({ length: nP }, (_, id) => ({ id, m: null }));
  const idleP: P[] = ps.slice().reverse();
  const ms: M[] = [];
  const idleM: M[] = [];
  const global: G[] = [];
  const live = new Set<Request>();
  const st = { completed: 0, created: 0, maxBusy: 0, handoffs: 0, syscalls: 0, netpoll: 0, noP: 0, stopm: 0, startmWake: 0, enqueued: 0, maxGlobal: 0, workSum: 0 };
  const queueWait = new Latency("queue_wait", "a goroutine becomes runnable -> an M runs it");
  const mWake = new Latency("handoff_parked", "startm wakes a parked M -> it runs a goroutine (wake-up + context switch)");
  const service = new Latency("service", "an M starts a goroutine's last run -> it finishes (after the netpoller: only the rest)");
  const response = new Latency("response", "arrival -> the goroutine finishes (open-loop, HDR)");
  const violations: string[] = [];
  const cls = spec.requests;
  const busyMs = (): number => ms.filter((m) => m.p !== null || m.inSyscall).length;

  const push = (g: G): void => {
    g.ready = k.now;
    global.push(g);
    st.enqueued++;
    if (global.length > st.maxGlobal) st.maxGlobal = global.length;
    wakep();
  };
  /** wakep(): an idle P and runnable work: get an M running it. */
  const wakep = (): void => {
    while (global.length > 0 && idleP.length > 0) startm(idleP.pop()!);
  };
  const startm = (p: P): void => {
    const m = idleM.pop();
    if (m !== undefined) {
      m.nextP = p;
      p.m = m;
      m.parked = false;
      m.wokenAt = k.now;
      st.startmWake++;
      wakeUpProcess(k, m.thread);
      return;
    }
    newM(p);
  };
  const handoffp = (m: M): void => {
    const p = m.p!;
    m.p = null;
    p.m = null;
    st.handoffs++;
    if (global.length > 0) startm(p);
    else idleP.push(p);
  };
  const newM = (p: P): void => {
    const m: M = { thread: null as unknown as Thread, p: null, nextP: p, parked: false, inSyscall: false, syscallSince: 0, wokenAt: -1, retake: createEvent(() => retake(m)) };
    p.m = m;
    st.created++;
    if (ms.length >= GO_MAX_THREADS) violations.push(`go: more than ${GO_MAX_THREADS} Ms (runtime: program exceeds 10000-thread limit)`);
    m.thread = k.spawn({ comm: `go-m${ms.length}`, cpu: mCpus[ms.length % mCpus.length]!, allowed: mCpus, kernelThread: false }, () => mBody(m));
    ms.push(m);
  };
  /** sysmon's retake(): a P stuck in a syscall with work waiting (or for 10 ms) is handed off. */
  const retake = (m: M): void => {
    if (!m.inSyscall || m.p === null) return;
    if (global.length === 0 && k.now - m.syscallSince < RETAKE_ANYWAY_NS) {
      k.engine.after(m.retake, spec.sysmon_tick);
      return;
    }
    handoffp(m);
  };
  const finish = (g: G, started: number): void => {
    service.record(k.now - started);
    response.record(k.now - g.req.arrival);
    st.completed++;
    live.delete(g.req);
  };

  function* mBody(m: M) {
    const c = spec.costs;
    yield k.user(c.thread_create ?? THREAD_CREATE_DEFAULT); // newm -> newosproc: clone() and the thread's first run
    for (;;) {
      if (m.p === null && m.nextP !== null) {
        m.p = m.nextP;
        m.nextP = null;
      }
      if (m.p === null) {
        // stopm(): no P, nothing to do: sleep until startm hands us one.
        m.parked = true;
        idleM.push(m);
        st.stopm++;
        yield k.schedule();
        continue;
      }
      const g = global.shift();
      if (g === undefined) {
        // findrunnable found nothing: release the P and stop.
        const p = m.p;
        m.p = null;
        p.m = null;
        idleP.push(p);
        continue;
      }
      const busy = busyMs();
      if (busy > st.maxBusy) st.maxBusy = busy;
      yield k.user(c.enqueue); // runqget / globrunqget
      queueWait.record(k.now - g.ready);
      if (m.wokenAt >= 0) {
        mWake.record(k.now - m.wokenAt);
        m.wokenAt = -1;
      }
      const q = cls[g.req.cls]!;
      const started = k.now;
      if (g.phase === 1) {
        if (q.callback > 0) yield k.user(q.callback);
        finish(g, started);
        continue;
      }
      if (q.callback + q.work > 0) yield k.user(q.callback + q.work);
      st.workSum += q.work;
      if (q.io === 0) {
        finish(g, started);
        continue;
      }
      if (q.netpoll) {
        // gopark on the netpoller: the M goes on to the next goroutine.
        st.netpoll++;
        g.phase = 1;
        k.engine.after(
          createEvent(() => push(g)),
          q.io,
        );
        continue;
      }
      // entersyscall: the M blocks in the kernel, still holding its P until sysmon retakes it.
      st.syscalls++;
      const p = m.p;
      m.inSyscall = true;
      m.syscallSince = k.now;
      k.engine.after(m.retake, spec.sysmon_tick);
      yield k.sleep(q.io);
      m.inSyscall = false;
      k.engine.cancel(m.retake);
      if (m.p === p) {
        finish(g, started);
        continue;
      }
      // exitsyscall after a hand-off: take an idle P, or queue the goroutine and stop.
      st.noP++;
      const np = idleP.pop();
      if (np !== undefined) {
        m.p = np;
        np.m = m;
        finish(g, started);
        continue;
      }
      g.phase = 1;
      push(g);
    }
  }

  // Ms start as Ps are needed; the first goroutine's arrival starts one.
  const arrivals = startArrivals(k, spec.arrivals, cls, 1, (r) => {
    live.add(r);
    push({ req: r, phase: 0, ready: k.now });
  });

  return {
    check() {
      const v = violations.slice();
      const owned = ms.filter((m) => m.p !== null).length;
      if (owned + idleP.length + ms.filter((m) => m.p === null && m.nextP !== null).length !== nP) v.push(`go: ${owned} Ps on Ms + ${idleP.length} idle (+ ones being handed over) != GOMAXPROCS ${nP}`);
      for (const m of ms) if (m.p !== null && m.p.m !== m) v.push(`go: ${m.thread.comm} holds P${m.p.id} whose m is another`);
      const n = arrivals.arrived();
      if (n !== st.completed + live.size) v.push(`go: arrived ${n} != completed ${st.completed} + in flight ${live.size}`);
      return v;
    },
    result(): LoopRuntimeResult {
      const n = arrivals.arrived();
      const sum = (l: Latency) => mergeLatency([l]);
      const workMean = st.completed > 0 ? Math.round(st.workSum / Math.max(1, st.completed)) : 0;
      const wake = mWake.summary();
      return {
        kind: "go",
        model: RUNTIME_MODELS.go!,
        mode: `GOMAXPROCS=${nP}`,
        requests: { arrived: n, completed: st.completed, in_flight: live.size, on_loop: 0, caller_runs: 0, rejected: 0, discarded: 0, cancelled: 0, timed_out: 0, abandoned_completed: 0, abandoned_running: 0 },
        loops: [],
        queue: { capacity: null, max_depth: st.maxGlobal, enqueued: st.enqueued, contended: 0, lock_wait_ns: 0 },
        pool: { threads: ms.length, max_threads: GO_MAX_THREADS, max_busy: st.maxBusy, created: st.created, parks: st.stopm, wakeups: st.startmWake, spin_hits: 0, spin_ns: 0, batches: st.enqueued },
        latency_ns: {
          queue_wait: sum(queueWait),
          handoff_parked: sum(mWake),
          handoff_spinning: { description: "spinning Ms are not modelled", count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 },
          service: sum(service),
          response: sum(response),
        },
        handoff: { work_mean_ns: workMean, handoff_mean_ns: wake.mean, overhead_pct: workMean > 0 ? round1((wake.mean * 100) / workMean) : 0, wakeups_per_item: st.enqueued > 0 ? Math.round((st.startmWake * 1000) / st.enqueued) / 1000 : 0, copy_mean_ns: 0 },
        watchdog: { name: "none (sysmon retakes Ps instead)", threshold_ns: spec.sysmon_tick, reports: 0 },
        go: { gomaxprocs: nP, ms: ms.length, max_busy_ms: st.maxBusy, syscalls: st.syscalls, p_handoffs: st.handoffs, netpoll_parks: st.netpoll, exitsyscall_without_p: st.noP },
        log: [],
        log_dropped: 0,
      };
    },
  };
}
