/**
 * The async layer: one thread running callbacks to completion, one at a time (libuv's
 * uv_run, asyncio's _run_once, Android's Looper.loop, a Netty/Vert.x event loop). It must
 * never block: a callback that runs long delays every message behind it, exactly as a
 * top half that sleeps stalls its CPU; the runtime's watchdog reports it. Idle, the loop
 * parks in its poller (epoll_wait / nativePollOnce) and a post from another thread wakes it,
 * paying the wake-up a hand-off pays. Android orders its MessageQueue by `when`.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { wakeUpProcess } from "../sim/sched.js";
import type { Thread } from "../sim/thread.js";
import { Latency } from "../sim/metrics.js";
import { WorkQueue } from "./queue.js";
import type { Request } from "./request.js";
import type { RuntimeCosts } from "./schema.js";

export const MSG_ARRIVAL = 0;
/** a pool thread's result posted back (uv_async_send, call_soon_threadsafe, Handler.post) */
export const MSG_RESULT = 1;
/** asyncio wait_for's timeout fired */
export const MSG_TIMEOUT = 2;

export interface LoopMsg {
  kind: number;
  req: Request;
  /** when it may run (Android: uptimeMillis() + delay); otherwise when it was posted */
  when: number;
  seq: number;
}

/** Hooks the runtime's watchdog uses around each callback. */
export interface LoopWatch {
  start(m: LoopMsg): void;
  end(m: LoopMsg, ranNs: number): void;
}

export class EventLoop {
  readonly thread: Thread;
  private ready: LoopMsg[] = [];
  private seq = 0;
  private parked = false;
  /** for the cost of posting across threads (the loop's own lock + eventfd write) */
  readonly inbox: WorkQueue;
  readonly lag = new Latency("loop_lag", "a message becomes due -> the loop starts its callback");
  stats = { callbacks: 0, busyNs: 0, longestNs: 0, parks: 0, maxReady: 0 };
  watch: LoopWatch | null = null;

  constructor(
    private readonly k: Kernel,
    readonly comm: string,
    cpu: number,
    /** Android's MessageQueue: by `when`, then by posting order */
    private readonly byWhen: boolean,
    private readonly costs: RuntimeCosts,
    private readonly handle: (m: LoopMsg) => Handler<void>,
  ) {
    this.inbox = new WorkQueue(`${comm}.inbox`, Infinity, false);
    const self = this;
    this.thread = k.spawn({ comm, cpu, kernelThread: false }, function* () {
      yield* self.body();
    });
  }

  get pending(): number {
    return this.ready.length;
  }

  messages(): readonly LoopMsg[] {
    return this.ready;
  }

  /** From outside any thread (an arrival, a timer): queue and wake the loop. */
  deliver(kind: number, req: Request, when: number): void {
    const m: LoopMsg = { kind, req, when, seq: this.seq++ };
    if (this.byWhen) {
      let i = this.ready.length;
      while (i > 0 && this.ready[i - 1]!.when > when) i--;
      this.ready.splice(i, 0, m);
    } else this.ready.push(m);
    if (this.ready.length > this.stats.maxReady) this.stats.maxReady = this.ready.length;
    if (this.parked) {
      this.parked = false;
      wakeUpProcess(this.k, this.thread);
    }
  }

  /** From a pool thread: pay the enqueue on the loop's queue, then deliver. */
  *post(from: Thread, kind: number, req: Request): Handler<void> {
    const k = this.k;
    yield k.user(this.inbox.opCost(from.cpu, k.now, this.costs.enqueue, this.costs.cacheline));
    this.deliver(kind, req, k.now);
  }

  private *body(): Handler<void> {
    const k = this.k;
    for (;;) {
      const m = this.ready[0];
      if (m === undefined) {
        this.parked = true;
        this.stats.parks++;
        yield k.schedule();
        continue;
      }
      if (m.when > k.now) {
        // nativePollOnce(timeout): sleep until the head is due, or until a post wakes us.
        this.parked = true;
        yield k.sleep(m.when - k.now);
        this.parked = false;
        continue;
      }
      this.ready.shift();
      this.lag.record(k.now - m.when);
      const start = k.now;
      this.watch?.start(m);
      yield* this.handle(m);
      const ran = k.now - start;
      this.stats.callbacks++;
      this.stats.busyNs += ran;
      if (ran > this.stats.longestNs) this.stats.longestNs = ran;
      this.watch?.end(m, ran);
    }
  }
}
