/**
 * Reads a litmus file and runs it, turning every problem with the test into the one-line
 * `<file>:<line>: ...` InputError the CLI prints before exiting 2.
 */
import { readCheckedFile } from "../system/checked_read.js";
import { quote } from "../sim/quote.js";

const MAX_LITMUS_BYTES = 1024 * 1024;
import { InputError } from "../sim/input_error.js";
import type { LitmusTest } from "./ast.js";
import { LitmusSyntaxError } from "./syntax.js";
import { parseLitmus } from "./parser.js";
import { runLitmus, type LitmusOutcome } from "./outcome.js";
import { ThreadError } from "./thread_paths.js";
import { allThreadPaths } from "./executions.js";
import { litmusSize, MAX_CANDIDATES_LOG10 } from "./size_bound.js";

export function parseLitmusText(text: string, file: string): LitmusTest {
  try {
    return parseLitmus(text, file);
  } catch (e) {
    if (e instanceof LitmusSyntaxError) throw new InputError(`${file}:${e.line}: ${e.message}`);
    throw e;
  }
}

export function loadLitmus(file: string): LitmusTest {
  // Litmus tests are a few dozen lines; herd's own library has none over 100 KiB.
  const text = readCheckedFile(file, { maxBytes: MAX_LITMUS_BYTES, what: "a litmus test", encoding: "latin1" });
  return parseLitmusText(text, quote(file));
}

/**
 * Refuses a test whose candidate executions could not be enumerated in reasonable time
 * (size_bound.ts), before enumerating: one line naming its size and the limit.
 */
export function checkLitmusSize(test: LitmusTest): void {
  let size;
  try {
    size = litmusSize(allThreadPaths(test));
  } catch (e) {
    if (e instanceof ThreadError) throw new InputError(`${test.file}:${e.line}: ${e.message}`);
    throw e;
  }
  if (size.log10Candidates > MAX_CANDIDATES_LOG10) {
    throw new InputError(
      `${test.file}: too large: ${size.threads} threads x ${size.maxEvents} events, up to 10^${size.log10Candidates.toFixed(1)} candidate executions, limit 10^${MAX_CANDIDATES_LOG10} (use fewer threads or accesses, or pass --force to enumerate anyway)`,
    );
  }
}

export function checkLitmus(test: LitmusTest, opts: { force?: boolean } = {}): LitmusOutcome {
  if (!opts.force) checkLitmusSize(test);
  try {
    return runLitmus(test);
  } catch (e) {
    if (e instanceof ThreadError) throw new InputError(`${test.file}:${e.line}: ${e.message}`);
    throw e;
  }
}

export function checkLitmusFile(file: string): LitmusOutcome {
  return checkLitmus(loadLitmus(file));
}
