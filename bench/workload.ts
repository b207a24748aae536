/**
 * The closed timer workload shared by the engine benchmark and its ceiling.
 *
 * `timers` self-rescheduling timers, ids 0..timers-1. Timer i is first armed at a delay
 * drawn in id order; whenever a timer fires it draws the next delay and re-arms itself.
 * Delays come from one 32-bit LCG stream (Numerical Recipes constants), advanced once per
 * arm in firing order, so two queues that fire in the same (time, seq) order draw the
 * same delays and produce the same history. Delays are integers in [1, 2^delayBits] ns.
 *
 * The checksum folds (id, time) of the first `checksumEvents` fired events: equal
 * checksums show the engine and the ceiling ran exactly the same history, tie-breaks
 * included, so comparing their speeds is fair.
 */

export interface TimerWorkload {
  /** Pending timers (the queue size, constant throughout). */
  timers: number;
  /** Events to fire and time. */
  events: number;
  /** Events fired before timing starts (same instance, so the heap is in steady state). */
  warmupEvents?: number;
  /** Delays are 1 + (top `delayBits` bits of the LCG): [1, 2^delayBits] ns. Default 20 (~1 ms). */
  delayBits?: number;
  /** Events (counted from the first, warm-up included) folded into the checksum. Default 10,000. */
  checksumEvents?: number;
  /** LCG seed. Default 1. */
  seed?: number;
}

export interface TimerResult {
  timers: number;
  /** Events fired in the timed part (must equal the requested `events`). */
  events: number;
  warmupEvents: number;
  wallMs: number;
  eventsPerSec: number;
  /** FNV-1a style fold of (id, time) over the first `checksumEvents` events, uint32. */
  checksum: number;
  checksumEvents: number;
  /** Virtual clock (ns) after the last event: a whole-history cross-check. */
  finalTime: number;
}

export const DEFAULT_DELAY_BITS = 20;
export const DEFAULT_CHECKSUM_EVENTS = 10_000;

export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** One LCG step (mod 2^32). */
export function lcgNext(x: number): number {
  return (Math.imul(x, 1664525) + 1013904223) >>> 0;
}

/** Folds one fired event into the checksum. `time` is a non-negative safe integer. */
export function foldEvent(h: number, id: number, time: number): number {
  h = Math.imul(h ^ id, FNV_PRIME);
  h = Math.imul(h ^ (time >>> 0), FNV_PRIME); // low 32 bits
  h = Math.imul(h ^ Math.floor(time / 4294967296), FNV_PRIME); // high bits
  return h >>> 0;
}

export interface ResolvedWorkload {
  timers: number;
  events: number;
  warmupEvents: number;
  shift: number;
  checksumEvents: number;
  seed: number;
}

export function resolveWorkload(w: TimerWorkload): ResolvedWorkload {
  const delayBits = w.delayBits ?? DEFAULT_DELAY_BITS;
  if (!Number.isInteger(w.timers) || w.timers < 1) throw new RangeError(`timers must be a positive integer, got ${w.timers}`);
  if (!Number.isInteger(w.events) || w.events < 0) throw new RangeError(`events must be a non-negative integer, got ${w.events}`);
  if (!Number.isInteger(delayBits) || delayBits < 1 || delayBits > 31) throw new RangeError(`delayBits must be in 1..31, got ${delayBits}`);
  return {
    timers: w.timers,
    events: w.events,
    warmupEvents: w.warmupEvents ?? 0,
    shift: 32 - delayBits,
    checksumEvents: w.checksumEvents ?? DEFAULT_CHECKSUM_EVENTS,
    seed: (w.seed ?? 1) >>> 0,
  };
}

export function timerResult(w: ResolvedWorkload, wallMs: number, checksum: number, finalTime: number): TimerResult {
  return {
    timers: w.timers,
    events: w.events,
    warmupEvents: w.warmupEvents,
    wallMs,
    eventsPerSec: wallMs > 0 ? (w.events * 1000) / wallMs : 0,
    checksum,
    checksumEvents: w.checksumEvents,
    finalTime,
  };
}
