/**
 * What part of a run a trace file covers (DESIGN section 7: "long runs write a window,
 * never an unbounded file"): a time window `[from, to)` in simulated nanoseconds and a
 * cap on the number of lines (ftrace) or events (Chrome JSON) written.
 */
import { InputError } from "../sim/input_error.js";
import { parseDurationNs } from "../sim/time.js";

/** `--trace-limit` default: a million lines is ~100 MB of ftrace text. */
export const DEFAULT_TRACE_LIMIT = 1_000_000;

export interface TraceWindow {
  /** First instant written, ns (inclusive). */
  readonly from: number;
  /** First instant no longer written, ns (exclusive); Infinity = to the end of the run. */
  readonly to: number;
}

export const WHOLE_RUN: TraceWindow = { from: 0, to: Infinity };

/**
 * Parses `FROM..TO` (`10ms..20ms`, `0..2ms`, `5ms..` to the end, `..1ms` from the start);
 * each side is a duration as `--duration` takes it. Throws an InputError naming `flag`.
 */
export function parseTraceWindow(text: string, flag = "--trace-window"): TraceWindow {
  const bad = (why: string): InputError =>
    new InputError(`${flag}: expected FROM..TO with durations such as 10ms..20ms (either side may be left out), got '${text}'${why}`);
  // A duration never contains "..", so the first ".." splits the two sides (1.5ms..2ms).
  const at = text.indexOf("..");
  if (at < 0) throw bad("");
  const a = text.slice(0, at).trim();
  const b = text.slice(at + 2).trim();
  const from = a === "" ? 0 : parseDurationNs(a);
  const to = b === "" ? Infinity : parseDurationNs(b);
  if (from === undefined || to === undefined) throw bad("");
  if (to <= from) throw bad(": TO must be after FROM");
  return { from, to };
}
