import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { createEvent, Engine, type SimEvent } from "../sim/engine.js";
import { Rng } from "../sim/rng.js";

describe("event heap", () => {
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
  // The engine defers removing the firing event until the next heap operation (so a
  // self-re-arming event costs one sift); checked here against a plain sorted-list model.
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
