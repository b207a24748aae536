/**
 * Reading a run's result back from disk (`run --out FILE` or `run --json > FILE`, or one
 * record of `sweep --json`), for `irqsim diff` and `irqsim report`. Anything else is bad
 * input: one line naming the file and what was expected.
 */
import { readCheckedFile } from "../system/checked_read.js";

/** A run's result JSON is tens of KiB; a sweep's JSON Lines (for report) up to this. */
export const MAX_RESULT_BYTES = 256 * 1024 * 1024;
import { InputError } from "../sim/input_error.js";
import type { RunResult } from "../system/result.js";

/** A run result with what made it: the `--set`s (a sweep record's params count as sets). */
export interface LoadedResult {
  file: string;
  result: RunResult & { sets?: string[] };
  sets: string[];
}

const EXPECTED = "expected the JSON of `irqsim run --json` / `--out` (or one line of `sweep --json`)";

export function loadResult(file: string): LoadedResult {
  const text = readCheckedFile(file, { maxBytes: MAX_RESULT_BYTES, what: "a result file (run --json / --out)" });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    if (lines.length > 1) throw new InputError(`${file}: ${lines.length} JSON lines; ${EXPECTED}, one result per file`);
    throw new InputError(`${file}: not JSON; ${EXPECTED}`);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObj(doc)) throw new InputError(`${file}: ${EXPECTED}`);
  let sets: string[] = [];
  let result: unknown = doc;
  if (isObj(doc.result) && isObj(doc.params)) {
    result = doc.result;
    sets = Object.entries(doc.params).map(([k, v]) => `${k}=${String(v)}`);
  }
  if (!isObj(result) || typeof result.scenario !== "string" || typeof result.seed !== "number" || typeof result.fingerprint !== "string") {
    throw new InputError(`${file}: no scenario, seed and fingerprint; ${EXPECTED}`);
  }
  if (Array.isArray(result.sets)) sets = [...(result.sets as unknown[]).map(String), ...sets];
  return { file, result: result as unknown as LoadedResult["result"], sets };
}
