/**
 * The small arithmetic language of YAML lessons: a setup's derived values, its estimates,
 * its answers (read from results by dotted path) and its `{...}` text templates.
 *
 *   expr   := cond
 *   cond   := or ('?' expr ':' expr)?
 *   or     := and ('||' and)*        and := cmp ('&&' cmp)*
 *   cmp    := sum (('<'|'<='|'>'|'>='|'=='|'!=') sum)?
 *   sum    := prod (('+'|'-') prod)*  prod := unary (('*'|'/'|'%') unary)*
 *   unary  := ('-'|'!') unary | atom
 *   atom   := number | name ('(' args ')')? | '(' expr ')'
 *   name   := [A-Za-z_][A-Za-z0-9_]* ('.' [A-Za-z0-9_/-]+)*     (a path: main.irqs.0.total)
 *
 * Booleans are 1 and 0. No assignment, no loops, no access to anything but the names given.
 */

export type Resolve = (name: string) => number | undefined;

const FUNCS: Record<string, (...a: number[]) => number> = {
  min: Math.min,
  max: Math.max,
  floor: Math.floor,
  ceil: Math.ceil,
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  ln: Math.log,
  round: (v, d = 0) => Math.round(v * 10 ** d) / 10 ** d,
};

type Tok = { k: "num"; v: number } | { k: "name"; v: string } | { k: "op"; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num !== null) {
      out.push({ k: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*/.exec(src.slice(i));
    if (name !== null) {
      out.push({ k: "name", v: name[0] });
      i += name[0].length;
      continue;
    }
    const op = /^(<=|>=|==|!=|&&|\|\||[-+*/%()<>!?:,])/.exec(src.slice(i));
    if (op === null) throw new Error(`unexpected '${ch}' at ${i + 1}`);
    out.push({ k: "op", v: op[0] });
    i += op[0].length;
  }
  return out;
}

/** Parses and evaluates `src`; names come from `resolve`. Throws Error with a short message. */
export function evaluate(src: string, resolve: Resolve): number {
  const toks = lex(src);
  let p = 0;
  const peek = (v: string) => toks[p]?.k === "op" && toks[p]!.v === v;
  const take = (v: string) => {
    if (!peek(v)) throw new Error(`expected '${v}'${p < toks.length ? ` before token ${p + 1}` : " at the end"}`);
    p++;
  };
  const expr = (): number => {
    const c = or();
    if (!peek("?")) return c;
    p++;
    const a = expr();
    take(":");
    const b = expr();
    return c !== 0 ? a : b;
  };
  const or = (): number => {
    let v = and();
    while (peek("||")) {
      p++;
      const r = and();
      v = v !== 0 || r !== 0 ? 1 : 0;
    }
    return v;
  };
  const and = (): number => {
    let v = cmp();
    while (peek("&&")) {
      p++;
      const r = cmp();
      v = v !== 0 && r !== 0 ? 1 : 0;
    }
    return v;
  };
  const cmp = (): number => {
    const a = sum();
    const t = toks[p];
    if (t?.k === "op" && ["<", "<=", ">", ">=", "==", "!="].includes(t.v)) {
      p++;
      const b = sum();
      const r = t.v === "<" ? a < b : t.v === "<=" ? a <= b : t.v === ">" ? a > b : t.v === ">=" ? a >= b : t.v === "==" ? a === b : a !== b;
      return r ? 1 : 0;
    }
    return a;
  };
  const sum = (): number => {
    let v = prod();
    while (peek("+") || peek("-")) {
      const o = toks[p++]!.v;
      const r = prod();
      v = o === "+" ? v + r : v - r;
    }
    return v;
  };
  const prod = (): number => {
    let v = unary();
    while (peek("*") || peek("/") || peek("%")) {
      const o = toks[p++]!.v;
      const r = unary();
      v = o === "*" ? v * r : o === "/" ? v / r : v % r;
    }
    return v;
  };
  const unary = (): number => {
    if (peek("-")) {
      p++;
      return -unary();
    }
    if (peek("!")) {
      p++;
      return unary() === 0 ? 1 : 0;
    }
    return atom();
  };
  const atom = (): number => {
    const t = toks[p++];
    if (t === undefined) throw new Error("unexpected end");
    if (t.k === "num") return t.v;
    if (t.k === "op") {
      if (t.v !== "(") throw new Error(`unexpected '${t.v}'`);
      const v = expr();
      take(")");
      return v;
    }
    if (peek("(")) {
      const f = FUNCS[t.v];
      if (f === undefined) throw new Error(`unknown function '${t.v}' (known: ${Object.keys(FUNCS).join(", ")})`);
      p++;
      const args: number[] = [];
      if (!peek(")")) {
        args.push(expr());
        while (peek(",")) {
          p++;
          args.push(expr());
        }
      }
      take(")");
      return f(...args);
    }
    const v = resolve(t.v);
    if (v === undefined) throw new Error(`unknown name '${t.v}'`);
    return v;
  };
  const v = expr();
  if (p !== toks.length) throw new Error(`unexpected token ${p + 1} ('${toks[p]!.v}')`);
  return v;
}

/** Replaces each `{expr}` in `text` by its value (numbers print as JavaScript prints them). */
export function interpolate(text: string, resolve: Resolve): string {
  return text.replace(/\{([^{}]+)\}/g, (_, src: string) => String(evaluate(src, resolve)));
}

/** A dotted path into a JSON-like object (numbers index arrays); booleans as 1/0; undefined if absent or not a number. */
export function lookupPath(root: unknown, path: string): number | undefined {
  let cur: unknown = root;
  for (const seg of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (typeof cur === "boolean") return cur ? 1 : 0;
  return typeof cur === "number" ? cur : undefined;
}
