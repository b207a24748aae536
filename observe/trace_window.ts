/**
 * What part of a run a trace file covers (ARCHITECTURE.md section 7: "long runs write a window,
 * never an unbounded file"): a time window `[from, to)` in simulated nanoseconds and a
 * cap on the number of lines (ftrace) or events (Chrome JSON) written.
 */
import { InputError } from "../sim/input_error.js";
import { hasUnit, parseDurationNs, unitHint } from "../sim/time.js";

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
  // As --duration: a bare number other than 0 is ambiguous (10..20 is ns? ms?).
  for (const side of [a, b]) if (side !== "" && parseDurationNs(side) !== 0 && !hasUnit(side)) throw new InputError(`${flag} ${text}: ${unitHint(side)}`);
  if (to <= from) throw bad(": TO must be after FROM");
  return { from, to };
}

/**
 * Releases trace items in the order a reader of the kernel's per-CPU buffers sees them
 * (kernel/trace/trace.c __find_next_entry(): at equal timestamps the lowest CPU first;
 * each CPU's own order kept), counting the first `limit` as written and the rest as
 * dropped. Shared by the ftrace text and trace.dat writers so both cut at the same event.
 */
export class TraceOrder<T> {
  private pending: { cpu: number; item: T }[] = [];
  private time = -1;

  constructor(
    private readonly limit: number,
    private readonly counts: { written: number; dropped: number },
    private readonly emit: (item: T, cpu: number) => void,
  ) {}

  push(time: number, cpu: number, item: T): void {
    if (time !== this.time) this.flush();
    this.time = time;
    this.pending.push({ cpu, item });
  }

  flush(): void {
    const p = this.pending;
    if (p.length === 0) return;
    if (p.length > 1) p.sort((x, y) => x.cpu - y.cpu); // stable: per-CPU order is kept
    for (const { cpu, item } of p) {
      if (this.counts.written < this.limit) {
        this.emit(item, cpu);
        this.counts.written++;
      } else this.counts.dropped++;
    }
    this.pending = [];
  }
}
