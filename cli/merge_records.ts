/**
 * `irqsim merge` input: each line of a shard must be a sweep record as `sweep --json`
 * writes it, validated with zod like a scenario (a `null` line, `result: null` or `{}` is
 * bad input, exit 2, not a crash further on). The result is checked for the fields the
 * table, CSV and chart read; the rest passes through untouched. Records are combined
 * without recursion, so input size only costs memory and linear time.
 */
import { z } from "zod";
import { InputError } from "../sim/input_error.js";
import { quote } from "../sim/quote.js";
import type { SweepRecord } from "../system/sweep.js";

const count = z.number().finite().nonnegative();
const latency = z.looseObject({ count, p50: count, p99: count, p999: count });

const ResultSchema = z.looseObject({
  fingerprint: z.string(),
  simulated_ns: count,
  packets: z.looseObject({
    arrived: count,
    delivered: count,
    dropped: z.record(z.string(), count),
    offered_pps: count,
    delivered_pps: count,
  }),
  cpus: z.array(z.looseObject({ hardirq_ns: count, softirq_ns: count, system_ns: count, user_ns: count, idle_ns: count })),
  latency_ns: z.record(z.string(), latency),
  invariants: z.looseObject({ ok: z.boolean(), violations: z.array(z.string()) }),
});

/** Keys that would reach Object.prototype when merged into plain objects downstream. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

const RecordSchema = z.looseObject({
  sweep: z.string().regex(/^[0-9a-f]{12}$/, { error: "expected the 12-hex-digit sweep id" }),
  index: z.int().min(0),
  total: z.int().min(1),
  params: z.record(z.string(), z.string()).refine((p) => Object.keys(p).every((k) => !FORBIDDEN_KEYS.has(k)), { error: "expected scenario field paths as keys" }),
  seed: z.int().min(0).max(4_294_967_295),
  result: ResultSchema,
});

const MAX_RECORD_DEPTH = 32;

/** True if `value` nests objects/arrays more than `max` deep (iterative: no recursion). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}

/**
 * One line of a shard, validated; `where` is `file:line`. null for a `--seeds` summary line
 * (`sweep` and `stats`): merge recomputes those from the runs.
 */
export function parseSweepRecord(line: string, where: string): SweepRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new InputError(`${where}: expected one JSON object per line (irqsim sweep --json output)`);
  }
  if (typeof raw === "object" && raw !== null && !Array.isArray(raw) && "stats" in raw && typeof (raw as { sweep?: unknown }).sweep === "string" && !("result" in raw)) return null;
  // A record nests about 5 deep; a much deeper line would overflow the (recursive)
  // validation, comparison and printing below: refuse it after one iterative walk.
  if (deeperThan(raw, MAX_RECORD_DEPTH)) throw new InputError(`${where}: not a sweep record (nested deeper than ${MAX_RECORD_DEPTH} levels)`);
  const r = RecordSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    throw new InputError(`${where}: not a sweep record${path === "" ? "" : ` (${path}: ${issue.message})`}; expected a line of irqsim sweep --json output`);
  }
  if (r.data.index >= r.data.total) throw new InputError(`${where}: index ${r.data.index} is not below total ${r.data.total}`);
  // The parsed object itself, not zod's copy: merge prints records byte for byte as sweep did.
  return raw as SweepRecord;
}

/** Shard records by index; the same index twice must be the same run. */
export class MergedRecords {
  private readonly byIndex = new Map<number, { rec: SweepRecord; line: string; where: string }>();
  private id: string | undefined;
  private total = 0;

  add(line: string, where: string): void {
    const rec = parseSweepRecord(line, where);
    if (rec === null) return;
    if (this.id !== undefined && rec.sweep !== this.id) throw new InputError(`${where}: from sweep ${rec.sweep}, but earlier records are from sweep ${this.id}`);
    if (this.id !== undefined && rec.total !== this.total) throw new InputError(`${where}: total ${rec.total}, but earlier records say ${this.total}`);
    this.id = rec.sweep;
    this.total = rec.total;
    const prev = this.byIndex.get(rec.index);
    if (prev !== undefined) {
      // The same shard given twice is harmless; two different results for one run are not.
      if (JSON.stringify(prev.rec) !== JSON.stringify(rec)) throw new InputError(`${where}: run ${rec.index} conflicts with ${prev.where} (different results for the same run)`);
      return;
    }
    this.byIndex.set(rec.index, { rec, line, where });
  }

  addText(text: string, file: string): void {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() === "") continue;
      this.add(lines[i]!, `${quote(file)}:${i + 1}`);
    }
  }

  get sweepId(): string | undefined {
    return this.id;
  }

  get totalRuns(): number {
    return this.total;
  }

  records(): SweepRecord[] {
    return [...this.byIndex.values()].map((e) => e.rec).sort((a, b) => a.index - b.index);
  }
}
