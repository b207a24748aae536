/**
 * Tokens of a C-litmus file. The file mixes two languages, as herd7's splitter
 * (herdtools7 lib/splitter.mll) separates them: C for the thread bodies (line comments and
 * block comments; `(*` is legal C there) and herd's state language for the initial state and
 * the final condition (`(* ... *)` comments, `/\`, `\/`, `~`, `0:r0`).
 */

export type TokenKind = "id" | "num" | "punct" | "eof";

export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  start: number;
  end: number;
}

export type LexMode = "c" | "state";

/** Longest first, so `==` wins over `=`. */
const PUNCT = [
  "/\\", "\\/", "=>", "==", "!=", "<=", ">=", "&&", "||", "<<", ">>", "->", "++", "--", "+=", "-=", "*=", "|=", "&=",
  "(", ")", "{", "}", "[", "]", ";", ",", "*", "&", "|", "^", "+", "-", "/", "%", "~", "!", "=", "<", ">", ":", ".", "?", "\"",
];

export class LexError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Maps source offsets to 1-based line numbers. */
export class LineMap {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Tokenizes `text[from, to)` in the given mode. */
export function tokenize(text: string, from: number, to: number, mode: LexMode, lines: LineMap): Token[] {
  const out: Token[] = [];
  let i = from;
  const isIdStart = (c: string): boolean => /[A-Za-z_]/.test(c);
  const isId = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
  while (i < to) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f") {
      i++;
      continue;
    }
    if (text.startsWith("//", i)) {
      while (i < to && text[i] !== "\n") i++;
      continue;
    }
    if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      if (close < 0 || close + 2 > to) throw new LexError(lines.lineOf(i), "unterminated /* comment");
      i = close + 2;
      continue;
    }
    if (mode === "state" && text.startsWith("(*", i)) {
      const j = ocamlCommentEnd(text, i, to);
      if (j < 0) throw new LexError(lines.lineOf(i), "unterminated (* comment");
      i = j;
      continue;
    }
    const line = lines.lineOf(i);
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < to && isId(text[j]!)) j++;
      out.push({ kind: "id", text: text.slice(i, j), line, start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      if (c === "0" && (text[j] === "x" || text[j] === "X")) {
        j++;
        while (j < to && /[0-9A-Fa-f]/.test(text[j]!)) j++;
      } else {
        while (j < to && /[0-9]/.test(text[j]!)) j++;
      }
      while (j < to && /[uUlL]/.test(text[j]!)) j++;
      out.push({ kind: "num", text: text.slice(i, j), line, start: i, end: j });
      i = j;
      continue;
    }
    // An unknown character becomes a token of its own: the C part of the file is lexed up
    // to the end, and only the parser knows where the condition (another language) starts.
    const p = PUNCT.find((s) => text.startsWith(s, i)) ?? c;
    out.push({ kind: "punct", text: p, line, start: i, end: i + p.length });
    i += p.length;
  }
  out.push({ kind: "eof", text: "end of input", line: lines.lineOf(Math.max(from, Math.min(to, text.length) - 1)), start: to, end: to });
  return out;
}

/** Integer value of a numeric token (`0x10`, `3UL`). */
export function numberValue(text: string): number {
  const t = text.replace(/[uUlL]+$/, "");
  return t.startsWith("0x") || t.startsWith("0X") ? parseInt(t.slice(2), 16) : parseInt(t, 10);
}

/** A cursor over tokens with the usual helpers. */
export class TokenStream {
  pos = 0;
  constructor(readonly toks: Token[]) {}

  peek(k = 0): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!;
  }
  next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  is(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind !== "eof" && t.text === text;
  }
  accept(text: string): boolean {
    if (this.is(text)) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(text: string, what?: string): Token {
    const t = this.peek();
    if (t.kind === "eof" || t.text !== text) throw new LexError(t.line, `expected '${text}'${what ? ` ${what}` : ""}, found ${describe(t)}`);
    return this.next();
  }
  expectId(what: string): Token {
    const t = this.peek();
    if (t.kind !== "id") throw new LexError(t.line, `expected ${what}, found ${describe(t)}`);
    return this.next();
  }
}

export function describe(t: Token): string {
  return t.kind === "eof" ? "end of input" : `'${t.text}'`;
}

/**
 * The end of the OCaml comment opening at `pos` (`(*` ... `*)`, nested as herdtools7's
 * lib/lexUtils.ml skip_comment nests them), or -1 if it does not close before `to`.
 */
export function ocamlCommentEnd(text: string, pos: number, to: number): number {
  let depth = 0;
  let j = pos;
  while (j < to) {
    if (text.startsWith("(*", j)) {
      depth++;
      j += 2;
    } else if (text.startsWith("*)", j)) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return -1;
}
