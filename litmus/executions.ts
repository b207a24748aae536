/**
 * Enumerates the candidate executions of a litmus test and keeps those the LKMM allows.
 *
 * A candidate is: one path per thread (thread_paths.ts), a reads-from source for every
 * read, and a coherence order per variable. Read values are guessed from a value domain
 * per variable (value_domains.ts), then each read is matched only to writes of the value
 * it returned, so every (paths, rf, co) triple is a distinct execution and the counts
 * match herd7's.
 *
 * Two families of candidates are never generated because the cat model rejects them
 * anyway (linux-kernel.cat `coherence`: acyclic po-loc | com): a read taking its value
 * from a write of its own thread that comes later in program order, or from an own write
 * that a later own write overwrote; and a coherence order that contradicts program order.
 *
 * Spinlocks follow lock.cat: the coherence order of a lock variable is the order of its
 * critical sections (each LKW immediately followed by its UL), with at most one unmatched
 * LKW, last; each LKR reads from the write just before its LKW; a failed trylock (LF) or a
 * spin_is_locked() that saw the lock held (RL) reads from an LKW, its own if it sits in
 * its own critical section; a spin_is_locked() that saw it free (RU) reads from an UL or
 * the initial write. Tests that nest spin_lock() on one lock in one thread (`lock-nest`)
 * or test spin_is_locked() inside their own critical section (`nested-is-locked`) have no
 * execution on that path, as in lock.cat.
 */
import type { LitmusTest, Location, Prop } from "./ast.js";
import type { ThreadEvent } from "./events.js";
import { isLockEvent } from "./events.js";
import { checkExecution, ExecutionShape, partialExecutionFails } from "./lkmm.js";
import { EventSet, Relation } from "./relation.js";
import { ThreadError, threadPaths, type ThreadPath } from "./thread_paths.js";
import { initialState, valueDomains } from "./value_domains.js";
import type { Value } from "./values.js";

/** The final state of one allowed execution, as the condition sees it. */
export interface FinalState {
  reg(proc: number, reg: string): Value;
  mem(name: string): Value;
}

export interface AllowedExecution {
  state: FinalState;
  flags: string[];
}

export interface EnumerationStats {
  candidates: number;
  allowed: number;
}

const MAX_CANDIDATES = 2_000_000;

export function evalProp(p: Prop, s: FinalState): boolean {
  switch (p.k) {
    case "atom":
      return valueAt(p.loc, s) === p.value;
    case "same":
      return valueAt(p.a, s) === valueAt(p.b, s);
    case "not":
      return !evalProp(p.p, s);
    case "and":
      return p.ps.every((q) => evalProp(q, s));
    case "or":
      return p.ps.some((q) => evalProp(q, s));
    case "implies":
      return !evalProp(p.a, s) || evalProp(p.b, s);
  }
}

export function valueAt(loc: Location, s: FinalState): Value {
  return loc.k === "reg" ? s.reg(loc.proc, loc.reg) : s.mem(loc.name);
}

/** Every thread path, with read values drawn from the value domains (value_domains.ts). */
export function allThreadPaths(test: LitmusTest): ThreadPath[][] {
  const { globals, regs } = initialState(test);
  const domains = valueDomains(test);
  const candidates = (loc: string): readonly Value[] => domains.get(loc) ?? [globals.get(loc) ?? 0];
  return test.threads.map((t) => threadPaths(t, candidates, regs.get(t.proc) ?? new Map()));
}

interface PlacedEvent extends ThreadEvent {
  proc: number;
  isInit: boolean;
}

/**
 * Calls `onAllowed` for every execution the LKMM allows and the filter keeps.
 * Deterministic: the order of enumeration depends only on the test.
 */
export function enumerateExecutions(test: LitmusTest, onAllowed: (x: AllowedExecution) => void): EnumerationStats {
  const { globals } = initialState(test);
  const paths = allThreadPaths(test);
  const stats: EnumerationStats = { candidates: 0, allowed: 0 };
  if (paths.some((p) => p.length === 0)) return stats;
  const choice = new Array<number>(paths.length).fill(0);
  for (;;) {
    combo(test, globals, paths.map((ps, i) => ps[choice[i]!]!), stats, onAllowed);
    let k = paths.length - 1;
    while (k >= 0 && choice[k]! + 1 >= paths[k]!.length) {
      choice[k] = 0;
      k--;
    }
    if (k < 0) return stats;
    choice[k]!++;
  }
}

/** All executions of one combination of thread paths. */
function combo(test: LitmusTest, globals: Map<string, Value>, picked: ThreadPath[], stats: EnumerationStats, onAllowed: (x: AllowedExecution) => void): void {
  // ---- Place the events: initial writes first, then each thread in program order.
  const lockLocs = new Set<string>();
  const plainLocs = new Set<string>();
  for (const p of picked) for (const e of p.events) if (e.loc !== null) (isLockEvent(e.kind) ? lockLocs : plainLocs).add(e.loc);
  for (const l of lockLocs) {
    if (plainLocs.has(l)) {
      const e = picked.flatMap((p) => p.events).find((x) => x.loc === l && !isLockEvent(x.kind))!;
      throw new ThreadError(e.line, `unsupported construct: spinlock ${l} is also read or written as a variable (lock.cat flags this as mixed-lock-accesses)`);
    }
  }
  const locs = [...new Set([...plainLocs, ...lockLocs])].sort();
  const ev: PlacedEvent[] = [];
  const iw = new Map<string, number>();
  for (const l of locs) {
    iw.set(l, ev.length);
    ev.push({
      kind: "W", loc: l, value: lockLocs.has(l) ? null : globals.get(l) ?? 0, tag: null, fence: null, rmwInstr: false,
      rmwWrite: null, addr: [], data: [], ctrl: [], line: 0, proc: -1, isInit: true,
    });
  }
  const base: number[] = [];
  const deps = { addr: [] as [number, number][], data: [] as [number, number][], ctrl: [] as [number, number][] };
  picked.forEach((p, proc) => {
    const off = ev.length;
    base.push(off);
    p.events.forEach((e, i) => {
      ev.push({ ...e, proc, isInit: false, rmwWrite: e.rmwWrite === null ? null : e.rmwWrite + off });
      for (const d of e.addr) deps.addr.push([d + off, off + i]);
      for (const d of e.data) deps.data.push([d + off, off + i]);
      for (const d of e.ctrl) deps.ctrl.push([d + off, off + i]);
    });
  });
  const n = ev.length;
  const rmw = new Relation(n);
  ev.forEach((e, i) => {
    if (e.rmwWrite !== null) rmw.add(i, e.rmwWrite);
  });

  // ---- Spinlocks (lock.cat): critical sections, unmatched locks, fixed and possible rf.
  const flags: string[] = [];
  const ulOfLkw = new Map<number, number>();
  const unmatchedLkw = new Map<string, number[]>();
  const fixedRf = new Map<number, number>(); // read -> write, decided without choice
  const rfChoices: { read: number; sources: number[] }[] = [];
  for (let proc = 0; proc < picked.length; proc++) {
    const open = new Map<string, number>(); // loc -> LKW of the open critical section
    const lastUl = new Map<string, number>();
    for (let i = base[proc]!; i < base[proc]! + picked[proc]!.events.length; i++) {
      const e = ev[i]!;
      const l = e.loc!;
      switch (e.kind) {
        case "LKR":
          if (open.has(l)) return; // lock-nest: deadlock, no execution
          break;
        case "LKW":
          open.set(l, i);
          break;
        case "UL": {
          const lkw = open.get(l);
          if (lkw === undefined) {
            if (!flags.includes("unmatched-unlock")) flags.push("unmatched-unlock");
          } else {
            ulOfLkw.set(lkw, i);
            open.delete(l);
          }
          lastUl.set(l, i);
          break;
        }
        case "LF":
        case "RL": {
          const lkw = open.get(l);
          if (lkw !== undefined) fixedRf.set(i, lkw); // rfi-lf
          else {
            const sources = ev.flatMap((w, j) => (w.kind === "LKW" && w.loc === l && w.proc !== proc ? [j] : []));
            if (sources.length === 0) return;
            rfChoices.push({ read: i, sources });
          }
          break;
        }
        case "RU": {
          if (open.has(l)) return; // nested-is-locked
          const sources = ev.flatMap((w, j) => ((w.kind === "UL" && w.proc !== proc) || (w.isInit && w.loc === l) ? (w.loc === l ? [j] : []) : []));
          const own = lastUl.get(l);
          if (own !== undefined) sources.unshift(own);
          rfChoices.push({ read: i, sources });
          break;
        }
      }
    }
    for (const [l, lkw] of open) {
      const u = unmatchedLkw.get(l) ?? [];
      u.push(lkw);
      unmatchedLkw.set(l, u);
    }
  }
  for (const u of unmatchedLkw.values()) if (u.length > 1) return; // unmatched-locks: deadlock

  // ---- Reads of variables: writes of the same value that coherence does not exclude.
  for (let proc = 0; proc < picked.length; proc++) {
    const lastOwn = new Map<string, number>();
    for (let i = base[proc]!; i < base[proc]! + picked[proc]!.events.length; i++) {
      const e = ev[i]!;
      if (e.kind === "R") {
        const l = e.loc!;
        const sources: number[] = [];
        const own = lastOwn.get(l);
        const first = own ?? iw.get(l)!;
        if (ev[first]!.value === e.value) sources.push(first);
        for (let j = 0; j < n; j++) {
          const w = ev[j]!;
          if (w.kind === "W" && !w.isInit && w.proc !== proc && w.loc === l && w.value === e.value) sources.push(j);
        }
        if (sources.length === 0) return;
        rfChoices.push({ read: i, sources });
      } else if (e.kind === "W") lastOwn.set(e.loc!, i);
    }
  }

  // ---- Coherence orders: linear extensions of program order, per variable.
  const coChoices: number[][][] = [];
  for (const l of locs) {
    const init = iw.get(l)!;
    if (lockLocs.has(l)) {
      const sections = ev.flatMap((w, j) => (w.kind === "LKW" && w.loc === l && ulOfLkw.has(j) ? [j] : []));
      const tail = unmatchedLkw.get(l) ?? [];
      coChoices.push(
        linearExtensions(sections, ev).map((order) => [init, ...order.flatMap((lkw) => [lkw, ulOfLkw.get(lkw)!]), ...tail]),
      );
    } else {
      const writes = ev.flatMap((w, j) => (w.kind === "W" && !w.isInit && w.loc === l ? [j] : []));
      coChoices.push(linearExtensions(writes, ev).map((order) => [init, ...order]));
    }
  }

  // ---- Coherence is a property of each variable alone (po-loc, rf, co and fr never
  // relate two variables), and so is atomicity: so first keep, per variable, the
  // (co, rf) choices that pass them, and only combine the survivors.
  const shape = new ExecutionShape(ev, deps, rmw, flags);
  const pieces = locs.map((l, k) => coherentChoices(shape, ev, l, coChoices[k]!, rfChoices.filter((c) => ev[c.read]!.loc === l), fixedRf));
  if (pieces.some((p) => p.length === 0)) return;
  const regsOf = picked.map((p) => p.regs);
  // Depth-first over the variables, fewest choices first; after each variable, prune if
  // the rf/co chosen so far already close an hb cycle (lkmm.ts, partialExecutionFails).
  const order = pieces.map((_, k) => k).sort((a, b) => pieces[a]!.length - pieces[b]!.length || a - b);
  const chosen = new Array<LocationChoice | undefined>(pieces.length);
  const visit = (d: number, rf: Relation, co: Relation): void => {
    if (d === order.length) {
      stats.candidates++;
      if (stats.candidates > MAX_CANDIDATES) throw new ThreadError(test.threads[0]!.line, `more than ${MAX_CANDIDATES} candidate executions; the test is too large to enumerate`);
      const finalMem = new Map<string, Value>();
      chosen.forEach((c, k) => {
        if (c!.finalValue !== null) finalMem.set(locs[k]!, c!.finalValue);
      });
      const state: FinalState = {
        reg: (proc, reg) => regsOf[proc]?.get(reg) ?? 0,
        mem: (name) => finalMem.get(name) ?? globals.get(name) ?? 0,
      };
      if (test.filter !== null && !evalProp(test.filter, state)) return;
      const verdict = checkExecution(shape, rf, co);
      if (verdict.consistent) {
        stats.allowed++;
        onAllowed({ state, flags: verdict.flags });
      }
      return;
    }
    const k = order[d]!;
    for (const c of pieces[k]!) {
      const rf2 = rf.copy();
      const co2 = co.copy();
      for (const [a, b] of c.rf) rf2.add(a, b);
      for (const [a, b] of c.co) co2.add(a, b);
      if (d + 1 < order.length && partialExecutionFails(shape, rf2, co2)) continue;
      chosen[k] = c;
      visit(d + 1, rf2, co2);
    }
  };
  visit(0, new Relation(n), new Relation(n));
}

interface LocationChoice {
  rf: [number, number][];
  co: [number, number][];
  finalValue: Value | null;
}

/** The (co, rf) choices for one variable that satisfy `coherence` and `atomic` on it. */
function coherentChoices(
  shape: ExecutionShape,
  ev: PlacedEvent[],
  loc: string,
  orders: number[][],
  reads: { read: number; sources: number[] }[],
  fixedRf: Map<number, number>,
): LocationChoice[] {
  const n = ev.length;
  const out: LocationChoice[] = [];
  const fixed: [number, number][] = [];
  for (const [r, w] of fixedRf) if (ev[r]!.loc === loc) fixed.push([w, r]);
  const lkrs = ev.flatMap((e, j) => (e.kind === "LKR" && e.loc === loc ? [j] : []));
  const rfPick = new Array<number>(reads.length).fill(0);
  const onLoc = EventSet.where(n, (i) => ev[i]!.loc === loc);
  const poLoc = shape.poLoc.restrict(onLoc, onLoc);
  const rmw = shape.rmw.restrict(onLoc, onLoc);
  const ext = shape.ext;
  for (const order of orders) {
    const coPairs: [number, number][] = [];
    for (let a = 0; a < order.length; a++) for (let b = a + 1; b < order.length; b++) coPairs.push([order[a]!, order[b]!]);
    const co = Relation.fromPairs(n, coPairs);
    // lock.cat: each LKR reads from the write just before its LKW in co.
    const lockRf: [number, number][] = lkrs.map((r) => [order[order.indexOf(ev[r]!.rmwWrite!) - 1]!, r]);
    const last = ev[order[order.length - 1]!]!;
    rfPick.fill(0);
    for (;;) {
      const rfPairs: [number, number][] = [...fixed, ...lockRf, ...reads.map((c, k): [number, number] => [c.sources[rfPick[k]!]!, c.read])];
      const rf = Relation.fromPairs(n, rfPairs);
      const fr = rf.inverse().seq(co);
      const coherent = poLoc.union(rf, co, fr).acyclic() && rmw.inter(fr.inter(ext).seq(co.inter(ext))).isEmpty();
      if (coherent) out.push({ rf: rfPairs, co: coPairs, finalValue: last.value });
      if (!advance(rfPick, reads.map((c) => c.sources.length))) break;
    }
  }
  return out;
}

/** Odometer step; false when it wraps around to all zeros. */
function advance(pick: number[], sizes: number[]): boolean {
  for (let k = pick.length - 1; k >= 0; k--) {
    if (pick[k]! + 1 < sizes[k]!) {
      pick[k]!++;
      return true;
    }
    pick[k] = 0;
  }
  return false;
}

/** Orders of `items` (event indices) that keep each thread's events in program order. */
function linearExtensions(items: number[], ev: PlacedEvent[]): number[][] {
  const out: number[][] = [];
  const used = new Array<boolean>(items.length).fill(false);
  const cur: number[] = [];
  const rec = (): void => {
    if (cur.length === items.length) {
      out.push([...cur]);
      return;
    }
    for (let k = 0; k < items.length; k++) {
      if (used[k]) continue;
      // Only the earliest unused event of each thread may come next.
      let blocked = false;
      for (let j = 0; j < k; j++) if (!used[j] && ev[items[j]!]!.proc === ev[items[k]!]!.proc) blocked = true;
      if (blocked) continue;
      used[k] = true;
      cur.push(items[k]!);
      rec();
      cur.pop();
      used[k] = false;
    }
  };
  rec();
  return out;
}
