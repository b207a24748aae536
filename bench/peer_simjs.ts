/**
 * The timer workload (bench/workload.ts) on SIM.JS (npm `simjs` 2.x, "SimJS updated with
 * ES2015"), through its documented entity API: one `Entity` per timer whose `start` arms
 * `setTimer(delay).done(callback)` and whose callback re-arms it, run by `Sim.simulate`.
 *
 * Same delays, same history: SIM.JS's queue orders by (deliverAt, insertion order), the
 * engine's (time, seq), so the checksum matches the engine's. `simulate(Infinity, n)`
 * delivers exactly n events (a falsy n means no limit, so n = 0 is not passed). Each
 * delivery allocates a request object and its callback list: that is SIM.JS's design.
 *
 * simjs runs under Node 20, but its npm build is a browserify bundle without a standalone
 * wrapper: `require("simjs")` returns {} and the library only assigns itself to
 * `window.Sim`. `loadSimjs` gives it a stand-in `window` for the duration of the import.
 */
import type { SimjsLibrary } from "simjs";
import { foldEvent, FNV_OFFSET, lcgNext, resolveWorkload, timerResult, type TimerResult, type TimerWorkload } from "./workload.js";

let loaded: SimjsLibrary | null = null;

/** Imports simjs (throws if it is not installed) and returns its `window.Sim` object. */
export async function loadSimjs(): Promise<SimjsLibrary> {
  if (loaded !== null) return loaded;
  const g = globalThis as { window?: unknown };
  const had = Object.prototype.hasOwnProperty.call(g, "window");
  const previous = g.window;
  const stand_in: { Sim?: SimjsLibrary } = {};
  g.window = stand_in;
  try {
    await import("simjs");
  } finally {
    // Other libraries in this process (ink, react) take a global `window` for a browser.
    if (had) g.window = previous;
    else delete g.window;
  }
  if (stand_in.Sim === undefined) {
    throw new Error("simjs loaded but did not define window.Sim (a cached earlier import, or a different build)");
  }
  loaded = stand_in.Sim;
  return loaded;
}

export function runSimjsTimers(lib: SimjsLibrary, workload: TimerWorkload): TimerResult {
  const w = resolveWorkload(workload);
  const sim = new lib.Sim();
  const shift = w.shift;
  const checksumEvents = w.checksumEvents;
  let x = w.seed;
  let count = 0;
  let h = FNV_OFFSET;

  class Timer extends lib.Entity {
    private id = 0;
    start(id: number): void {
      this.id = id;
      x = lcgNext(x);
      this.setTimer(1 + (x >>> shift)).done(this.onTimer);
    }
    onTimer(): void {
      if (++count <= checksumEvents) h = foldEvent(h, this.id, this.time());
      x = lcgNext(x);
      this.setTimer(1 + (x >>> shift)).done(this.onTimer);
    }
  }
  for (let id = 0; id < w.timers; id++) sim.addEntity(Timer, undefined, id);

  const simulate = (n: number): void => {
    if (n > 0) sim.simulate(Infinity, n);
  };
  simulate(w.warmupEvents);
  const before = count;
  const t0 = performance.now();
  simulate(w.events);
  const wallMs = performance.now() - t0;
  const fired = count - before;
  if (fired !== w.events) throw new Error(`simjs fired ${fired} events, expected ${w.events}`);
  return timerResult(w, wallMs, h, sim.time());
}
