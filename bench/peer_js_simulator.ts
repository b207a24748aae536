/**
 * The timer workload (bench/workload.ts) on js-simulator (npm `js-simulator`, a MASON-style
 * agent scheduler), through its documented event API: `SimEvent` records with an
 * `update` callback, `scheduleOnceIn(evt, delay)` to re-arm, one `Scheduler`.
 *
 * Same delays, same history: js-simulator orders by (time, rank), higher rank first, and
 * shuffles events of equal time and rank with Math.random(). Giving every arm a fresh,
 * decreasing rank (-seq) turns that into the engine's (time, insertion order), so no
 * shuffle ever draws and the checksum matches the engine's.
 *
 * The loop calls `update_mini()`, one (time, rank) group per call, which with distinct
 * ranks is exactly one event: that is how the adapter fires exactly the requested count,
 * as the engine's maxEvents does. The documented `update()` is update_mini() repeated for
 * the ranks at one time plus a sweep of the (unused) message inboxes, so this measures
 * js-simulator slightly faster than its documented loop would run.
 */
import type jssim from "js-simulator";
import { foldEvent, FNV_OFFSET, lcgNext, resolveWorkload, timerResult, type TimerResult, type TimerWorkload } from "./workload.js";

export type JsSimulatorModule = typeof jssim;

export function runJsSimulatorTimers(jss: JsSimulatorModule, workload: TimerWorkload): TimerResult {
  const w = resolveWorkload(workload);
  const scheduler = new jss.Scheduler();
  const shift = w.shift;
  const checksumEvents = w.checksumEvents;
  let x = w.seed;
  let count = 0;
  let h = FNV_OFFSET;
  let seq = 0;

  const events: jssim.SimEvent[] = [];
  for (let id = 0; id < w.timers; id++) {
    const ev = new jss.SimEvent();
    ev.update = () => {
      if (++count <= checksumEvents) h = foldEvent(h, id, ev.time);
      x = lcgNext(x);
      ev.rank = -seq++;
      scheduler.scheduleOnceIn(ev, 1 + (x >>> shift));
    };
    events.push(ev);
  }
  for (let id = 0; id < w.timers; id++) {
    x = lcgNext(x);
    const ev = events[id]!;
    ev.rank = -seq++;
    scheduler.scheduleOnceIn(ev, 1 + (x >>> shift));
  }

  for (let k = 0; k < w.warmupEvents; k++) scheduler.update_mini();
  const before = count;
  const t0 = performance.now();
  for (let k = 0; k < w.events; k++) scheduler.update_mini();
  const wallMs = performance.now() - t0;
  const fired = count - before;
  if (fired !== w.events) throw new Error(`js-simulator fired ${fired} events, expected ${w.events}`);
  return timerResult(w, wallMs, h, scheduler.current_time ?? 0);
}
