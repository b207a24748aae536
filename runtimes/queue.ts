/**
 * The queueing layer between the loop and the pool: a FIFO with an optional bound and a
 * cost model for its lock. An operation waits while another CPU holds the lock and pays a
 * cache-line transfer when the last operation came from another CPU: uncontended it costs
 * `enqueue` (20-50 ns), contended hundreds of ns and more. A lock-free single-producer,
 * single-consumer ring (a per-core shard) never waits for a lock.
 */
import type { Request } from "./request.js";

export class WorkQueue {
  private items: Request[] = [];
  private head = 0;
  private lastCpu = -1;
  private lockFreeAt = 0;
  enqueued = 0;
  dequeued = 0;
  maxDepth = 0;
  /** operations that found the lock held */
  contended = 0;
  /** ns spent waiting for the lock */
  lockWaitNs = 0;

  constructor(
    readonly name: string,
    /** Infinity: unbounded (libuv's queue, queue.SimpleQueue, a LinkedBlockingQueue) */
    readonly capacity: number,
    readonly lockFree: boolean,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.length >= this.capacity;
  }

  /** CPU time of one queue operation by `cpu` at `now` (the caller spends it before acting). */
  opCost(cpu: number, now: number, enqueueNs: number, cachelineNs: number): number {
    const wait = this.lockFree ? 0 : Math.max(0, this.lockFreeAt - now);
    if (wait > 0) {
      this.contended++;
      this.lockWaitNs += wait;
    }
    const cost = wait + enqueueNs + (this.lastCpu >= 0 && this.lastCpu !== cpu ? cachelineNs : 0);
    this.lockFreeAt = now + cost;
    this.lastCpu = cpu;
    return cost;
  }

  push(r: Request): void {
    this.items.push(r);
    this.enqueued++;
    if (this.length > this.maxDepth) this.maxDepth = this.length;
  }

  shift(): Request | undefined {
    if (this.head >= this.items.length) return undefined;
    const r = this.items[this.head++]!;
    this.dequeued++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return r;
  }

  /** Takes `r` out before it started (a cancelled future); false if it is not queued. */
  remove(r: Request): boolean {
    const i = this.items.indexOf(r, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  peekAll(): readonly Request[] {
    return this.items.slice(this.head);
  }
}
