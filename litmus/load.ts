/**
 * Reads a litmus file and runs it, turning every problem with the test into the one-line
 * `<file>:<line>: ...` InputError the CLI prints before exiting 2.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../sim/input_error.js";
import type { LitmusTest } from "./ast.js";
import { LitmusSyntaxError, parseLitmus } from "./parser.js";
import { runLitmus, type LitmusOutcome } from "./outcome.js";
import { ThreadError } from "./thread_paths.js";

export function parseLitmusText(text: string, file: string): LitmusTest {
  try {
    return parseLitmus(text, file);
  } catch (e) {
    if (e instanceof LitmusSyntaxError) throw new InputError(`${file}:${e.line}: ${e.message}`);
    throw e;
  }
}

export function loadLitmus(file: string): LitmusTest {
  let text: string;
  try {
    text = readFileSync(file, "latin1");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new InputError(`${file}: cannot read (${code})`);
  }
  return parseLitmusText(text, file);
}

export function checkLitmus(test: LitmusTest): LitmusOutcome {
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
