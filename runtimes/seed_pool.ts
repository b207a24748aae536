/**
 * Seed 000's HalfSyncHalfAsync toy, simulated as written: `threads` threads each call
 * acquire(); below max_workers it takes a slot, prints "acquired", sleeps `hold`
 * (time.sleep(0.1)) and releases; at the limit it prints "rejected" and -- in the code as
 * written -- simply returns: its work never runs. The seed's printed "expected output"
 * shows the rejected workers acquiring later, which its code cannot print; `retry: sleep`
 * (a rejected worker sleeps `hold` and tries again) is the smallest change that does.
 * The threads run on the kernel's scheduler; the lock costs one uncontended enqueue.
 */
import type { Kernel } from "../sim/kernel.js";
import { Latency, type LatencySummary } from "../sim/metrics.js";
import { MAX_TRIES_DEFAULT, RUNTIME_MODELS, type RuntimeSpec } from "./schema.js";
import { makeLog, RUNTIME_LOG_LIMIT } from "./watchdog.js";
import type { RuntimeSystem } from "./system.js";

/** The "Expected output:" block printed in seed 000 (HalfSyncHalfAsync(2), four threads). */
export const SEED_EXPECTED_OUTPUT: readonly string[] = [
  "Worker 0: acquired (1/2 active)",
  "Worker 1: acquired (2/2 active)",
  "Worker 2: rejected (2/2 active)",
  "Worker 3: rejected (2/2 active)",
  "Worker 0: released (1/2 active)",
  "Worker 1: released (0/2 active)",
  "Worker 2: acquired (1/2 active)",
  "Worker 3: acquired (2/2 active)",
  "Worker 2: released (1/2 active)",
  "Worker 3: released (0/2 active)",
];

export interface SeedPoolResult {
  kind: "seed-pool";
  model: string;
  retry: "none" | "sleep";
  max_workers: number;
  threads: number;
  acquired: number;
  rejected: number;
  released: number;
  /** threads whose work never ran (rejected with no retry, or out of tries) */
  gave_up: number;
  max_active: number;
  /** thread start -> acquired: the saturation delay a retry pays */
  acquire_delay_ns: LatencySummary & { description: string };
  /** what the program prints, line by line */
  output: string[];
  output_dropped: number;
  matches_seed_expected_output: boolean;
  watchdog: { name: string; threshold_ns: number; reports: number };
  log: string[];
  log_dropped: number;
}

export function bootSeedPool(k: Kernel, spec: Extract<RuntimeSpec, { kind: "seed-pool" }>): RuntimeSystem {
  const max = spec.max_workers;
  const output: string[] = [];
  const delay = new Latency("acquire_delay", "thread start -> it holds a slot");
  const st = { active: 0, acquired: 0, rejected: 0, released: 0, gaveUp: 0, maxActive: 0 };
  const violations: string[] = [];
  const log = makeLog(k);
  let outputDropped = 0;
  const print = (line: string): void => {
    if (output.length < 4 * RUNTIME_LOG_LIMIT) output.push(line);
    else outputDropped++;
  };
  for (let id = 0; id < spec.threads; id++) {
    k.spawn({ comm: `Thread-${id + 1}`, cpu: 0, kernelThread: false }, function* () {
      const born = k.now;
      for (let tries = 1; ; tries++) {
        // with self._lock: one uncontended lock round trip
        yield k.user(spec.costs.enqueue);
        if (st.active < max) {
          st.active++;
          st.acquired++;
          if (st.active > st.maxActive) st.maxActive = st.active;
          if (st.active > max) violations.push(`seed-pool: ${st.active} active > max_workers ${max}`);
          print(`Worker ${id}: acquired (${st.active}/${max} active)`);
          delay.record(k.now - born);
          if (spec.work > 0) yield k.user(spec.work);
          yield k.sleep(spec.hold);
          yield k.user(spec.costs.enqueue);
          st.active--;
          st.released++;
          print(`Worker ${id}: released (${st.active}/${max} active)`);
          return;
        }
        st.rejected++;
        print(`Worker ${id}: rejected (${st.active}/${max} active)`);
        if (spec.retry === "none" || tries >= (spec.max_tries ?? MAX_TRIES_DEFAULT)) {
          st.gaveUp++;
          return;
        }
        yield k.sleep(spec.hold);
      }
    });
  }
  return {
    check() {
      const v = violations.slice();
      if (st.active !== st.acquired - st.released) v.push(`seed-pool: active ${st.active} != acquired ${st.acquired} - released ${st.released}`);
      return v;
    },
    result(): SeedPoolResult {
      return {
        kind: "seed-pool",
        model: RUNTIME_MODELS["seed-pool"],
        retry: spec.retry,
        max_workers: max,
        threads: spec.threads,
        acquired: st.acquired,
        rejected: st.rejected,
        released: st.released,
        gave_up: st.gaveUp,
        max_active: st.maxActive,
        acquire_delay_ns: { description: delay.description, ...delay.summary() },
        output: output.slice(),
        output_dropped: outputDropped,
        matches_seed_expected_output: output.length === SEED_EXPECTED_OUTPUT.length && output.every((l, i) => l === SEED_EXPECTED_OUTPUT[i]),
        watchdog: { name: "none (no event loop)", threshold_ns: 0, reports: log.reports },
        log: log.lines,
        log_dropped: log.dropped,
      };
    },
  };
}
