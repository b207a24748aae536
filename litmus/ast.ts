/**
 * The parsed form of an LKMM C-litmus test (the format of
 * tools/memory-model/litmus-tests/*.litmus, read by herd7): a name, an initial state, one
 * function per thread, and a final-state condition. Kernel primitives are already
 * resolved to the operations they stand for in tools/memory-model/linux-kernel.def
 * (`READ_ONCE(X)` is `__load{ONCE}(X)`, and so on), so the interpreter never sees names.
 */
import type { BinaryOp, Value } from "./values.js";

/** Access annotations of linux-kernel.bell (`enum Accesses`); `null` is a plain C access. */
export type AccessTag = "ONCE" | "RELEASE" | "ACQUIRE" | "MB" | "NORETURN";

/** Fence annotations of linux-kernel.bell (`enum Barriers`). */
export type FenceTag =
  | "wmb"
  | "rmb"
  | "MB"
  | "barrier"
  | "rcu-lock"
  | "rcu-unlock"
  | "sync-rcu"
  | "before-atomic"
  | "after-atomic"
  | "after-spinlock"
  | "after-unlock-lock";

export type Expr =
  | { k: "const"; value: Value; line: number }
  | { k: "reg"; name: string; line: number }
  | { k: "load"; addr: Expr; tag: AccessTag | null; line: number }
  | { k: "op"; op: BinaryOp; a: Expr; b: Expr; line: number }
  /** xchg family: read, then write `value`; yields the old value. */
  | { k: "xchg"; addr: Expr; value: Expr; tag: AccessTag; line: number }
  /** cmpxchg family: write `next` only if the read saw `expected`; yields the old value. */
  | { k: "cmpxchg"; addr: Expr; expected: Expr; next: Expr; tag: AccessTag; line: number }
  /** atomic_*: write `old op operand`; yields the new value, the old one, or nothing. */
  | { k: "atomic"; addr: Expr; op: BinaryOp; operand: Expr; tag: AccessTag; returns: "new" | "old" | "none"; line: number }
  /** atomic_add_unless(X,V,U): add V unless the value is U; yields 1 if it added. */
  | { k: "addUnless"; addr: Expr; operand: Expr; unless: Expr; tag: AccessTag; line: number }
  | { k: "trylock"; addr: Expr; line: number }
  | { k: "islocked"; addr: Expr; line: number };

export type Stmt =
  | { k: "assign"; reg: string; value: Expr; line: number }
  | { k: "eval"; value: Expr; line: number }
  | { k: "store"; addr: Expr; value: Expr; tag: AccessTag | null; line: number }
  | { k: "fence"; tag: FenceTag; line: number }
  | { k: "lock"; addr: Expr; line: number }
  | { k: "unlock"; addr: Expr; line: number }
  | { k: "if"; cond: Expr; then: Stmt[]; else: Stmt[]; line: number };

export interface Thread {
  proc: number;
  params: { type: string; name: string }[];
  /** Locals declared with a type; undeclared but assigned names are registers too (as in herd). */
  registers: Set<string>;
  body: Stmt[];
  line: number;
  /** Raw text between the braces, for herd's test hash. */
  rawBody: string;
}

/** One entry of the initial state, kept as written for the hash (herdtools7 lib/testHash.ml). */
export interface InitEntry {
  /** A global name, or a register as `proc:name`. */
  proc: number | null;
  name: string;
  /** How herd's TestType records it: none, `*x`, `int x`, `int *x`, `_Atomic int x`. */
  type: { k: "def" } | { k: "defPointer" } | { k: "ty"; t: string } | { k: "pointer"; t: string } | { k: "atomic"; t: string };
  value: Value;
  /** The value as written (herd hashes `01` as `01`). */
  raw: string;
  line: number;
}

export type Location = { k: "reg"; proc: number; reg: string } | { k: "global"; name: string };

export type Prop =
  | { k: "atom"; loc: Location; value: Value }
  /** `0:r1=0:r4`: two locations hold the same value (herd's LL atom). */
  | { k: "same"; a: Location; b: Location }
  | { k: "not"; p: Prop }
  | { k: "and"; ps: Prop[] }
  | { k: "or"; ps: Prop[] }
  | { k: "implies"; a: Prop; b: Prop };

export type Quantifier = "exists" | "~exists" | "forall";

export interface LitmusTest {
  file: string;
  name: string;
  /** `key=value` lines of the header; a `Hash=` line replaces the computed hash, as in herd. */
  info: [string, string][];
  init: InitEntry[];
  threads: Thread[];
  locations: Location[];
  filter: Prop | null;
  quantifier: Quantifier;
  condition: Prop;
  /** The `Result:` the test's comment predicts (kernel convention), if any. */
  expected: string | null;
  /** The comment predicts a data race (`Result: ... DATARACE`). */
  expectedDataRace: boolean;
}
