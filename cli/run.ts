/**
 * `irqsim run`: one scenario, advanced in slices so Ctrl-C stops it cleanly, then a human
 * summary, `--json`, or kernel-format /proc views.
 */
import { Option, InvalidArgumentError, type Command } from "commander";
import { loadScenario } from "../system/scenario_files.js";
import { checkBudget, EVENT_BUDGET } from "../system/limits.js";
import { locateFirstViolation, Simulation, type RunOptions } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { isPlantName, PLANT_NAMES, PLANTS, type PlantName } from "../sim/plant.js";
import { PROC_VIEWS, procView, type ProcView } from "../observe/views.js";
import { durationOrThrow, formatNs } from "../sim/time.js";
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";
import { TRACE_FORMATS, TraceExport, traceFormatFor, type TraceFormat, type TraceOptions, type TraceReport } from "../observe/trace_export.js";
import { DEFAULT_TRACE_LIMIT, parseTraceWindow, WHOLE_RUN } from "../observe/trace_window.js";
import { latencyLog2Hist, renderLatencyHists, type Log2Hist } from "../observe/hist.js";
import { makeChalk, writeFileAtomic, type Io } from "./output.js";
import { DEFAULT_PICTURE_WINDOW, RunPictures } from "../report/run_pictures.js";
import { renderSummary, traceLine } from "./summary.js";
import { checkOutputPaths, outputUses, scenarioInputs } from "./output_paths.js";
import {
  collect,
  EXIT_EXPECT_FAILED,
  EXIT_INTERRUPTED,
  EXIT_INVARIANT,
  EXIT_OK,
  EXIT_USAGE,
  parsePositiveInt,
  parseSeed,
  type CommandContext,
} from "./options.js";

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
  trace?: string;
  traceFormat?: TraceFormat;
  traceWindow?: string;
  traceLimit?: number;
  hist?: boolean;
  force?: boolean;
  memory?: "lkmm" | "sc";
  svg?: string;
  html?: string;
  svgWindow?: string;
  plant: string[];
}

/** Set by the SIGINT handler; the run loop looks at it between slices. */
let interruptRequested = false;

export function registerRun(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("run")
    .description("run a scenario (a built-in name or a path to a .yaml file) and print a summary")
    .argument("<scenario>", "built-in scenario name (see `irqsim list`) or path to a .yaml file")
    .option("-s, --seed <n>", "random seed (overrides the scenario's)", parseSeed)
    .option("-d, --duration <time>", "simulated time, e.g. 500us, 100ms, 2s")
    .option("--set <path=value>", "override a scenario field, e.g. devices.nic0.traffic.rate=200000 (repeatable)", collect, [])
    .addOption(new Option("--memory <model>", "memory model: lkmm (weak, as the kernel's model allows; the default) or sc (sequentially consistent, for comparison)").choices(["lkmm", "sc"]))
    .option("--json", "print the result as JSON")
    .addOption(new Option("--proc <view>", "print a /proc view after the run (repeatable)").choices(PROC_VIEWS).argParser((v: string, prev: string[] = []) => {
      if (!(PROC_VIEWS as readonly string[]).includes(v)) throw new InvalidArgumentError(`expected one of: ${PROC_VIEWS.join(", ")}.`);
      return [...prev, v];
    }).default([]))
    .option("--max-events <n>", "stop after this many events", parsePositiveInt)
    .option("-o, --out <file>", "also write the JSON result to this file (atomically)")
    .option("--check", "exit 1 if any of the scenario's expect: assertions fails")
    .option("--trace <file>", "write a trace of the run to this file (atomically): ftrace text, Chrome JSON for *.json, trace-cmd trace.dat for *.dat")
    .addOption(new Option("--trace-format <format>", "trace format: ftrace text, chrome JSON, or dat (trace-cmd trace.dat) (default: chrome for *.json, dat for *.dat, else ftrace)").choices(TRACE_FORMATS))
    .option("--trace-window <from..to>", "trace only this part of the run, e.g. 10ms..20ms (either side may be left out)")
    .option("--trace-limit <n>", `write at most n trace lines/events (default ${DEFAULT_TRACE_LIMIT})`, parsePositiveInt)
    .option("--svg <file>", "draw a per-CPU timeline and the latency histograms as SVG (atomically)")
    .option("--html <file>", "write a self-contained HTML report: tables, the pictures, the scenario (atomically)")
    .option("--svg-window <from..to>", "the part of the run the timeline shows (default 0..2ms)")
    .option("--hist", "after the summary, print each latency stage as a log2 histogram (bcc style)")
    .option("--force", `run even if the estimated work is over the budget (${EVENT_BUDGET / 1e6} million events)`)
    .option("--plant <bug>", "plant a simulator bug to see an invariant catch it (repeatable; `--plant list` lists them)", collect, [])
    .action(async (ref: string, flags: RunFlags) => {
      if (flags.plant.includes("list")) {
        io.stdout(plantList());
        return;
      }
      ctx.setExitCode(await runCommand(ref, flags, io));
    });

}

async function runCommand(ref: string, flags: RunFlags, io: Io): Promise<number> {
  const c = makeChalk(io);
  // --memory is shorthand for --set kernel.memory=..., applied last so it wins.
  const sets = flags.memory === undefined ? flags.set : [...flags.set, `kernel.memory=${flags.memory}`];
  const { scenario, source } = loadScenario(ref, { sets });
  if (flags.seed !== undefined) scenario.seed = flags.seed;
  if (flags.duration !== undefined) scenario.duration = durationOrThrow(flags.duration, "--duration");
  checkOutputPaths(
    outputUses({ "--out": flags.out, "--trace": flags.trace, "--svg": flags.svg, "--html": flags.html }),
    scenarioInputs(ref, scenario),
  );
  // --max-events bounds the event count, not the work done inside one event (bursts).
  checkBudget(scenario, flags.force, `${scenario.name}`, flags.maxEvents);
  const plants = parsePlants(flags.plant);
  const opts: RunOptions = {
    ...(flags.maxEvents === undefined ? {} : { maxEvents: flags.maxEvents }),
    ...(plants.length === 0 ? {} : { plants }),
    ...(flags.force ? { eventBudget: Infinity } : {}),
  };
  const traceOpts = traceOptions(flags);
  const sim = new Simulation(scenario, opts);
  // Attached before the first event, so the trace starts at time 0 like the run.
  const trace = traceOpts === null ? null : new TraceExport(sim.sys, traceOpts);
  if (flags.svgWindow !== undefined && flags.svg === undefined && flags.html === undefined) throw new InputError("--svg-window: needs --svg FILE or --html FILE");
  for (const [flag, v] of [["--svg", flags.svg], ["--html", flags.html]] as const) if (v === "") throw new InputError(`${flag}: expected a file name`);
  const pictures = flags.svg === undefined && flags.html === undefined ? null : new RunPictures(sim, flags.svgWindow === undefined ? DEFAULT_PICTURE_WINDOW : parseTraceWindow(flags.svgWindow, "--svg-window"));
  let traceReport: TraceReport | null = null;
  let interrupted = false;

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
        interrupted = true;
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
    // Ctrl-C leaves no trace file (and no temporary file); a finished run renames it in.
    if (trace !== null) traceReport = interrupted ? trace.abort() : trace.finish(sim.now);
  } finally {
    process.off("SIGINT", onSigint);
    if (progress) io.stderr("\r\x1b[K");
    if (trace !== null && traceReport === null) trace.abort();
  }

  const result: RunResult & { sets?: string[]; proc?: Record<string, string>; trace?: TraceReport; hist?: Record<string, Log2Hist> } = sim.finish();
  // What the run was given beyond the scenario, for `irqsim diff` and `irqsim report`.
  if (sets.length > 0) result.sets = sets;
  if (!result.invariants.ok && result.invariants.first === undefined && result.stopped_by === "duration") {
    const first = locateFirstViolation(scenario, opts);
    if (first !== null) result.invariants.first = first;
  }
  if (flags.proc.length > 0 && flags.json) {
    result.proc = {};
    for (const v of flags.proc) result.proc[v] = procView(sim.sys, v);
  }
  if (traceReport !== null) result.trace = traceReport;
  if (flags.hist) {
    result.hist = {};
    for (const l of Object.values(sim.sys.latency)) result.hist[l.name] = latencyLog2Hist(l);
  }
  const json = JSON.stringify(result, null, 2) + "\n";
  if (flags.out !== undefined) writeFileAtomic(flags.out, json);
  if (pictures !== null && result.stopped_by !== "interrupted") {
    const svg = await pictures.svg();
    if (flags.svg !== undefined) writeFileAtomic(flags.svg, svg);
    if (flags.html !== undefined) writeFileAtomic(flags.html, RunPictures.html(result, svg, scenario, scenario.description));
  }

  if (flags.json) io.stdout(json);
  else if (flags.proc.length > 0) {
    io.stderr(`irqsim: ${scenario.name} (${quote(source)}) seed ${scenario.seed} fingerprint ${result.fingerprint}\n`);
    if (traceReport !== null) io.stderr(`irqsim: ${traceLine(traceReport)}\n`);
    for (const v of flags.proc) io.stdout(procView(sim.sys, v));
  } else io.stdout(renderSummary(result, scenario.description, c));
  if (flags.hist && !flags.json) {
    io.stdout(`\n${c.bold("Latency histograms")} ${c.dim("(log2 buckets of microseconds, as bcc prints them)")}\n`);
    io.stdout(renderLatencyHists(Object.values(sim.sys.latency)));
  }

  if (result.stopped_by === "interrupted") {
    io.stderr(`irqsim: interrupted at ${formatNs(result.simulated_ns)} of ${formatNs(scenario.duration)} (seed ${scenario.seed})\n`);
    return EXIT_INTERRUPTED;
  }
  if (!result.invariants.ok) {
    const first = result.invariants.first;
    const where = first ? `at event #${first.event} (${first.time_ns} ns): ${first.violations[0]}` : `at the end of the run: ${result.invariants.violations[0]}`;
    io.stderr(`irqsim: invariant violated in ${scenario.name} with seed ${scenario.seed} ${where}\n`);
    return EXIT_INVARIANT;
  }
  const unfired = plants.filter((p) => (sim.plantHits[p] ?? 0) === 0);
  if (unfired.length > 0) {
    io.stderr(`irqsim: --plant ${unfired[0]}: does not apply to ${scenario.name}: the planted bug never fired (${PLANTS[unfired[0]!]})\n`);
    return EXIT_USAGE;
  }
  if (plants.length > 0) {
    io.stderr(`irqsim: --plant ${plants.join(", ")}: fired, and no invariant caught it (seed ${scenario.seed})\n`);
    return EXIT_EXPECT_FAILED;
  }
  if (flags.check && !result.expect.ok) {
    const failed = result.expect.results.filter((e) => !e.ok).map((e) => e.metric);
    io.stderr(`irqsim: expectation failed in ${scenario.name} (seed ${scenario.seed}): ${failed.join(", ")}\n`);
    return EXIT_EXPECT_FAILED;
  }
  return EXIT_OK;
}

/** `--plant list`: one line per planted bug. */
export function plantList(): string {
  const w = Math.max(...PLANT_NAMES.map((n) => n.length));
  return PLANT_NAMES.map((n) => `${n.padEnd(w)}  ${PLANTS[n]}\n`).join("");
}

/** The --plant names, checked (one line and exit 2 for an unknown one). */
export function parsePlants(names: readonly string[]): PlantName[] {
  const out: PlantName[] = [];
  for (const n of names) {
    if (!isPlantName(n)) throw new InputError(`--plant: unknown bug "${n}"; expected one of: ${PLANT_NAMES.join(", ")} (or list)`);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** Validates the --trace* flags (before the run starts); null without --trace. */
function traceOptions(flags: RunFlags): TraceOptions | null {
  if (flags.trace === undefined) {
    const stray = flags.traceFormat !== undefined ? "--trace-format" : flags.traceWindow !== undefined ? "--trace-window" : flags.traceLimit !== undefined ? "--trace-limit" : null;
    if (stray !== null) throw new InputError(`${stray}: needs --trace FILE`);
    return null;
  }
  if (flags.trace === "") throw new InputError("--trace: expected a file name");
  return {
    file: flags.trace,
    format: traceFormatFor(flags.trace, flags.traceFormat),
    window: flags.traceWindow === undefined ? WHOLE_RUN : parseTraceWindow(flags.traceWindow),
    limit: flags.traceLimit ?? DEFAULT_TRACE_LIMIT,
  };
}
