/**
 * `npm run bench`: speed and memory as ratios measured within this one process (the same
 * as `irqsim bench`). Prints an aligned table, or one JSON object with `--json`. Always
 * exits 0 on a completed measurement: the targets are informational.
 */
import { runBenchCommand } from "./command.js";

async function main(argv: string[]): Promise<number> {
  let json = false;
  for (const arg of argv) {
    if (arg === "--json") json = true;
    else if (arg === "-h" || arg === "--help") {
      process.stdout.write("usage: node dist/bench/main.js [--json]\n");
      return 0;
    } else {
      process.stderr.write(`bench: unknown argument '${arg}' (usage: [--json])\n`);
      return 2;
    }
  }
  const { text } = await runBenchCommand(json, (msg) => process.stderr.write(`bench: ${msg}\n`));
  process.stdout.write(text + "\n");
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
