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

/** Simulated-time speed: times real time, and simulated time per real second (`0.01x = 10.00ms/s`), or `max`. */
export function fmtSpeed(speed: number): string {
  return Number.isFinite(speed) ? `${String(speed)}x = ${fmtNs(Math.round(speed * NSEC_PER_SEC))}/s` : "max";
}

export function padEnd(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + " ".repeat(n - s.length);
}

export function padStart(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

/**
 * `text` broken into lines of at most `width` characters, at spaces where it can (a word
 * longer than the width is split); continuation lines start with `indent`. Nothing is cut.
 */
export function wrapText(text: string, width: number, indent = ""): string[] {
  const w = Math.max(8, width);
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/ +/)) {
    const lead = out.length === 0 && line === "" ? "" : line === "" ? indent : " ";
    if ((line === "" ? (out.length === 0 ? 0 : indent.length) : line.length) + lead.length + word.length <= w || (line === "" && word.length === 0)) {
      line = line === "" ? (out.length === 0 ? word : indent + word) : `${line} ${word}`;
      continue;
    }
    if (line !== "") out.push(line);
    let rest = out.length === 0 ? word : indent + word;
    while (rest.length > w) {
      out.push(rest.slice(0, w));
      rest = indent + rest.slice(w);
    }
    line = rest;
  }
  if (line !== "" || out.length === 0) out.push(line);
  return out;
}

/**
 * A right-aligned column `width` wide that always starts with a space, so a value too wide
 * for its column pushes the line right instead of running into its neighbour (`0394.0k`).
 */
export function col(s: string, width: number): string {
  return ` ${padStart(s, width - 1)}`;
}
