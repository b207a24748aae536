/**
 * Values of the LKMM C-litmus language: integers and addresses of shared variables.
 * herd7 writes an address as the variable's name (`1:r0=x` means r0 holds &x), and orders
 * every integer before every address, addresses by name (herdtools7 lib/constant.ml,
 * `compare`: Concrete before Symbolic). We use JS numbers for integers and strings for
 * addresses, which keeps the enumerator's inner loops allocation-free.
 */

export type Value = number | string;

export function isAddress(v: Value): v is string {
  return typeof v === "string";
}

export function compareValues(a: Value, b: Value): number {
  if (typeof a === "number") {
    if (typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
    return -1;
  }
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function formatValue(v: Value): string {
  return typeof v === "number" ? String(v) : v;
}

/** A value that cannot be computed in this path (arithmetic on an address, ...). */
export class Infeasible extends Error {
  override readonly name = "Infeasible";
}

export type BinaryOp = "+" | "-" | "*" | "/" | "&" | "|" | "^" | "&~" | "==" | "!=" | "<" | ">" | "<=" | ">=";

/**
 * The operators of herd's C grammar (herdtools7 lib/CParser.mly, `expr1`). Comparisons
 * give 0/1; addresses compare equal only to themselves. Arithmetic needs integers: a path
 * that would add to an address is not a real execution of a well-typed test, so it is
 * dropped (the over-approximated value domains of the enumerator can produce such paths).
 */
export function applyOp(op: BinaryOp, a: Value, b: Value): Value {
  if (op === "==") return a === b ? 1 : 0;
  if (op === "!=") return a !== b ? 1 : 0;
  // herd keeps an offset with a symbolic address; without arrays only offset 0 names a
  // variable, so `y + (r1 ^ r1)` (a fake dependency) is y itself.
  if (typeof a === "string" && typeof b === "number" && b === 0 && (op === "+" || op === "-" || op === "|" || op === "^")) return a;
  if (typeof b === "string" && typeof a === "number" && a === 0 && (op === "+" || op === "|" || op === "^")) return b;
  if (typeof a !== "number" || typeof b !== "number") throw new Infeasible(`operator ${op} applied to an address`);
  switch (op) {
    case "+":
      return (a + b) | 0;
    case "-":
      return (a - b) | 0;
    case "*":
      return Math.imul(a, b);
    case "/":
      if (b === 0) throw new Infeasible("division by zero");
      return (a / b) | 0;
    case "&":
      return a & b;
    case "|":
      return a | b;
    case "^":
      return a ^ b;
    case "&~":
      return a & ~b;
    case "<":
      return a < b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
  }
}

/** C truth: nonzero integers and every address are true (herd's `build_cond` tests `!= 0`). */
export function truthy(v: Value): boolean {
  return v !== 0;
}
