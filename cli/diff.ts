/**
 * `irqsim diff A.json B.json`: what differs between two runs' results, metric by metric,
 * with the absolute and relative change, after what made them differ (scenario, seed,
 * `--set`s, irqsim version, fingerprint). `--json` gives the same as one object.
 */
import type { Command } from "commander";
import { loadResult, type LoadedResult } from "./result_file.js";
import { int, renderTable } from "./table.js";
import type { CommandContext } from "./options.js";
import type { Io } from "./output.js";

/** One leaf that differs. `relative` is null when A is 0 (or either side is not a number). */
export interface MetricChange {
  metric: string;
  a: number | string | boolean | null;
  b: number | string | boolean | null;
  change: number | null;
  relative: number | null;
}

export interface RunDiff {
  a: string;
  b: string;
  /** What made the runs differ: scenario, seed, sets, irqsim version, fingerprint. */
  inputs: { field: string; a: string; b: string; same: boolean }[];
  metrics: MetricChange[];
  /** Leaves compared that are equal. */
  equal: number;
}

/** Fields that identify a run rather than measure it: shown first, not as metrics. */
const IDENTITY = new Set(["irqsim", "scenario", "seed", "fingerprint", "sets"]);
/** In an array of objects, the field that names each element (cpus[cpu=1], irqs[irq=24]). */
const KEYS = ["cpu", "irq", "pid", "queue", "id", "metric", "name", "vec"];

type Leaf = number | string | boolean | null;

/** Dotted paths to every leaf; array elements are named by their identity field if they have one. */
export function flatten(v: unknown, path = "", out = new Map<string, Leaf>()): Map<string, Leaf> {
  if (Array.isArray(v)) {
    v.forEach((el, i) => {
      const key = typeof el === "object" && el !== null ? KEYS.find((k) => k in el && ["number", "string"].includes(typeof (el as Record<string, unknown>)[k])) : undefined;
      const name = key === undefined ? String(i) : `${key}=${String((el as Record<string, unknown>)[key])}`;
      flatten(el, `${path}[${name}]`, out);
    });
  } else if (typeof v === "object" && v !== null) {
    for (const [k, el] of Object.entries(v)) {
      if (path === "" && IDENTITY.has(k)) continue;
      if (k === "description" && typeof el === "string") continue; // a label, not a measurement
      flatten(el, path === "" ? k : `${path}.${k}`, out);
    }
  } else if (v === null || ["number", "string", "boolean"].includes(typeof v)) out.set(path, v as Leaf);
  return out;
}

export function diffResults(a: LoadedResult, b: LoadedResult): RunDiff {
  const ra = a.result;
  const rb = b.result;
  const sets = (s: string[]): string => (s.length === 0 ? "(none)" : s.join(" "));
  const inputs = [
    { field: "scenario", a: ra.scenario, b: rb.scenario },
    { field: "seed", a: String(ra.seed), b: String(rb.seed) },
    { field: "--set", a: sets(a.sets), b: sets(b.sets) },
    { field: "irqsim", a: String(ra.irqsim), b: String(rb.irqsim) },
    { field: "fingerprint", a: ra.fingerprint, b: rb.fingerprint },
  ].map((r) => ({ ...r, same: r.a === r.b }));
  const fa = flatten(ra);
  const fb = flatten(rb);
  const metrics: MetricChange[] = [];
  let equal = 0;
  const paths = [...fa.keys(), ...[...fb.keys()].filter((k) => !fa.has(k))];
  for (const p of paths) {
    const x = fa.has(p) ? fa.get(p)! : null;
    const y = fb.has(p) ? fb.get(p)! : null;
    if (x === y && fa.has(p) === fb.has(p)) {
      equal++;
      continue;
    }
    const num = typeof x === "number" && typeof y === "number";
    metrics.push({
      metric: p,
      a: x,
      b: y,
      change: num ? y - x : null,
      relative: num && x !== 0 ? (y - x) / Math.abs(x) : null,
    });
  }
  return { a: a.file, b: b.file, inputs, metrics, equal };
}

function num(v: Leaf): string {
  if (v === null) return "-";
  if (typeof v !== "number") return String(v);
  return Number.isInteger(v) ? (v < 0 ? "-" + int(-v) : int(v)) : String(Number(v.toPrecision(6)));
}

function signed(v: number | null): string {
  if (v === null) return "";
  const s = num(v);
  return v > 0 ? `+${s}` : s;
}

function relative(v: number | null): string {
  if (v === null) return "";
  return `${v > 0 ? "+" : ""}${(100 * v).toFixed(1)}%`;
}

export function renderDiff(d: RunDiff): string {
  const out: string[] = [];
  out.push(...renderTable([{ header: "" }, { header: "A" }, { header: "B" }, { header: "" }], d.inputs.map((r) => [r.field, r.a, r.b, r.same ? "" : "differs"]), ""));
  out.push("");
  if (d.metrics.length === 0) {
    out.push(`no metric differs (${d.equal} compared)`);
    return out.join("\n") + "\n";
  }
  const rows = d.metrics.map((m) => [m.metric, num(m.a), num(m.b), signed(m.change), relative(m.relative)]);
  out.push(
    ...renderTable(
      [{ header: "metric" }, { header: "A", align: "right" }, { header: "B", align: "right" }, { header: "change", align: "right" }, { header: "relative", align: "right" }],
      rows,
      "",
    ),
  );
  out.push("");
  out.push(`${d.metrics.length} metric${d.metrics.length === 1 ? "" : "s"} differ, ${d.equal} equal`);
  return out.join("\n") + "\n";
}

export function registerDiff(program: Command, ctx: CommandContext): void {
  program
    .command("diff")
    .description("compare two results (run --out / --json): inputs first, then every metric that differs")
    .argument("<a>", "first result (JSON)")
    .argument("<b>", "second result (JSON)")
    .option("--json", "print the comparison as JSON")
    .action((a: string, b: string, flags: { json?: boolean }) => {
      ctx.setExitCode(diffCommand(a, b, flags, ctx.io));
    });
}

function diffCommand(fa: string, fb: string, flags: { json?: boolean }, io: Io): number {
  const d = diffResults(loadResult(fa), loadResult(fb));
  io.stdout(flags.json ? JSON.stringify(d, null, 2) + "\n" : renderDiff(d));
  return 0;
}
