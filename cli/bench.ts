/**
 * `irqsim bench`: the benchmark of `npm run bench` (bench/command.ts), so the figures and
 * ratios can be had from an installed irqsim. Peer engines are devDependencies: without
 * them the report says they were skipped and why.
 */
import type { Command } from "commander";
import { EXIT_OK, type CommandContext } from "./options.js";

export function registerBench(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("bench")
    .description("measure engine and model speed and memory growth, line rate and sweep scaling, as ratios within this process (a minute or two)")
    .option("--json", "print one JSON object instead of tables")
    .action(async (opts: { json?: boolean }) => {
      // Loaded here, not at start-up: no other command needs the benchmark's modules.
      const { runBenchCommand } = await import("../bench/command.js");
      const { text } = await runBenchCommand(opts.json === true, (msg) => io.stderr(`irqsim: bench: ${msg}\n`));
      io.stdout(text + "\n");
      ctx.setExitCode(EXIT_OK);
    });
}
