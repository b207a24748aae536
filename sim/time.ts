/**
 * Virtual time is an integer number of nanoseconds (ARCHITECTURE.md section 2): never floats for
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

/*
 * Jiffies <-> nanoseconds in exact integer arithmetic. The plain formulas (ns * hz / 1e9,
 * j * 1e9 / hz) form products past 2^53 after ~2.5 simulated hours at HZ=1000, and are
 * then right only by rounding margins; splitting off whole seconds first keeps every
 * intermediate under ~1e12 for any duration up to MAX_DURATION_NS. (A remainder r < 1e12 divided by hz <= 1000 is never within one ulp of
 * an integer unless it is one, so floor/ceil of the quotient are exact.)
 */

/** floor(ns * hz / NSEC_PER_SEC): the jiffy that time `ns` falls in. */
export function nsToJiffiesFloor(ns: number, hz: number): number {
  const sec = Math.floor(ns / NSEC_PER_SEC);
  return sec * hz + Math.floor(((ns - sec * NSEC_PER_SEC) * hz) / NSEC_PER_SEC);
}

/** ceil(ns * hz / NSEC_PER_SEC): whole jiffies covering `ns` (nsecs_to_jiffies rounding up). */
export function nsToJiffiesCeil(ns: number, hz: number): number {
  const sec = Math.floor(ns / NSEC_PER_SEC);
  return sec * hz + Math.ceil(((ns - sec * NSEC_PER_SEC) * hz) / NSEC_PER_SEC);
}

/** ceil(j * NSEC_PER_SEC / hz): the nanosecond at which jiffy `j` begins. */
export function jiffiesToNsCeil(j: number, hz: number): number {
  const sec = Math.floor(j / hz);
  return sec * NSEC_PER_SEC + Math.ceil(((j - sec * hz) * NSEC_PER_SEC) / hz);
}

/**
 * Parses `500us`, `100ms`, `2s`, `1.5ms`, `250ns` or a bare integer (nanoseconds) into
 * integer nanoseconds. Returns undefined when the text is not a duration. Scenario fields
 * and flags refuse the bare form (hasUnit); replay CSVs keep it (a documented ns column).
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

/** True if `value` is text ending in a unit (a YAML number never has one). */
export function hasUnit(value: string | number): boolean {
  return typeof value === "string" && /(ns|us|µs|ms|s)\s*$/.test(value);
}

/** The complaint for a duration written without a unit. */
export function unitHint(value: string | number): string {
  const n = String(value).trim();
  return `expected a unit: ${n}ns, ${n}us, ${n}ms or ${n}s (a bare number is ambiguous; only 0 needs none)`;
}

/**
 * Like parseDurationNs but throws an InputError naming `what` (a flag or field), and
 * requires a unit: `--duration 100` could mean anything from 100 ns to 100 s.
 */
export function durationOrThrow(text: string, what: string): number {
  const ns = parseDurationNs(text);
  if (ns !== undefined && ns > 0 && !hasUnit(text)) throw new InputError(`${what} ${text}: ${unitHint(text)}`);
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
