/**
 * Parser for LKMM C-litmus tests, following herd7's reading of them: the splitter
 * (herdtools7 lib/splitter.mll: `C name`, header, `{ init }`, program, constraints), the
 * state grammar (lib/stateParser.mly: init entries, `locations`, `filter`, `exists`,
 * precedence OR < AND < => < ~) and the C grammar (lib/CParser.mly: statements, the
 * operators `| ^ & == != < > <= >= + - * /`, casts). Anything outside the subset that
 * irqsim models is reported with its line, never silently ignored.
 *
 * This file is the entry point and the splitter; the state grammar is
 * litmus/parse_state.ts, the C grammar litmus/parse_c.ts.
 */
import type { LitmusTest, Thread } from "./ast.js";
import { describe, LexError, LineMap, tokenize, TokenStream } from "./lexer.js";
import { LitmusSyntaxError, matchBrace, resetNesting, skipOcamlComment } from "./syntax.js";
import { type Ctx, parseThread } from "./parse_c.js";
import { parseConstraints, parseInit } from "./parse_state.js";

const CONSTRAINT_KEYWORDS = new Set(["exists", "forall", "final", "locations", "filter", "observed", "Observed", "cases"]);

export function parseLitmus(text: string, file: string): LitmusTest {
  try {
    return parseLitmusUnchecked(text, file);
  } catch (e) {
    if (e instanceof LexError || e instanceof LitmusSyntaxError) throw new LitmusSyntaxError(e.line, e.message);
    throw e;
  }
}

function parseLitmusUnchecked(text: string, file: string): LitmusTest {
  resetNesting();
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
