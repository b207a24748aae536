/**
 * What a runtime subsystem gives the runner: its part of `run --json` and its invariants.
 */
import type { LatencySummary } from "../sim/metrics.js";
import type { RuntimeSpec } from "./schema.js";
import type { SeedPoolResult } from "./seed_pool.js";

export interface LoopRuntimeResult {
  kind: Exclude<RuntimeSpec["kind"], "seed-pool">;
  model: string;
  mode: string;
  requests: {
    arrived: number;
    completed: number;
    in_flight: number;
    /** run on the loop itself: on_loop classes, mode inline, CallerRunsPolicy */
    on_loop: number;
    caller_runs: number;
    rejected: number;
    discarded: number;
    /** taken out of the executor's queue before starting (a cancelled future, DiscardOldest) */
    cancelled: number;
    /** wait_for gave up on it */
    timed_out: number;
    /** timed out while running: the thread ran it to the end anyway */
    abandoned_completed: number;
    abandoned_running: number;
  };
  loops: { comm: string; cpu: number; callbacks: number; busy_ns: number; longest_callback_ns: number; max_ready: number }[];
  queue: { capacity: number | null; max_depth: number; enqueued: number; contended: number; lock_wait_ns: number };
  pool: { threads: number; max_threads: number; max_busy: number; created: number; parks: number; wakeups: number; spin_hits: number; spin_ns: number; batches: number };
  latency_ns: Record<string, LatencySummary & { description: string }>;
  /** The seed's arithmetic from this run: the mean hand-off as a share of the mean work. */
  handoff: { work_mean_ns: number; handoff_mean_ns: number; overhead_pct: number; wakeups_per_item: number; /** the loop's copy of each handed-over item (0: ownership transfer) */ copy_mean_ns: number };
  watchdog: { name: string; threshold_ns: number; reports: number };
  /** kind go: Ps, Ms and where goroutines waited */
  go?: { gomaxprocs: number; ms: number; max_busy_ms: number; syscalls: number; p_handoffs: number; netpoll_parks: number; exitsyscall_without_p: number };
  log: string[];
  log_dropped: number;
}

export type RuntimeResult = LoopRuntimeResult | SeedPoolResult;

export interface RuntimeSystem {
  result(): RuntimeResult;
  check(): string[];
}

