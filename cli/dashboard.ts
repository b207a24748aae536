/**
 * `irqsim dashboard`: watch a scenario run live in the terminal (tui/, ink), or with
 * `--plain` print a text snapshot every N simulated ms (pipes, CI, logs). The live view
 * needs a terminal on both stdin and stdout; without one it says so and exits 2 rather
 * than hang waiting for keys nobody can press.
 */
import { InvalidArgumentError, type Command } from "commander";
import { InputError } from "../sim/input_error.js";
import { Simulation } from "../system/run.js";
import { loadScenario, loadScenarioAsWritten } from "../system/scenario_files.js";
import type { Scenario } from "../system/scenario.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { takeSnapshot } from "../observe/snapshot_projection.js";
import { durationOrThrow, formatNs, MAX_DURATION_NS, NSEC_PER_MSEC } from "../sim/time.js";
import { fmtTime } from "../tui/format.js";
import { DEFAULT_SPEED } from "../tui/live_run.js";
import { useColor, writeFileAtomic, type Io } from "./output.js";
import { collect, EXIT_INTERRUPTED, EXIT_INVARIANT, EXIT_OK, EXIT_USAGE, parseSeed, type CommandContext } from "./options.js";
import { checkInvariants } from "../system/invariants.js";
import { checkBudget } from "../system/limits.js";
import { recordedScenarioText } from "../tui/record.js";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";

interface DashboardFlags {
  seed?: number;
  duration?: string;
  set: string[];
  speed: number;
  plain?: boolean;
  every?: string;
  record?: string;
  loop?: boolean;
}

/** Samples per `--every` interval in --plain: the history strip's resolution. */
const PLAIN_SUBSAMPLES = 48;
const PLAIN_SLICE_EVENTS = 50_000;
const DEFAULT_EVERY_NS = 10 * NSEC_PER_MSEC;

/** `0.01`, `1x`, `2.5`, `max`: simulated time per unit of real time. */
export function parseSpeed(v: string): number {
  if (v.trim().toLowerCase() === "max") return Infinity;
  const m = /^\s*(\d+(?:\.\d+)?(?:e-?\d+)?)x?\s*$/i.exec(v);
  const n = m === null ? NaN : Number(m[1]);
  if (!(n > 0) || n > 1_000_000) throw new InvalidArgumentError("expected a positive speed such as 0.01, 1 or 1x (times real time), or max.");
  return n;
}

/** Why the live view cannot run here, or null if it can. */
export function noTerminal(io: Io, stdinIsTTY: boolean): string | null {
  if (!io.isTTY) return "stdout is not a terminal";
  if (!stdinIsTTY) return "stdin is not a terminal";
  const ci = io.env.CI;
  if ((ci !== undefined && ci !== "" && ci !== "0" && ci !== "false") || io.env.CONTINUOUS_INTEGRATION !== undefined) return "running under CI";
  if (io.env.TERM === "dumb") return "TERM is dumb";
  return null;
}

let interruptRequested = false;

export function registerDashboard(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("dashboard")
    .description("watch a scenario run live in the terminal (or --plain: text snapshots)")
    .argument("<scenario>", "built-in scenario name (see `irqsim list`) or path to a .yaml file")
    .option("-s, --seed <n>", "random seed (overrides the scenario's)", parseSeed)
    .option("-d, --duration <time>", "simulated time, e.g. 500us, 100ms, 2s, or forever (1 day: until you quit)")
    .option("--set <path=value>", "override a scenario field (repeatable)", collect, [])
    .option("--speed <x>", "simulated time per unit of real time, e.g. 0.001, 1 or max", parseSpeed, DEFAULT_SPEED)
    .option("--plain", "no terminal UI: print a text snapshot every --every of simulated time, then exit")
    .option("--every <time>", "with --plain: simulated time between snapshots (default 10ms)")
    .option("--loop", "continuous: when the run ends, start it again with the next seed (q quits)")
    .option("--record <file>", "on quit, write the scenario plus the live changes (as faults) and the time it stopped at: `irqsim run FILE` replays it")
    .action(async (ref: string, flags: DashboardFlags) => {
      ctx.setExitCode(await dashboardCommand(ref, flags, io));
    });
}

async function dashboardCommand(ref: string, flags: DashboardFlags, io: Io): Promise<number> {
  const { scenario } = loadScenario(ref, { sets: flags.set });
  if (flags.seed !== undefined) scenario.seed = flags.seed;
  const forever = flags.duration?.trim() === "forever";
  if (flags.duration !== undefined) {
    // Continuous mode: a day of simulated time is weeks of watching at any useful speed.
    scenario.duration = forever ? MAX_DURATION_NS : durationOrThrow(flags.duration, "--duration");
  }
  if (flags.every !== undefined && flags.plain !== true) throw new InputError("--every: only with --plain (the live dashboard draws up to 15 frames a second)");
  const every = flags.every === undefined ? DEFAULT_EVERY_NS : durationOrThrow(flags.every, "--every");
  // Live with --duration forever, the user asked to run until they quit: no estimate to
  // refuse (the live run enforces no budget). --plain runs to the end, so it is checked.
  if (!forever || flags.plain === true) checkBudget(scenario, false, scenario.name);
  // ink lays out with yoga, compiled to WebAssembly; `node --jitless` has none, and yoga
  // would print "Aborted(...)" and throw on import. Say so instead, before importing it.
  if ((globalThis as { WebAssembly?: unknown }).WebAssembly === undefined) {
    io.stderr("irqsim: dashboard needs WebAssembly (its terminal layout engine, yoga, is compiled to it) and this Node has none (--jitless?); use `irqsim run` for a summary\n");
    return EXIT_USAGE;
  }
  if (flags.plain === true) {
    if (flags.record !== undefined) throw new InputError("--record: only with the live dashboard (--plain has no live changes to record)");
    return plainCommand(scenario, every, io);
  }
  if (flags.record !== undefined && flags.loop === true) throw new InputError("--record: not with --loop (a recording is one run; --duration forever keeps one run going)");
  if (flags.record !== undefined && !existsSync(dirname(resolve(flags.record)))) {
    throw new InputError(`--record: ${flags.record}: no such directory ${dirname(flags.record)}`);
  }

  const why = noTerminal(io, process.stdin.isTTY === true);
  if (why !== null) {
    io.stderr(`irqsim: dashboard needs an interactive terminal (${why}); use --plain for a text snapshot every 10ms of simulated time\n`);
    return EXIT_USAGE;
  }
  // React's development build records a performance measure per render, which Node keeps
  // for the life of the process (hundreds of MB within minutes): use the production build.
  if (process.env.NODE_ENV === undefined) process.env.NODE_ENV = "production";
  // ink and react load only here, so other commands start as fast as before; the loading
  // (yoga's WebAssembly among it) overlaps booting the simulation.
  const live = import("../tui/live.js");
  const { runLive } = await live;
  // --loop: when a run ends, the next seed starts (continuous mode); q or Ctrl-C stops.
  for (;;) {
    // Live, the user paces the run and quits with q: the budget is checked above, not enforced.
    const sim = new Simulation(scenario, { eventBudget: Infinity });
    const history = new SnapshotHistory(sim.sys, { series: true });
    const { reason, run } = await runLive({ sim, history, speed: flags.speed, color: useColor(io), writeFile: writeFileAtomic, exitOnFinish: flags.loop === true });
    const where = run.finished ? "finished" : "quit";
    const end = run.settleForQuit();
    const changes = run.steering.faults;
    let replay: string;
    if (flags.record !== undefined) {
      writeFileAtomic(flags.record, recordedScenarioText(loadScenarioAsWritten(ref, { sets: flags.set }), scenario.seed, changes, end.duration_ns, end.fingerprint));
      replay = `replay: irqsim run ${flags.record}`;
    } else if (changes.length > 0) replay = `${changes.length} live change(s) not recorded (--record FILE keeps them)`;
    else replay = `replay: irqsim run ${ref} --seed ${scenario.seed} --duration ${end.duration_ns}ns${flags.set.map((x) => ` --set ${x}`).join("")}`;
    io.stdout(
      `irqsim dashboard: ${scenario.name} seed ${scenario.seed} ${where} at ${fmtTime(sim.now)} of ${formatNs(scenario.duration)} (${sim.eventsFired} events), fingerprint ${end.fingerprint}; ${replay}\n`,
    );
    if (run.violations.length > 0) {
      io.stderr(`irqsim: invariant violated in ${scenario.name} with seed ${scenario.seed}: ${run.violations[0]}\n`);
      return EXIT_INVARIANT;
    }
    if (reason === "interrupt") return EXIT_INTERRUPTED;
    if (flags.loop !== true || !run.finished) return EXIT_OK;
    scenario.seed = (scenario.seed + 1) >>> 0;
  }
}

async function plainCommand(scenario: Scenario, every: number, io: Io): Promise<number> {
  // The panels' line builders live beside their ink components: load them only here.
  const { plainSnapshot } = await import("../tui/plain.js");
  const sim = new Simulation(scenario);
  const history = new SnapshotHistory(sim.sys, { windowSamples: PLAIN_SUBSAMPLES + 1, stripLength: PLAIN_SUBSAMPLES });
  const end = scenario.duration;
  interruptRequested = false;
  const onSigint = (): void => {
    interruptRequested = true;
  };
  process.on("SIGINT", onSigint);
  try {
    let from = 0;
    while (!sim.finished && !interruptRequested) {
      const to = Math.min(from + every, end);
      for (let i = 1; i <= PLAIN_SUBSAMPLES && !interruptRequested; i++) {
        const at = from + Math.floor((i * (to - from)) / PLAIN_SUBSAMPLES);
        while (sim.runUntil(at, PLAIN_SLICE_EVENTS) === "budget") {
          sim.enforceBudget();
          if (interruptRequested) break;
          await new Promise<void>((r) => setImmediate(r));
        }
        history.sample();
      }
      // The last interval ends with the run: let events at exactly `end` fire too.
      if (to >= end) while (!sim.finished && !interruptRequested) sim.runUntil(end, PLAIN_SLICE_EVENTS);
      sim.enforceBudget();
      io.stdout(plainSnapshot(takeSnapshot(sim.sys, history)));
      from = to;
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    process.off("SIGINT", onSigint);
    history.dispose();
  }
  if (interruptRequested) {
    io.stderr(`irqsim: interrupted at ${fmtTime(sim.now)} of ${formatNs(end)} (seed ${scenario.seed})\n`);
    return EXIT_INTERRUPTED;
  }
  const violations = checkInvariants(sim.sys);
  if (violations.length > 0) {
    io.stderr(`irqsim: invariant violated in ${scenario.name} with seed ${scenario.seed}: ${violations[0]}\n`);
    return EXIT_INVARIANT;
  }
  return EXIT_OK;
}
