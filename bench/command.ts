/**
 * What `npm run bench` (bench/main.ts) and `irqsim bench` (cli/bench.ts) both run: load
 * the peer engines that are installed, run every section, render the report. Progress
 * goes to `log`; the caller prints the returned text to stdout.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { loadPeers } from "./peers.js";
import { DEFAULT_OPTIONS, formatJson, formatTable, runBench, type BenchOptions, type BenchReport } from "./report.js";

/**
 * Neither `npm run bench` nor the irqsim bin starts node with --expose-gc; turning the
 * flag on at run time and fetching `gc` from a fresh context gets it anyway, so the
 * memory section can sample after a full collection.
 */
export function exposeGc(): void {
  if (typeof (globalThis as { gc?: unknown }).gc === "function") return;
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = vm.runInNewContext("gc");
    if (typeof gc === "function") (globalThis as { gc?: unknown }).gc = gc;
  } catch {
    // Leave it unavailable: the memory section says so.
  }
}

export interface BenchRun {
  report: BenchReport;
  /** The table, or one JSON object with `json`, without a trailing newline. */
  text: string;
  wallMs: number;
}

export async function runBenchCommand(json: boolean, log: (msg: string) => void, options: BenchOptions = DEFAULT_OPTIONS): Promise<BenchRun> {
  exposeGc();
  const started = performance.now();
  const peers = await loadPeers();
  const report = runBench({ ...options, log }, peers);
  const wallMs = performance.now() - started;
  log(`done in ${(wallMs / 1000).toFixed(1)} s`);
  return { report, text: json ? formatJson(report) : formatTable(report), wallMs };
}
