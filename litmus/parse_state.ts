/**
 * The state parts of a litmus test, as herdtools7's lib/stateParser.mly reads them: the
 * `{ init }` entries, and the constraints after the program (`locations`, `filter`,
 * `exists`/`forall`/`~exists` with precedence OR < AND < => < ~).
 */
import type { InitEntry, Location, Prop, Quantifier, Thread } from "./ast.js";
import { describe, numberValue, tokenize, TokenStream } from "./lexer.js";
import type { Value } from "./values.js";
import { LitmusSyntaxError, nest } from "./syntax.js";

// ---------------------------------------------------------------------------
// Initial state (lib/stateParser.mly, `init`).

export function parseInit(toks: ReturnType<typeof tokenize>): InitEntry[] {
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
// Constraints (lib/stateParser.mly, `constraints`).

interface Constraints {
  locations: Location[];
  filter: Prop | null;
  quantifier: Quantifier;
  condition: Prop;
}

export function parseConstraints(ts: TokenStream, threads: Thread[]): Constraints {
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
