/**
 * Runs one thread of a litmus test and returns every path it can take: the events it
 * performs, with values, and its final registers. A read may return any value its
 * variable can hold (the caller supplies the candidate values), so the set of paths
 * covers every execution; which of them really happen is decided later, when reads are
 * matched to writes and the memory model is checked.
 *
 * Dependencies are tracked the way herd7 derives them for C (herdtools7 herd/CSem.ml and
 * herd/modelUtils.ml): a value carries the set of memory reads it was computed from,
 * through registers but not through memory (the LKMM adds that itself, bell `carry-dep`);
 * an access whose address uses such a value has an `addr` dependency, a write whose value
 * does has a `data` dependency, and every access inside an `if` whose condition does has
 * a `ctrl` dependency (events after the `if` do not: herd's control relation only covers
 * the branches, event.ml `cond_comp`).
 */
import type { Expr, Stmt, Thread } from "./ast.js";
import type { ThreadEvent } from "./events.js";
import { applyOp, Infeasible, truthy, type Value } from "./values.js";

export interface ThreadPath {
  events: ThreadEvent[];
  /** Final value of every register of the thread (parameters included). */
  regs: Map<string, Value>;
}

/** A failure of the test itself (not of one path), reported to the user. */
export class ThreadError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

interface Val {
  v: Value;
  deps: number[];
}

const MAX_PATHS = 200_000;

function union(a: number[], b: number[]): number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const s = new Set(a);
  for (const x of b) s.add(x);
  return [...s].sort((x, y) => x - y);
}

/**
 * All paths of `thread`. `candidates(loc)` lists the values a read of `loc` may return;
 * `initRegs` holds register values from the initial state.
 */
export function threadPaths(thread: Thread, candidates: (loc: string) => readonly Value[], initRegs: ReadonlyMap<string, Value>): ThreadPath[] {
  const out: ThreadPath[] = [];
  // Depth-first over the choices (read values, trylock outcomes), replaying the prefix.
  const stack: { i: number; n: number }[] = [];
  for (;;) {
    let depth = 0;
    const choose = (n: number): number => {
      if (n === 0) throw new Infeasible("no candidate value");
      if (depth < stack.length) return stack[depth++]!.i;
      stack.push({ i: 0, n });
      depth++;
      return 0;
    };
    try {
      out.push(runOnce(thread, candidates, initRegs, choose));
      if (out.length > MAX_PATHS) throw new ThreadError(thread.line, `P${thread.proc} has more than ${MAX_PATHS} paths; the test is too large to enumerate`);
    } catch (e) {
      if (!(e instanceof Infeasible)) throw e;
    }
    stack.length = depth;
    while (stack.length > 0 && stack[stack.length - 1]!.i + 1 >= stack[stack.length - 1]!.n) stack.pop();
    if (stack.length === 0) return out;
    stack[stack.length - 1]!.i++;
  }
}

function runOnce(thread: Thread, candidates: (loc: string) => readonly Value[], initRegs: ReadonlyMap<string, Value>, choose: (n: number) => number): ThreadPath {
  const events: ThreadEvent[] = [];
  const regs = new Map<string, Val>();
  for (const p of thread.params) regs.set(p.name, { v: p.name, deps: [] });
  for (const r of thread.registers) if (!regs.has(r)) regs.set(r, { v: initRegs.get(r) ?? 0, deps: [] });
  let ctrl: number[] = [];

  const event = (e: Omit<ThreadEvent, "ctrl" | "rmwWrite" | "fence"> & Partial<Pick<ThreadEvent, "fence">>): number => {
    events.push({ fence: null, ...e, ctrl, rmwWrite: null });
    return events.length - 1;
  };
  const location = (a: Val, line: number): string => {
    if (typeof a.v !== "string") throw new Infeasible(`dereference of the integer ${a.v} at line ${line}`);
    return a.v;
  };
  const read = (loc: string, addr: number[], tag: ThreadEvent["tag"], rmwInstr: boolean, line: number): { idx: number; v: Value } => {
    const vals = candidates(loc);
    const v = vals[choose(vals.length)]!;
    return { idx: event({ kind: "R", loc, value: v, tag, rmwInstr, addr, data: [], line }), v };
  };

  const evalExpr = (e: Expr): Val => {
    switch (e.k) {
      case "const":
        return { v: e.value, deps: [] };
      case "reg": {
        const r = regs.get(e.name);
        if (!r) throw new ThreadError(e.line, `unknown variable '${e.name}': not a parameter or register of P${thread.proc}`);
        return r;
      }
      case "op": {
        const a = evalExpr(e.a);
        const b = evalExpr(e.b);
        return { v: applyOp(e.op, a.v, b.v), deps: union(a.deps, b.deps) };
      }
      case "load": {
        const a = evalExpr(e.addr);
        const r = read(location(a, e.line), a.deps, e.tag, false, e.line);
        return { v: r.v, deps: [r.idx] };
      }
      case "xchg": {
        const val = evalExpr(e.value);
        const a = evalExpr(e.addr);
        const loc = location(a, e.line);
        const r = read(loc, a.deps, e.tag, true, e.line);
        const w = event({ kind: "W", loc, value: val.v, tag: e.tag, rmwInstr: true, addr: a.deps, data: val.deps, line: e.line });
        events[r.idx]!.rmwWrite = w;
        return { v: r.v, deps: [r.idx] };
      }
      case "cmpxchg": {
        const a = evalExpr(e.addr);
        const expected = evalExpr(e.expected);
        const next = evalExpr(e.next);
        const loc = location(a, e.line);
        const r = read(loc, a.deps, e.tag, true, e.line);
        if (r.v === expected.v) {
          const w = event({ kind: "W", loc, value: next.v, tag: e.tag, rmwInstr: true, addr: a.deps, data: next.deps, line: e.line });
          events[r.idx]!.rmwWrite = w;
        }
        return { v: r.v, deps: [r.idx] };
      }
      case "atomic": {
        const operand = evalExpr(e.operand);
        const a = evalExpr(e.addr);
        const loc = location(a, e.line);
        const r = read(loc, a.deps, e.tag, true, e.line);
        const nv = applyOp(e.op, r.v, operand.v);
        // The written value is computed from the read: herd's atomic ops have an
        // intra-instruction data dependency (CSem.ml build_atomic_op, `>>==`).
        const w = event({ kind: "W", loc, value: nv, tag: e.tag, rmwInstr: true, addr: a.deps, data: union([r.idx], operand.deps), line: e.line });
        events[r.idx]!.rmwWrite = w;
        if (e.returns === "none") return { v: 0, deps: [] };
        return { v: e.returns === "new" ? nv : r.v, deps: [r.idx] };
      }
      case "addUnless": {
        const a = evalExpr(e.addr);
        const operand = evalExpr(e.operand);
        const unless = evalExpr(e.unless);
        const loc = location(a, e.line);
        const r = read(loc, a.deps, e.tag, true, e.line);
        if (r.v === unless.v) return { v: 0, deps: [r.idx] };
        const w = event({ kind: "W", loc, value: applyOp("+", r.v, operand.v), tag: e.tag, rmwInstr: true, addr: a.deps, data: union([r.idx], operand.deps), line: e.line });
        events[r.idx]!.rmwWrite = w;
        return { v: 1, deps: [r.idx] };
      }
      case "trylock": {
        const a = evalExpr(e.addr);
        const loc = location(a, e.line);
        // spin_trylock either takes the lock (LKR+LKW, 1) or fails (LF, 0): CSem.ml TryLock.
        if (choose(2) === 0) {
          const lkr = event({ kind: "LKR", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: e.line });
          const lkw = event({ kind: "LKW", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: e.line });
          events[lkr]!.rmwWrite = lkw;
          return { v: 1, deps: [lkr] };
        }
        const lf = event({ kind: "LF", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: e.line });
        return { v: 0, deps: [lf] };
      }
      case "islocked": {
        const a = evalExpr(e.addr);
        const loc = location(a, e.line);
        // spin_is_locked reads a locked (RL, 1) or unlocked (RU, 0) state: CSem.ml IsLocked.
        const locked = choose(2) === 0;
        const idx = event({ kind: locked ? "RL" : "RU", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: e.line });
        return { v: locked ? 1 : 0, deps: [idx] };
      }
    }
  };

  const exec = (stmts: Stmt[]): void => {
    for (const s of stmts) {
      switch (s.k) {
        case "assign":
          regs.set(s.reg, evalExpr(s.value));
          break;
        case "eval":
          evalExpr(s.value);
          break;
        case "store": {
          const a = evalExpr(s.addr);
          const v = evalExpr(s.value);
          event({ kind: "W", loc: location(a, s.line), value: v.v, tag: s.tag, rmwInstr: false, addr: a.deps, data: v.deps, line: s.line });
          break;
        }
        case "fence":
          event({ kind: "F", loc: null, value: null, tag: null, fence: s.tag, rmwInstr: false, addr: [], data: [], line: s.line });
          break;
        case "lock": {
          const a = evalExpr(s.addr);
          const loc = location(a, s.line);
          const lkr = event({ kind: "LKR", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: s.line });
          const lkw = event({ kind: "LKW", loc, value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: s.line });
          events[lkr]!.rmwWrite = lkw;
          break;
        }
        case "unlock": {
          const a = evalExpr(s.addr);
          event({ kind: "UL", loc: location(a, s.line), value: null, tag: null, rmwInstr: false, addr: a.deps, data: [], line: s.line });
          break;
        }
        case "if": {
          const c = evalExpr(s.cond);
          const saved = ctrl;
          ctrl = union(ctrl, c.deps);
          exec(truthy(c.v) ? s.then : s.else);
          ctrl = saved;
          break;
        }
      }
    }
  };

  exec(thread.body);
  const finalRegs = new Map<string, Value>();
  for (const [k, v] of regs) finalRegs.set(k, v.v);
  return { events, regs: finalRegs };
}

/** Number of statements that can write memory: a bound on value-derivation chains. */
export function countWriteSites(stmts: Stmt[]): number {
  let n = 0;
  const expr = (e: Expr): void => {
    switch (e.k) {
      case "op":
        expr(e.a);
        expr(e.b);
        return;
      case "load":
        expr(e.addr);
        return;
      case "xchg":
      case "cmpxchg":
      case "atomic":
      case "addUnless":
        n++;
        return;
      default:
        return;
    }
  };
  const walk = (ss: Stmt[]): void => {
    for (const s of ss) {
      if (s.k === "store") {
        n++;
        expr(s.value);
      } else if (s.k === "assign" || s.k === "eval") expr(s.value);
      else if (s.k === "if") {
        expr(s.cond);
        walk(s.then);
        walk(s.else);
      }
    }
  };
  walk(stmts);
  return n;
}
