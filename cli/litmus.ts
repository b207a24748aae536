/**
 * `irqsim litmus FILE...`: runs LKMM C-litmus tests (tools/memory-model/litmus-tests
 * format) through the Linux-kernel memory model and prints each result as herd7 does,
 * or as JSON. With `--check`, exits 1 when a test's verdict differs from the `Result:`
 * its comment predicts (the rules of tools/memory-model/scripts/judgelitmus.sh).
 */
import { InvalidArgumentError, type Command } from "commander";
import { formatHerd, outcomeJson } from "../litmus/herd_output.js";
import { checkLitmus, checkLitmusSize, loadLitmus } from "../litmus/load.js";
import { MAX_CANDIDATES_LOG10 } from "../litmus/size_bound.js";
import { formatLocation, type LitmusOutcome } from "../litmus/outcome.js";
import { simulateLitmus, SimulationError, type SimulationSummary } from "../litmus/simulate.js";
import { formatValue } from "../litmus/values.js";
import { InputError } from "../sim/input_error.js";
import { EXIT_EXPECT_FAILED, EXIT_OK, parsePositiveInt, parseSeed, type CommandContext } from "./options.js";

/** --simulate runs take ~0.1 ms each: this many is about the half minute of the work budget. */
const MAX_SIMULATE_RUNS = 200_000;

function parseSimulateRuns(v: string): number {
  const n = parsePositiveInt(v);
  if (n > MAX_SIMULATE_RUNS) throw new InvalidArgumentError(`expected at most ${MAX_SIMULATE_RUNS} runs.`);
  return n;
}

/** How weak the simulated hardware is in --simulate: stale whenever allowed, half the time. */
const SIMULATE_WEAKNESS = 0.5;

export function registerLitmus(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("litmus")
    .description("run LKMM C-litmus tests and print the result as herd7 does")
    .argument("<file...>", "litmus test files (.litmus)")
    .option("--json", "print the results as a JSON array")
    .option("--check", "exit 1 if a verdict differs from the test's `Result:` comment")
    .option("--simulate <runs>", `also run each test this many times (at most ${MAX_SIMULATE_RUNS}) on the simulator's own memory model (sim/memory.ts) and count the final states seen`, parseSimulateRuns)
    .option("-s, --seed <n>", "seed for --simulate's interleavings and stale choices (default 1)", parseSeed)
    .option("--force", `enumerate even a test over the size limit (about 10^${MAX_CANDIDATES_LOG10} candidate executions)`)
    .action((files: string[], flags: { json?: boolean; check?: boolean; simulate?: number; seed?: number; force?: boolean }) => {
      // Check every file before printing anything, so bad input never leaves half a report.
      const tests = files.map((f) => loadLitmus(f));
      if (!flags.force) for (const t of tests) checkLitmusSize(t);
      const outcomes: LitmusOutcome[] = tests.map((t) => checkLitmus(t, { force: true }));
      const seed = flags.seed ?? 1;
      const sims = tests.map((t) => (flags.simulate === undefined ? null : simulate(t, flags.simulate, seed)));
      if (flags.json) io.stdout(JSON.stringify(outcomes.map((o, i) => ({ ...outcomeJson(o), ...(sims[i] ? { simulation: simulationJson(sims[i], seed) } : {}) })), null, 2) + "\n");
      else
        for (const [i, o] of outcomes.entries()) {
          io.stdout(formatHerd(o));
          const sim = sims[i];
          if (sim) io.stdout(formatSimulation(o, sim, seed));
        }
      const mismatched = outcomes.filter((o) => o.matchesExpected === false);
      if (flags.check) for (const o of mismatched) io.stderr(`irqsim: ${o.file}: expected Result: ${o.expected}, got ${o.observation} ${o.pos} ${o.neg}${o.flags.length ? ` (${o.flags.join(", ")})` : ""}\n`);
      ctx.setExitCode(flags.check && mismatched.length > 0 ? EXIT_EXPECT_FAILED : EXIT_OK);
    });
}

function simulate(test: Parameters<typeof simulateLitmus>[0], runs: number, seed: number): SimulationSummary {
  try {
    return simulateLitmus(test, { runs, seed, weakness: SIMULATE_WEAKNESS });
  } catch (e) {
    if (e instanceof SimulationError) throw new InputError(`${test.file}: --simulate: ${e.message}`);
    throw e;
  }
}

function stateText(sim: SimulationSummary, values: readonly Parameters<typeof formatValue>[0][]): string {
  return sim.locations.map((l, i) => `${formatLocation(l)}=${formatValue(values[i]!)};`).join(" ");
}

/** After herd's block: the states the simulated hardware showed, most frequent first. */
function formatSimulation(o: LitmusOutcome, sim: SimulationSummary, seed: number): string {
  const counted = sim.runs - sim.stuck - sim.filtered;
  const lines = [`Simulated ${sim.runs} runs on irqsim's memory model (seed ${seed}, weakness ${SIMULATE_WEAKNESS}): ${sim.states.size} of ${o.states.length} allowed states seen`];
  const states = [...sim.states.values()].sort((a, b) => b.count - a.count);
  const width = Math.max(...states.map((s) => stateText(sim, s.values).length), 0);
  for (const s of states) lines.push(`  ${stateText(sim, s.values).padEnd(width)}  ${String(s.count).padStart(String(sim.runs).length)}`);
  if (sim.filtered > 0) lines.push(`  filtered out: ${sim.filtered}`);
  if (sim.stuck > 0) lines.push(`  did not finish (deadlock or endless spin): ${sim.stuck}`);
  lines.push(`Condition seen in ${sim.positive} of ${counted} runs`);
  return lines.join("\n") + "\n\n";
}

function simulationJson(sim: SimulationSummary, seed: number): Record<string, unknown> {
  return {
    runs: sim.runs,
    seed,
    weakness: SIMULATE_WEAKNESS,
    states: [...sim.states.values()].map((s) => ({ state: Object.fromEntries(sim.locations.map((l, i) => [formatLocation(l), formatValue(s.values[i]!)])), count: s.count })),
    positive: sim.positive,
    filtered: sim.filtered,
    stuck: sim.stuck,
  };
}
