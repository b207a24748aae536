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
  /** Called after every fired event (tests, per-event invariant checks). */
  afterEvent: (() => void) | null = null;

  get pending(): number {
    return this.heap.length;
  }

  /** Arms (or re-arms) `ev` to fire at absolute time `at` (ns, integer, >= now). */
  schedule(ev: SimEvent, at: number): void {
    if (at < this.now || !Number.isSafeInteger(at)) {
      throw new RangeError(`event time ${at} is not an integer >= now (${this.now})`);
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
    const i = ev.slot;
    if (i < 0) return false;
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
    let n = 0;
    this.stopRequested = false;
    for (;;) {
      if (this.stopRequested) return "stopped";
      if (n >= max) return "events";
      if (heap.length === 0) {
        if (limits.until > this.now && Number.isFinite(limits.until)) this.now = limits.until;
        return "idle";
      }
      const ev = heap[0]!;
      if (ev.time > limits.until) {
        if (limits.until > this.now) this.now = limits.until;
        return "time";
      }
      this.popMin();
      this.now = ev.time;
      n++;
      this.fired++;
      ev.fire();
      if (this.afterEvent !== null) this.afterEvent();
    }
  }

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

  private static less(a: SimEvent, b: SimEvent): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const ev = heap[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p]!;
      if (!Engine.less(ev, parent)) break;
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
      if (r < n && Engine.less(heap[r]!, heap[c]!)) c = r;
      const child = heap[c]!;
      if (!Engine.less(child, ev)) break;
      heap[i] = child;
      child.slot = i;
      i = c;
    }
    heap[i] = ev;
    ev.slot = i;
  }
}
