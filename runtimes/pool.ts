/**
 * The sync layer: a pool of threads taking requests off a WorkQueue. An idle thread either
 * parks at once (a futex wait: the next hand-off pays a wake-up and a context switch,
 * 1-5 us each) or first busy-waits for `spin` ns (onSpinWait; a request published while it
 * spins is seen after one cache-line transfer, tens of ns). With `batch` > 1 the producer
 * signals once per batch (or when the oldest item has waited `batchWindow`) and a woken
 * thread takes up to `batch` items per dequeue. Threads are created at boot, or lazily as
 * the runtime's policy asks (ThreadPoolExecutor's core/max rule, asyncio's idle check).
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { wakeUpProcess } from "../sim/sched.js";
import type { Thread } from "../sim/thread.js";
import { Latency } from "../sim/metrics.js";
import type { WorkQueue } from "./queue.js";
import { PICKUP_BUSY, PICKUP_NEW_THREAD, PICKUP_PARKED, PICKUP_SPINNING, REQ_RUNNING, type Request } from "./request.js";
import type { RuntimeCosts } from "./schema.js";

export interface PoolConfig {
  /** the name of pool thread n (pthread_setname_np / Thread.setName) */
  comm: (n: number) => string;
  cpus: number[];
  maxThreads: number;
  spin: number;
  batch: number;
  batchWindow: number;
  costs: RuntimeCosts;
}

interface Worker {
  thread: Thread;
  parked: boolean;
  spinning: boolean;
  /** a request was published for it while it spun */
  claimed: boolean;
  busy: boolean;
  spinEnd: SimEvent;
}

/** What the pool does with a request (its work) and with the result (post it back). */
export type RunRequest = (w: Thread, r: Request) => Handler<void>;

export class WorkerPool {
  readonly workers: Worker[] = [];
  private readonly parked: Worker[] = [];
  private readonly spinning: Worker[] = [];
  private readonly batchTimer: SimEvent;
  readonly handoffParked = new Latency("handoff_parked", "published -> a parked worker starts it (wake-up + context switch + dequeue)");
  readonly handoffSpinning = new Latency("handoff_spinning", "published -> a spinning worker starts it (cache-line transfer + dequeue)");
  readonly queueWait = new Latency("queue_wait", "published -> a worker starts it (hand-off plus waiting for a free worker)");
  stats = { parks: 0, wakeups: 0, spinHits: 0, spinNs: 0, created: 0, batches: 0, maxBusy: 0 };
  private busyCount = 0;

  constructor(
    private readonly k: Kernel,
    readonly queue: WorkQueue,
    readonly cfg: PoolConfig,
    private readonly run: RunRequest,
  ) {
    this.batchTimer = createEvent(() => this.signal(true));
  }

  get threads(): number {
    return this.workers.length;
  }

  get busy(): number {
    return this.busyCount;
  }

  /** Idle threads (parked or spinning), as asyncio's _idle_semaphore counts them. */
  get idle(): number {
    return this.parked.length + this.spinning.length;
  }

  /** Creates a thread; with `first` it runs that request before looking at the queue (addWorker(firstTask)). */
  createWorker(first: Request | null = null): void {
    const k = this.k;
    const n = this.workers.length;
    const w: Worker = { thread: null as unknown as Thread, parked: false, spinning: false, claimed: false, busy: false, spinEnd: createEvent(() => this.endSpin(w)) };
    if (first !== null) this.setBusy(w, true);
    this.stats.created++;
    const self = this;
    w.thread = k.spawn({ comm: this.cfg.comm(n), cpu: this.cfg.cpus[n % this.cfg.cpus.length]!, allowed: this.cfg.cpus, kernelThread: false }, function* () {
      yield* self.workerBody(w, first);
    });
    this.workers.push(w);
  }

  /**
   * The producer side, after the request is in the queue: wake a worker if one is idle and
   * the batch (if any) is full; `timer` is the batch window expiring.
   */
  signal(timer = false): void {
    const q = this.queue;
    if (q.length === 0) return;
    const sp = this.spinning.shift();
    if (sp !== undefined) {
      // The spinner sees the store after the cache line moves to its core.
      sp.claimed = true;
      this.k.engine.after(sp.spinEnd, this.cfg.costs.cacheline);
      return;
    }
    if (this.parked.length === 0) return;
    if (this.cfg.batch > 1 && q.length < this.cfg.batch && !timer) {
      if (this.batchTimer.slot < 0) this.k.engine.after(this.batchTimer, this.cfg.batchWindow);
      return;
    }
    this.k.engine.cancel(this.batchTimer);
    const w = this.parked.shift()!;
    w.parked = false;
    this.stats.wakeups++;
    wakeUpProcess(this.k, w.thread);
  }

  private setBusy(w: Worker, busy: boolean): void {
    if (busy && !w.busy) this.busyCount++;
    if (!busy && w.busy) this.busyCount--;
    w.busy = busy;
    if (this.busyCount > this.stats.maxBusy) this.stats.maxBusy = this.busyCount;
  }

  /** A request was published for a spinning worker: end its spin early if it is on its CPU now. */
  private endSpin(w: Worker): void {
    const cpu = this.k.cpus[w.thread.cpu]!;
    if (!w.spinning || cpu.curr !== w.thread || cpu.stack.length !== 1) return;
    cpu.accrue();
    cpu.cutSegment();
    cpu.top.remaining = 0;
    cpu.resume();
  }

  private *workerBody(w: Worker, first: Request | null): Handler<void> {
    const k = this.k;
    const q = this.queue;
    const c = this.cfg.costs;
    if (first !== null) {
      first.pickup = PICKUP_NEW_THREAD;
      yield* this.runOne(w, first);
    }
    let pickup = PICKUP_BUSY;
    for (;;) {
      if (q.length === 0) {
        this.setBusy(w, false);
        if (this.cfg.spin > 0) {
          w.spinning = true;
          w.claimed = false;
          this.spinning.push(w);
          const t0 = k.now;
          yield k.user(this.cfg.spin);
          this.stats.spinNs += k.now - t0;
          w.spinning = false;
          const i = this.spinning.indexOf(w);
          if (i >= 0) this.spinning.splice(i, 1);
          if (q.length > 0) {
            this.stats.spinHits++;
            pickup = PICKUP_SPINNING;
          }
        }
        if (q.length === 0) {
          w.parked = true;
          this.parked.push(w);
          this.stats.parks++;
          yield k.schedule();
          pickup = PICKUP_PARKED;
          continue;
        }
      }
      this.setBusy(w, true);
      // A spinner already pulled the queue's cache line over when it saw the store.
      yield k.user(q.opCost(w.thread.cpu, k.now, c.enqueue, pickup === PICKUP_SPINNING ? 0 : c.cacheline));
      const batch: Request[] = [];
      for (let r = q.shift(); r !== undefined; r = batch.length < this.cfg.batch ? q.shift() : undefined) batch.push(r);
      if (batch.length === 0) {
        pickup = PICKUP_BUSY;
        continue; // another worker took it
      }
      this.stats.batches++;
      for (const r of batch) {
        r.pickup = pickup;
        pickup = PICKUP_BUSY;
        yield* this.runOne(w, r);
      }
    }
  }

  private *runOne(w: Worker, r: Request): Handler<void> {
    const k = this.k;
    r.started = k.now;
    r.state = REQ_RUNNING;
    if (r.published >= 0) {
      const wait = k.now - r.published;
      this.queueWait.record(wait);
      if (r.pickup === PICKUP_PARKED) this.handoffParked.record(wait);
      else if (r.pickup === PICKUP_SPINNING) this.handoffSpinning.record(wait);
    }
    yield* this.run(w.thread, r);
  }
}
