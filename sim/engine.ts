/**
 * The discrete-event engine: one virtual clock in integer nanoseconds and one queue of
 * pending events, fired in (time, seq) order. Ties break by insertion order (seq), never by
 * randomness or object identity (ARCHITECTURE.md section 2).
 *
 * Events are caller-owned records, like the kernel's `struct hrtimer`: a CPU or a device
 * keeps one `SimEvent` and re-arms it, so the hot loop allocates nothing per event.
 *
 * The queue is a calendar queue (R. Brown, "Calendar queues: a fast O(1) priority queue
 * implementation for the simulation event set problem", CACM 31(10), 1988; ns-3 ships the
 * same idea as CalendarScheduler), a cousin of the kernel's timer wheel
 * (kernel/time/timer.c): `nb` buckets of `width` ns each, one "year" = nb * width. An event
 * at time t lives in bucket floor(t / width) mod nb, in a list kept sorted by (time, seq).
 * Dequeue walks the buckets from the current one and takes a bucket's head when it falls in
 * the bucket's window of the current year. Arming, cancelling and firing are O(1) on average
 * when about one event falls in each bucket window, which `calibrate` maintains by
 * re-sizing the calendar as the queue grows and shrinks and re-choosing the width when the
 * walks get long. The order it fires in is exactly (time, seq) whatever the width, so the
 * calibration changes speed, never results.
 */

export interface SimEvent {
  /** Absolute fire time, ns. */
  time: number;
  /** Insertion sequence number: the tie-breaker. */
  seq: number;
  /** Calendar bucket holding the event, -1 when not armed. */
  slot: number;
  /** Next event in the bucket (null at the tail). */
  next: SimEvent | null;
  /** Previous event in the bucket; the head's `prev` is the bucket's tail. */
  prev: SimEvent | null;
  fire(): void;
}

/** A reusable event record whose callback is fixed at creation. */
export function createEvent(fire: () => void): SimEvent {
  return { time: 0, seq: 0, slot: -1, next: null, prev: null, fire };
}

export interface RunLimits {
  /** Stop before the first event whose time is greater than this (ns). */
  until: number;
  /** Stop after firing this many events in this call. */
  maxEvents?: number;
}

export type StopReason = "time" | "events" | "idle" | "stopped";

/**
 * At most this many pending events, the calendar is one bucket: a list sorted by (time,
 * seq) whose head is the least event. A simulation's queue is mostly one to three events
 * (each CPU's segment end, the next packet), where walking buckets would cost more than a
 * short sorted insert.
 */
const LIST_MAX = 8;
/** The least number of buckets of a real calendar. */
const MIN_BUCKETS = 16;
/** Arms between checks of the calendar's size and width (plus the bucket count). */
const CHECK_EVERY = 16;
/** Events sampled from the front of the queue to choose the bucket width. */
const WIDTH_SAMPLE = 64;
/**
 * Average extra steps per arm (empty buckets walked past plus entries walked during sorted
 * inserts) above which the width is re-chosen: about one step each is the calendar
 * working as intended.
 */
const MAX_STEPS_PER_OP = 4;

export class Engine {
  now = 0;
  /** Events fired since creation. */
  fired = 0;
  /** Called after every fired event (tests, per-event invariant checks). */
  afterEvent: (() => void) | null = null;

  private live = 0;
  private nextSeq = 0;
  private stopRequested = false;
  private buckets: (SimEvent | null)[] = [null];
  /** Bucket count - 1 (a power of two minus one); 0 is the sorted-list mode. */
  private mask = 0;
  /** Bucket width, ns: a power of two, so bucket numbers are exact in doubles. */
  private width = 1024;
  /** 1 / width: exact (a power of two), and a multiply is cheaper than a divide. */
  private perWidth = 1 / 1024;
  /** The dequeue position: bucket `cur`, whose window in the current year ends at `top`. */
  private cur = 0;
  private top = 1024;
  /** Operations and extra steps since the width was last chosen. */
  private ops = 0;
  private steps = 0;

  get pending(): number {
    return this.live;
  }

  /** Arms (or re-arms) `ev` to fire at absolute time `at` (ns, integer, >= now). */
  schedule(ev: SimEvent, at: number): void {
    if (at < this.now || !Number.isSafeInteger(at)) {
      throw new RangeError(`event time ${at} is not an integer >= now (${this.now})`);
    }
    if (ev.slot >= 0) this.unlink(ev);
    else this.live++;
    ev.time = at;
    ev.seq = this.nextSeq++;
    // Every armed event lies at or after the dequeue window's start; one armed earlier
    // (possible after a run stopped at its time limit) moves the window back to it.
    if (this.mask !== 0 && at < this.top - this.width) this.seek(at);
    this.insert(ev);
    if (++this.ops >= CHECK_EVERY + this.mask) this.check();
  }

  /** Arms `ev` to fire `delay` ns from now. */
  after(ev: SimEvent, delay: number): void {
    this.schedule(ev, this.now + delay);
  }

  /** Disarms `ev`; returns false if it was not armed. */
  cancel(ev: SimEvent): boolean {
    if (ev.slot < 0) return false;
    this.unlink(ev);
    this.live--;
    return true;
  }

  /** The time of the next armed event, or null when none is armed. */
  peek(): number | null {
    return this.live === 0 ? null : this.first().time;
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
    const max = limits.maxEvents ?? Infinity;
    const until = limits.until;
    let n = 0;
    this.stopRequested = false;
    for (;;) {
      if (this.stopRequested) return "stopped";
      if (n >= max) return "events";
      const ev = this.live === 0 ? null : this.first();
      if (ev === null) {
        if (until > this.now && Number.isFinite(until)) this.now = until;
        return "idle";
      }
      if (ev.time > until) {
        if (until > this.now) this.now = until;
        return "time";
      }
      // Pop the head of its bucket before firing: the callback may re-arm it.
      const next = ev.next;
      this.buckets[ev.slot] = next;
      if (next !== null) next.prev = ev.prev;
      ev.next = null;
      ev.prev = null;
      ev.slot = -1;
      this.live--;
      this.now = ev.time;
      n++;
      this.fired++;
      ev.fire();
      if (this.afterEvent !== null) this.afterEvent();
    }
  }

  /**
   * The (time, seq)-least armed event (the queue is not empty). Walks at most one year of
   * buckets; if none holds an event of its current-year window, the events are sparse
   * for this width and the least bucket head is found directly.
   */
  private first(): SimEvent {
    const buckets = this.buckets;
    const mask = this.mask;
    if (mask === 0) return buckets[0]!;
    const width = this.width;
    let cur = this.cur;
    let top = this.top;
    for (let k = 0; k <= mask; k++) {
      const head = buckets[cur]!;
      if (head !== null && head.time < top) {
        this.cur = cur;
        this.top = top;
        this.steps += k;
        return head;
      }
      cur = (cur + 1) & mask;
      top += width;
    }
    let min: SimEvent | null = null;
    for (let b = 0; b <= mask; b++) {
      const head = buckets[b]!;
      if (head !== null && (min === null || head.time < min.time || (head.time === min.time && head.seq < min.seq))) min = head;
    }
    this.steps += 2 * (mask + 1);
    this.seek(min!.time);
    return min!;
  }

  /** Puts the dequeue window on the bucket holding time `t`. */
  private seek(t: number): void {
    const n = Math.floor(t * this.perWidth);
    this.cur = n & this.mask;
    this.top = (n + 1) * this.width;
  }

  /**
   * Links `ev` into its bucket after every event with time <= ev.time (its seq is the
   * newest, so that is its (time, seq) place). The tail is checked first: events armed in
   * time order and bursts at one instant append in O(1).
   */
  private insert(ev: SimEvent): void {
    const mask = this.mask;
    const b = mask === 0 ? 0 : Math.floor(ev.time * this.perWidth) & mask;
    const buckets = this.buckets;
    const head = buckets[b]!;
    const t = ev.time;
    ev.slot = b;
    if (head === null) {
      ev.next = null;
      ev.prev = ev;
      buckets[b] = ev;
      return;
    }
    const tail = head.prev!;
    if (tail.time <= t) {
      tail.next = ev;
      ev.prev = tail;
      ev.next = null;
      head.prev = ev;
      return;
    }
    if (head.time > t) {
      ev.next = head;
      ev.prev = tail;
      head.prev = ev;
      buckets[b] = ev;
      return;
    }
    // head.time <= t < tail.time: the place is strictly inside the list.
    let p = head;
    let steps = 1;
    while (p.next!.time <= t) {
      p = p.next!;
      steps++;
    }
    this.steps += steps;
    const q = p.next!;
    ev.prev = p;
    ev.next = q;
    q.prev = ev;
    p.next = ev;
  }

  private unlink(ev: SimEvent): void {
    const buckets = this.buckets;
    const head = buckets[ev.slot]!;
    const next = ev.next;
    if (ev === head) {
      buckets[ev.slot] = next;
      if (next !== null) next.prev = ev.prev;
    } else {
      ev.prev!.next = next;
      if (next !== null) next.prev = ev.prev;
      else head.prev = ev.prev; // ev was the tail
    }
    ev.next = null;
    ev.prev = null;
    ev.slot = -1;
  }

  /**
   * Every CHECK_EVERY + nb arms: re-size the calendar if the queue outgrew it or shrank
   * away from it, re-choose the width if the walks got long.
   */
  private check(): void {
    const nb = this.mask + 1;
    const live = this.live;
    const resize = nb === 1 ? live > LIST_MAX : live > 2 * nb || 4 * live < nb;
    if (resize || (nb > 1 && this.steps > MAX_STEPS_PER_OP * this.ops)) this.calibrate();
    else {
      this.ops = 0;
      this.steps = 0;
    }
  }

  /**
   * Re-sizes the calendar to one bucket per pending event (one sorted list up to LIST_MAX)
   * and re-chooses the width from the events at the front of the queue: their typical
   * separation (the median of the non-zero gaps, so that one far timer or a burst at one
   * instant does not skew it), rounded up to a power of two. Brown suggests three times
   * the separation; with a bucket per event that makes a year three times the span of the
   * queue, leaving most buckets empty and several events in each of the others, and on
   * `irqsim bench`'s timer workload 1x measured faster at 100k timers (0.27-0.53x of the
   * heap ceiling against 0.15-0.29x, on branch i23) and no slower at 1k. Costs O(n log n)
   * and runs at most once every n arms, so O(log n) amortised at worst.
   */
  private calibrate(): void {
    const all: SimEvent[] = [];
    for (const head of this.buckets) {
      for (let e = head; e !== null; e = e.next) all.push(e);
    }
    all.sort((a, b) => a.time - b.time || a.seq - b.seq);
    let nb = 1;
    if (all.length > LIST_MAX) {
      nb = MIN_BUCKETS;
      while (nb < all.length) nb *= 2;
    }
    const gaps: number[] = [];
    const sample = Math.min(all.length, WIDTH_SAMPLE);
    for (let i = 1; i < sample; i++) {
      const gap = all[i]!.time - all[i - 1]!.time;
      if (gap > 0) gaps.push(gap);
    }
    gaps.sort((a, b) => a - b);
    let width = this.width;
    if (gaps.length > 0) {
      const want = gaps[gaps.length >> 1]!;
      width = 1;
      while (width < want) width *= 2;
    }
    // Pushed, not `new Array(nb).fill(null)`, which V8 keeps "holey" (a hole check on
    // every bucket load).
    const buckets: (SimEvent | null)[] = [];
    for (let b = 0; b < nb; b++) buckets.push(null);
    this.buckets = buckets;
    this.mask = nb - 1;
    this.width = width;
    this.perWidth = 1 / width;
    this.ops = 0;
    this.steps = 0;
    // Inserting in (time, seq) order appends every event at its bucket's tail.
    for (const e of all) this.insert(e);
    this.seek(all.length > 0 ? all[0]!.time : this.now);
  }
}
