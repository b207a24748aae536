/**
 * `npm run bench`: speed and memory as ratios measured within this one process.
 * Prints an aligned table, or one JSON object with `--json`. Always exits 0 on a completed
 * measurement: the targets are informational.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { DEFAULT_OPTIONS, formatJson, formatTable, runBench } from "./report.js";

/**
 * `npm run bench` starts node without --expose-gc; turning the flag on at run time and
 * fetching `gc` from a fresh context is the documented-by-practice way to get it anyway.
 */
function exposeGc(): void {
  if (typeof (globalThis as { gc?: unknown }).gc === "function") return;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    if (typeof gc === "function") (globalThis as { gc?: unknown }).gc = gc;
  } catch {
    // Leave it unavailable: the memory section says so.
  }
}

function main(argv: string[]): number {
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
  exposeGc();
  const started = performance.now();
  const report = runBench({ ...DEFAULT_OPTIONS, log: (msg) => process.stderr.write(`bench: ${msg}\n`) });
  process.stderr.write(`bench: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write((json ? formatJson(report) : formatTable(report)) + "\n");
  return 0;
}

process.exitCode = main(process.argv.slice(2));
