/**
 * Virtual time is an integer number of nanoseconds (DESIGN section 2): never floats for
 * time, never the wall clock. A JS number holds integers exactly up to 2^53 ns (~104 days).
 */
import { InputError } from "./input_error.js";

export const NSEC_PER_USEC = 1_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_SEC = 1_000_000_000;

const UNITS: Record<string, number> = {
  ns: 1,
  us: NSEC_PER_USEC,
  "µs": NSEC_PER_USEC,
  ms: NSEC_PER_MSEC,
  s: NSEC_PER_SEC,
};

/** Longest duration a scenario may ask for: one simulated day. */
export const MAX_DURATION_NS = 86_400 * NSEC_PER_SEC;

/**
 * Parses `500us`, `100ms`, `2s`, `1.5ms`, `250ns` or a bare integer (nanoseconds) into
 * integer nanoseconds. Returns undefined when the text is not a duration.
 */
export function parseDurationNs(text: string | number): number | undefined {
  if (typeof text === "number") {
    return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/.exec(text);
  if (!m) return undefined;
  const unit = UNITS[m[2] ?? "ns"]!;
  const ns = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(ns) ? ns : undefined;
}

/** Like parseDurationNs but throws an InputError naming `what` (a flag or field). */
export function durationOrThrow(text: string, what: string): number {
  const ns = parseDurationNs(text);
  if (ns === undefined || ns <= 0 || ns > MAX_DURATION_NS) {
    throw new InputError(
      `${what}: expected a positive duration up to 1 day such as 500us, 100ms or 2s, got '${text}'`,
    );
  }
  return ns;
}

/** Formats nanoseconds for people: 1.250 ms, 37.4 us, 812 ns. */
export function formatNs(ns: number): string {
  if (ns >= NSEC_PER_SEC) return `${(ns / NSEC_PER_SEC).toFixed(3)} s`;
  if (ns >= NSEC_PER_MSEC) return `${(ns / NSEC_PER_MSEC).toFixed(3)} ms`;
  if (ns >= NSEC_PER_USEC) return `${(ns / NSEC_PER_USEC).toFixed(1)} us`;
  return `${ns} ns`;
}
