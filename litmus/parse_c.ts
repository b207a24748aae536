/**
 * The C part of a litmus test, as herdtools7's lib/CParser.mly reads it: each thread's
 * parameters and statements, expressions with herd's precedence (`| ^ & == != < > <= >=
 * + - * /`), casts, and calls resolved to LKMM primitives (litmus/primitives.ts).
 */
import type { Expr, Stmt, Thread } from "./ast.js";
import { describe, LineMap, numberValue, type Token, TokenStream } from "./lexer.js";
import { PrimitiveError, resolvePrimitive } from "./primitives.js";
import type { BinaryOp } from "./values.js";
import { LitmusSyntaxError, matchBrace, nest } from "./syntax.js";

/** Base types of herd's C lexer (lib/CLexer.mll, BASE_TYPE) that a declaration may start with. */
const BASE_TYPES = new Set([
  "int", "char", "long", "int8_t", "uint8_t", "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t",
  "__int128_t", "__uint128_t", "__int128", "__uint128", "intptr_t", "uintptr_t", "spinlock_t", "atomic_t", "atomic_int",
]);
const QUALIFIERS = new Set(["volatile", "const", "_Atomic"]);

function isTypeStart(t: Token): boolean {
  return t.kind === "id" && (BASE_TYPES.has(t.text) || QUALIFIERS.has(t.text) || t.text === "void" || t.text === "struct");
}

/** herd's CType, enough to print parameter types the way its hash does (lib/CType.ml, dump). */
type CType = { k: "base"; s: string } | { k: "volatile"; t: CType } | { k: "const"; t: CType } | { k: "atomic"; t: CType } | { k: "pointer"; t: CType };

function dumpType(t: CType): string {
  switch (t.k) {
    case "base":
      return t.s;
    case "volatile":
      return t.t.k === "base" ? `volatile ${t.t.s}` : `${dumpType(t.t)} volatile`;
    case "const":
      return `${dumpType(t.t)} const`;
    case "atomic":
      return t.t.k === "base" ? `_Atomic ${t.t.s}` : `_Atomic (${dumpType(t.t)})`;
    case "pointer":
      return `${dumpType(t.t)}*`;
  }
}

function parseType(ts: TokenStream): CType {
  const t0 = ts.next();
  let t: CType;
  if (t0.text === "struct") {
    const n = ts.expectId("a struct name");
    throw new LitmusSyntaxError(n.line, `unsupported construct struct ${n.text}${n.text === "srcu_struct" ? ": SRCU is not modelled" : ""}`);
  }
  if (QUALIFIERS.has(t0.text)) {
    const b = ts.expectId("a type");
    if (!BASE_TYPES.has(b.text)) throw new LitmusSyntaxError(b.line, `unsupported type '${b.text}'`);
    const base: CType = { k: "base", s: b.text };
    t = t0.text === "volatile" ? { k: "volatile", t: base } : t0.text === "const" ? { k: "const", t: base } : { k: "atomic", t: base };
  } else if (t0.text === "atomic_int") {
    t = { k: "atomic", t: { k: "base", s: "int" } };
  } else {
    t = { k: "base", s: t0.text };
  }
  for (;;) {
    if (ts.accept("*")) t = { k: "pointer", t };
    else if (ts.accept("volatile")) t = { k: "volatile", t };
    else if (ts.accept("const")) t = { k: "const", t };
    else return t;
  }
}

export interface Ctx {
  file: string;
  lines: LineMap;
  text: string;
}

// ---------------------------------------------------------------------------
// Threads (lib/CParser.mly).

export function parseThread(ctx: Ctx, ts: TokenStream): Thread {
  const head = ts.next();
  const proc = Number(head.text.slice(1));
  ts.expect("(", `after ${head.text}`);
  const params: Thread["params"] = [];
  if (!ts.is(")")) {
    for (;;) {
      const t = ts.peek();
      if (!isTypeStart(t)) throw new LitmusSyntaxError(t.line, `expected a parameter such as 'int *x', found ${describe(t)}`);
      const type = parseType(ts);
      const n = ts.expectId("a parameter name");
      if (type.k !== "pointer") throw new LitmusSyntaxError(n.line, `parameter ${n.text} of P${proc} is not a pointer (write '${dumpType(type)} *${n.text}')`);
      params.push({ type: `${dumpType(type.t)}*`, name: n.text });
      if (ts.accept(")")) break;
      ts.expect(",", "between parameters");
    }
  } else ts.next();
  const open = ts.expect("{", `to start the body of ${head.text}`);
  const close = matchBrace(ctx.text, open.start, ctx.lines);
  const registers = new Set<string>();
  const body = parseStmtsUntilBrace(ts, registers, proc);
  ts.expect("}", `to end the body of ${head.text}`);
  return { proc, params, registers, body, line: head.line, rawBody: ctx.text.slice(open.start + 1, close) };
}

function parseStmtsUntilBrace(ts: TokenStream, regs: Set<string>, proc: number): Stmt[] {
  const out: Stmt[] = [];
  while (!ts.is("}")) {
    if (ts.peek().kind === "eof") throw new LitmusSyntaxError(ts.peek().line, `missing '}' at the end of P${proc}`);
    out.push(...parseStmt(ts, regs, proc));
  }
  return out;
}

function parseStmt(ts: TokenStream, regs: Set<string>, proc: number): Stmt[] {
  return nest(ts.peek().line, () => parseStmtInner(ts, regs, proc));
}

function parseStmtInner(ts: TokenStream, regs: Set<string>, proc: number): Stmt[] {
  const t = ts.peek();
  const line = t.line;
  if (t.text === ";") {
    ts.next();
    return [];
  }
  if (t.text === "{") {
    ts.next();
    const body = parseStmtsUntilBrace(ts, regs, proc);
    ts.expect("}");
    return body;
  }
  if (t.kind === "id" && t.text === "if") {
    ts.next();
    ts.expect("(", "after if");
    const cond = parseExpr(ts);
    ts.expect(")", "to close the if condition");
    const then = parseStmt(ts, regs, proc);
    let els: Stmt[] = [];
    if (ts.accept("else")) els = parseStmt(ts, regs, proc);
    return [{ k: "if", cond, then, else: els, line }];
  }
  if (t.kind === "id" && (t.text === "while" || t.text === "for" || t.text === "do" || t.text === "goto" || t.text === "return" || t.text === "switch")) {
    throw new LitmusSyntaxError(line, `unsupported construct ${t.text}: only straight-line code and if/else are modelled`);
  }
  if (t.text === "(" && ts.is("void", 1) && ts.is(")", 2)) {
    ts.next();
    ts.next();
    ts.next();
    const value = parseExpr(ts);
    ts.expect(";");
    return [{ k: "eval", value, line }];
  }
  if (isTypeStart(t)) {
    parseType(ts);
    const n = ts.expectId("a register name");
    if (ts.is("[")) throw new LitmusSyntaxError(n.line, "unsupported construct: arrays");
    regs.add(n.text);
    if (ts.accept(";")) return [];
    if (ts.is(",")) throw new LitmusSyntaxError(ts.peek().line, "declare one register per statement (herd's C grammar has no declaration lists)");
    ts.expect("=", `or ';' after the declaration of ${n.text}`);
    const value = parseExpr(ts);
    ts.expect(";");
    return [{ k: "assign", reg: n.text, value, line }];
  }
  // A call statement may be a primitive with no value (a fence, a store, a lock).
  if (t.kind === "id" && ts.is("(", 1)) {
    const call = parseCall(ts);
    if ("stmts" in call) {
      ts.expect(";", `after ${t.text}()`);
      return call.stmts;
    }
    const rest = parseBinaryRest(ts, call.expr, 0);
    if (ts.is("=")) throw new LitmusSyntaxError(ts.peek().line, `cannot assign to the result of ${t.text}()`);
    ts.expect(";");
    return [{ k: "eval", value: rest, line }];
  }
  const lhs = parseExpr(ts);
  if (ts.accept("=")) {
    const value = parseExpr(ts);
    ts.expect(";");
    if (lhs.k === "reg") {
      regs.add(lhs.name);
      return [{ k: "assign", reg: lhs.name, value, line }];
    }
    if (lhs.k === "load" && lhs.tag === null) return [{ k: "store", addr: lhs.addr, value, tag: null, line }];
    throw new LitmusSyntaxError(line, "the left-hand side of '=' must be a register or *pointer");
  }
  const nx = ts.peek();
  if (nx.kind === "punct" && ["+=", "-=", "*=", "|=", "&=", "++", "--"].includes(nx.text)) {
    throw new LitmusSyntaxError(nx.line, `unsupported operator '${nx.text}' (write r = r + 1)`);
  }
  ts.expect(";");
  return [{ k: "eval", value: lhs, line }];
}

// Expressions: precedence from lib/CParser.mly, lowest first.
const LEVELS: string[][] = [["|"], ["^"], ["&"], ["==", "!=", "<", ">", "<=", ">="], ["+", "-"], ["*", "/"]];
const UNSUPPORTED_OPS = new Set(["&&", "||", "%", "<<", ">>", "->", "?", "!", "~", "++", "--", "."]);

function parseExpr(ts: TokenStream): Expr {
  return parseBinaryRest(ts, parseUnary(ts), 0);
}

/** Precedence climbing from `level`, given an already parsed left operand. */
function parseBinaryRest(ts: TokenStream, left: Expr, level: number): Expr {
  if (level >= LEVELS.length) return left;
  let lhs = parseBinaryRest(ts, left, level + 1);
  for (;;) {
    const t = ts.peek();
    if (t.kind === "punct" && UNSUPPORTED_OPS.has(t.text) && t.text !== "!" && t.text !== "~") {
      throw new LitmusSyntaxError(t.line, `unsupported operator '${t.text}': herd's C subset has | ^ & == != < > <= >= + - * /`);
    }
    if (t.kind !== "punct" || !LEVELS[level]!.includes(t.text)) return lhs;
    ts.next();
    const rhs = parseBinaryRest(ts, parseUnary(ts), level + 1);
    lhs = { k: "op", op: t.text as BinaryOp, a: lhs, b: rhs, line: t.line };
    // Comparisons do not associate in herd's grammar.
    if (level === 3 && ts.peek().kind === "punct" && LEVELS[3]!.includes(ts.peek().text)) {
      throw new LitmusSyntaxError(ts.peek().line, "chained comparisons are not allowed; add parentheses");
    }
  }
}

function parseUnary(ts: TokenStream): Expr {
  return nest(ts.peek().line, () => parseUnaryInner(ts));
}

function parseUnaryInner(ts: TokenStream): Expr {
  const t = ts.peek();
  if (t.text === "*") {
    ts.next();
    const addr = parseUnary(ts);
    return { k: "load", addr, tag: null, line: t.line };
  }
  if (t.text === "-" && ts.peek(1).kind === "num") {
    ts.next();
    const n = ts.next();
    return { k: "const", value: -numberValue(n.text), line: t.line };
  }
  if (t.text === "&") throw new LitmusSyntaxError(t.line, "unsupported operator '&' (address-of): pass the variable as a parameter, which is already its address");
  if (t.kind === "punct" && UNSUPPORTED_OPS.has(t.text)) throw new LitmusSyntaxError(t.line, `unsupported operator '${t.text}': herd's C subset has | ^ & == != < > <= >= + - * /`);
  if (t.text === "(") {
    // A cast `(int *)e` (types are not checked), or a parenthesised expression.
    if (isTypeStart(ts.peek(1))) {
      ts.next();
      parseType(ts);
      ts.expect(")", "to close the cast");
      return parseUnary(ts);
    }
    ts.next();
    const e = parseExpr(ts);
    ts.expect(")");
    return e;
  }
  if (t.kind === "num") {
    ts.next();
    return { k: "const", value: numberValue(t.text), line: t.line };
  }
  if (t.kind === "id") {
    if (ts.is("(", 1)) {
      const call = parseCall(ts);
      if ("stmts" in call) throw new LitmusSyntaxError(t.line, `${t.text}() has no value and cannot be used in an expression`);
      return call.expr;
    }
    if (t.text === "if" || t.text === "else" || t.text === "while") throw new LitmusSyntaxError(t.line, `unexpected '${t.text}'`);
    ts.next();
    return { k: "reg", name: t.text, line: t.line };
  }
  throw new LitmusSyntaxError(t.line, `expected an expression, found ${describe(t)}`);
}

function parseCall(ts: TokenStream): ReturnType<typeof resolvePrimitive> {
  const n = ts.next();
  ts.expect("(");
  const args: Expr[] = [];
  if (!ts.accept(")")) {
    for (;;) {
      args.push(parseExpr(ts));
      if (ts.accept(")")) break;
      ts.expect(",", `between the arguments of ${n.text}()`);
    }
  }
  try {
    return resolvePrimitive(n.text, args, n.line);
  } catch (e) {
    if (e instanceof PrimitiveError) throw new LitmusSyntaxError(n.line, e.message);
    throw e;
  }
}
