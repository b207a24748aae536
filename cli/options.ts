/**
 * Option parsers and exit codes shared by the commands. Parsers throw commander's
 * InvalidArgumentError, which commander turns into one `irqsim: ...` line and exit 2.
 */
import { InvalidArgumentError } from "commander";

export const EXIT_OK = 0;
export const EXIT_EXPECT_FAILED = 1;
export const EXIT_USAGE = 2;
/** An output file or stdout could not be written (ENOSPC, EIO): the input was fine. */
export const EXIT_WRITE_FAILED = 1;
export const EXIT_INVARIANT = 70;
export const EXIT_INTERRUPTED = 130;

export function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 4_294_967_295) throw new InvalidArgumentError("expected an integer from 0 to 4294967295.");
  return Number(v);
}

export function parsePositiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError("expected a positive integer.");
  return Number(v);
}

export function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** What every command's registration receives: where output goes and how to set the exit code. */
export interface CommandContext {
  io: import("./output.js").Io;
  setExitCode(code: number): void;
}
