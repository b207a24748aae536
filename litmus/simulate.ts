/**
 * Runs a litmus test on the simulator's own memory model (sim/memory.ts) instead of
 * enumerating it: the threads interleave at every access in an order drawn from a seeded
 * stream, and every load picks among the stores the model lets it see. This is the
 * "simulation mode" of ARCHITECTURE.md section 5 applied to a litmus test, so a user can see which
 * of the outcomes the LKMM allows the simulated hardware actually shows, and how often;
 * and the test suite can check that it never shows one the LKMM forbids.
 *
 * RCU: synchronize_rcu() waits for the read-side critical sections already running to end,
 * and then every CPU has passed a quiescent state, which is a full barrier on it (the
 * classic implementation's guarantee, Documentation/RCU/Design/Requirements).
 */
import type { Expr, LitmusTest, Location as LitmusLocation, Stmt } from "./ast.js";
import { evalProp, valueAt, type FinalState } from "./executions.js";
import { observedLocations } from "./hash.js";
import { initialState } from "./value_domains.js";
import { applyOp, formatValue, truthy, type Value } from "./values.js";
import { ACQUIRE, Memory, PLAIN, RELEASE, type Location, type Store } from "../sim/memory.js";
import { Rng } from "../sim/rng.js";

export interface SimulatedState {
  values: Value[];
  count: number;
}

export interface SimulationSummary {
  runs: number;
  /** Runs that did not finish within the step limit (a deadlock, or a livelocked spin). */
  stuck: number;
  /** Runs the test's `filter` clause excluded (herd counts only the rest). */
  filtered: number;
  locations: LitmusLocation[];
  /** Observed final states over `locations`, keyed by their printed form. */
  states: Map<string, SimulatedState>;
  /** Runs whose final state satisfies the test's proposition. */
  positive: number;
}

export interface SimulateOptions {
  runs: number;
  seed: number;
  /** Probability that a load with a legal choice returns a stale value. */
  weakness: number;
}

/** Steps (accesses) after which a run counts as stuck. */
const MAX_STEPS = 10_000;
/** Addresses are encoded as numbers above every value a test uses. */
const ADDRESS_BASE = 2 ** 40;

interface Val {
  v: Value;
  /** The loads this value was computed from: an address dependency for later loads. */
  deps: Store[];
}

interface ThreadRun {
  proc: number;
  regs: Map<string, Val>;
  /** RCU read-side nesting depth, and how many critical sections it has finished. */
  rcuDepth: number;
  rcuExits: number;
  done: boolean;
}

export function simulateLitmus(test: LitmusTest, opts: SimulateOptions): SimulationSummary {
  const locations = observedLocations(test);
  const states = new Map<string, SimulatedState>();
  const rng = new Rng(opts.seed);
  let positive = 0;
  let stuck = 0;
  let filtered = 0;
  for (let run = 0; run < opts.runs; run++) {
    const final = runOnce(test, opts, rng, run);
    if (final === null) {
      stuck++;
      continue;
    }
    if (test.filter !== null && !evalProp(test.filter, final)) {
      filtered++;
      continue;
    }
    const values = locations.map((l) => valueAt(l, final));
    const key = values.map(formatValue).join("; ");
    const s = states.get(key);
    if (s === undefined) states.set(key, { values, count: 1 });
    else s.count++;
    if (evalProp(test.condition, final)) positive++;
  }
  return { runs: opts.runs, stuck, filtered, locations, states, positive };
}

function runOnce(test: LitmusTest, opts: SimulateOptions, rng: Rng, run: number): FinalState | null {
  const clock = { now: 0 };
  const n = test.threads.length;
  // One stream for every thread of a litmus run: the run is one random interleaving anyway.
  const memRng = rng.stream(`run${run}.memory`);
  const mem = new Memory(clock, { model: "lkmm", weakness: opts.weakness, window: Number.MAX_SAFE_INTEGER }, () => memRng, n);
  for (let i = 0; i < n; i++) mem.addAgent(`P${i}`, false);
  const sched = rng.stream(`run${run}.schedule`);
  const names: string[] = [];
  const encode = (v: Value): number => {
    if (typeof v === "number") return v;
    let i = names.indexOf(v);
    if (i < 0) i = names.push(v) - 1;
    return ADDRESS_BASE + i;
  };
  const decode = (x: number): Value => (x >= ADDRESS_BASE ? names[x - ADDRESS_BASE]! : x);
  const { globals, regs: initRegs } = initialState(test);
  const locs = new Map<string, Location>();
  const loc = (name: string): Location => {
    let l = locs.get(name);
    if (l === undefined) {
      l = mem.alloc(name, encode(globals.get(name) ?? 0));
      locs.set(name, l);
    }
    return l;
  };
  for (const name of globals.keys()) loc(name);

  const threads: ThreadRun[] = test.threads.map((t) => {
    const regs = new Map<string, Val>();
    for (const p of t.params) regs.set(p.name, { v: p.name, deps: [] });
    const init = initRegs.get(t.proc);
    for (const r of t.registers) if (!regs.has(r)) regs.set(r, { v: init?.get(r) ?? 0, deps: [] });
    return { proc: t.proc, regs, rcuDepth: 0, rcuExits: 0, done: false };
  });
  // One generator per thread, stepped one access at a time; a thread waiting for a lock or
  // a grace period yields without progress.
  const gens = threads.map((tr, i) => execThread(test.threads[i]!.body, tr));

  function* execThread(body: Stmt[], tr: ThreadRun): Generator<void, void, void> {
    const agent = tr.proc;
    const address = (a: Val): Location => {
      if (typeof a.v !== "string") throw new SimulationError(`dereference of the integer ${a.v}`);
      return loc(a.v);
    };
    const load = (l: Location, mode: number, deps: Store[]): Val => {
      const v = mem.read(l, agent, mode, deps.length > 0 ? deps : null);
      return { v: decode(v), deps: [{ ...mem.last.store }] };
    };
    /** A read-modify-write: the read sees the newest store (atomicity). */
    function* rmw(tag: string, l: Location, update: (old: Value) => Value | null): Generator<void, Val, void> {
      yield;
      // Fully ordered RMWs (no suffix) are smp_mb() on both sides; a failed one orders
      // nothing (Documentation/atomic_t.txt).
      const old = decode(l.newest.value);
      const next = update(old);
      const mb = tag === "MB" && next !== null;
      if (mb) mem.mb(agent);
      mem.readExclusive(l, agent, tag === "ACQUIRE" ? ACQUIRE : PLAIN);
      const oldStore = { ...mem.last.store };
      if (next !== null) mem.write(l, encode(next), agent, tag === "RELEASE" ? RELEASE : PLAIN);
      if (mb) mem.mb(agent);
      return { v: old, deps: [oldStore] };
    }
    function* evalExpr(e: Expr): Generator<void, Val, void> {
      switch (e.k) {
        case "const":
          return { v: e.value, deps: [] };
        case "reg": {
          const r = tr.regs.get(e.name);
          if (r === undefined) throw new SimulationError(`unknown variable '${e.name}'`);
          return r;
        }
        case "op": {
          const a = yield* evalExpr(e.a);
          const b = yield* evalExpr(e.b);
          return { v: applyOp(e.op, a.v, b.v), deps: [...a.deps, ...b.deps] };
        }
        case "load": {
          const a = yield* evalExpr(e.addr);
          yield;
          return load(address(a), e.tag === "ACQUIRE" ? ACQUIRE : PLAIN, a.deps);
        }
        case "xchg": {
          const val = yield* evalExpr(e.value);
          const a = yield* evalExpr(e.addr);
          return yield* rmw(e.tag, address(a), () => val.v);
        }
        case "cmpxchg": {
          const a = yield* evalExpr(e.addr);
          const expected = yield* evalExpr(e.expected);
          const next = yield* evalExpr(e.next);
          // A failed cmpxchg is only a (relaxed) read: no ordering (atomic_t.txt).
          return yield* rmw(e.tag, address(a), (old) => (old === expected.v ? next.v : null));
        }
        case "atomic": {
          const operand = yield* evalExpr(e.operand);
          const a = yield* evalExpr(e.addr);
          let nv: Value = 0;
          const r = yield* rmw(e.tag, address(a), (old) => (nv = applyOp(e.op, old, operand.v)));
          if (e.returns === "none") return { v: 0, deps: [] };
          return { v: e.returns === "new" ? nv : r.v, deps: r.deps };
        }
        case "addUnless": {
          const a = yield* evalExpr(e.addr);
          const operand = yield* evalExpr(e.operand);
          const unless = yield* evalExpr(e.unless);
          const r = yield* rmw(e.tag, address(a), (old) => (old === unless.v ? null : applyOp("+", old, operand.v)));
          return { v: r.v === unless.v ? 0 : 1, deps: r.deps };
        }
        case "trylock": {
          const a = yield* evalExpr(e.addr);
          const l = address(a);
          yield;
          if (l.newest.value !== 0) return { v: 0, deps: [] };
          mem.spinLock(l, agent);
          return { v: 1, deps: [] };
        }
        case "islocked": {
          const a = yield* evalExpr(e.addr);
          yield;
          return { v: mem.read(address(a), agent) !== 0 ? 1 : 0, deps: [{ ...mem.last.store }] };
        }
      }
    }
    function* exec(stmts: Stmt[]): Generator<void, void, void> {
      for (const s of stmts) {
        switch (s.k) {
          case "assign":
            tr.regs.set(s.reg, yield* evalExpr(s.value));
            break;
          case "eval":
            yield* evalExpr(s.value);
            break;
          case "store": {
            const a = yield* evalExpr(s.addr);
            const v = yield* evalExpr(s.value);
            yield;
            const l = address(a);
            if (s.tag === "MB") {
              mem.write(l, encode(v.v), agent);
              mem.mb(agent);
            } else mem.write(l, encode(v.v), agent, s.tag === "RELEASE" ? RELEASE : PLAIN);
            break;
          }
          case "fence":
            yield* fence(s.tag, tr);
            break;
          case "lock": {
            const a = yield* evalExpr(s.addr);
            const l = address(a);
            yield;
            while (l.newest.value !== 0) yield;
            mem.spinLock(l, agent);
            break;
          }
          case "unlock": {
            const a = yield* evalExpr(s.addr);
            yield;
            mem.spinUnlock(address(a), agent);
            break;
          }
          case "if": {
            const c = yield* evalExpr(s.cond);
            yield* exec(truthy(c.v) ? s.then : s.else);
            break;
          }
        }
      }
    }
    yield* exec(body);
  }

  function* fence(tag: string, tr: ThreadRun): Generator<void, void, void> {
    const agent = tr.proc;
    yield;
    switch (tag) {
      case "wmb":
        mem.wmb(agent);
        return;
      case "rmb":
        mem.rmb(agent);
        return;
      case "barrier":
        return;
      case "rcu-lock":
        tr.rcuDepth++;
        return;
      case "rcu-unlock":
        tr.rcuDepth--;
        if (tr.rcuDepth === 0) tr.rcuExits++;
        return;
      case "sync-rcu": {
        mem.mb(agent);
        // Wait for the readers that are inside a critical section now to leave it.
        const waitFor = threads.filter((t) => t !== tr && t.rcuDepth > 0).map((t) => ({ t, exits: t.rcuExits }));
        while (waitFor.some((w) => w.t.rcuExits === w.exits)) yield;
        for (const t of threads) mem.mb(t.proc);
        return;
      }
      default:
        // smp_mb, and the smp_mb__{before,after}_atomic / __after_spinlock /
        // __after_unlock_lock family: a full fence (at least as strong as each).
        mem.mb(agent);
    }
  }

  for (let step = 0; ; step++) {
    const live = threads.filter((t) => !t.done);
    if (live.length === 0) break;
    if (step >= MAX_STEPS) return null;
    const t = live[sched.int(live.length)]!;
    clock.now++;
    if (gens[t.proc]!.next().done === true) t.done = true;
  }
  return {
    reg: (proc, reg) => threads[proc]?.regs.get(reg)?.v ?? 0,
    mem: (name) => decode(loc(name).newest.value),
  };
}

/** A test the interpreter cannot run (reported, like a syntax error, as one line). */
export class SimulationError extends Error {}
