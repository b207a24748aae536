/**
 * `irqsim report RESULT -o report.html`: one self-contained HTML page (report/html.ts) for
 * a run's result (`run --out`/`--json`) or a sweep's JSON Lines (`sweep --json`/`--out`).
 *
 * A run's result holds numbers, not the events a timeline is drawn from; the run is
 * deterministic, so the report re-runs its scenario with the result's seed, `--set`s and
 * duration, and refuses to draw if the fingerprint is not the result's (another irqsim
 * version, or an edited scenario file).
 */
import type { Command } from "commander";
import { readCheckedFile } from "../system/checked_read.js";
import { checkOutputPaths, outputUses } from "./output_paths.js";
import { stringify } from "yaml";
import { InputError } from "../sim/input_error.js";
import { Simulation } from "../system/run.js";
import { loadScenario } from "../system/scenario_files.js";
import type { SweepRecord } from "../system/sweep.js";
import { parseTraceWindow } from "../observe/trace_window.js";
import { pageHtml, type Table } from "../report/html.js";
import { DEFAULT_PICTURE_WINDOW, RunPictures } from "../report/run_pictures.js";
import { sweepSvg } from "./sweep_svg.js";
import { loadResult, MAX_RESULT_BYTES } from "./result_file.js";
import type { CommandContext } from "./options.js";
import { writeFileAtomic } from "./output.js";
import { paramKeys, statMetrics } from "./sweep_output.js";
import { pointStats } from "./sweep_stats.js";

interface ReportFlags {
  out: string;
  scenario?: string;
  svgWindow?: string;
}

export function registerReport(program: Command, ctx: CommandContext): void {
  program
    .command("report")
    .description("write a self-contained HTML report (tables, pictures, scenario) of a run's result or a sweep's JSON Lines")
    .argument("<result>", "a result of `run --out`/`--json`, or the JSON Lines of `sweep --json`/`--out`")
    .requiredOption("-o, --out <file>", "the HTML file to write (atomically)")
    .option("--scenario <ref>", "the scenario the result came from, if not the built-in of its name (a .yaml path)")
    .option("--svg-window <from..to>", "the part of the run the timeline shows (default 0..2ms)")
    .action(async (file: string, flags: ReportFlags) => {
      ctx.io.stdout(await reportCommand(file, flags));
      ctx.setExitCode(0);
    });
}

function isSweep(file: string): SweepRecord[] | null {
  let text: string;
  try {
    text = readCheckedFile(file, { maxBytes: MAX_RESULT_BYTES, what: "a result file (run --json / --out)" });
  } catch {
    return null; // loadResult names the error
  }
  try {
    JSON.parse(text);
    return null; // one JSON document: a run's result (or one sweep line), for loadResult
  } catch {
    // JSON Lines, or not JSON at all
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length < 2) return null;
  const recs: SweepRecord[] = [];
  lines.forEach((l, i) => {
    let rec: unknown;
    try {
      rec = JSON.parse(l);
    } catch {
      throw new InputError(`${file}:${i + 1}: expected one JSON object per line (irqsim sweep --json output)`);
    }
    const r = rec as Partial<SweepRecord> & { stats?: unknown };
    if (r.stats !== undefined) return;
    if (typeof r.sweep !== "string" || typeof r.index !== "number" || typeof r.result !== "object") throw new InputError(`${file}:${i + 1}: not a sweep record (expected sweep, index, params, seed, result)`);
    recs.push(r as SweepRecord);
  });
  return recs;
}

function scenarioFor(name: string, ref: string | undefined, sets: string[], file: string) {
  try {
    return loadScenario(ref ?? name, { sets }).scenario;
  } catch (e) {
    if (ref === undefined && e instanceof InputError) throw new InputError(`${file}: scenario '${name}' is not a built-in scenario; give its file with --scenario FILE`);
    throw e;
  }
}

async function reportCommand(file: string, flags: ReportFlags): Promise<string> {
  const window = flags.svgWindow === undefined ? DEFAULT_PICTURE_WINDOW : parseTraceWindow(flags.svgWindow, "--svg-window");
  checkOutputPaths(outputUses({ "--out": flags.out }), [{ what: "the input", path: file }]);
  const sweep = isSweep(file);
  if (sweep !== null) {
    if (flags.svgWindow !== undefined) throw new InputError("--svg-window: a sweep report has no timeline");
    writeFileAtomic(flags.out, await sweepReport(sweep, flags, file));
    return `irqsim: wrote ${flags.out} (sweep ${sweep[0]?.sweep}, ${sweep.length} runs)\n`;
  }
  const { result, sets } = loadResult(file);
  if (result.stopped_by !== "duration") throw new InputError(`${file}: the run stopped early (${result.stopped_by}); a report re-runs complete runs only`);
  const scenario = scenarioFor(result.scenario, flags.scenario, sets, file);
  scenario.seed = result.seed;
  scenario.duration = result.simulated_ns;
  const sim = new Simulation(scenario);
  const pictures = new RunPictures(sim, window);
  const again = sim.runToEnd();
  if (again.fingerprint !== result.fingerprint) {
    throw new InputError(
      `${file}: re-running ${result.scenario} with seed ${result.seed} gives fingerprint ${again.fingerprint}, not the result's ${result.fingerprint} (another irqsim version or scenario file?)`,
    );
  }
  const svg = await pictures.svg();
  writeFileAtomic(flags.out, RunPictures.html(again, svg, scenario, scenario.description));
  return `irqsim: wrote ${flags.out} (${result.scenario}, seed ${result.seed}, fingerprint ${result.fingerprint} reproduced)\n`;
}

async function sweepReport(records: SweepRecord[], flags: ReportFlags, file: string): Promise<string> {
  if (records.length === 0) throw new InputError(`${file}: no sweep records`);
  const keys = paramKeys(records);
  const metrics = statMetrics(records);
  const points = pointStats(records, metrics);
  const name = records[0]!.result.scenario;
  const base = scenarioFor(name, flags.scenario, [], file);
  // As the terminal table lays it out: a block of rows per point.
  const table: Table = {
    title: "Per point over seeds: mean, 95% confidence interval (Student t), min, max",
    headers: [...keys, "runs", "", ...metrics.map((m) => m.header)],
    rows: points.flatMap((p) => {
      const row = (first: boolean, stat: string, cell: (s: (typeof p.stats)[string], m: (typeof metrics)[number]) => string): string[] => [
        ...keys.map((k) => (first ? p.params[k]! : "")),
        first ? String(p.seeds.length) : "",
        stat,
        ...metrics.map((m) => cell(p.stats[m.name]!, m)),
      ];
      return [
        row(true, "mean", (s, m) => m.format(s.mean)),
        row(false, "±95%", (s, m) => `±${m.format(s.ci95)}`),
        row(false, "min", (s, m) => m.format(s.min)),
        row(false, "max", (s, m) => m.format(s.max)),
      ];
    }),
  };
  // A chart needs a numeric varied key for its x axis (as --plot and --svg do).
  const numeric = keys.some((k) => records.every((r) => Number.isFinite(Number(r.params[k]))));
  const figures = numeric ? [{ title: "Delivered vs offered", svg: await sweepSvg(records, {}, `${name}: sweep ${records[0]!.sweep}`) }] : [];
  const seeds = [...new Set(records.map((r) => r.seed))];
  return pageHtml({
    title: `irqsim sweep: ${name}`,
    meta: `Sweep ${records[0]!.sweep}: ${records.length} runs over ${keys.join(", ")}; seeds ${seeds.join(", ")}; irqsim ${records[0]!.result.irqsim}.`,
    tables: [table],
    figures,
    scenario: `# the base scenario; each run sets: ${keys.join(", ")}\n${stringify(base)}`,
  });
}
