/**
 * `irqsim litmus FILE...`: runs LKMM C-litmus tests (tools/memory-model/litmus-tests
 * format) through the Linux-kernel memory model and prints each result as herd7 does,
 * or as JSON. With `--check`, exits 1 when a test's verdict differs from the `Result:`
 * its comment predicts (the rules of tools/memory-model/scripts/judgelitmus.sh).
 */
import type { Command } from "commander";
import { formatHerd, outcomeJson } from "../litmus/herd_output.js";
import { checkLitmusFile } from "../litmus/load.js";
import type { LitmusOutcome } from "../litmus/outcome.js";
import { EXIT_EXPECT_FAILED, EXIT_OK, type CommandContext } from "./options.js";

export function registerLitmus(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("litmus")
    .description("run LKMM C-litmus tests and print the result as herd7 does")
    .argument("<file...>", "litmus test files (.litmus)")
    .option("--json", "print the results as a JSON array")
    .option("--check", "exit 1 if a verdict differs from the test's `Result:` comment")
    .action((files: string[], flags: { json?: boolean; check?: boolean }) => {
      // Check every file before printing anything, so bad input never leaves half a report.
      const outcomes: LitmusOutcome[] = files.map((f) => checkLitmusFile(f));
      if (flags.json) io.stdout(JSON.stringify(outcomes.map(outcomeJson), null, 2) + "\n");
      else for (const o of outcomes) io.stdout(formatHerd(o));
      const mismatched = outcomes.filter((o) => o.matchesExpected === false);
      if (flags.check) for (const o of mismatched) io.stderr(`irqsim: ${o.file}: expected Result: ${o.expected}, got ${o.observation} ${o.pos} ${o.neg}${o.flags.length ? ` (${o.flags.join(", ")})` : ""}\n`);
      ctx.setExitCode(flags.check && mismatched.length > 0 ? EXIT_EXPECT_FAILED : EXIT_OK);
    });
}
