/** The timer workload (bench/workload.ts) on irqsim's own Engine, through its public API. */
import { createEvent, Engine, type SimEvent } from "../sim/engine.js";
import { foldEvent, FNV_OFFSET, lcgNext, resolveWorkload, timerResult, type TimerResult, type TimerWorkload } from "./workload.js";

export function runEngineTimers(workload: TimerWorkload): TimerResult {
  const w = resolveWorkload(workload);
  const engine = new Engine();
  const shift = w.shift;
  const checksumEvents = w.checksumEvents;
  let x = w.seed;
  let count = 0;
  let h = FNV_OFFSET;

  const events: SimEvent[] = [];
  for (let id = 0; id < w.timers; id++) {
    const ev: SimEvent = createEvent(() => {
      if (++count <= checksumEvents) h = foldEvent(h, id, engine.now);
      x = lcgNext(x);
      engine.after(ev, 1 + (x >>> shift));
    });
    events.push(ev);
  }
  for (let id = 0; id < w.timers; id++) {
    x = lcgNext(x);
    engine.schedule(events[id]!, 1 + (x >>> shift));
  }

  if (w.warmupEvents > 0) engine.run({ until: Infinity, maxEvents: w.warmupEvents });
  const before = engine.fired;
  const t0 = performance.now();
  engine.run({ until: Infinity, maxEvents: w.events });
  const wallMs = performance.now() - t0;
  const fired = engine.fired - before;
  if (fired !== w.events) throw new Error(`engine fired ${fired} events, expected ${w.events}`);
  return timerResult(w, wallMs, h, engine.now);
}
