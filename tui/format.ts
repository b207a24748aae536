/**
 * Compact number and time formats for the dashboard's narrow columns. Times are integer
 * nanoseconds from the simulation; nothing here reads a clock.
 */
import { NSEC_PER_MSEC, NSEC_PER_SEC, NSEC_PER_USEC } from "../sim/time.js";

/** Simulated time with nanosecond resolution: `12.345678 ms`. */
export function fmtTime(ns: number): string {
  return `${(ns / NSEC_PER_MSEC).toFixed(6)} ms`;
}

/** A duration in at most ~6 characters: `812ns`, `37.4us`, `1.25ms`, `2.00s`. */
export function fmtNs(ns: number): string {
  if (ns >= NSEC_PER_SEC) return `${(ns / NSEC_PER_SEC).toFixed(2)}s`;
  if (ns >= 100 * NSEC_PER_USEC) return `${(ns / NSEC_PER_MSEC).toFixed(2)}ms`;
  if (ns >= NSEC_PER_USEC) return `${(ns / NSEC_PER_USEC).toFixed(1)}us`;
  return `${Math.round(ns)}ns`;
}

/** A count or rate in at most ~5 characters: `950`, `12.3k`, `1.20M`. */
export function fmtCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Whole percent of `part` in `whole`, `0` when whole is 0. */
export function pct(part: number, whole: number): number {
  return whole > 0 ? Math.round((100 * part) / whole) : 0;
}

/** Simulated-time speed relative to real time: `0.01x`, `1x`, `max`. */
export function fmtSpeed(speed: number): string {
  return Number.isFinite(speed) ? `${String(speed)}x` : "max";
}

export function padEnd(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + " ".repeat(n - s.length);
}

export function padStart(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}
