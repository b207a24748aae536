/**
 * `irqsim merge`: sweep shards' JSON Lines back into one sweep, refusing records of a
 * different sweep, then printed like `irqsim sweep` prints.
 */
import { readCheckedFile } from "../system/checked_read.js";
import { InputError } from "../sim/input_error.js";
import { type Io, writeFileAtomic } from "./output.js";
import { checkOutputPaths, outputUses } from "./output_paths.js";
import { MergedRecords } from "./merge_records.js";
import { sweepSvg } from "./sweep_svg.js";
import { printRecords, type SweepFlags } from "./sweep_output.js";

/** A sweep's JSON Lines: ~4 KiB a run, so 256 MiB is some 60,000 runs in one shard. */
const MAX_SHARD_BYTES = 256 * 1024 * 1024;

/** `irqsim merge`: shards of one sweep (JSON Lines) back into the full sweep. */
export async function mergeCommand(files: string[], flags: SweepFlags, io: Io): Promise<number> {
  checkOutputPaths(outputUses({ "--svg": flags.svg }), files.map((f) => ({ what: "an input", path: f })));
  const merged = new MergedRecords();
  for (const file of files) {
    merged.addText(readCheckedFile(file, { maxBytes: MAX_SHARD_BYTES, what: "JSON Lines from irqsim sweep --json" }), file);
  }
  const records = merged.records();
  const total = merged.totalRuns;
  const id = merged.sweepId;
  // One empty shard is normal (more shards than points); no record at all is bad input.
  if (records.length === 0) {
    throw new InputError(`${files.join(", ")}: no sweep records (expected JSON Lines written by irqsim sweep --json)`);
  }
  if (records.length < total) io.stderr(`irqsim: merge: ${records.length} of ${total} runs present (missing shards?)\n`);
  printRecords(records, flags, io);
  if (flags.svg !== undefined) writeFileAtomic(flags.svg, await sweepSvg(records, flags, `${records[0]!.result.scenario}: sweep ${id}`));
  return 0;
}
