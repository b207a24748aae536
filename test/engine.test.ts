import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { createEvent, Engine, type SimEvent } from "../sim/engine.js";
import { Rng } from "../sim/rng.js";

describe("event queue", () => {
  test("fires in time order and breaks ties by insertion order", () => {
    const e = new Engine();
    const log: string[] = [];
    const at = (name: string, t: number): void => e.schedule(createEvent(() => log.push(`${name}@${e.now}`)), t);
    at("c", 30);
    at("a", 10);
    at("b1", 20);
    at("b2", 20);
    at("b3", 20);
    at("z", 0);
    e.run({ until: 100 });
    expect(log).toEqual(["z@0", "a@10", "b1@20", "b2@20", "b3@20", "c@30"]);
    expect(e.now).toBe(100);
  });

  test("re-arming moves an event and gives it a new tie-break position", () => {
    const e = new Engine();
    const log: string[] = [];
    const a = createEvent(() => log.push("a"));
    const b = createEvent(() => log.push("b"));
    e.schedule(a, 5);
    e.schedule(b, 5);
    e.schedule(a, 5); // re-armed after b: now fires after b
    e.run({ until: 10 });
    expect(log).toEqual(["b", "a"]);
  });

  test("cancel removes an armed event and reports whether it was armed", () => {
    const e = new Engine();
    const log: number[] = [];
    const evs = [1, 2, 3, 4, 5].map((t) => {
      const ev = createEvent(() => log.push(t));
      e.schedule(ev, t);
      return ev;
    });
    expect(e.cancel(evs[2]!)).toBe(true);
    expect(e.cancel(evs[2]!)).toBe(false);
    e.run({ until: 10 });
    expect(log).toEqual([1, 2, 4, 5]);
  });

  test("run stops at the time limit (clock lands on it) or the event limit", () => {
    const e = new Engine();
    let n = 0;
    const tick: SimEvent = createEvent(() => {
      n++;
      e.after(tick, 10);
    });
    e.schedule(tick, 0);
    expect(e.run({ until: 95 })).toBe("time");
    expect(n).toBe(10); // 0, 10, ..., 90
    expect(e.now).toBe(95);
    expect(e.run({ until: 1000, maxEvents: 3 })).toBe("events");
    expect(n).toBe(13);
    expect(e.now).toBe(120);
  });

  test("time must be an integer not in the past", () => {
    const e = new Engine();
    e.run({ until: 50 });
    expect(() => e.schedule(createEvent(() => {}), 49)).toThrow(RangeError);
    expect(() => e.schedule(createEvent(() => {}), 50.5)).toThrow(RangeError);
  });

  test("property: any mix of schedule/re-arm/cancel fires survivors in (time, seq) order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20), fc.integer({ min: 0, max: 50 }), fc.boolean()), { minLength: 1, maxLength: 200 }),
        (ops) => {
          const e = new Engine();
          const fired: number[] = [];
          const evs: SimEvent[] = [];
          const key = new Map<number, [number, number]>();
          let seq = 0;
          for (const [idx, t, cancel] of ops) {
            while (evs.length <= idx) {
              const id = evs.length;
              evs.push(createEvent(() => fired.push(id)));
            }
            if (cancel) {
              e.cancel(evs[idx]!);
              key.delete(idx);
            } else {
              e.schedule(evs[idx]!, t);
              key.set(idx, [t, seq++]);
            }
          }
          e.run({ until: 100 });
          const expected = [...key.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1]).map(([id]) => id);
          expect(fired).toEqual(expected);
        },
      ),
    );
  });
});

describe("callbacks that re-arm, arm and cancel while they fire", () => {
  // A callback runs with its own event already unlinked, and may re-arm it, arm or cancel
  // others, or read `pending`; checked here against a plain sorted-list model.
  test("property: the firing order equals a reference queue's, whatever the callbacks do", () => {
    type Op = { kind: 0 | 1 | 2 | 3; target: number; delay: number };
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.array(fc.record({ kind: fc.constantFrom(0, 1, 2, 3), target: fc.nat(11), delay: fc.nat(30) }), { maxLength: 3 }), { minLength: 1, maxLength: 60 }),
        (n, script) => {
          // kind 0: re-arm self, 1: arm target, 2: cancel target, 3: check pending
          const e = new Engine();
          const ref = new Map<number, [number, number]>();
          let refSeq = 0;
          let step = 0;
          const got: number[] = [];
          const want: number[] = [];
          const evs: SimEvent[] = [];
          // What the callbacks saw (cancel's result, pending), compared with the replay's.
          const seen: number[] = [];
          const expected: number[] = [];
          const live = (self: number, ops: Op[]): void => {
            for (const op of ops) {
              const t = op.target % n;
              if (op.kind === 0) e.schedule(evs[self]!, e.now + op.delay);
              else if (op.kind === 1) e.schedule(evs[t]!, e.now + op.delay);
              else if (op.kind === 2) seen.push(e.cancel(evs[t]!) ? 1 : 0);
              else seen.push(e.pending);
            }
          };
          const replay = (self: number, ops: Op[], now: number): void => {
            for (const op of ops) {
              const t = op.target % n;
              if (op.kind === 0) ref.set(self, [now + op.delay, refSeq++]);
              else if (op.kind === 1) ref.set(t, [now + op.delay, refSeq++]);
              else if (op.kind === 2) expected.push(ref.delete(t) ? 1 : 0);
              else expected.push(ref.size);
            }
          };
          for (let id = 0; id < n; id++) {
            evs.push(
              createEvent(() => {
                got.push(id);
                live(id, script[step++ % script.length]!);
              }),
            );
          }
          for (let id = 0; id < n; id++) {
            e.schedule(evs[id]!, id % 3);
            ref.set(id, [id % 3, refSeq++]);
          }
          e.run({ until: 200, maxEvents: 300 });
          // Replay on the reference: fire the (time, seq)-least armed event each step.
          step = 0;
          for (let k = 0; k < got.length; k++) {
            const [id, [t]] = [...ref.entries()].sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1])[0]!;
            ref.delete(id);
            want.push(id);
            replay(id, script[step++ % script.length]!, t);
          }
          expect(got).toEqual(want);
          expect(seen).toEqual(expected);
          expect(e.pending).toBe(ref.size);
        },
      ),
    );
  });

  test("an event whose callback throws is still removed before the next run", () => {
    const e = new Engine();
    const a = createEvent(() => {
      throw new Error("boom");
    });
    const fired: string[] = [];
    const b = createEvent(() => fired.push("b"));
    e.schedule(a, 1);
    e.schedule(b, 2);
    expect(() => e.run({ until: 10 })).toThrow("boom");
    expect(a.slot).toBe(-1);
    e.run({ until: 10 });
    expect(fired).toEqual(["b"]);
    expect(e.pending).toBe(0);
  });
});

/**
 * A plain reference queue: (time, seq, id) kept sorted in an array. Obviously correct,
 * O(n) per operation, fast enough for a few thousand events.
 */
class RefQueue {
  private readonly keys: [number, number, number][] = [];
  private readonly where = new Map<number, [number, number, number]>();
  private seq = 0;

  get size(): number {
    return this.keys.length;
  }

  arm(id: number, time: number): void {
    this.disarm(id);
    const key: [number, number, number] = [time, this.seq++, id];
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.keys[mid]!;
      if (m[0] < time || (m[0] === time && m[1] < key[1])) lo = mid + 1;
      else hi = mid;
    }
    this.keys.splice(lo, 0, key);
    this.where.set(id, key);
  }

  disarm(id: number): boolean {
    const key = this.where.get(id);
    if (key === undefined) return false;
    this.keys.splice(this.keys.indexOf(key), 1);
    this.where.delete(id);
    return true;
  }

  peek(): [number, number, number] | undefined {
    return this.keys[0];
  }

  pop(): [number, number, number] {
    const key = this.keys.shift()!;
    this.where.delete(key[2]);
    return key;
  }
}

describe("the calendar at scale: growth, shrinking, re-calibration, far and equal times", () => {
  // Small queues are one sorted list; these cases grow past it into a real calendar with
  // thousands of events whose spacing changes under it, and check every fired event, in
  // lockstep, against the reference queue.
  const shapes = {
    /** Delays spread over a few microseconds. */
    dense: (r: number) => 1 + (r % 5_000),
    /** Delays spread over a second. */
    wide: (r: number) => 1 + (r % 1_000_000_000),
    /** Mostly near, one in sixteen far (a watchdog next to packet events). */
    bimodal: (r: number) => (r % 16 === 0 ? 1_000_000_000 + (r % 7) : 1 + (r % 2_000)),
    /** Bursts at one instant: many events share each time. */
    ties: (r: number) => 1_000 * (r % 4),
    /** Times beyond 2^32 ns, where the bucket arithmetic leaves 32-bit integers. */
    huge: (r: number) => 2 ** 33 + (r % 3) * 2 ** 31 + (r % 1_000),
  } as const;
  type Shape = keyof typeof shapes;

  test("property: lockstep with a reference queue through growth to thousands and back", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Shape>("dense", "wide", "bimodal", "ties", "huge"),
        fc.constantFrom<Shape>("dense", "wide", "bimodal", "ties", "huge"),
        fc.integer({ min: 1, max: 3_000 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 1, max: 50 }),
        (first, then, n, seed, slices) => {
          const e = new Engine();
          const ref = new RefQueue();
          let x = seed >>> 0;
          const rand = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
          const evs: SimEvent[] = [];
          let fired = 0;
          let mismatch = "";
          // After half the events have fired, the delay distribution changes under the
          // calendar (its width was chosen for the first one).
          const delay = (): number => (fired < n / 2 ? shapes[first] : shapes[then])(rand());
          const check = (id: number): void => {
            const want = ref.pop();
            if (mismatch === "" && (want[2] !== id || want[0] !== e.now)) {
              mismatch = `event ${fired}: fired ${id} at ${e.now}, reference ${want[2]} at ${want[0]}`;
            }
          };
          for (let id = 0; id < n; id++) {
            evs.push(
              createEvent(() => {
                check(id);
                fired++;
                const r = rand() % 10;
                // Re-arm self most of the time while under 2n events, so the queue grows,
                // holds, then drains; sometimes arm or cancel another event.
                if (fired < 2 * n && r < 7) {
                  const t = e.now + delay();
                  e.schedule(evs[id]!, t);
                  ref.arm(id, t);
                }
                if (r === 8 || r === 9) {
                  const other = rand() % n;
                  if (r === 8) {
                    const t = e.now + delay();
                    e.schedule(evs[other]!, t);
                    ref.arm(other, t);
                  } else if (e.cancel(evs[other]!) !== ref.disarm(other)) {
                    mismatch ||= `cancel(${other}) disagrees at event ${fired}`;
                  }
                }
              }),
            );
          }
          for (let id = 0; id < n; id++) {
            const t = delay();
            e.schedule(evs[id]!, t);
            ref.arm(id, t);
          }
          // Run in slices whose limits fall between events; between slices arm events
          // earlier than the next pending one (behind where the calendar looked last).
          for (let s = 0; s < slices && ref.size > 0 && mismatch === ""; s++) {
            const next = ref.peek()![0];
            const until = e.now + Math.floor((next - e.now) * ((rand() % 100) / 100)) + (rand() % 3);
            e.run({ until });
            expect(e.now).toBe(until); // stopped at the limit, or idle: the clock lands on it
            if (rand() % 2 === 0 && ref.size > 0) {
              const id = rand() % n;
              e.schedule(evs[id]!, e.now);
              ref.arm(id, e.now);
            }
          }
          e.run({ until: Infinity });
          expect(mismatch).toBe("");
          expect(ref.size).toBe(0);
          expect(e.pending).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("re-arming and cancelling heads, tails and middles of one bucket keeps (time, seq) order", () => {
    // Twenty events at five times and a few far ones, then every third cancelled and every
    // fifth re-armed to an existing time (it joins the end of that time's ties).
    const e = new Engine();
    const ref = new RefQueue();
    const order: number[] = [];
    const evs = Array.from({ length: 40 }, (_, id) => createEvent(() => order.push(id)));
    evs.forEach((ev, id) => {
      const t = id < 30 ? 100 * (id % 5) : 1e9 + id;
      e.schedule(ev, t);
      ref.arm(id, t);
    });
    for (let id = 0; id < 40; id += 3) expect(e.cancel(evs[id]!)).toBe(ref.disarm(id));
    for (let id = 0; id < 40; id += 5) {
      e.schedule(evs[id]!, 200);
      ref.arm(id, 200);
    }
    e.run({ until: Infinity });
    const want: number[] = [];
    while (ref.size > 0) want.push(ref.pop()[2]);
    expect(order).toEqual(want);
    expect(order.length).toBe(40 - 14 + 3); // 14 cancelled, 3 of them (0, 15, 30) re-armed
  });
});

describe("named random streams", () => {
  test("a stream depends only on (seed, name)", () => {
    const a = new Rng(7).stream("nic0.arrivals");
    const r = new Rng(7);
    r.stream("nic1.arrivals").next(); // another device drawing first changes nothing
    const b = r.stream("nic0.arrivals");
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(new Rng(8).stream("nic0.arrivals").next()).not.toBe(xs[0]);
  });

  test("exponential draws are integers >= 1 with the requested mean", () => {
    const s = new Rng(1).stream("x");
    let sum = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const v = s.exponentialNs(1000);
      expect(Number.isInteger(v) && v >= 1).toBe(true);
      sum += v;
    }
    // Standard error of the mean is 1000/sqrt(20000) ~ 7 ns: 4 sigma is 28.
    expect(Math.abs(sum / n - 1000)).toBeLessThan(30);
  });
});
