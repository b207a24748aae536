/**
 * Before any work: the files a command will write must not be one another or any file it
 * reads (`--out X --trace X`, `--out` onto the scenario, `--trace` onto the replay CSV
 * would destroy the input), and must be writable places. Files are compared by identity
 * (device and inode, symlinks followed), so `./a.yaml`, `a.yaml` and a hard link match.
 * All refusals are bad input: one line, exit 2, before anything runs.
 */
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";
import { resolveScenarioRef } from "../system/scenario_files.js";
import type { Scenario } from "../system/scenario.js";

export interface PathUse {
  /** How the user named it: "--out", "--trace", "the scenario file". */
  what: string;
  path: string;
}

/** dev:ino of an existing file, else the absolute path it would be created at. */
function identity(path: string): { key: string; exists: boolean; device: boolean } {
  try {
    const st = statSync(path);
    return { key: `${st.dev}:${st.ino}`, exists: true, device: st.isCharacterDevice() };
  } catch {
    let dir = resolve(dirname(path));
    try {
      dir = realpathSync(dir);
    } catch {
      // a missing directory is reported by checkWritable
    }
    return { key: `${dir}/${basename(path)}`, exists: false, device: false };
  }
}

function checkWritable(out: PathUse): void {
  const p = out.path;
  if (p === "") throw new InputError(`${out.what}: expected a file name`);
  try {
    const st = statSync(p);
    if (st.isDirectory()) throw new InputError(`${out.what} ${quote(p)}: is a directory, expected a file name`);
    if (!st.isFile()) return; // a device or pipe is written directly (atomic_write.ts)
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
  // The temporary file is created beside the target, so the directory must take it.
  const dir = dirname(p);
  const what = out.what === "--trace" ? "cannot write the trace" : "cannot write";
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`${quote(p)}: ${what} (ENOTDIR)`);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${quote(p)}: ${what} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** Throws an InputError if an output is unusable, repeats another, or is one of the inputs. */
export function checkOutputPaths(outputs: (PathUse | null)[], inputs: PathUse[]): void {
  const outs = outputs.filter((o): o is PathUse => o !== null);
  for (const o of outs) checkWritable(o);
  const ids = outs.map((o) => identity(o.path));
  for (let i = 0; i < outs.length; i++) {
    // Two outputs into /dev/null (or a terminal) do not clobber anything.
    if (ids[i]!.device) continue;
    for (let j = 0; j < i; j++) {
      if (ids[j]!.key === ids[i]!.key) throw new InputError(`${outs[j]!.what} and ${outs[i]!.what} name the same file ${quote(outs[i]!.path)}: give each output its own file`);
    }
    if (!ids[i]!.exists) continue;
    for (const input of inputs) {
      const inId = identity(input.path);
      if (inId.exists && inId.key === ids[i]!.key) {
        throw new InputError(`${outs[i]!.what} ${quote(outs[i]!.path)}: is ${input.what} ${quote(input.path)}, an input: writing it would destroy it (choose another file)`);
      }
    }
  }
}

/** The given `--flag: path` outputs as PathUses, in order, skipping the absent ones. */
export function outputUses(flags: Record<string, string | undefined>): PathUse[] {
  return Object.entries(flags).flatMap(([what, path]) => (path === undefined ? [] : [{ what, path }]));
}

/** What a scenario run reads: the scenario file itself and any replay traces. */
export function scenarioInputs(ref: string, scenario: Scenario): PathUse[] {
  const inputs: PathUse[] = [{ what: "the scenario file", path: resolveScenarioRef(ref) }];
  for (const [name, dev] of Object.entries(scenario.devices)) {
    if (dev.type === "nic" && dev.traffic.kind === "replay") inputs.push({ what: `the replay trace of ${name}`, path: dev.traffic.file });
  }
  return inputs;
}
