/**
 * `irqsim fuzz`: the simulator tested like a database (system/fuzz.ts). Random valid
 * scenarios, each run twice with the invariants walked every 1,000 events; the first
 * failure is shrunk to a small scenario, written as YAML that `irqsim run` reproduces,
 * and the command exits 1. `--plant` runs every scenario with a planted bug, to show the
 * fuzzer finds it. `--time` is a wall-clock budget for the search loop only: each
 * simulation inside it stays deterministic.
 */
import type { Command } from "commander";
import { FUZZ_CHECK_EVERY, runFuzz, type FuzzReport } from "../system/fuzz.js";
import { durationOrThrow, NSEC_PER_MSEC } from "../sim/time.js";
import { InputError } from "../sim/input_error.js";
import { writeFileAtomic, type Io } from "./output.js";
import { collect, EXIT_EXPECT_FAILED, EXIT_OK, parsePositiveInt, parseSeed, type CommandContext } from "./options.js";
import { parsePlants } from "./run.js";

/** Scenarios per search without --runs/--time: enough to find every planted bug. */
export const DEFAULT_FUZZ_RUNS = 100;

interface FuzzFlags {
  seed: number;
  runs?: number;
  time?: string;
  plant: string[];
  out?: string;
  json?: boolean;
}

export function registerFuzz(program: Command, ctx: CommandContext): void {
  program
    .command("fuzz")
    .description("run random valid scenarios twice each, checking invariants and determinism; write the shrunk failing scenario as YAML")
    .option("-s, --seed <n>", "seed of the search (the same seed and options replay it)", parseSeed, 1)
    .option("--runs <n>", `scenarios to try (default ${DEFAULT_FUZZ_RUNS})`, parsePositiveInt)
    .option("--time <duration>", "search for this long instead (wall-clock, e.g. 30s; the simulations stay deterministic)")
    .option("--plant <bug>", "run every scenario with a planted bug (repeatable; see `irqsim run --plant list`)", collect, [])
    .option("-o, --out <file>", "where to write the failing scenario (default: irqsim-fuzz-<seed>.yaml)")
    .option("--json", "print the report as JSON")
    .action((flags: FuzzFlags) => {
      ctx.setExitCode(fuzzCommand(flags, ctx.io));
    });
}

function fuzzCommand(flags: FuzzFlags, io: Io): number {
  if (flags.runs !== undefined && flags.time !== undefined) throw new InputError("--runs and --time: give one or the other");
  const plants = parsePlants(flags.plant);
  let timeLimitMs: number | undefined;
  if (flags.time !== undefined) {
    const ns = durationOrThrow(flags.time, "--time");
    if (ns < NSEC_PER_MSEC) throw new InputError(`--time: expected at least 1ms, got "${flags.time}"`);
    timeLimitMs = Math.floor(ns / NSEC_PER_MSEC);
  }
  const progress = io.stderrIsTTY && !flags.json;
  let n = 0;
  const report = runFuzz({
    seed: flags.seed,
    numRuns: flags.runs ?? DEFAULT_FUZZ_RUNS,
    ...(timeLimitMs === undefined ? {} : { timeLimitMs }),
    plants,
    onRun: () => {
      if (progress && ++n % 10 === 0) io.stderr(`\r\x1b[Kirqsim fuzz: ${n} scenarios`);
    },
  });
  if (progress) io.stderr("\r\x1b[K");
  const plantArgs = plants.map((p) => ` --plant ${p}`).join("");
  let file: string | null = null;
  if (!report.ok && report.yaml !== undefined) {
    file = flags.out ?? `irqsim-fuzz-${flags.seed}.yaml`;
    const header = `# irqsim fuzz --seed ${flags.seed}${plantArgs}: ${report.problem}\n# reproduce: irqsim run ${file}${plantArgs}\n`;
    writeFileAtomic(file, header + report.yaml);
  }
  if (flags.json) io.stdout(JSON.stringify(jsonReport(report, plants, file), null, 2) + "\n");
  else io.stdout(textReport(report, plantArgs, file));
  return report.ok ? EXIT_OK : EXIT_EXPECT_FAILED;
}

function jsonReport(r: FuzzReport, plants: string[], file: string | null): object {
  const out: Record<string, unknown> = { ok: r.ok, seed: r.seed, plants, scenarios: r.scenarios, events: r.events, check_every: FUZZ_CHECK_EVERY, interrupted: r.interrupted };
  if (!r.ok) Object.assign(out, { problem: r.problem, path: r.path, shrinks: r.shrinks, file, yaml: r.yaml ?? null });
  return out;
}

function textReport(r: FuzzReport, plantArgs: string, file: string | null): string {
  const stopped = r.interrupted ? " (time limit)" : "";
  if (r.ok) return `irqsim fuzz: ${r.scenarios} scenarios ok, each run twice, invariants walked every ${FUZZ_CHECK_EVERY} events, ${r.events} events (seed ${r.seed})${stopped}\n`;
  return [
    `irqsim fuzz: FAILED after ${r.scenarios} scenarios (seed ${r.seed}, path "${r.path}", ${r.shrinks} shrinks)`,
    `irqsim fuzz: ${r.problem}`,
    file === null ? "irqsim fuzz: (no scenario to write)" : `irqsim fuzz: shrunk scenario written to ${file}; reproduce: irqsim run ${file}${plantArgs}`,
    "",
  ].join("\n");
}
