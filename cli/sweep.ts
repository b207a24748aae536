/**
 * The `irqsim sweep` and `irqsim merge` commands: plan the sweep's points, run them
 * (cli/sweep_pool.ts: worker threads, or in-process with --jobs 1), print them
 * (cli/sweep_output.ts: table, CSV, JSON Lines, chart); merge is cli/merge.ts. Results do
 * not depend on --jobs: every run is deterministic and output is ordered by point index.
 */
import { availableParallelism } from "node:os";
import { quote } from "../sim/quote.js";
import { checkBudget, EVENT_BUDGET } from "../system/limits.js";
import { loadScenario } from "../system/scenario_files.js";
import { durationOrThrow } from "../sim/time.js";
import { longestFirst, parseShard, parseVary, planSweep, pointSets, shardPoints, type SweepPoint, type SweepRecord, type SweepSpec, type Vary } from "../system/sweep.js";
import { type Io, writeFileAtomic } from "./output.js";
import { checkOutputPaths, outputUses, scenarioInputs } from "./output_paths.js";
import type { Command } from "commander";
import { collect, type CommandContext, parsePositiveInt, parseSeed } from "./options.js";
import { sweepSvg } from "./sweep_svg.js";
import { printRecords, seedStatsLines, type SweepFlags, toJsonLines } from "./sweep_output.js";
import { mergeCommand } from "./merge.js";
import { runOnWorkers, runSequential, stop, type SweepOutcome } from "./sweep_pool.js";

export function registerSweep(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("sweep")
    .description("run a scenario over the cross product of --vary values and seeds, in parallel")
    .argument("<scenario>", "built-in scenario name or path to a .yaml file")
    .option("--vary <key=v1,v2,...>", "a scenario field and the values to try (repeatable; first varies slowest)", (v: string, prev: Vary[]) => [...prev, parseVary(v)], [] as Vary[])
    .option("--seeds <n>", "seeds per combination: base seed, base+1, ...", parsePositiveInt, 1)
    .option("-s, --seed <n>", "base seed (default: the scenario's)", parseSeed)
    .option("-d, --duration <time>", "simulated time of every run")
    .option("--set <path=value>", "override a field in every run (repeatable)", collect, [])
    .option("-j, --jobs <n>", "worker threads (default: the number of CPU cores)", parsePositiveInt)
    .option("--shard <i/n>", "run only slice i of n (merge slices with `irqsim merge`)")
    .option("--json", "print JSON Lines: one object per run with its params, seed and result")
    .option("--csv", "print CSV for plotting tools")
    .option("--plot", "draw delivered vs offered (or --y vs --x) as a terminal line chart")
    .option("--x <key>", "x axis for --plot: a varied numeric key (default: the varied *.rate)")
    .option("--y <metric>", "y axis for --plot: a dotted path into the result", "packets.delivered_pps")
    .option("-o, --out <file>", "also write the JSON Lines to a file (atomically)")
    .option("--svg <file>", "draw --y against --x (default delivered vs offered) as SVG: a line per varied mode, a point per run, 95% CI bars (atomically)")
    .option("--force", `run even if a run's estimated work is over the budget (${EVENT_BUDGET / 1e6} million events)`)
    .action(async (ref: string, flags: SweepFlags) => {
      ctx.setExitCode(await sweepCommand(ref, flags, io));
    });

  program
    .command("merge")
    .description("merge `sweep --json` outputs of several shards into the full sweep")
    .argument("<files...>", "JSON Lines files written by `irqsim sweep --shard i/n --json`")
    .option("--json", "print the merged JSON Lines")
    .option("--csv", "print CSV")
    .option("--plot", "draw a terminal line chart")
    .option("--x <key>", "x axis for --plot")
    .option("--y <metric>", "y axis for --plot", "packets.delivered_pps")
    .option("--svg <file>", "draw the merged sweep as SVG, as `sweep --svg` does (atomically)")
    .action(async (files: string[], flags: SweepFlags) => {
      ctx.setExitCode(await mergeCommand(files, flags, io));
    });

}

export async function sweepCommand(ref: string, flags: SweepFlags, io: Io): Promise<number> {
  const spec: SweepSpec = { scenario: ref, vary: flags.vary, sets: flags.set, seeds: flags.seeds, ...(flags.force ? { force: true } : {}) };
  if (flags.seed !== undefined) spec.baseSeed = flags.seed;
  if (flags.duration !== undefined) spec.duration = flags.duration;
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const plan = planSweep(spec);
  if (flags.out !== undefined || flags.svg !== undefined) checkOutputPaths(outputUses({ "--out": flags.out, "--svg": flags.svg }), scenarioInputs(ref, loadScenario(ref, { sets: spec.sets }).scenario));
  const points = shardPoints(plan.points, shard);
  if (!flags.force) {
    // The work budget applies to every run (each combination once; seeds do not change it).
    const seen = new Set<string>();
    for (const p of points) {
      const key = JSON.stringify(p.params);
      if (seen.has(key)) continue;
      seen.add(key);
      const { scenario } = loadScenario(ref, { sets: pointSets(spec, p.params) });
      if (spec.duration !== undefined) scenario.duration = durationOrThrow(spec.duration, "--duration");
      checkBudget(scenario, false, `sweep run ${p.index} (${Object.entries(p.params).map(([k, v]) => `${k}=${v}`).join(" ")})`);
    }
  }
  const jobs = Math.max(1, Math.min(flags.jobs ?? availableParallelism(), points.length));
  io.stderr(
    `irqsim: sweep ${plan.id} of ${quote(ref)}: ${points.length} of ${plan.points.length} runs` +
      `${shard ? ` (shard ${shard.index}/${shard.count})` : ""}, seeds ${seedRange(plan.points)}, ${jobs} job${jobs > 1 ? "s" : ""}\n`,
  );

  stop.requested = false;
  const abort = new Int32Array(new SharedArrayBuffer(4));
  const interrupted = new AbortController();
  const onSigint = (): void => {
    stop.requested = true;
    Atomics.store(abort, 0, 1);
    interrupted.abort();
  };
  process.on("SIGINT", onSigint);
  const started = performance.now();
  let lastDraw = 0;
  const progress = (done: number): void => {
    // Wall-clock time only paces the progress line; it never touches a simulation.
    const t = performance.now();
    if (done < points.length && t - lastDraw < 200) return;
    lastDraw = t;
    const line = `sweep: ${done}/${points.length} runs (${((100 * done) / points.length).toFixed(0)}%)`;
    if (io.stderrIsTTY) io.stderr(`\r\x1b[K${line}${done === points.length ? "\n" : ""}`);
    else if (done === points.length) io.stderr(`${line} in ${((t - started) / 1000).toFixed(1)} s\n`);
  };
  let outcome: SweepOutcome;
  try {
    outcome = jobs === 1 ? await runSequential(spec, points, progress) : await runOnWorkers(spec, longestFirst(spec, points), jobs, abort, interrupted.signal, progress);
  } finally {
    process.off("SIGINT", onSigint);
  }
  const { results, stopped } = outcome;
  const records: SweepRecord[] = points
    .filter((p) => results.has(p.index))
    .map((p) => ({ sweep: plan.id, index: p.index, total: plan.points.length, params: p.params, seed: p.seed, result: results.get(p.index)! }));
  if (flags.out !== undefined) writeFileAtomic(flags.out, toJsonLines(records) + seedStatsLines(records));
  printRecords(records, flags, io);
  if (flags.svg !== undefined && records.length > 0) writeFileAtomic(flags.svg, await sweepSvg(records, flags, `${ref}: sweep ${plan.id}`));
  if (stop.requested) {
    const where = stopped
      .sort((a, b) => a.index - b.index)
      .map((s) => `run ${s.index} at ${(s.simulated_ns / 1e9).toFixed(3)} of ${(s.duration_ns / 1e9).toFixed(3)} s`);
    io.stderr(`irqsim: sweep interrupted after ${records.length} of ${points.length} runs${where.length > 0 ? `; stopped ${where.join(", ")}` : ""}\n`);
    return 130;
  }
  const broken = records.find((r) => !r.result.invariants.ok);
  if (broken) {
    io.stderr(`irqsim: invariant violated in run ${broken.index} (seed ${broken.seed}, ${JSON.stringify(broken.params)}): ${broken.result.invariants.violations[0]}\n`);
    return 70;
  }
  return 0;
}

/** `1..3`, or `1..2, 7..8` when --vary seed picks the bases. */
function seedRange(points: SweepPoint[]): string {
  const seeds = [...new Set(points.map((p) => p.seed))].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j]! + 1) j++;
    runs.push(`${seeds[i]}..${seeds[j]}`);
    i = j + 1;
  }
  return runs.join(", ");
}
