/**
 * The values each shared variable can hold in some execution, over-approximated.
 *
 * The enumerator lets a read return any value of its variable's domain and keeps only
 * the combinations where the value matches the write it reads from; so the domains must
 * contain every value of every allowed execution, or executions go missing. A value can
 * be justified by a cycle (P0 writes 1 only if it read a nonzero x; P1 copies y to x; the
 * LKMM allows the cycle when nothing orders it - the "crypto-control-data" shape), so a
 * least fixpoint that follows only the branches the current values enable is not enough.
 * This analysis is path-insensitive instead: it takes both branches of every `if`, joins
 * the registers, and lets every read return the whole domain of every variable its
 * address may name. A value derives from constants through at most one write per write
 * site (a longer chain would repeat a write), so that many rounds reach every value.
 */
import type { Expr, LitmusTest, Stmt, Thread } from "./ast.js";
import { countWriteSites, ThreadError } from "./thread_paths.js";
import { applyOp, compareValues, Infeasible, type BinaryOp, type Value } from "./values.js";

/** More values than this for one variable means the test computes without bound. */
const MAX_VALUES = 512;

type Domains = Map<string, Value[]>;

/** Values of the initial state: shared variables, and registers per thread. */
export function initialState(test: LitmusTest): { globals: Map<string, Value>; regs: Map<number, Map<string, Value>> } {
  const globals = new Map<string, Value>();
  const regs = new Map<number, Map<string, Value>>();
  for (const e of test.init) {
    if (e.proc === null) globals.set(e.name, e.value);
    else {
      const m = regs.get(e.proc) ?? new Map<string, Value>();
      m.set(e.name, e.value);
      regs.set(e.proc, m);
    }
  }
  return { globals, regs };
}


export function valueDomains(test: LitmusTest): Domains {
  const { globals, regs } = initialState(test);
  const domains: Domains = new Map();
  const domain = (loc: string): Value[] => {
    let d = domains.get(loc);
    if (!d) {
      d = [globals.get(loc) ?? 0];
      domains.set(loc, d);
    }
    return d;
  };
  let changed = false;
  const addAll = (loc: string, vs: Iterable<Value>, line: number): void => {
    const d = domain(loc);
    for (const v of vs) {
      if (d.includes(v)) continue;
      d.push(v);
      changed = true;
      if (d.length > MAX_VALUES) throw new ThreadError(line, `variable ${loc} can take more than ${MAX_VALUES} values; the test is too large to enumerate`);
    }
  };
  const bound = 1 + test.threads.reduce((n, t) => n + countWriteSites(t.body), 0);
  for (let round = 0; round <= bound; round++) {
    changed = false;
    for (const t of test.threads) analyseThread(t, regs.get(t.proc) ?? new Map(), domain, addAll);
    if (!changed) break;
  }
  for (const d of domains.values()) d.sort(compareValues);
  return domains;
}

type RegSets = Map<string, Set<Value>>;

function analyseThread(
  thread: Thread,
  initRegs: ReadonlyMap<string, Value>,
  domain: (loc: string) => Value[],
  addAll: (loc: string, vs: Iterable<Value>, line: number) => void,
): void {
  let regs: RegSets = new Map();
  for (const p of thread.params) regs.set(p.name, new Set([p.name]));
  for (const r of thread.registers) if (!regs.has(r)) regs.set(r, new Set([initRegs.get(r) ?? 0]));

  const addresses = (vs: Set<Value>): string[] => [...vs].filter((v): v is string => typeof v === "string");
  const readAll = (addr: Set<Value>): Set<Value> => {
    const out = new Set<Value>();
    for (const l of addresses(addr)) for (const v of domain(l)) out.add(v);
    return out;
  };
  const combine = (op: BinaryOp, as: Set<Value>, bs: Set<Value>): Set<Value> => {
    const out = new Set<Value>();
    for (const a of as) {
      for (const b of bs) {
        try {
          out.add(applyOp(op, a, b));
        } catch (e) {
          if (!(e instanceof Infeasible)) throw e;
        }
      }
    }
    return out;
  };
  const write = (addr: Set<Value>, vs: Set<Value>, line: number): void => {
    for (const l of addresses(addr)) addAll(l, vs, line);
  };

  const evalExpr = (e: Expr): Set<Value> => {
    switch (e.k) {
      case "const":
        return new Set([e.value]);
      case "reg": {
        const r = regs.get(e.name);
        if (!r) throw new ThreadError(e.line, `unknown variable '${e.name}': not a parameter or register of P${thread.proc}`);
        return r;
      }
      case "op":
        return combine(e.op, evalExpr(e.a), evalExpr(e.b));
      case "load":
        return readAll(evalExpr(e.addr));
      case "xchg": {
        const v = evalExpr(e.value);
        const a = evalExpr(e.addr);
        const old = readAll(a);
        write(a, v, e.line);
        return old;
      }
      case "cmpxchg": {
        const a = evalExpr(e.addr);
        evalExpr(e.expected);
        const next = evalExpr(e.next);
        const old = readAll(a);
        write(a, next, e.line);
        return old;
      }
      case "atomic": {
        const operand = evalExpr(e.operand);
        const a = evalExpr(e.addr);
        const old = readAll(a);
        const nv = combine(e.op, old, operand);
        write(a, nv, e.line);
        return e.returns === "new" ? nv : e.returns === "old" ? old : new Set([0]);
      }
      case "addUnless": {
        const a = evalExpr(e.addr);
        const operand = evalExpr(e.operand);
        evalExpr(e.unless);
        write(a, combine("+", readAll(a), operand), e.line);
        return new Set([0, 1]);
      }
      case "trylock":
      case "islocked":
        evalExpr(e.addr);
        return new Set([0, 1]);
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
        case "store":
          write(evalExpr(s.addr), evalExpr(s.value), s.line);
          break;
        case "fence":
          break;
        case "lock":
        case "unlock":
          evalExpr(s.addr);
          break;
        case "if": {
          evalExpr(s.cond);
          const before = regs;
          regs = new Map(before);
          exec(s.then);
          const afterThen = regs;
          regs = new Map(before);
          exec(s.else);
          for (const [k, v] of afterThen) {
            const o = regs.get(k);
            regs.set(k, o === undefined || o === v ? v : new Set([...o, ...v]));
          }
          break;
        }
      }
    }
  };
  exec(thread.body);
}
