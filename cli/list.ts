/** `irqsim list`: the built-in scenarios, one line each. */
import { escapeControl } from "../sim/quote.js";
import type { Command } from "commander";
import { listScenarios } from "../system/scenario_files.js";
import { renderTable } from "./table.js";
import type { CommandContext } from "./options.js";

export function registerList(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("list")
    .description("list the built-in scenarios")
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const list = listScenarios();
      if (opts.json) {
        io.stdout(JSON.stringify(list.map(({ name, description }) => ({ name, description })), null, 2) + "\n");
        return;
      }
      io.stdout(renderTable([{ header: "scenario" }, { header: "description" }], list.map((s) => [s.name, escapeControl(s.description)]), "").join("\n") + "\n");
    });

}
