/**
 * Replay traces (traffic.kind: replay) read once per process: the work-budget estimate
 * needs the trace's packet rate before the run, and boot needs its records. Both get the
 * same array from here (read through the checked reader: a FIFO or /dev/zero is refused).
 */
import { statSync } from "node:fs";
import { parseReplayCsv } from "../devices/replay_csv.js";
import type { ReplayRecord } from "../devices/traffic.js";
import { readCheckedFile } from "./checked_read.js";
import { quote } from "../sim/quote.js";

/** 2,000,000 records (the parser's limit) of `time,size,flow` fit easily. */
const MAX_REPLAY_BYTES = 128 * 1024 * 1024;

const cache = new Map<string, ReplayRecord[]>();

/** The records of a replay trace (paths were made absolute by loadScenario); one-line errors. */
export function readReplayFile(file: string, field: string): ReplayRecord[] {
  // Keyed by identity and version too: a trace rewritten in place is read again.
  let key = "";
  try {
    const st = statSync(file);
    key = `${file}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    // unreadable: readCheckedFile below says why
  }
  const hit = key === "" ? undefined : cache.get(key);
  if (hit !== undefined) return hit;
  const text = readCheckedFile(file, { maxBytes: MAX_REPLAY_BYTES, what: "a replay CSV", label: `${field}: ${quote(file)}` });
  const records = parseReplayCsv(text, quote(file));
  // One trace at a time is what sweeps need; keeping more would only hold memory.
  cache.clear();
  if (key !== "") cache.set(key, records);
  return records;
}
