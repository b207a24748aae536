/**
 * The discrete-event engine: one virtual clock in integer nanoseconds and one binary heap
 * of pending events keyed by (time, seq). Ties break by insertion order (seq), never by
 * randomness or object identity (DESIGN section 2).
 *
 * Events are caller-owned records, like the kernel's `struct hrtimer`: a CPU or a device
 * keeps one `SimEvent` and re-arms it, so the hot loop allocates nothing per event.
 * Re-arming or cancelling an armed event is O(log n) because each record knows its heap
 * slot.
 */

export interface SimEvent {
  /** Absolute fire time, ns. */
  time: number;
  /** Insertion sequence number: the tie-breaker. */
  seq: number;
  /** Slot in the heap, -1 when not armed. */
  slot: number;
  fire(): void;
}

/** A reusable event record whose callback is fixed at creation. */
export function createEvent(fire: () => void): SimEvent {
  return { time: 0, seq: 0, slot: -1, fire };
}

export interface RunLimits {
  /** Stop before the first event whose time is greater than this (ns). */
  until: number;
  /** Stop after firing this many events in this call. */
  maxEvents?: number;
}

export type StopReason = "time" | "events" | "idle" | "stopped";

export class Engine {
  now = 0;
  /** Events fired since creation. */
  fired = 0;
  private heap: SimEvent[] = [];
  private nextSeq = 0;
  private stopRequested = false;
  /**
   * The event being fired still sits at heap[0] (its slot already -1): removing it is
   * deferred to the next heap operation, so a callback that re-arms its own event costs
   * one sift instead of a pop and a push (heapq's heapreplace): the common case for
   * timers, CPU segments and traffic generators.
   */
  private firing: SimEvent | null = null;
  /** Called after every fired event (tests, per-event invariant checks). */
  afterEvent: (() => void) | null = null;

  get pending(): number {
    return this.heap.length - (this.firing === null ? 0 : 1);
  }

  /** Arms (or re-arms) `ev` to fire at absolute time `at` (ns, integer, >= now). */
  schedule(ev: SimEvent, at: number): void {
    if (at < this.now || !Number.isSafeInteger(at)) {
      throw new RangeError(`event time ${at} is not an integer >= now (${this.now})`);
    }
    const firing = this.firing;
    if (firing !== null) {
      this.firing = null;
      if (firing === ev) {
        ev.time = at;
        ev.seq = this.nextSeq++;
        this.siftDown(0);
        return;
      }
      this.popMin();
    }
    ev.time = at;
    ev.seq = this.nextSeq++;
    if (ev.slot >= 0) {
      // A later (time, seq) key can only move the record down; an earlier one only up.
      this.siftUp(ev.slot);
      this.siftDown(ev.slot);
    } else {
      ev.slot = this.heap.length;
      this.heap.push(ev);
      this.siftUp(ev.slot);
    }
  }

  /** Arms `ev` to fire `delay` ns from now. */
  after(ev: SimEvent, delay: number): void {
    this.schedule(ev, this.now + delay);
  }

  /** Disarms `ev`; returns false if it was not armed. */
  cancel(ev: SimEvent): boolean {
    if (ev.slot < 0) return false;
    if (this.firing !== null) {
      this.firing = null;
      this.popMin();
    }
    const i = ev.slot;
    const heap = this.heap;
    const last = heap.pop()!;
    ev.slot = -1;
    if (last !== ev) {
      heap[i] = last;
      last.slot = i;
      this.siftUp(i);
      this.siftDown(last.slot);
    }
    return true;
  }

  /** Asks a running `run` to return after the current event. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Fires events in (time, seq) order until the next one lies beyond `until`, `maxEvents`
   * have fired, the queue is empty, or `stop()` was called. The clock ends at `until`
   * when the time limit is what stopped it, so the run covers exactly [start, until].
   */
  run(limits: RunLimits): StopReason {
    const heap = this.heap;
    const max = limits.maxEvents ?? Infinity;
    const until = limits.until;
    let n = 0;
    this.stopRequested = false;
    this.settle();
    for (;;) {
      if (this.stopRequested) return "stopped";
      if (n >= max) return "events";
      if (heap.length === 0) {
        if (until > this.now && Number.isFinite(until)) this.now = until;
        return "idle";
      }
      const ev = heap[0]!;
      if (ev.time > until) {
        if (until > this.now) this.now = until;
        return "time";
      }
      ev.slot = -1;
      this.firing = ev;
      this.now = ev.time;
      n++;
      this.fired++;
      ev.fire();
      if (this.firing !== null) {
        this.firing = null;
        this.popMin();
      }
      if (this.afterEvent !== null) this.afterEvent();
    }
  }

  /** A callback that threw left its event at heap[0]: remove it before anything else. */
  private settle(): void {
    if (this.firing === null) return;
    this.firing = null;
    this.popMin();
  }

  /** Removes heap[0]. */
  private popMin(): void {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    top.slot = -1;
    if (last !== top) {
      heap[0] = last;
      last.slot = 0;
      this.siftDown(0);
    }
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const ev = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (ev.time > parent.time || (ev.time === parent.time && ev.seq > parent.seq)) break;
      heap[i] = parent;
      parent.slot = i;
      i = p;
    }
    heap[i] = ev;
    ev.slot = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const ev = heap[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      let child = heap[c]!;
      if (r < n) {
        const right = heap[r]!;
        if (right.time < child.time || (right.time === child.time && right.seq < child.seq)) {
          c = r;
          child = right;
        }
      }
      if (child.time > ev.time || (child.time === ev.time && child.seq > ev.seq)) break;
      heap[i] = child;
      child.slot = i;
      i = c;
    }
    heap[i] = ev;
    ev.slot = i;
  }
}
