/**
 * How big a litmus test is before enumerating it: an upper bound on its candidate
 * executions, computed from the thread paths alone (linear in their size). Enumeration is
 * exponential in threads and events (herd7 has the same property), so a test with many
 * threads or many accesses to one variable would run for hours or exhaust the heap; it is
 * refused up front with its size and the limit, unless --force.
 *
 * The bound multiplies, over threads, the number of paths, and over variables, the
 * reads-from choices and the coherence orders, as executions.ts generates them: a read
 * takes its value from the initial write, another thread's write, or its own latest
 * po-earlier write; a coherence order keeps each thread's writes in program order (the
 * multinomial of the per-thread write counts). It counts per thread the most accesses any
 * path of that thread makes, so it is never below the real count.
 */
import type { ThreadPath } from "./thread_paths.js";

/**
 * log10 of the largest bound enumerated without --force. The bound is loose (a test at
 * 10^9.9, five threads racing on one variable, has 14,000 executions and takes seconds);
 * every test of the kernel's litmus library is below 10^5.
 */
export const MAX_CANDIDATES_LOG10 = 10;

export interface LitmusSize {
  threads: number;
  /** The most memory events (reads, writes, lock operations) on one path of one thread. */
  maxEvents: number;
  /** log10 of the upper bound on candidate executions. */
  log10Candidates: number;
}

function log10Factorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log10(i);
  return s;
}

export function litmusSize(paths: ThreadPath[][]): LitmusSize {
  let log = 0;
  let maxEvents = 0;
  // Per variable: each thread's [reads, writes].
  const perLoc = new Map<string, [number, number][]>();
  for (const threadPaths of paths) {
    if (threadPaths.length === 0) continue;
    log += Math.log10(threadPaths.length);
    const r = new Map<string, number>();
    const w = new Map<string, number>();
    for (const p of threadPaths) {
      const pr = new Map<string, number>();
      const pw = new Map<string, number>();
      let n = 0;
      for (const e of p.events) {
        if (e.loc === null) continue;
        n++;
        const isWrite = e.kind === "W" || e.kind === "LKW" || e.kind === "UL";
        const m = isWrite ? pw : pr;
        m.set(e.loc, (m.get(e.loc) ?? 0) + 1);
      }
      maxEvents = Math.max(maxEvents, n);
      for (const [l, c] of pr) r.set(l, Math.max(r.get(l) ?? 0, c));
      for (const [l, c] of pw) w.set(l, Math.max(w.get(l) ?? 0, c));
    }
    for (const l of new Set([...r.keys(), ...w.keys()])) {
      const list = perLoc.get(l) ?? [];
      list.push([r.get(l) ?? 0, w.get(l) ?? 0]);
      perLoc.set(l, list);
    }
  }
  for (const counts of perLoc.values()) {
    const total = counts.reduce((a, [, w]) => a + w, 0);
    log += log10Factorial(total);
    for (const [nr, nw] of counts) log += nr * Math.log10(total - nw + 2) - log10Factorial(nw);
  }
  return { threads: paths.length, maxEvents, log10Candidates: log };
}
