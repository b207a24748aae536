/**
 * Latency stages as bcc prints histograms (biolatency, funclatency, runqlat...): power-of-2
 * buckets of microseconds, an ASCII bar per bucket. A port of bcc's
 * src/python/bcc/table.py `_print_log2_hist()` and `_stars()` (iovisor/bcc), with bcc's
 * bucketing: the BPF side stores `bpf_log2l(usecs)` (src/cc/export/helpers.h), i.e.
 * slot 1 holds 0 and 1, slot i (i >= 2) holds [2^(i-1), 2^i - 1]; usecs = ns / 1000,
 * truncated, as biolatency computes `delta /= 1000`.
 *
 *      usecs               : count     distribution
 *          0 -> 1          : 12       |****************************************|
 *          2 -> 3          : 3        |**********                              |
 *
 * Counts come from the stage's HDR histogram: with 3 significant digits its sub-buckets
 * never straddle a power-of-2 microsecond boundary (each boundary 1000 * 2^j ns falls
 * in a bucket of unit 2^(j-1), which divides it), so the log2 counts are exact.
 */
import { JsHistogram, type Histogram } from "hdr-histogram-js";
import { NSEC_PER_USEC } from "../sim/time.js";
import type { Latency } from "../sim/metrics.js";

/** bcc table.py: stars_max = 40, log2_index_max = 65. */
const STARS_MAX = 40;
const LOG2_INDEX_MAX = 65;

export interface Log2Bucket {
  low: number;
  high: number;
  count: number;
}

/** One stage's histogram as `--json` carries it: the rows bcc would print. */
export interface Log2Hist {
  unit: "usecs";
  count: number;
  buckets: Log2Bucket[];
}

/** bcc helpers.h bpf_log2l(v) for v >= 0: floor(log2(v)) + 1, and 1 for v = 0. */
export function log2Slot(v: number): number {
  if (v <= 1) return 1;
  let r = 0;
  while (v >= 2) {
    v = Math.floor(v / 2);
    r++;
  }
  return r + 1;
}

/** Counts per bcc slot (index 0..64) of `h`'s values in microseconds. */
export function log2Slots(h: Histogram): number[] {
  if (!(h instanceof JsHistogram)) throw new Error("log2 buckets need the JavaScript HdrHistogram implementation");
  const vals = new Array<number>(LOG2_INDEX_MAX).fill(0);
  const it = h.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    const usecs = Math.floor(h.lowestEquivalentValue(v.valueIteratedTo) / NSEC_PER_USEC);
    vals[Math.min(log2Slot(usecs), LOG2_INDEX_MAX - 1)]! += v.countAtValueIteratedTo;
  }
  return vals;
}

/** bcc `_stars()`: Python's float division and loop, so the bar lengths match bcc's. */
function stars(val: number, valMax: number, width: number): string {
  let i = 0;
  let text = "";
  for (;;) {
    if (i > (width * val) / valMax - 1 || i > width - 1) break;
    text += "*";
    i++;
  }
  if (val > valMax) text = text.slice(0, -1) + "+";
  return text;
}

function idxMax(vals: readonly number[]): { idx: number; valMax: number } {
  let idx = -1;
  let valMax = 0;
  vals.forEach((v, i) => {
    if (v > 0) idx = i;
    if (v > valMax) valMax = v;
  });
  return { idx, valMax };
}

const padL = (s: string | number, w: number): string => String(s).padStart(w);
const padR = (s: string | number, w: number): string => String(s).padEnd(w);

/** bcc `_print_log2_hist(vals, val_type, strip_leading_zero=None)`, one string with newlines. */
export function printLog2Hist(vals: readonly number[], valType = "usecs"): string {
  const { idx, valMax } = idxMax(vals);
  const wide = idx > 32;
  // header "     %-19s : count     distribution" / "               %-29s : count     distribution"
  // body   "%10d -> %-10d : %-8d |%-*s|"          / "%20d -> %-20d : %-8d |%-*s|"
  const w = wide ? 20 : 10;
  const width = wide ? Math.floor(STARS_MAX / 2) : STARS_MAX;
  const out: string[] = [];
  if (idx > 0) out.push(wide ? `               ${padR(valType, 29)} : count     distribution` : `     ${padR(valType, 19)} : count     distribution`);
  for (let i = 1; i <= idx; i++) {
    let low = 2 ** i / 2;
    const high = 2 ** i - 1;
    if (low === high) low -= 1;
    const val = vals[i] ?? 0;
    out.push(`${padL(low, w)} -> ${padR(high, w)} : ${padR(val, 8)} |${padR(stars(val, valMax, width), width)}|`);
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}

/** The rows `printLog2Hist` prints, as data. */
export function log2Buckets(vals: readonly number[]): Log2Bucket[] {
  const { idx } = idxMax(vals);
  const out: Log2Bucket[] = [];
  for (let i = 1; i <= idx; i++) {
    let low = 2 ** i / 2;
    const high = 2 ** i - 1;
    if (low === high) low -= 1;
    out.push({ low, high, count: vals[i] ?? 0 });
  }
  return out;
}

export function latencyLog2Hist(l: Latency): Log2Hist {
  return { unit: "usecs", count: l.count, buckets: log2Buckets(log2Slots(l.histogram)) };
}

/**
 * Every stage, each under a bcc-style section line (table.py prints
 * `"\n%s = %r" % (section_header, bucket)` before each histogram of a keyed table).
 */
export function renderLatencyHists(stages: readonly Latency[]): string {
  let out = "";
  for (const l of stages) {
    out += `\nstage = '${l.name}'\n`;
    out += printLog2Hist(log2Slots(l.histogram));
  }
  return out;
}
