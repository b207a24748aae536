/**
 * Reading a packet trace to replay: CSV lines of `time,size,flow` (a header line is
 * allowed). Time is an offset from the start of the trace, in integer nanoseconds or with a
 * unit (`12.5us`); times must not go backwards. Every mistake is one line naming the file
 * and line.
 */
import { InputError } from "../sim/input_error.js";
import { parseDurationNs } from "../sim/time.js";
import type { ReplayRecord } from "./traffic.js";

/** A trace is hand-made or exported; more than this many packets is a mistake. */
export const MAX_REPLAY_RECORDS = 2_000_000;

export function parseReplayCsv(text: string, source: string): ReplayRecord[] {
  const out: ReplayRecord[] = [];
  const lines = text.split(/\r?\n/);
  let last = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (i === 0 && /^time\s*,/i.test(line)) return;
    const cells = line.split(",").map((c) => c.trim());
    const where = `${source}:${i + 1}`;
    if (cells.length !== 3) throw new InputError(`${where}: expected time,size,flow (3 columns), got ${cells.length}`);
    const time = parseDurationNs(cells[0]!);
    if (time === undefined) throw new InputError(`${where}: time: expected ns or a duration such as 12us, got '${cells[0]}'`);
    if (time < last) throw new InputError(`${where}: time ${cells[0]} goes backwards (previous ${last} ns)`);
    const size = Number(cells[1]);
    if (!Number.isInteger(size) || size < 64 || size > 65_535) throw new InputError(`${where}: size: expected an integer 64..65535, got '${cells[1]}'`);
    const flow = Number(cells[2]);
    if (!Number.isInteger(flow) || flow < 0 || flow > 0xffffffff) throw new InputError(`${where}: flow: expected an integer >= 0, got '${cells[2]}'`);
    if (out.length >= MAX_REPLAY_RECORDS) throw new InputError(`${source}: more than ${MAX_REPLAY_RECORDS} packets`);
    last = time;
    out.push({ time, size, flow });
  });
  if (out.length === 0) throw new InputError(`${source}: no packets (expected lines of time,size,flow)`);
  return out;
}
