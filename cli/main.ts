/**
 * The `irqsim` command line (commander). Each command lives in its own module and
 * registers itself here; this file owns what they share: one-line errors, exit codes.
 * Exit codes: 0 ok (also when the reader of stdout went away: EPIPE), 1 an `--check`ed
 * expectation failed or an output could not be written (ENOSPC, EIO), 2 bad input, 70 an
 * invariant was violated (a simulator bug), 130 interrupted by Ctrl-C, 143 SIGTERM.
 */
import { Command, CommanderError } from "commander";
import { InputError } from "../sim/input_error.js";
import { OutputError } from "../observe/atomic_write.js";
import { escapeControl } from "../sim/quote.js";
import { IRQSIM_VERSION } from "../system/result.js";
import type { Io } from "./output.js";
import { EXIT_INVARIANT, EXIT_OK, EXIT_USAGE, EXIT_WRITE_FAILED, type CommandContext } from "./options.js";
import { registerList } from "./list.js";
import { registerLitmus } from "./litmus.js";
import { registerRun } from "./run.js";
import { registerSweep } from "./sweep.js";
import { registerDashboard } from "./dashboard.js";
import { registerExplain } from "./explain.js";
import { registerLesson } from "./lesson.js";
import { registerBench } from "./bench.js";
import { registerDiff } from "./diff.js";
import { registerReport } from "./report.js";
import { registerFuzz } from "./fuzz.js";

export { EXIT_EXPECT_FAILED, EXIT_INTERRUPTED, EXIT_INVARIANT, EXIT_OK, EXIT_USAGE } from "./options.js";

export async function main(argv: string[], io: Io): Promise<number> {
  let code = EXIT_OK;
  const ctx: CommandContext = { io, setExitCode: (c) => (code = c) };
  const program = new Command();
  program
    .name("irqsim")
    .description("Deterministic simulator of how a Linux kernel handles interrupts and defers work.")
    .version(IRQSIM_VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      // One line, no stack: commander's own messages, folded and prefixed.
      outputError: (s, write) => write(`irqsim: ${escapeControl(s.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " "))}\n`),
    });

  registerList(program, ctx);
  registerRun(program, ctx);
  registerSweep(program, ctx);
  registerLitmus(program, ctx);
  registerDashboard(program, ctx);
  registerExplain(program, ctx);
  registerLesson(program, ctx);
  registerBench(program, ctx);
  registerDiff(program, ctx);
  registerReport(program, ctx);
  registerFuzz(program, ctx);

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_OK;
    }
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    // Messages carry paths and names from outside: escaped, so they stay one line and
    // cannot send escape sequences to the terminal.
    if (e instanceof InputError) {
      io.stderr(`irqsim: ${escapeControl(e.message)}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof OutputError) {
      io.stderr(`irqsim: ${escapeControl(e.message)}\n`);
      return EXIT_WRITE_FAILED;
    }
    const err = e as Error;
    io.stderr(`irqsim: internal error: ${escapeControl(String(err.message))}\n`);
    if (io.env.IRQSIM_DEBUG) io.stderr(`${err.stack ?? ""}\n`);
    return EXIT_INVARIANT;
  }
}
