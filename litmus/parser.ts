/**
 * Parser for LKMM C-litmus tests, following herd7's reading of them: the splitter
 * (herdtools7 lib/splitter.mll: `C name`, header, `{ init }`, program, constraints), the
 * state grammar (lib/stateParser.mly: init entries, `locations`, `filter`, `exists`,
 * precedence OR < AND < => < ~) and the C grammar (lib/CParser.mly: statements, the
 * operators `| ^ & == != < > <= >= + - * /`, casts). Anything outside the subset that
 * irqsim models is reported with its line, never silently ignored.
 */
import type { Expr, InitEntry, LitmusTest, Location, Prop, Quantifier, Stmt, Thread } from "./ast.js";
import { describe, LexError, LineMap, numberValue, tokenize, TokenStream, type Token } from "./lexer.js";
import { PrimitiveError, resolvePrimitive } from "./primitives.js";
import type { BinaryOp, Value } from "./values.js";

/** A problem in the test text: `line` is 1-based. */
export class LitmusSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

const CONSTRAINT_KEYWORDS = new Set(["exists", "forall", "final", "locations", "filter", "observed", "Observed", "cases"]);

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

interface Ctx {
  file: string;
  lines: LineMap;
  text: string;
}

export function parseLitmus(text: string, file: string): LitmusTest {
  try {
    return parseLitmusUnchecked(text, file);
  } catch (e) {
    if (e instanceof LexError || e instanceof LitmusSyntaxError) throw new LitmusSyntaxError(e.line, e.message);
    throw e;
  }
}

/** Nesting beyond this is not a litmus test; refusing it keeps the recursive parser off the stack limit. */
const MAX_NESTING = 200;
let nesting = 0;

function nest<T>(line: number, f: () => T): T {
  if (++nesting > MAX_NESTING) throw new LitmusSyntaxError(line, `nested more than ${MAX_NESTING} levels deep`);
  try {
    return f();
  } finally {
    nesting--;
  }
}

function parseLitmusUnchecked(text: string, file: string): LitmusTest {
  nesting = 0;
  const lines = new LineMap(text);
  const ctx: Ctx = { file, lines, text };

  // --- First line: `C name` (lib/splitter.mll, `main`).
  const first = /^\s*([A-Za-z0-9_]+)[ \t]+([A-Za-z0-9_/.+\-[\]:]+)[^\n]*/.exec(text);
  if (!first) throw new LitmusSyntaxError(1, "expected the first line to be `C <test name>`");
  const firstLine = lines.lineOf(first.index + first[0].length - first[0].trimStart().length);
  if (first[1] !== "C") throw new LitmusSyntaxError(firstLine, `unsupported architecture '${first[1]}': only C litmus tests (LKMM) are supported`);
  const name = first[2]!;
  let pos = first.index + first[0].length;

  // --- Header up to the init section: comments, a doc string, `key=value` lines.
  const info: [string, string][] = [];
  let initOpen = -1;
  while (pos < text.length) {
    const c = text[pos]!;
    if (/\s/.test(c)) {
      pos++;
    } else if (text.startsWith("(*", pos)) {
      pos = skipOcamlComment(text, pos, lines);
    } else if (c === '"') {
      const close = text.indexOf('"', pos + 1);
      if (close < 0) throw new LitmusSyntaxError(lines.lineOf(pos), "unterminated doc string");
      pos = close + 1;
    } else if (c === "{") {
      initOpen = pos;
      break;
    } else {
      const eol = text.indexOf("\n", pos);
      const lineText = text.slice(pos, eol < 0 ? text.length : eol);
      const kv = /^([A-Za-z][A-Za-z0-9_/.-]*)[ \t]*=[ \t]*([^\r\n]*)/.exec(lineText);
      if (kv) info.push([kv[1]!, kv[2]!.trim()]);
      const brace = lineText.indexOf("{");
      if (!kv && brace >= 0) {
        initOpen = pos + brace;
        break;
      }
      pos = eol < 0 ? text.length : eol + 1;
    }
  }
  if (initOpen < 0) throw new LitmusSyntaxError(lines.lineOf(text.length), "missing the initial-state block `{ ... }`");
  const initClose = matchBrace(text, initOpen, lines);
  const init = parseInit(tokenize(text, initOpen + 1, initClose, "state", lines));

  // --- Program: P0(...) { ... } P1(...) { ... } until a constraint keyword.
  const progToks = new TokenStream(tokenize(text, initClose + 1, text.length, "c", lines));
  const threads: Thread[] = [];
  let constraintsAt = text.length;
  for (;;) {
    const t = progToks.peek();
    if (t.kind === "eof") break;
    if ((t.kind === "id" && CONSTRAINT_KEYWORDS.has(t.text)) || (t.text === "~" && progToks.peek(1).text === "exists") || t.text === "(") {
      constraintsAt = t.start;
      break;
    }
    if (t.text === "void") {
      progToks.next();
      progToks.accept("*");
      continue;
    }
    if (t.kind === "id" && /^P\d+$/.test(t.text)) {
      threads.push(parseThread(ctx, progToks));
      continue;
    }
    if (t.kind === "id" && t.text === "while") throw new LitmusSyntaxError(t.line, "unsupported construct while: loops are outside the supported subset");
    throw new LitmusSyntaxError(t.line, `expected a thread such as P0(int *x) { ... } or the final condition, found ${describe(t)}`);
  }
  if (threads.length === 0) throw new LitmusSyntaxError(lines.lineOf(constraintsAt), "the test has no threads (P0, P1, ...)");
  threads.forEach((th, i) => {
    if (th.proc !== i) throw new LitmusSyntaxError(th.line, `threads must be P0, P1, ... in order; found P${th.proc} where P${i} was expected`);
  });

  // --- Constraints.
  const cons = parseConstraints(new TokenStream(tokenize(text, constraintsAt, text.length, "state", lines)), threads);

  const result = /^[( ]\* Result: (\S+)(.*)$/m.exec(text);
  return {
    file,
    name,
    info,
    init,
    threads,
    locations: cons.locations,
    filter: cons.filter,
    quantifier: cons.quantifier,
    condition: cons.condition,
    expected: result ? result[1]! : null,
    expectedDataRace: result ? /DATARACE/.test(result[0]) : false,
  };
}

function skipOcamlComment(text: string, pos: number, lines: LineMap): number {
  let depth = 0;
  let j = pos;
  while (j < text.length) {
    if (text.startsWith("(*", j)) {
      depth++;
      j += 2;
    } else if (text.startsWith("*)", j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  throw new LitmusSyntaxError(lines.lineOf(pos), "unterminated (* comment");
}

/** The `}` matching the `{` at `open`, counting raw braces as herd's lexers do. */
function matchBrace(text: string, open: number, lines: LineMap): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "{") depth++;
    else if (text[j] === "}") {
      depth--;
      if (depth === 0) return j;
    }
  }
  throw new LitmusSyntaxError(lines.lineOf(open), "unbalanced '{'");
}

// ---------------------------------------------------------------------------
// Initial state (lib/stateParser.mly, `init`).

function parseInit(toks: ReturnType<typeof tokenize>): InitEntry[] {
  const ts = new TokenStream(toks);
  const out: InitEntry[] = [];
  while (ts.peek().kind !== "eof") {
    if (ts.accept(";")) continue;
    out.push(parseInitEntry(ts));
    if (ts.peek().kind !== "eof") ts.expect(";", "between initial values");
  }
  return out;
}

function parseInitValue(ts: TokenStream): { value: Value; raw: string } {
  const t = ts.peek();
  if (ts.accept("&")) {
    const n = ts.expectId("a variable name after '&'");
    return { value: n.text, raw: n.text };
  }
  if (t.text === "-" && ts.peek(1).kind === "num") {
    ts.next();
    const n = ts.next();
    return { value: -numberValue(n.text), raw: `-${n.text}` };
  }
  if (t.kind === "num") {
    ts.next();
    return { value: numberValue(t.text), raw: t.text };
  }
  if (t.kind === "id") {
    ts.next();
    if (t.text === "ATOMIC_INIT") {
      ts.expect("(");
      const v = parseInitValue(ts);
      ts.expect(")");
      return v;
    }
    return { value: t.text, raw: t.text };
  }
  throw new LitmusSyntaxError(t.line, `expected an initial value, found ${describe(t)}`);
}

/** `x`, `[x]` or `0:r1`. */
function parseInitLocation(ts: TokenStream): { proc: number | null; name: string; line: number } {
  const t = ts.peek();
  if (ts.accept("[")) {
    const n = ts.expectId("a variable name");
    ts.expect("]");
    return { proc: null, name: n.text, line: n.line };
  }
  if ((t.kind === "num" || /^P\d+$/.test(t.text)) && ts.is(":", 1)) {
    ts.next();
    ts.next();
    const r = ts.expectId("a register name");
    return { proc: Number(t.text.replace(/^P/, "")), name: r.text, line: t.line };
  }
  const n = ts.expectId("a variable name");
  return { proc: null, name: n.text, line: n.line };
}

function parseInitEntry(ts: TokenStream): InitEntry {
  const line = ts.peek().line;
  const withValue = (loc: { proc: number | null; name: string }, type: InitEntry["type"]): InitEntry => {
    if (ts.accept("=")) {
      const v = parseInitValue(ts);
      return { ...loc, type, value: v.value, raw: v.raw, line };
    }
    return { ...loc, type, value: 0, raw: "0", line };
  };
  if (ts.accept("*")) return withValue(parseInitLocation(ts), { k: "defPointer" });
  if (ts.accept("_Atomic")) {
    const t = ts.expectId("a type");
    return withValue(parseInitLocation(ts), { k: "atomic", t: t.text });
  }
  // `type [*] loc [= v]` or `loc [= v]`: a type is an identifier followed by `*` or another location.
  const t0 = ts.peek();
  const t1 = ts.peek(1);
  if (t0.kind === "id" && (t1.text === "*" || t1.kind === "id" || t1.text === "[")) {
    ts.next();
    if (ts.accept("*")) {
      if (ts.is("*")) throw new LitmusSyntaxError(ts.peek().line, "unsupported initial value: pointer to pointer declarations (write `int *p = &x;` or `p = x;`)");
      return withValue(parseInitLocation(ts), { k: "pointer", t: t0.text });
    }
    return withValue(parseInitLocation(ts), { k: "ty", t: t0.text });
  }
  const loc = parseInitLocation(ts);
  return withValue(loc, loc.proc !== null && ts.is("=") && ts.is("&", 1) ? { k: "defPointer" } : { k: "def" });
}

// ---------------------------------------------------------------------------
// Threads (lib/CParser.mly).

function parseThread(ctx: Ctx, ts: TokenStream): Thread {
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

// ---------------------------------------------------------------------------
// Constraints (lib/stateParser.mly, `constraints`).

interface Constraints {
  locations: Location[];
  filter: Prop | null;
  quantifier: Quantifier;
  condition: Prop;
}

function parseConstraints(ts: TokenStream, threads: Thread[]): Constraints {
  const locations: Location[] = [];
  let filter: Prop | null = null;
  if (ts.accept("locations")) {
    ts.expect("[", "after locations");
    while (!ts.accept("]")) {
      if (ts.accept(";")) continue;
      locations.push(parseCondLocation(ts, threads));
      // An optional type after the location (`x int`) is accepted, as herd does.
      while (ts.peek().kind === "id" || ts.is("*")) ts.next();
      if (!ts.is("]")) ts.expect(";", "between locations");
    }
  }
  if (ts.accept("filter")) filter = parseProp(ts, threads);
  let quantifier: Quantifier = "forall";
  let condition: Prop = { k: "and", ps: [] };
  const t = ts.peek();
  if (ts.accept("exists")) {
    quantifier = "exists";
    condition = parseProp(ts, threads);
  } else if (ts.accept("forall")) {
    condition = parseProp(ts, threads);
  } else if (ts.is("~") && ts.is("exists", 1)) {
    ts.next();
    ts.next();
    quantifier = "~exists";
    condition = parseProp(ts, threads);
  } else if (ts.accept("final")) {
    quantifier = "exists";
    condition = parseProp(ts, threads);
  } else if (t.text === "(") {
    quantifier = "exists";
    condition = parseProp(ts, threads);
  } else if (t.kind !== "eof") {
    if (t.text === "observed" || t.text === "Observed" || t.text === "cases") throw new LitmusSyntaxError(t.line, `unsupported construct ${t.text}: use exists, ~exists or forall`);
    if (t.text === "locations" || t.text === "filter") throw new LitmusSyntaxError(t.line, `${t.text} must come before filter and the condition, in the order locations, filter, exists`);
    throw new LitmusSyntaxError(t.line, `expected exists, ~exists or forall, found ${describe(t)}`);
  }
  ts.accept(";");
  const end = ts.peek();
  if (end.kind !== "eof") {
    if (end.text === "with") throw new LitmusSyntaxError(end.line, "unsupported construct with: per-test kinds are not modelled");
    throw new LitmusSyntaxError(end.line, `unexpected ${describe(end)} after the condition`);
  }
  return { locations, filter, quantifier, condition };
}

function parseCondLocation(ts: TokenStream, threads: Thread[]): Location {
  const t = ts.peek();
  if (ts.accept("[")) {
    const n = ts.expectId("a variable name");
    ts.expect("]");
    return { k: "global", name: n.text };
  }
  if ((t.kind === "num" || /^P\d+$/.test(t.text)) && ts.is(":", 1)) {
    ts.next();
    ts.next();
    const r = ts.expectId("a register name");
    const proc = Number(t.text.replace(/^P/, ""));
    const th = threads[proc];
    if (!th) throw new LitmusSyntaxError(t.line, `${proc}:${r.text} names thread P${proc}, which the test does not have`);
    if (!th.registers.has(r.text) && !th.params.some((p) => p.name === r.text)) {
      throw new LitmusSyntaxError(r.line, `${proc}:${r.text}: P${proc} has no register ${r.text}`);
    }
    return { k: "reg", proc, reg: r.text };
  }
  if (t.text === "*") throw new LitmusSyntaxError(t.line, "unsupported location form '*x' in the condition (write x)");
  const n = ts.expectId("a location such as x, [x] or 0:r0");
  return { k: "global", name: n.text };
}

function parseCondValue(ts: TokenStream): Value {
  const t = ts.peek();
  if (t.text === "-" && ts.peek(1).kind === "num") {
    ts.next();
    return -numberValue(ts.next().text);
  }
  if (t.kind === "num") return numberValue(ts.next().text);
  if (t.kind === "id") return ts.next().text;
  throw new LitmusSyntaxError(t.line, `expected a value, found ${describe(t)}`);
}

/** OR binds loosest, then AND, then => (right), then ~ (herd's %left/%right order). */
function parseProp(ts: TokenStream, threads: Thread[]): Prop {
  let p = parseAnd(ts, threads);
  while (ts.accept("\\/")) p = { k: "or", ps: [p, parseAnd(ts, threads)] };
  return p;
}

function parseAnd(ts: TokenStream, threads: Thread[]): Prop {
  let p = parseImplies(ts, threads);
  while (ts.accept("/\\")) p = { k: "and", ps: [p, parseImplies(ts, threads)] };
  return p;
}

function parseImplies(ts: TokenStream, threads: Thread[]): Prop {
  const a = parseNot(ts, threads);
  if (ts.accept("=>")) return { k: "implies", a, b: parseImplies(ts, threads) };
  return a;
}

function parseNot(ts: TokenStream, threads: Thread[]): Prop {
  return nest(ts.peek().line, () => parseNotInner(ts, threads));
}

function parseNotInner(ts: TokenStream, threads: Thread[]): Prop {
  if (ts.accept("~") || ts.accept("not")) return { k: "not", p: parseNot(ts, threads) };
  if (ts.accept("true")) return { k: "and", ps: [] };
  if (ts.accept("false")) return { k: "or", ps: [] };
  if (ts.accept("(")) {
    const p = parseProp(ts, threads);
    ts.expect(")", "to close the parenthesis");
    return p;
  }
  const loc = parseCondLocation(ts, threads);
  const op = ts.peek();
  const rhs = (): Prop => {
    // `0:r1=0:r4` and `[x]=[y]` compare two locations (stateParser.mly, LL atoms).
    const r = ts.peek();
    if (r.text === "[" || ((r.kind === "num" || /^P\d+$/.test(r.text)) && ts.is(":", 1))) return { k: "same", a: loc, b: parseCondLocation(ts, threads) };
    return { k: "atom", loc, value: parseCondValue(ts) };
  };
  if (ts.accept("=") || ts.accept("==")) return rhs();
  if (ts.accept("!=")) return { k: "not", p: rhs() };
  throw new LitmusSyntaxError(op.line, `expected '=' or '!=' after the location, found ${describe(op)}`);
}
