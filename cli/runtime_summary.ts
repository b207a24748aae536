/**
 * The runtime part of the human summary (scenarios with `runtime:`): what happened to the
 * requests, the loop, the queue and the pool, the hand-off tax, the latency table and the
 * runtime's own log, with each runtime's signature behaviour called out on top.
 */
import type { ChalkInstance } from "chalk";
import type { RunResult } from "../system/result.js";
import type { LoopRuntimeResult, RuntimeResult } from "../runtimes/system.js";
import type { SeedPoolResult } from "../runtimes/seed_pool.js";
import { int, ns, renderTable, type Column } from "./table.js";

export function runtimeSection(rt: RuntimeResult, c: ChalkInstance): string[] {
  return rt.kind === "seed-pool" ? seedPoolSection(rt, c) : loopSection(rt, c);
}

function seedPoolSection(rt: SeedPoolResult, c: ChalkInstance): string[] {
  const out = ["", c.bold(`Runtime: ${rt.model}`)];
  out.push(`  HalfSyncHalfAsync(${rt.max_workers}), ${rt.threads} threads, retry ${rt.retry}: acquired ${int(rt.acquired)}  rejected ${int(rt.rejected)}  released ${int(rt.released)}  gave up ${rt.gave_up > 0 ? c.red(int(rt.gave_up)) : "0"}  most active ${rt.max_active}`);
  out.push(`  slot wait (start -> acquired): p50 ${ns(rt.acquire_delay_ns.p50)}  max ${ns(rt.acquire_delay_ns.max)}`);
  out.push("", c.bold("Program output"), ...rt.output.map((l) => `  ${l}`));
  if (rt.output_dropped > 0) out.push(c.dim(`  ... ${int(rt.output_dropped)} more lines not kept`));
  out.push(`  ${rt.matches_seed_expected_output ? c.green("matches") : c.yellow("differs from")} the "Expected output" printed in seed 000`);
  return out;
}

/** The behaviour a user of this runtime meets, read off the result. */
export function signatures(rt: LoopRuntimeResult): string[] {
  const q = rt.requests;
  const out: string[] = [];
  const wait = rt.latency_ns.queue_wait;
  // Saturated: every thread busy at once, and requests waited far longer than a hand-off takes.
  const handoff = Math.max(rt.latency_ns.handoff_parked?.p50 ?? 0, 1_000);
  if (rt.pool.threads > 0 && rt.pool.max_busy >= rt.pool.max_threads && wait.count > 0 && wait.p99 > 10 * handoff) {
    out.push(`pool saturated: all ${rt.pool.max_threads} threads busy at once; requests waited up to ${ns(wait.p99)} (p99) in the queue for a thread`);
  }
  if (q.rejected > 0) out.push(`${int(q.rejected)} requests rejected (RejectedExecutionException)`);
  if (q.discarded > 0) out.push(`${int(q.discarded)} requests silently discarded`);
  if (q.caller_runs > 0) out.push(`${int(q.caller_runs)} tasks run by the caller -- the event loop itself (CallerRunsPolicy)`);
  if (q.timed_out > 0) {
    out.push(`${int(q.timed_out)} wait_for timeouts: ${int(q.cancelled)} cancelled before a thread took them; ${int(q.abandoned_completed)} ran to the end anyway, ${int(q.abandoned_running)} still running (a timeout cancels the await, not the thread's work)`);
  }
  if (rt.go !== undefined) {
    const g = rt.go;
    out.push(`${int(g.syscalls)} blocking syscalls: sysmon handed ${int(g.p_handoffs)} Ps off to other Ms; ${int(g.ms)} OS threads (Ms) for GOMAXPROCS=${g.gomaxprocs}; ${int(g.exitsyscall_without_p)} syscalls came back to find their P gone`);
    out.push(`${int(g.netpoll_parks)} network waits parked on the netpoller, holding no thread`);
  }
  if (rt.watchdog.reports > 0) out.push(`${rt.watchdog.name}: ${int(rt.watchdog.reports)} reports (see the log below)`);
  if (rt.handoff.handoff_mean_ns > 0) out.push(`hand-off tax: ${ns(rt.handoff.handoff_mean_ns)} per hand-off to an idle thread = ${rt.handoff.overhead_pct}% of the ${ns(rt.handoff.work_mean_ns)} mean work`);
  if (rt.handoff.copy_mean_ns > 0) out.push(`cross-layer copy: ${ns(rt.handoff.copy_mean_ns)} of loop CPU per handed-over item (transfer ownership instead: copy 0)`);
  return out;
}

function loopSection(rt: LoopRuntimeResult, c: ChalkInstance): string[] {
  const out = ["", c.bold(`Runtime: ${rt.model}${rt.mode !== "default" ? ` (${rt.mode})` : ""}`)];
  for (const s of signatures(rt)) out.push(`  ${c.yellow("*")} ${s}`);
  const q = rt.requests;
  out.push(
    `  requests: arrived ${int(q.arrived)}  completed ${int(q.completed)}  in flight ${int(q.in_flight)}  on the loop ${int(q.on_loop)}  rejected ${int(q.rejected)}  cancelled ${int(q.cancelled)}  timed out ${int(q.timed_out)}`,
  );
  for (const l of rt.loops) out.push(`  loop ${l.comm} on CPU${l.cpu}: ${int(l.callbacks)} callbacks, longest ${ns(l.longest_callback_ns)}, ${int(l.max_ready)} messages waiting at most`);
  const cap = rt.queue.capacity === null ? "unbounded" : `capacity ${int(rt.queue.capacity)}`;
  out.push(`  queue (${cap}): ${int(rt.queue.enqueued)} enqueued, max depth ${int(rt.queue.max_depth)}, lock contended ${int(rt.queue.contended)} times (${ns(rt.queue.lock_wait_ns)} waiting)`);
  const p = rt.pool;
  out.push(`  pool: ${int(p.threads)} of ${int(p.max_threads)} threads, at most ${int(p.max_busy)} busy; ${int(p.parks)} parks, ${int(p.wakeups)} wake-ups, ${int(p.spin_hits)} spin hits (${ns(p.spin_ns)} spinning), ${int(p.batches)} dequeues`);
  out.push(
    ...renderTable(
      [{ header: "stage" }, { header: "count", align: "right" }, { header: "p50", align: "right" }, { header: "p99", align: "right" }, { header: "p99.9", align: "right" }, { header: "max", align: "right" }, { header: "what" }],
      Object.entries(rt.latency_ns).map(([name, l]) => [name, int(l.count), ns(l.p50), ns(l.p99), ns(l.p999), ns(l.max), c.dim(l.description)]),
    ),
  );
  out.push(`  watchdog: ${rt.watchdog.name}${rt.watchdog.threshold_ns > 0 ? ` (${ns(rt.watchdog.threshold_ns)})` : ""}: ${int(rt.watchdog.reports)} reports`);
  if (rt.log.length > 0) {
    out.push("", c.bold("Runtime log"));
    const shown = rt.log.slice(0, 10);
    out.push(...shown.map((l) => `  ${c.yellow(l)}`));
    const more = rt.log.length - shown.length + rt.log_dropped;
    if (more > 0) out.push(c.dim(`  ... ${int(more)} more lines${rt.log_dropped > 0 ? "" : " in --json"}`));
  }
  return out;
}

/** `irqsim sweep` over a runtime scenario: one row per run, these columns after the parameters. */
export const RUNTIME_SWEEP_COLUMNS: Column[] = [
  { header: "done", align: "right" },
  { header: "rejected", align: "right" },
  { header: "timed out", align: "right" },
  { header: "hand-off", align: "right" },
  { header: "overhead", align: "right" },
  { header: "wake/item", align: "right" },
  { header: "queue p99", align: "right" },
  { header: "resp p50", align: "right" },
  { header: "resp p99", align: "right" },
  { header: "resp p99.9", align: "right" },
  { header: "watchdog", align: "right" },
];

export function runtimeSweepCells(rt: RuntimeResult): string[] {
  if (rt.kind === "seed-pool") return [int(rt.released), int(rt.rejected), "-", "-", "-", "-", "-", ns(rt.acquire_delay_ns.p50), ns(rt.acquire_delay_ns.p99), ns(rt.acquire_delay_ns.p999), "-"];
  const l = rt.latency_ns;
  return [
    int(rt.requests.completed),
    int(rt.requests.rejected),
    int(rt.requests.timed_out),
    ns(rt.handoff.handoff_mean_ns),
    `${rt.handoff.overhead_pct}%`,
    String(rt.handoff.wakeups_per_item),
    ns(l.queue_wait!.p99),
    ns(l.response!.p50),
    ns(l.response!.p99),
    ns(l.response!.p999),
    int(rt.watchdog.reports),
  ];
}

/** `irqsim sweep --csv` over runtime scenarios: these columns instead of the packet ones. */
export const RUNTIME_CSV_METRICS: [string, (r: RunResult) => number][] = (() => {
  const loop = (r: RunResult) => (r.runtime !== undefined && r.runtime.kind !== "seed-pool" ? r.runtime : null);
  const lat = (key: string, q: "p50" | "p99" | "p999") => (r: RunResult) => loop(r)?.latency_ns[key]?.[q] ?? 0;
  return [
    ["arrived", (r) => loop(r)?.requests.arrived ?? 0],
    ["completed", (r) => loop(r)?.requests.completed ?? (r.runtime?.kind === "seed-pool" ? r.runtime.released : 0)],
    ["rejected", (r) => loop(r)?.requests.rejected ?? (r.runtime?.kind === "seed-pool" ? r.runtime.rejected : 0)],
    ["timed_out", (r) => loop(r)?.requests.timed_out ?? 0],
    ["handoff_mean_ns", (r) => loop(r)?.handoff.handoff_mean_ns ?? 0],
    ["overhead_pct", (r) => loop(r)?.handoff.overhead_pct ?? 0],
    ["wakeups_per_item", (r) => loop(r)?.handoff.wakeups_per_item ?? 0],
    ["queue_wait_p99_ns", lat("queue_wait", "p99")],
    ["response_p50_ns", lat("response", "p50")],
    ["response_p99_ns", lat("response", "p99")],
    ["response_p999_ns", lat("response", "p999")],
    ["watchdog_reports", (r) => r.runtime?.watchdog.reports ?? 0],
  ];
})();
