/**
 * The `irqsim` command line (commander). Every command reads its input, runs the
 * simulation through sim/, and prints either aligned tables for people or `--json` for
 * machines. Exit codes: 0 ok, 1 an `--check`ed expectation failed, 2 bad input,
 * 70 an invariant was violated (a simulator bug), 130 interrupted by Ctrl-C.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { InputError } from "../sim/input_error.js";
import { listScenarios, loadScenario } from "../sim/scenario.js";
import { IRQSIM_VERSION, locateFirstViolation, Simulation, type RunResult } from "../sim/run.js";
import { PROC_VIEWS, procView, type ProcView } from "../sim/views.js";
import { durationOrThrow, formatNs } from "../sim/time.js";
import { makeChalk, writeFileAtomic, type Io } from "./output.js";
import { renderSummary } from "./summary.js";
import { renderTable } from "./table.js";
import { mergeCommand, sweepCommand, type SweepFlags } from "./sweep.js";
import { parseVary, type Vary } from "../sim/sweep.js";

export const EXIT_OK = 0;
export const EXIT_EXPECT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INVARIANT = 70;
export const EXIT_INTERRUPTED = 130;

/** Events simulated between two looks at the outside world (Ctrl-C, progress). */
const SLICE_EVENTS = 50_000;

interface RunFlags {
  seed?: number;
  duration?: string;
  set: string[];
  json?: boolean;
  proc: ProcView[];
  maxEvents?: number;
  out?: string;
  check?: boolean;
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 4_294_967_295) throw new InvalidArgumentError("expected an integer from 0 to 4294967295.");
  return Number(v);
}

function parsePositiveInt(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError("expected a positive integer.");
  return Number(v);
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

/** Set by the SIGINT handler; the run loop looks at it between slices. */
let interruptRequested = false;

export async function main(argv: string[], io: Io): Promise<number> {
  const c = makeChalk(io);
  let code = EXIT_OK;
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
      outputError: (s, write) => write(`irqsim: ${s.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " ")}\n`),
    });

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
      io.stdout(renderTable([{ header: "scenario" }, { header: "description" }], list.map((s) => [s.name, s.description]), "").join("\n") + "\n");
    });

  program
    .command("run")
    .description("run a scenario (a built-in name or a path to a .yaml file) and print a summary")
    .argument("<scenario>", "built-in scenario name (see `irqsim list`) or path to a .yaml file")
    .option("-s, --seed <n>", "random seed (overrides the scenario's)", parseSeed)
    .option("-d, --duration <time>", "simulated time, e.g. 500us, 100ms, 2s")
    .option("--set <path=value>", "override a scenario field, e.g. devices.nic0.traffic.rate=200000 (repeatable)", collect, [])
    .option("--json", "print the result as JSON")
    .addOption(new Option("--proc <view>", "print a /proc view after the run (repeatable)").choices(PROC_VIEWS).argParser((v: string, prev: string[] = []) => {
      if (!(PROC_VIEWS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of: ${PROC_VIEWS.join(", ")}.`);
      return [...prev, v];
    }).default([]))
    .option("--max-events <n>", "stop after this many events", parsePositiveInt)
    .option("-o, --out <file>", "also write the JSON result to this file (atomically)")
    .option("--check", "exit 1 if any of the scenario's expect: assertions fails")
    .action(async (ref: string, flags: RunFlags) => {
      code = await runCommand(ref, flags, io, c);
    });

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
    .action(async (ref: string, flags: SweepFlags) => {
      code = await sweepCommand(ref, flags, io);
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
    .action((files: string[], flags: SweepFlags) => {
      code = mergeCommand(files, flags, io);
    });

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
    if (e instanceof InputError) {
      io.stderr(`irqsim: ${e.message}\n`);
      return EXIT_USAGE;
    }
    const err = e as Error;
    io.stderr(`irqsim: internal error: ${err.message}\n`);
    if (io.env.IRQSIM_DEBUG) io.stderr(`${err.stack ?? ""}\n`);
    return EXIT_INVARIANT;
  }
}

async function runCommand(ref: string, flags: RunFlags, io: Io, c: ReturnType<typeof makeChalk>): Promise<number> {
  const { scenario, source } = loadScenario(ref, { sets: flags.set });
  if (flags.seed !== undefined) scenario.seed = flags.seed;
  if (flags.duration !== undefined) scenario.duration = durationOrThrow(flags.duration, "--duration");
  const opts = flags.maxEvents === undefined ? {} : { maxEvents: flags.maxEvents };
  const sim = new Simulation(scenario, opts);

  interruptRequested = false;
  const onSigint = (): void => {
    interruptRequested = true;
  };
  process.on("SIGINT", onSigint);
  const progress = io.stderrIsTTY && !flags.json;
  let lastDraw = performance.now();
  try {
    while (!sim.advance(SLICE_EVENTS)) {
      if (interruptRequested) {
        sim.interrupt();
        break;
      }
      // Wall-clock time is fine here: it only paces the progress line, never the simulation.
      const t = performance.now();
      if (progress && t - lastDraw > 250) {
        lastDraw = t;
        const pctDone = ((100 * sim.now) / scenario.duration).toFixed(0);
        io.stderr(`\r\x1b[Kirqsim: ${scenario.name} seed ${scenario.seed}: simulated ${formatNs(sim.now)} of ${formatNs(scenario.duration)} (${pctDone}%)`);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    process.off("SIGINT", onSigint);
    if (progress) io.stderr("\r\x1b[K");
  }

  const result: RunResult & { proc?: Record<string, string> } = sim.finish();
  if (!result.invariants.ok && result.stopped_by === "duration") {
    const first = locateFirstViolation(scenario, opts);
    if (first !== null) result.invariants.first = first;
  }
  if (flags.proc.length > 0 && flags.json) {
    result.proc = {};
    for (const v of flags.proc) result.proc[v] = procView(sim.sys, v);
  }
  const json = JSON.stringify(result, null, 2) + "\n";
  if (flags.out !== undefined) writeFileAtomic(flags.out, json);

  if (flags.json) io.stdout(json);
  else if (flags.proc.length > 0) {
    io.stderr(`irqsim: ${scenario.name} (${source}) seed ${scenario.seed} fingerprint ${result.fingerprint}\n`);
    for (const v of flags.proc) io.stdout(procView(sim.sys, v));
  } else io.stdout(renderSummary(result, scenario.description, c));

  if (result.stopped_by === "interrupted") {
    io.stderr(`irqsim: interrupted at ${formatNs(result.simulated_ns)} of ${formatNs(scenario.duration)} (seed ${scenario.seed})\n`);
    return EXIT_INTERRUPTED;
  }
  if (!result.invariants.ok) {
    const first = result.invariants.first;
    const where = first ? ` first violated after event #${first.event} at ${first.time_ns} ns: ${first.violations[0]}` : "";
    io.stderr(`irqsim: invariant violated in ${scenario.name} with seed ${scenario.seed}: ${result.invariants.violations[0]}.${where}\n`);
    return EXIT_INVARIANT;
  }
  if (flags.check && !result.expect.ok) {
    const failed = result.expect.results.filter((e) => !e.ok).map((e) => e.metric);
    io.stderr(`irqsim: expectation failed in ${scenario.name} (seed ${scenario.seed}): ${failed.join(", ")}\n`);
    return EXIT_EXPECT_FAILED;
  }
  return EXIT_OK;
}
