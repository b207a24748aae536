/**
 * The kernel primitives a C-litmus test may call, resolved the way herd7's macro file
 * tools/memory-model/linux-kernel.def resolves them (lkmmv2 variant, as linux-kernel.cfg
 * selects): `READ_ONCE(X)` is `__load{ONCE}(X)` and needs X to be `*p`;
 * `smp_load_acquire(X)` is `__load{ACQUIRE}(*X)` and takes the pointer itself; RMW
 * operations carry their annotation on both the read and the write; and so on.
 */
import type { AccessTag, Expr, FenceTag, Stmt } from "./ast.js";
import type { BinaryOp } from "./values.js";

export class PrimitiveError extends Error {}

export type Resolved = { expr: Expr } | { stmts: Stmt[] };

const FENCES: Record<string, FenceTag> = {
  smp_mb: "MB",
  smp_rmb: "rmb",
  smp_wmb: "wmb",
  smp_mb__before_atomic: "before-atomic",
  smp_mb__after_atomic: "after-atomic",
  smp_mb__after_spinlock: "after-spinlock",
  smp_mb__after_unlock_lock: "after-unlock-lock",
  barrier: "barrier",
  rcu_read_lock: "rcu-lock",
  rcu_read_unlock: "rcu-unlock",
  synchronize_rcu: "sync-rcu",
  synchronize_rcu_expedited: "sync-rcu",
};

/** Known but outside the supported subset, with the reason given to the user. */
const UNSUPPORTED: Record<string, string> = {
  srcu_read_lock: "SRCU is not modelled",
  srcu_read_unlock: "SRCU is not modelled",
  srcu_down_read: "SRCU is not modelled",
  srcu_up_read: "SRCU is not modelled",
  synchronize_srcu: "SRCU is not modelled",
  synchronize_srcu_expedited: "SRCU is not modelled",
  smp_mb__after_srcu_read_unlock: "SRCU is not modelled",
};

/** `_relaxed`, `_acquire`, `_release` or nothing (fully ordered), per linux-kernel.def. */
function suffixTag(suffix: string | undefined): AccessTag {
  switch (suffix) {
    case "_relaxed":
      return "ONCE";
    case "_acquire":
      return "ACQUIRE";
    case "_release":
      return "RELEASE";
    default:
      return "MB";
  }
}

const OPS: Record<string, BinaryOp> = { add: "+", sub: "-", and: "&", or: "|", xor: "^", andnot: "&~", inc: "+", dec: "-" };

function arity(name: string, args: Expr[], n: number): void {
  if (args.length !== n) throw new PrimitiveError(`${name}() takes ${n} argument${n === 1 ? "" : "s"}, got ${args.length}`);
}

/** `READ_ONCE(*p)`: the macro body is `__load{ONCE}(X)`, which herd requires to be a dereference. */
function derefArg(name: string, e: Expr): Expr {
  if (e.k !== "load" || e.tag !== null) throw new PrimitiveError(`${name}() expects a dereference such as ${name}(*x${name.includes("WRITE") || name.includes("assign") || name.includes("store") ? ", v" : ""})`);
  return e.addr;
}

const one = (line: number): Expr => ({ k: "const", value: 1, line });
const zero = (line: number): Expr => ({ k: "const", value: 0, line });

/** Resolves a call `name(args)` written at `line`. */
export function resolvePrimitive(name: string, args: Expr[], line: number): Resolved {
  if (name in UNSUPPORTED) throw new PrimitiveError(`unsupported construct ${name}(): ${UNSUPPORTED[name]}`);
  const fence = FENCES[name];
  if (fence) {
    arity(name, args, 0);
    return { stmts: [{ k: "fence", tag: fence, line }] };
  }
  const a = args;
  switch (name) {
    case "READ_ONCE":
    case "rcu_dereference":
      arity(name, a, 1);
      return { expr: { k: "load", addr: derefArg(name, a[0]!), tag: "ONCE", line } };
    case "smp_load_acquire":
    case "atomic_read_acquire":
      arity(name, a, 1);
      return { expr: { k: "load", addr: a[0]!, tag: "ACQUIRE", line } };
    case "atomic_read":
      arity(name, a, 1);
      return { expr: { k: "load", addr: a[0]!, tag: "ONCE", line } };
    case "WRITE_ONCE":
      arity(name, a, 2);
      return { stmts: [{ k: "store", addr: derefArg(name, a[0]!), value: a[1]!, tag: "ONCE", line }] };
    case "rcu_assign_pointer":
      arity(name, a, 2);
      return { stmts: [{ k: "store", addr: derefArg(name, a[0]!), value: a[1]!, tag: "RELEASE", line }] };
    case "smp_store_mb":
      arity(name, a, 2);
      return {
        stmts: [
          { k: "store", addr: derefArg(name, a[0]!), value: a[1]!, tag: "ONCE", line },
          { k: "fence", tag: "MB", line },
        ],
      };
    case "smp_store_release":
    case "atomic_set_release":
      arity(name, a, 2);
      return { stmts: [{ k: "store", addr: a[0]!, value: a[1]!, tag: "RELEASE", line }] };
    case "atomic_set":
      arity(name, a, 2);
      return { stmts: [{ k: "store", addr: a[0]!, value: a[1]!, tag: "ONCE", line }] };
    case "spin_lock":
      arity(name, a, 1);
      return { stmts: [{ k: "lock", addr: a[0]!, line }] };
    case "spin_unlock":
      arity(name, a, 1);
      return { stmts: [{ k: "unlock", addr: a[0]!, line }] };
    case "spin_trylock":
      arity(name, a, 1);
      return { expr: { k: "trylock", addr: a[0]!, line } };
    case "spin_is_locked":
      arity(name, a, 1);
      return { expr: { k: "islocked", addr: a[0]!, line } };
    case "atomic_add_unless":
      arity(name, a, 3);
      return { expr: { k: "addUnless", addr: a[0]!, operand: a[1]!, unless: a[2]!, tag: "MB", line } };
  }
  let m = /^(?:atomic_)?xchg(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 2);
    return { expr: { k: "xchg", addr: a[0]!, value: a[1]!, tag: suffixTag(m[1]), line } };
  }
  m = /^(?:atomic_)?cmpxchg(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 3);
    return { expr: { k: "cmpxchg", addr: a[0]!, expected: a[1]!, next: a[2]!, tag: suffixTag(m[1]), line } };
  }
  // atomic_add(V,X) ... atomic_andnot(V,X): no return value, annotated NORETURN.
  m = /^atomic_(add|sub|and|or|xor|andnot)$/.exec(name);
  if (m) {
    arity(name, a, 2);
    return { stmts: [{ k: "eval", value: { k: "atomic", addr: a[1]!, op: OPS[m[1]!]!, operand: a[0]!, tag: "NORETURN", returns: "none", line }, line }] };
  }
  m = /^atomic_(inc|dec)$/.exec(name);
  if (m) {
    arity(name, a, 1);
    return { stmts: [{ k: "eval", value: { k: "atomic", addr: a[0]!, op: OPS[m[1]!]!, operand: one(line), tag: "NORETURN", returns: "none", line }, line }] };
  }
  m = /^atomic_(add|sub)_return(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 2);
    return { expr: { k: "atomic", addr: a[1]!, op: OPS[m[1]!]!, operand: a[0]!, tag: suffixTag(m[2]), returns: "new", line } };
  }
  m = /^atomic_(inc|dec)_return(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 1);
    return { expr: { k: "atomic", addr: a[0]!, op: OPS[m[1]!]!, operand: one(line), tag: suffixTag(m[2]), returns: "new", line } };
  }
  m = /^atomic_fetch_(add|sub|and|or|xor|andnot)(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 2);
    return { expr: { k: "atomic", addr: a[1]!, op: OPS[m[1]!]!, operand: a[0]!, tag: suffixTag(m[2]), returns: "old", line } };
  }
  m = /^atomic_fetch_(inc|dec)(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 1);
    return { expr: { k: "atomic", addr: a[0]!, op: OPS[m[1]!]!, operand: one(line), tag: suffixTag(m[2]), returns: "old", line } };
  }
  // atomic_sub_and_test(V,X) is `__atomic_op_return{MB}(X,-,V) == 0`, and friends.
  m = /^atomic_(sub|dec|inc)_and_test$/.exec(name);
  if (m) {
    const n = m[1] === "sub" ? 2 : 1;
    arity(name, a, n);
    const addr = a[n - 1]!;
    const operand = n === 2 ? a[0]! : one(line);
    return { expr: { k: "op", op: "==", a: { k: "atomic", addr, op: OPS[m[1]!]!, operand, tag: "MB", returns: "new", line }, b: zero(line), line } };
  }
  m = /^atomic_add_negative(_relaxed|_acquire|_release)?$/.exec(name);
  if (m) {
    arity(name, a, 2);
    return { expr: { k: "op", op: "<", a: { k: "atomic", addr: a[1]!, op: "+", operand: a[0]!, tag: suffixTag(m[1]), returns: "new", line }, b: zero(line), line } };
  }
  throw new PrimitiveError(`unsupported construct ${name}(): not a primitive of tools/memory-model/linux-kernel.def that irqsim models`);
}
