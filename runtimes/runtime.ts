/**
 * Composition of a runtime scenario: the loop(s) (async layer), the queue, the pool (sync
 * layer), the arrivals, the runtime's executor policy and its watchdog, on the same kernel
 * threads, scheduler, wake-ups and costs as the kernel's own deferred work. One request's
 * path: arrival -> loop callback -> (inline, or publish to the queue -> a pool thread runs
 * it -> posts the result back) -> loop callback -> completed. Per-runtime policy lives in
 * `submit` below; the pieces live in their own files.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createEvent } from "../sim/engine.js";
import type { Thread } from "../sim/thread.js";
import { Latency, type LatencySummary } from "../sim/metrics.js";
import { startArrivals } from "./arrivals.js";
import { EventLoop, MSG_ARRIVAL, MSG_RESULT, MSG_TIMEOUT, type LoopMsg } from "./event_loop.js";
import { WorkerPool } from "./pool.js";
import { WorkQueue } from "./queue.js";
import { REQ_CANCELLED, REQ_COMPLETED, REQ_POSTED, REQ_QUEUED, REQ_REJECTED, REQ_RUNNING, type Request } from "./request.js";
import { HANDOFF_DEFAULTS, RUNTIME_MODELS, SLOW_CALLBACK_DEFAULT, THREAD_CREATE_DEFAULT, type LoopRuntimeSpec, type RuntimeSpec } from "./schema.js";
import { AndroidAnrWatchdog, asyncioSlowCallback, makeLog, nodeLoopDelay, vertxBlockedThreadChecker } from "./watchdog.js";
import { bootSeedPool } from "./seed_pool.js";
import type { LoopRuntimeResult, RuntimeSystem } from "./system.js";
import { bootLeaderFollowers } from "./leader_followers.js";
import { bootGo } from "./go.js";
import { mergeLatency, round1 } from "./latency.js";

export function bootRuntime(k: Kernel, spec: RuntimeSpec, cpus: number): RuntimeSystem {
  if (spec.kind === "seed-pool") return bootSeedPool(k, spec);
  if (spec.kind === "go") return bootGo(k, spec, cpus);
  if (spec.kind === "handoff" && spec.mode === "leader_followers") return bootLeaderFollowers(k, spec, cpus);
  return new LoopRuntime(k, spec, cpus);
}

/** Java's ThreadPoolExecutor.toString(), as RejectedExecutionException quotes it. */
function tpeString(pool: WorkerPool, completed: number): string {
  return `java.util.concurrent.ThreadPoolExecutor@1b6d3586[Running, pool size = ${pool.threads}, active threads = ${pool.busy}, queued tasks = ${pool.queue.length}, completed tasks = ${completed}]`;
}

class LoopRuntime implements RuntimeSystem {
  private readonly loops: EventLoop[] = [];
  /** readonly for the tests that break an invariant on purpose */
  readonly pools: WorkerPool[] = [];
  private readonly log: ReturnType<typeof makeLog>;
  private readonly live = new Set<Request>();
  private readonly response = new Latency("response", "arrival -> the loop has run its result callback (open-loop, HDR)");
  private readonly service = new Latency("service", "a thread starts the work -> it ends (work + io)");
  private readonly counts = { completed: 0, onLoop: 0, callerRuns: 0, rejected: 0, discarded: 0, cancelled: 0, timedOut: 0, abandonedDone: 0 };
  private workSum = 0;
  private copyNs = 0;
  private copies = 0;
  private workItems = 0;
  private readonly violations: string[] = [];
  private readonly arrivals: { arrived: () => number };
  private readonly anr: AndroidAnrWatchdog | null = null;
  private readonly maxThreads: number;
  private readonly watchName: string;
  private readonly watchThreshold: number;

  constructor(
    private readonly k: Kernel,
    private readonly spec: LoopRuntimeSpec,
    cpus: number,
  ) {
    const s = spec;
    this.log = makeLog(k);
    const producers = s.kind === "handoff" ? s.producers : 1;
    const shards = s.kind === "handoff" && s.mode === "shards";
    const all = Array.from({ length: cpus }, (_, i) => i);
    const loopCpus = producers > 1 || s.kind === "handoff" ? all.slice(0, producers).map((c) => (c + s.loop_cpu) % cpus) : [s.loop_cpu];
    const others = all.filter((c) => !loopCpus.includes(c));
    const poolCpus = s.pool_cpus ?? (others.length > 0 ? others : all);
    this.maxThreads = this.poolSize(cpus);
    const comm = { node: "node", java: "vert.x-eventloop-thread", asyncio: "python3", android: "main", handoff: "loop" }[s.kind];
    // Java numbers pool threads from 1; concurrent.futures names them prefix_0, prefix_1, ...
    const poolComm = { node: "libuv-worker-", java: "pool-1-thread-", asyncio: "asyncio_", android: "HandlerThread-", handoff: "worker" }[s.kind];
    const first = s.kind === "java" ? 1 : 0;
    const h = s.kind === "handoff" ? s : null;
    const poolCfg = {
      spin: h?.mode === "spin" ? (h.spin ?? HANDOFF_DEFAULTS.spin) : 0,
      batch: h?.mode === "batch" ? (h.batch ?? HANDOFF_DEFAULTS.batch) : 1,
      batchWindow: h?.mode === "batch" ? (h.batch_window ?? HANDOFF_DEFAULTS.batch_window) : 1,
      costs: s.costs,
    };
    const capacity = s.kind === "java" ? s.queue_capacity : Infinity;
    const nGroups = shards ? producers : 1;
    for (let g = 0; g < nGroups; g++) {
      const q = new WorkQueue(shards ? `shard${g}` : "queue", capacity, shards);
      const cpusOfPool = shards ? [poolCpus[g % poolCpus.length]!] : poolCpus;
      const pool = new WorkerPool(k, q, { comm: (n) => (shards ? `${poolComm}${g}` : `${poolComm}${n + first}`), cpus: cpusOfPool, maxThreads: this.maxThreads, ...poolCfg }, (t, r) => this.runWork(t, r));
      this.pools.push(pool);
    }
    loopCpus.forEach((cpu, i) => {
      const name = s.kind === "java" ? `${comm}-${i}` : producers > 1 ? `${comm}${i}` : comm;
      this.loops.push(new EventLoop(k, name, cpu, s.kind === "android", s.costs, (m) => this.handle(i, m)));
    });
    // Threads that exist from the start: libuv's pool, the HandlerThreads, the bench's workers.
    const inline = s.kind === "handoff" && s.mode === "inline";
    if (s.kind === "node" || s.kind === "android" || (s.kind === "handoff" && !inline)) for (const p of this.pools) for (let i = 0; i < (shards ? 1 : this.maxThreads); i++) p.createWorker();
    const className = (r: Request): string => s.requests[r.cls]!.name;
    if (s.kind === "java") {
      this.watchName = "Vert.x BlockedThreadChecker";
      this.watchThreshold = s.blocked_thread_check;
      this.loops.forEach((l) => (l.watch = vertxBlockedThreadChecker(k, l, s.blocked_thread_check, this.log)));
    } else if (s.kind === "asyncio") {
      this.watchName = s.debug ? "asyncio debug: slow_callback_duration" : "none (asyncio debug mode is off)";
      this.watchThreshold = s.slow_callback_duration ?? SLOW_CALLBACK_DEFAULT;
      if (s.debug) this.loops[0]!.watch = asyncioSlowCallback(this.watchThreshold, this.log, className);
    } else if (s.kind === "node") {
      this.watchName = "event-loop delay (monitorEventLoopDelay)";
      this.watchThreshold = s.blocked_threshold;
      this.loops[0]!.watch = nodeLoopDelay(s.blocked_threshold, this.log, className);
    } else if (s.kind === "android") {
      this.watchName = "ANR: input dispatching timeout";
      this.watchThreshold = s.input_dispatch_timeout;
      this.anr = new AndroidAnrWatchdog(k, s.input_dispatch_timeout, this.log, (r) => `${className(r)} #${r.id}`);
      this.loops[0]!.watch = this.anr;
    } else {
      this.watchName = "none";
      this.watchThreshold = 0;
    }
    this.arrivals = startArrivals(k, s.arrivals, s.requests, this.loops.length, (r) => {
      this.live.add(r);
      if (s.requests[r.cls]!.input) this.anr?.arm(r);
      this.loops[r.loop]!.deliver(MSG_ARRIVAL, r, r.when);
    });
  }

  private poolSize(cpus: number): number {
    const s = this.spec;
    switch (s.kind) {
      case "node":
        return s.uv_threadpool_size;
      case "java":
        return s.maximum_pool_size;
      case "asyncio":
        return s.max_workers ?? Math.min(32, cpus + 4); // concurrent/futures/thread.py
      case "android":
        return s.handler_threads;
      case "handoff":
        return s.workers;
    }
  }

  private poolOf(r: Request): WorkerPool {
    return this.pools[this.pools.length > 1 ? r.loop : 0]!;
  }

  /** One loop callback. */
  private *handle(loop: number, m: LoopMsg): Handler<void> {
    const k = this.k;
    const r = m.req;
    const cls = this.spec.requests[r.cls]!;
    if (cls.callback > 0) yield k.user(cls.callback);
    if (m.kind === MSG_ARRIVAL) {
      if (cls.on_loop || (this.spec.kind === "handoff" && this.spec.mode === "inline")) {
        this.counts.onLoop++;
        yield* this.runOnLoop(loop, r);
        return;
      }
      yield* this.submit(loop, r);
      return;
    }
    if (m.kind === MSG_TIMEOUT) return; // the awaiting coroutine gets TimeoutError
    // MSG_RESULT: a timed-out request's future was cancelled; its late result is dropped.
    if (r.timedOut) {
      this.counts.abandonedDone++;
      this.finish(r);
      return;
    }
    this.complete(r);
  }

  private *runOnLoop(loop: number, r: Request): Handler<void> {
    const k = this.k;
    r.state = REQ_RUNNING;
    r.started = k.now;
    yield* this.doWork(this.loops[loop]!.thread, r);
    this.complete(r);
  }

  private *doWork(_t: Thread, r: Request): Handler<void> {
    const k = this.k;
    const cls = this.spec.requests[r.cls]!;
    const start = k.now;
    if (cls.work > 0) yield k.user(cls.work);
    if (cls.io > 0) yield k.sleep(cls.io);
    this.service.record(k.now - start);
    this.workSum += cls.work;
    this.workItems++;
  }

  /** A pool thread runs the request, then posts the result back to its loop. */
  private *runWork(t: Thread, r: Request): Handler<void> {
    yield* this.doWork(t, r);
    r.state = REQ_POSTED;
    yield* this.loops[r.loop]!.post(t, MSG_RESULT, r);
  }

  /** Publishes `r` on its pool's queue (the hand-off starts when it is visible). */
  private *publish(loop: number, r: Request, pool: WorkerPool): Handler<void> {
    const k = this.k;
    const c = this.spec.costs;
    const bytes = this.spec.requests[r.cls]!.copy;
    if (bytes > 0) {
      // The cross-layer copy, at the kernel's memcpy rate (a 4 KB copy: hundreds of ns).
      const ns = Math.ceil((k.costs.copy_per_kib * bytes) / 1024);
      this.copyNs += ns;
      this.copies++;
      yield k.user(ns);
    }
    yield k.user(pool.queue.opCost(this.loops[loop]!.thread.cpu, k.now, c.enqueue, c.cacheline));
    r.published = k.now;
    r.state = REQ_QUEUED;
    pool.queue.push(r);
    pool.signal();
  }

  private *createThread(pool: WorkerPool, first: Request | null): Handler<void> {
    const cost = this.spec.costs.thread_create ?? THREAD_CREATE_DEFAULT;
    if (cost > 0) yield this.k.user(cost);
    if (first !== null) {
      first.published = this.k.now;
      first.state = REQ_QUEUED;
    }
    pool.createWorker(first);
  }

  /** The executor's policy for a new request. */
  private *submit(loop: number, r: Request): Handler<void> {
    const s = this.spec;
    const pool = this.poolOf(r);
    if (s.kind === "java") {
      // ThreadPoolExecutor.execute(): a core thread per task while below core size, then the
      // queue, then a non-core thread up to maximum_pool_size, then the rejection policy.
      if (pool.threads < s.core_pool_size) return yield* this.createThread(pool, r);
      const offered = s.queue_capacity === 0 ? pool.idle > pool.queue.length : !pool.queue.full;
      if (offered) {
        yield* this.publish(loop, r, pool);
        if (pool.threads === 0) yield* this.createThread(pool, null);
        return;
      }
      if (pool.threads < s.maximum_pool_size) return yield* this.createThread(pool, r);
      return yield* this.reject(loop, r, pool);
    }
    if (s.kind === "asyncio") {
      if (s.timeout > 0) this.armTimeout(r, pool, s.timeout);
      yield* this.publish(loop, r, pool);
      // ThreadPoolExecutor._adjust_thread_count: a new thread unless one is idle.
      if (pool.idle === 0 && pool.threads < this.maxThreads) yield* this.createThread(pool, null);
      return;
    }
    yield* this.publish(loop, r, pool);
  }

  private *reject(loop: number, r: Request, pool: WorkerPool): Handler<void> {
    const s = this.spec as Extract<LoopRuntimeSpec, { kind: "java" }>;
    const completed = this.counts.completed;
    switch (s.rejection) {
      case "abort":
        this.counts.rejected++;
        this.log.write(`java.util.concurrent.RejectedExecutionException: Task ${s.requests[r.cls]!.name}#${r.id} rejected from ${tpeString(pool, completed)}`);
        r.state = REQ_REJECTED;
        this.live.delete(r);
        return;
      case "discard":
        this.counts.discarded++;
        r.state = REQ_REJECTED;
        this.live.delete(r);
        return;
      case "discard_oldest": {
        const old = pool.queue.shift();
        if (old !== undefined) {
          old.state = REQ_CANCELLED;
          this.counts.cancelled++;
          this.live.delete(old);
        }
        yield* this.publish(loop, r, pool);
        return;
      }
      case "caller_runs":
        // The caller is the event loop: it runs the task itself, blocking every other callback.
        this.counts.callerRuns++;
        this.counts.onLoop++;
        yield* this.runOnLoop(loop, r);
        return;
    }
  }

  /**
   * asyncio.wait_for(loop.run_in_executor(...), timeout): on timeout the awaiting task gets
   * TimeoutError and the asyncio future is cancelled, which cancels the concurrent future
   * only if it has not started; a running thread cannot be interrupted and runs to the end.
   */
  private armTimeout(r: Request, pool: WorkerPool, timeout: number): void {
    const ev = createEvent(() => {
      if (r.state === REQ_COMPLETED || r.timedOut) return;
      r.timedOut = true;
      this.counts.timedOut++;
      if (r.state === REQ_QUEUED && pool.queue.remove(r)) {
        r.state = REQ_CANCELLED;
        this.counts.cancelled++;
        this.live.delete(r);
      }
      this.loops[r.loop]!.deliver(MSG_TIMEOUT, r, this.k.now);
    });
    this.k.engine.after(ev, timeout);
  }

  private complete(r: Request): void {
    this.response.record(this.k.now - r.arrival);
    this.counts.completed++;
    this.finish(r);
  }

  private finish(r: Request): void {
    if (r.state === REQ_COMPLETED) this.violations.push(`request ${r.id}: completed twice`);
    r.state = REQ_COMPLETED;
    this.live.delete(r);
  }

  check(): string[] {
    const v = this.violations.slice();
    const c = this.counts;
    const arrived = this.arrivals.arrived();
    const ended = c.completed + c.abandonedDone + c.rejected + c.discarded + c.cancelled;
    if (arrived !== ended + this.live.size) v.push(`runtime: arrived ${arrived} != completed ${c.completed} + abandoned ${c.abandonedDone} + rejected ${c.rejected} + discarded ${c.discarded} + cancelled ${c.cancelled} + in flight ${this.live.size}`);
    for (const pool of this.pools) {
      const q = pool.queue;
      if (q.length > q.capacity && !(q.capacity === 0 && q.length <= pool.threads)) v.push(`runtime: ${q.name} holds ${q.length} > capacity ${q.capacity}`);
      if (pool.threads > this.maxThreads) v.push(`runtime: ${pool.threads} pool threads > maximum ${this.maxThreads}`);
      if (pool.busy > pool.threads) v.push(`runtime: ${pool.busy} busy threads > ${pool.threads} threads`);
      for (const r of q.peekAll()) if (r.state !== REQ_QUEUED || !this.live.has(r)) v.push(`runtime: request ${r.id} in ${q.name} is not a live queued request`);
    }
    return v;
  }

  result(): LoopRuntimeResult {
    const s = this.spec;
    const c = this.counts;
    const sum = (f: (p: WorkerPool) => number): number => this.pools.reduce((a, p) => a + f(p), 0);
    const merged = (f: (p: WorkerPool) => Latency): LatencySummary & { description: string } => mergeLatency(this.pools.map(f));
    const latency: LoopRuntimeResult["latency_ns"] = {
      loop_lag: mergeLatency(this.loops.map((l) => l.lag)),
      queue_wait: merged((p) => p.queueWait),
      handoff_parked: merged((p) => p.handoffParked),
      handoff_spinning: merged((p) => p.handoffSpinning),
      service: { description: this.service.description, ...this.service.summary() },
      response: { description: this.response.description, ...this.response.summary() },
    };
    const idleHandoffs = latency.handoff_parked.count + latency.handoff_spinning.count;
    const handoffMean = idleHandoffs > 0 ? Math.round((latency.handoff_parked.mean * latency.handoff_parked.count + latency.handoff_spinning.mean * latency.handoff_spinning.count) / idleHandoffs) : 0;
    const workMean = this.workItems > 0 ? Math.round(this.workSum / this.workItems) : 0;
    const published = sum((p) => p.queue.enqueued);
    let abandonedRunning = 0;
    for (const r of this.live) if (r.timedOut && (r.state === REQ_RUNNING || r.state === REQ_POSTED)) abandonedRunning++;
    const q0 = this.pools[0]!.queue;
    return {
      kind: s.kind,
      model: RUNTIME_MODELS[s.kind],
      mode: s.kind === "handoff" ? s.mode : s.kind === "java" ? s.rejection : "default",
      requests: {
        arrived: this.arrivals.arrived(),
        completed: c.completed,
        in_flight: this.live.size,
        on_loop: c.onLoop,
        caller_runs: c.callerRuns,
        rejected: c.rejected,
        discarded: c.discarded,
        cancelled: c.cancelled,
        timed_out: c.timedOut,
        abandoned_completed: c.abandonedDone,
        abandoned_running: abandonedRunning,
      },
      loops: this.loops.map((l) => ({ comm: l.comm, cpu: l.thread.cpu, callbacks: l.stats.callbacks, busy_ns: l.stats.busyNs, longest_callback_ns: l.stats.longestNs, max_ready: l.stats.maxReady })),
      queue: { capacity: Number.isFinite(q0.capacity) ? q0.capacity : null, max_depth: Math.max(...this.pools.map((p) => p.queue.maxDepth)), enqueued: published, contended: sum((p) => p.queue.contended), lock_wait_ns: sum((p) => p.queue.lockWaitNs) },
      pool: {
        threads: sum((p) => p.threads),
        max_threads: this.maxThreads * this.pools.length,
        max_busy: sum((p) => p.stats.maxBusy),
        created: sum((p) => p.stats.created),
        parks: sum((p) => p.stats.parks),
        wakeups: sum((p) => p.stats.wakeups),
        spin_hits: sum((p) => p.stats.spinHits),
        spin_ns: sum((p) => p.stats.spinNs),
        batches: sum((p) => p.stats.batches),
      },
      latency_ns: latency,
      handoff: {
        work_mean_ns: workMean,
        handoff_mean_ns: handoffMean,
        overhead_pct: workMean > 0 ? round1((handoffMean * 100) / workMean) : 0,
        wakeups_per_item: published > 0 ? Math.round((sum((p) => p.stats.wakeups) * 1000) / published) / 1000 : 0,
        copy_mean_ns: this.copies > 0 ? Math.round(this.copyNs / this.copies) : 0,
      },
      watchdog: { name: this.watchName, threshold_ns: this.watchThreshold, reports: this.log.reports },
      log: this.log.lines,
      log_dropped: this.log.dropped,
    };
  }
}
