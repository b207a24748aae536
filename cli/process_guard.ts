/**
 * What the irqsim process does when the world outside misbehaves (installed once, by
 * bin.ts, never by in-process tests):
 *
 * - stdout closed by the reader (`irqsim lesson | head -1`): EPIPE ends the command
 *   quietly with exit 0, as `cat` and `seq` do under SIGPIPE (Node ignores SIGPIPE, so
 *   without this a write error becomes an unhandled 'error' event and a stack trace);
 * - stdout full (`> /dev/full`) or failing otherwise: one line on stderr, exit 1;
 * - SIGTERM and SIGHUP: temporary output files are removed before exiting 128+signal
 *   (SIGINT is the commands' own: they stop cleanly and report where);
 * - any exit: temporary files still registered are removed.
 */
import { removeTemps } from "../observe/atomic_write.js";
import { EXIT_OK, EXIT_WRITE_FAILED } from "./options.js";

export function installProcessGuards(): void {
  let failed = false;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (failed) return;
    failed = true;
    removeTemps();
    if (e.code === "EPIPE") process.exit(EXIT_OK);
    try {
      process.stderr.write(`irqsim: cannot write to stdout (${e.code ?? e.message})\n`);
    } catch {
      // stderr gone too: the exit code still says it
    }
    process.exit(EXIT_WRITE_FAILED);
  });
  // A closed stderr must not turn into a crash either; the exit code carries the outcome.
  process.stderr.on("error", () => undefined);
  const onSignal = (signal: NodeJS.Signals, number: number): void => {
    removeTemps();
    try {
      process.stderr.write(`irqsim: terminated by ${signal}\n`);
    } catch {
      // nothing more to say
    }
    process.exit(128 + number);
  };
  process.on("SIGTERM", () => onSignal("SIGTERM", 15));
  process.on("SIGHUP", () => onSignal("SIGHUP", 1));
  process.on("exit", removeTemps);
}
