/**
 * The "ceiling": the least a discrete-event queue can do for the timer workload. A binary
 * heap over parallel typed arrays (Float64Array times, Float64Array sequence numbers for
 * the tie-break, Int32Array ids), no per-event objects, no closures, no slot tracking, the
 * fire action inlined into the loop.
 *
 * It keeps the engine's semantics, though: an event is popped before it fires and the
 * fire action pushes it back with a fresh sequence number (no fused "replace top"), and
 * ties break by insertion order. So it fires exactly the engine's history (see the
 * checksum in bench/workload.ts) and the speed ratio measures only implementation cost.
 */
import { foldEvent, FNV_OFFSET, lcgNext, resolveWorkload, timerResult, type TimerResult, type TimerWorkload } from "./workload.js";

export class TimerHeap {
  private readonly time: Float64Array;
  private readonly seq: Float64Array;
  private readonly id: Int32Array;
  private n = 0;
  private nextSeq = 0;
  /** Time of the entry the last `pop` returned. */
  poppedTime = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.id = new Int32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  push(id: number, t: number): void {
    const time = this.time;
    const seq = this.seq;
    const ids = this.id;
    if (this.n === ids.length) throw new RangeError("TimerHeap full");
    const s = this.nextSeq++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p]!;
      if (t > pt || (t === pt && s > seq[p]!)) break;
      time[i] = pt;
      seq[i] = seq[p]!;
      ids[i] = ids[p]!;
      i = p;
    }
    time[i] = t;
    seq[i] = s;
    ids[i] = id;
  }

  /**
   * Removes the minimum (time, seq) entry and returns its id (-1 if empty). Floyd's
   * bottom-up deletion: walk the hole at the root down to a leaf along the smaller
   * children (one comparison per level), then sift the last entry up from there. Keys are
   * unique (seq), so the pop order is the same as with the textbook sift-down.
   */
  pop(): number {
    if (this.n === 0) return -1;
    const time = this.time;
    const seq = this.seq;
    const ids = this.id;
    const top = ids[0]!;
    this.poppedTime = time[0]!;
    const n = --this.n;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n) {
          const ct = time[c]!;
          const rt = time[r]!;
          if (rt < ct || (rt === ct && seq[r]! < seq[c]!)) c = r;
        }
        time[i] = time[c]!;
        seq[i] = seq[c]!;
        ids[i] = ids[c]!;
        i = c;
      }
      // The hole is at leaf i; the last entry (index n) goes there, then up.
      const lt = time[n]!;
      const ls = seq[n]!;
      const lid = ids[n]!;
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pt = time[p]!;
        if (lt > pt || (lt === pt && ls > seq[p]!)) break;
        time[i] = pt;
        seq[i] = seq[p]!;
        ids[i] = ids[p]!;
        i = p;
      }
      time[i] = lt;
      seq[i] = ls;
      ids[i] = lid;
    }
    return top;
  }
}

export function runCeilingTimers(workload: TimerWorkload): TimerResult {
  const w = resolveWorkload(workload);
  const heap = new TimerHeap(w.timers);
  const shift = w.shift;
  const checksumEvents = w.checksumEvents;
  let x = w.seed;
  let count = 0;
  let h = FNV_OFFSET;
  let now = 0;

  for (let id = 0; id < w.timers; id++) {
    x = lcgNext(x);
    heap.push(id, 1 + (x >>> shift));
  }

  // Warm-up then the timed part, in one loop so that the state stays in locals (registers),
  // not in a closure context.
  let t0 = 0;
  let wallMs = 0;
  for (let phase = 0; phase < 2; phase++) {
    const n = phase === 0 ? w.warmupEvents : w.events;
    if (phase === 1) t0 = performance.now();
    for (let k = 0; k < n; k++) {
      const id = heap.pop();
      now = heap.poppedTime;
      if (++count <= checksumEvents) h = foldEvent(h, id, now);
      x = lcgNext(x);
      heap.push(id, now + 1 + (x >>> shift));
    }
    if (phase === 1) wallMs = performance.now() - t0;
  }
  const fired = count - w.warmupEvents;
  if (fired !== w.events) throw new Error(`ceiling fired ${fired} events, expected ${w.events}`);
  return timerResult(w, wallMs, h, now);
}

/** A caller-owned event record, as a heap-based engine with the engine's API keeps one. */
interface TimerRecord {
  time: number;
  seq: number;
  slot: number;
  fire: () => void;
}

/**
 * The ceiling's heap, but every timer is a caller-owned record whose closure re-arms it,
 * as with the engine's API: per event, load the record, mark it disarmed, call its
 * closure. The heap still holds only typed arrays. With many pending timers the records
 * and closures no longer fit in cache, and these per-event loads, which every engine with
 * caller-owned callbacks makes, cost more than the heap: this is the ceiling for a
 * heap-based engine with this API, and the gap between it and the typed-array ceiling is
 * the price of the API. (irqsim's engine is a calendar queue, so it can run faster.)
 */
export function runRecordCeilingTimers(workload: TimerWorkload): TimerResult {
  const w = resolveWorkload(workload);
  const heap = new TimerHeap(w.timers);
  const shift = w.shift;
  const checksumEvents = w.checksumEvents;
  let x = w.seed;
  let count = 0;
  let h = FNV_OFFSET;
  let now = 0;

  const records: TimerRecord[] = [];
  for (let id = 0; id < w.timers; id++) {
    const rec: TimerRecord = {
      time: 0,
      seq: 0,
      slot: -1,
      fire: () => {
        if (++count <= checksumEvents) h = foldEvent(h, id, now);
        x = lcgNext(x);
        // The writes the engine makes to a record it arms (the heap keeps its own key).
        rec.time = now + 1 + (x >>> shift);
        rec.slot = 0;
        heap.push(id, rec.time);
      },
    };
    records.push(rec);
  }
  for (let id = 0; id < w.timers; id++) {
    x = lcgNext(x);
    heap.push(id, 1 + (x >>> shift));
  }

  let t0 = 0;
  let wallMs = 0;
  for (let phase = 0; phase < 2; phase++) {
    const n = phase === 0 ? w.warmupEvents : w.events;
    if (phase === 1) t0 = performance.now();
    for (let k = 0; k < n; k++) {
      const rec = records[heap.pop()]!;
      now = heap.poppedTime;
      rec.slot = -1;
      rec.fire();
    }
    if (phase === 1) wallMs = performance.now() - t0;
  }
  const fired = count - w.warmupEvents;
  if (fired !== w.events) throw new Error(`record ceiling fired ${fired} events, expected ${w.events}`);
  return timerResult(w, wallMs, h, now);
}
