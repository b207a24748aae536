/**
 * Where scenarios come from: a built-in by name (scenarios/*.yaml beside package.json) or
 * a file by path, read with the checks a hand-written file deserves; replay traces are
 * resolved relative to the scenario file.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { didYouMean } from "./did_you_mean.js";
import { readCheckedFile } from "./checked_read.js";
import { quote } from "../sim/quote.js";
import { fail, isMapping, show } from "./scenario_errors.js";
import { MAX_SCENARIO_BYTES, parseScenarioText, scenarioAsWritten } from "./scenario_yaml.js";
import type { Scenario } from "./scenario.js";

let cachedRoot: string | undefined;

/**
 * The directory holding irqsim's package.json. Found by walking up because this file runs
 * both as source (system/scenario_files.ts) and compiled (dist/system/scenario_files.js).
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (pkg.name === "irqsim") return (cachedRoot = dir);
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) throw new Error(`irqsim: no package.json named irqsim above ${start}`);
  }
}

export function builtinScenarioDir(): string {
  return path.join(packageRoot(), "scenarios");
}

function builtinNames(): string[] {
  return fs
    .readdirSync(builtinScenarioDir())
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** A path if it looks like one, otherwise the name of a built-in scenario. */
export function resolveScenarioRef(ref: string): string {
  if (/[/\\]/.test(ref) || /\.ya?ml$/.test(ref)) return ref;
  const names = builtinNames();
  if (!names.includes(ref)) {
    fail(`unknown scenario '${ref}'${didYouMean(ref, names)} (built-in: ${names.join(", ")}; or give a path to a .yaml file)`);
  }
  return path.join(builtinScenarioDir(), `${ref}.yaml`);
}

function readScenarioFile(file: string, source: string): string {
  return readCheckedFile(file, { maxBytes: MAX_SCENARIO_BYTES, what: "a .yaml file", tooBigFor: "a scenario file", label: quote(source) });
}

/** Loads a built-in by name or a file by path, applying `--set` overrides before validation. */
export function loadScenario(ref: string, opts: { sets?: string[] } = {}): { scenario: Scenario; source: string } {
  const file = resolveScenarioRef(ref);
  const source = file === ref ? ref : `scenarios/${ref}.yaml`;
  const scenario = parseScenarioText(readScenarioFile(file, source), source, opts.sets ?? []);
  // Replay traces are named relative to the scenario file.
  for (const dev of Object.values(scenario.devices)) {
    if (dev.type === "nic" && dev.traffic.kind === "replay") dev.traffic.file = path.resolve(path.dirname(file), dev.traffic.file);
  }
  return { scenario, source };
}

/**
 * loadScenario's scenario as written (system/scenario_yaml.ts scenarioAsWritten), replay
 * traces named by absolute path so the mapping can be written anywhere.
 */
export function loadScenarioAsWritten(ref: string, opts: { sets?: string[] } = {}): Record<string, unknown> {
  const file = resolveScenarioRef(ref);
  const source = file === ref ? ref : `scenarios/${ref}.yaml`;
  const written = scenarioAsWritten(readScenarioFile(file, source), source, opts.sets ?? []);
  const devices = written.devices;
  for (const dev of isMapping(devices) ? Object.values(devices) : []) {
    const traffic = isMapping(dev) ? dev.traffic : undefined;
    if (isMapping(traffic) && traffic.kind === "replay" && typeof traffic.file === "string") traffic.file = path.resolve(path.dirname(file), traffic.file);
  }
  return written;
}

/** Every built-in scenario, validated (a broken built-in is an InputError naming its file). */
export function listScenarios(): { name: string; description: string; path: string }[] {
  return builtinNames().map((base) => {
    const file = path.join(builtinScenarioDir(), `${base}.yaml`);
    const source = `scenarios/${base}.yaml`;
    const scenario = parseScenarioText(readScenarioFile(file, source), source);
    // Names are looked up by file name, so the two must agree.
    if (scenario.name !== base) fail(`${source}: name: expected '${base}' (the file name), got ${show(scenario.name)}`);
    return { name: scenario.name, description: scenario.description, path: file };
  });
}
