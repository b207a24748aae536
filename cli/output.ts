/**
 * Where output goes: colour only on a TTY and never with NO_COLOR (https://no-color.org),
 * and files written atomically (temp file in the same directory, then rename), so an
 * interrupted or failed write never leaves a truncated result behind.
 */
import { Chalk, type ChalkInstance } from "chalk";

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** stdout is a terminal. */
  isTTY: boolean;
  stderrIsTTY: boolean;
  env: Record<string, string | undefined>;
  /** Lines typed or piped on stdin (irqsim lesson --quiz); absent: process.stdin. */
  readLines?: () => AsyncIterable<string>;
}

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}

export function useColor(io: Io): boolean {
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== "") return false;
  if (io.env.TERM === "dumb") return false;
  return io.isTTY;
}

export function makeChalk(io: Io): ChalkInstance {
  return new Chalk({ level: useColor(io) ? 1 : 0 });
}

/** Complete or absent, checked writes, devices written directly: see sim/atomic_write.ts. */
export { writeFileAtomic } from "../observe/atomic_write.js";
