/**
 * Running a sweep's points: in-process one after another (--jobs 1), or on a pool of
 * worker threads (cli/sweep_worker.ts) that watch a shared abort flag so Ctrl-C stops them
 * between slices. Records come back ordered by point index whatever finishes first.
 */
import { Worker } from "node:worker_threads";
import { InputError } from "../sim/input_error.js";
import type { RunResult } from "../system/result.js";
import { POINT_SLICE_EVENTS, pointSimulation, type StoppedPoint, type SweepPoint, type SweepSpec } from "../system/sweep.js";

/**
 * Set by SIGINT. Checked between slices of a run: in-process (--jobs 1) the loop yields
 * to the event loop after each slice so the handler can run; workers read the shared
 * `abort` flag the handler sets. Either way a run stops within a slice, not at its end.
 */
export const stop = { requested: false };

/** What a sweep's runs came to: finished results, and runs stopped part-way by Ctrl-C. */
export interface SweepOutcome {
  results: Map<number, RunResult>;
  stopped: StoppedPoint[];
}

export async function runSequential(spec: SweepSpec, points: SweepPoint[], progress: (done: number) => void): Promise<SweepOutcome> {
  const results = new Map<number, RunResult>();
  const stopped: StoppedPoint[] = [];
  for (const p of points) {
    if (stop.requested) break;
    const sim = pointSimulation(spec, p);
    let done = false;
    for (;;) {
      done = sim.advance(POINT_SLICE_EVENTS);
      await new Promise<void>((r) => setImmediate(r));
      if (done || stop.requested) break;
    }
    if (!done) {
      stopped.push({ index: p.index, simulated_ns: sim.now, duration_ns: sim.scenario.duration });
      break;
    }
    results.set(p.index, sim.finish());
    progress(results.size);
  }
  return { results, stopped };
}

function startWorker(abort: Int32Array): Worker {
  const workerData = { abort };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./sweep_worker.js", import.meta.url), { workerData });
  // Running from source (tests, tsx): the worker is TypeScript too, so it registers tsx's
  // loader before importing itself.
  const src = new URL("./sweep_worker.ts", import.meta.url).href;
  return new Worker(`import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(src)}); });`, { eval: true, workerData });
}

/**
 * How long after Ctrl-C to wait for busy workers to say where they stopped. A running
 * worker answers within one slice; one still starting up (loading modules) would not
 * look at the flag for longer, so past this its run is dropped unreported.
 */
const STOP_GRACE_MS = 30;

export function runOnWorkers(
  spec: SweepSpec,
  points: SweepPoint[],
  jobs: number,
  abort: Int32Array,
  interrupted: AbortSignal,
  progress: (done: number) => void,
): Promise<SweepOutcome> {
  const out = new Map<number, RunResult>();
  const stopped: StoppedPoint[] = [];
  const queue = [...points];
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    let busy = 0;
    let failed = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve({ results: out, stopped });
    };
    interrupted.addEventListener("abort", () => (grace = setTimeout(() => finish(), STOP_GRACE_MS)), { once: true });
    const feed = (w: Worker): void => {
      const p = stop.requested ? undefined : queue.shift();
      if (p === undefined) {
        if (busy === 0) finish();
        return;
      }
      busy++;
      w.postMessage({ spec, point: p });
    };
    for (let i = 0; i < jobs; i++) {
      const w = startWorker(abort);
      workers.push(w);
      w.on("message", (msg: { index: number; result?: RunResult; stopped?: StoppedPoint; error?: string; input?: boolean }) => {
        if (settled) return;
        busy--;
        if (msg.error !== undefined) {
          failed = true;
          finish(msg.input ? new InputError(msg.error) : new Error(`sweep run ${msg.index} failed: ${msg.error}`));
          return;
        }
        if (msg.stopped !== undefined) stopped.push(msg.stopped);
        else {
          out.set(msg.index, msg.result!);
          progress(out.size);
        }
        if (!failed) feed(w);
      });
      w.on("error", (e) => {
        if (!failed) {
          failed = true;
          finish(e);
        }
      });
      feed(w);
    }
  });
}
