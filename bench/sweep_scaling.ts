/**
 * Sweep scaling: one sweep run twice as a user runs it, `irqsim sweep ... --jobs 1` and
 * `--jobs <cores>`, each in its own process (start-up and worker start-up included: that
 * is what a user waits for). The speedup is the ratio of the two wall times.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SweepScalingRun {
  jobs: number;
  wallMs: number;
  /** The JSON Lines records the sweep printed (checked equal between the two). */
  records: number;
  output: string;
}

/** The irqsim command line of this installation (from source under tsx, or built). */
function irqsimArgv(): string[] {
  const fromSource = import.meta.url.endsWith(".ts");
  const bin = fileURLToPath(new URL(`../cli/bin.${fromSource ? "ts" : "js"}`, import.meta.url));
  const loader = fromSource && !process.execArgv.some((a) => a.includes("tsx")) ? ["--import", "tsx"] : [];
  return [...process.execArgv, ...loader, bin];
}

export function runSweep(args: string[], jobs: number): SweepScalingRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...irqsimArgv(), "sweep", ...args, "--jobs", String(jobs), "--json"], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`irqsim sweep --jobs ${jobs} exited ${r.status}: ${(r.stderr ?? "").trim().split("\n").pop()}`);
  const output = r.stdout;
  return { jobs, wallMs, records: output.split("\n").filter((l) => l.trim() !== "").length, output };
}
