/**
 * What every part of the litmus parser shares: the syntax error naming its line, the
 * nesting bound that keeps the recursive-descent grammars off the stack limit, and brace
 * matching that skips comments.
 */
import { LineMap, ocamlCommentEnd } from "./lexer.js";

/** A problem in the test text: `line` is 1-based. */
export class LitmusSyntaxError extends Error {
  constructor(readonly line: number, message: string) {
    super(message);
  }
}

/** Nesting beyond this is not a litmus test; refusing it keeps the recursive parser off the stack limit. */
const MAX_NESTING = 200;
let nesting = 0;

/** A parse starts at depth 0 (nest() restores it even when a parse throws). */
export function resetNesting(): void {
  nesting = 0;
}

export function nest<T>(line: number, f: () => T): T {
  if (++nesting > MAX_NESTING) throw new LitmusSyntaxError(line, `nested more than ${MAX_NESTING} levels deep`);
  try {
    return f();
  } finally {
    nesting--;
  }
}

export function skipOcamlComment(text: string, pos: number, lines: LineMap): number {
  const j = ocamlCommentEnd(text, pos, text.length);
  if (j < 0) throw new LitmusSyntaxError(lines.lineOf(pos), "unterminated (* comment");
  return j;
}

/** The `}` matching the `{` at `open`, counting raw braces as herd's lexers do. */
export function matchBrace(text: string, open: number, lines: LineMap): number {
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
