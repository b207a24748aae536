/**
 * The hand-off tax, measured: the handoff-tax scenario run in every hand-off mode and
 * per-item work size, and the kernel-vs-runtimes mapping table with the costs each layer
 * pays read from runs of the built-in scenarios. `irqsim explain`, the lesson and the
 * tests all use these, so every number they print comes from a simulation.
 */
import { loadScenario } from "./scenario_files.js";
import { runScenario } from "./run.js";
import type { RunResult } from "./result.js";
import type { LoopRuntimeResult } from "../runtimes/system.js";

export const HANDOFF_MODES = ["inline", "park", "spin", "batch", "shards", "leader_followers"] as const;
export type HandoffMode = (typeof HANDOFF_MODES)[number];

export interface HandoffRow {
  mode: HandoffMode;
  work_ns: number;
  /** mean hand-off to an idle thread (parked or spinning) */
  handoff_mean_ns: number;
  overhead_pct: number;
  handoff_parked_mean_ns: number;
  handoff_parked_count: number;
  handoff_spinning_mean_ns: number;
  handoff_spinning_count: number;
  wakeups_per_item: number;
  response_p50_ns: number;
  response_p99_ns: number;
  response_p999_ns: number;
  /** CPU time of all CPUs spent in user mode (work, callbacks, spinning) per completed request */
  cpu_per_request_ns: number;
}

export function runtimeOf(r: RunResult): LoopRuntimeResult {
  const rt = r.runtime;
  if (rt === undefined || rt.kind === "seed-pool") throw new Error(`${r.scenario}: not a loop runtime scenario`);
  return rt;
}

/** One point of the family: `sets` are extra --set overrides (costs, rate, spin, ...). */
export function handoffRun(mode: HandoffMode, workNs: number, opts: { seed?: number; duration?: string; sets?: string[] } = {}): HandoffRow {
  const sets = [`runtime.mode=${mode}`, `runtime.requests.0.work=${workNs}ns`, `seed=${opts.seed ?? 1}`, `duration=${opts.duration ?? "20ms"}`, ...(mode === "shards" ? ["runtime.producers=2"] : []), ...(opts.sets ?? [])];
  const { scenario } = loadScenario("handoff-tax", { sets });
  const r = runScenario(scenario);
  if (!r.invariants.ok) throw new Error(`handoff-tax ${sets.join(" ")}: ${r.invariants.violations.join("; ")}`);
  const rt = runtimeOf(r);
  const l = rt.latency_ns;
  const user = r.cpus.reduce((a, c) => a + c.user_ns, 0);
  return {
    mode,
    work_ns: workNs,
    handoff_mean_ns: rt.handoff.handoff_mean_ns,
    overhead_pct: rt.handoff.overhead_pct,
    handoff_parked_mean_ns: l.handoff_parked!.mean,
    handoff_parked_count: l.handoff_parked!.count,
    handoff_spinning_mean_ns: l.handoff_spinning!.mean,
    handoff_spinning_count: l.handoff_spinning!.count,
    wakeups_per_item: rt.handoff.wakeups_per_item,
    response_p50_ns: l.response!.p50,
    response_p99_ns: l.response!.p99,
    response_p999_ns: l.response!.p999,
    cpu_per_request_ns: rt.requests.completed > 0 ? Math.round(user / rt.requests.completed) : 0,
  };
}

export function handoffTaxSweep(works: readonly number[] = [1_000, 5_000, 50_000], modes: readonly HandoffMode[] = HANDOFF_MODES, opts: { seed?: number; duration?: string } = {}): HandoffRow[] {
  return works.flatMap((w) => modes.map((m) => handoffRun(m, w, opts)));
}

/** One column of the mapping table: a runtime (or the kernel) and its three layers. */
export interface MappingColumn {
  system: string;
  async_layer: string;
  queue: string;
  sync_layer: string;
  /** the scenario (and overrides) the costs below come from */
  measured_by: string;
  /** p50 from "the async layer hands work over" to "the sync layer starts it" */
  handoff_p50_ns: number;
  /** p99 of the same, including waiting for a busy sync layer */
  handoff_p99_ns: number;
  /** what reports a blocked async layer */
  watchdog: string;
}

const DURATION = "duration=";

function measure(ref: string, sets: string[]): RunResult {
  const { scenario } = loadScenario(ref, { sets });
  return runScenario(scenario);
}

/**
 * The kernel next to each runtime, with the hand-off each pays measured by a run. The
 * kernel rows hand over inside the same CPU (raise_softirq runs NET_RX at irq_exit with no
 * wake-up) or wake a kworker; the runtimes wake a parked pool thread on another CPU.
 */
export function mappingTable(): MappingColumn[] {
  // Deterministic runs of built-ins with fixed overrides: the same table every time, so once per process.
  mappingCache ??= measureMapping();
  return mappingCache.map((m) => ({ ...m }));
}

let mappingCache: MappingColumn[] | null = null;

function measureMapping(): MappingColumn[] {
  const softirq = measure("nic-basic", [`${DURATION}5ms`]).latency_ns.top_half_to_bh!;
  const wq = measure("workqueue-rx", [`${DURATION}5ms`]).workqueues.find((w) => w.name === "rx_wq")!.queue_to_start_ns;
  const rt = (ref: string, sets: string[]): LoopRuntimeResult => runtimeOf(measure(ref, sets));
  const node = rt("node-threadpool", []);
  const java = rt("java-tpe", ["runtime.arrivals.rate=200"]);
  const py = rt("asyncio-executor", ["runtime.timeout=0", "runtime.debug=false", "runtime.requests.1.weight=1", "runtime.arrivals.rate=5"]);
  const android = rt("android-looper", ["duration=2s"]);
  const handoff = rt("handoff-tax", []);
  const go = rt("go-netpoller", ["duration=20ms"]);
  const hp = (x: LoopRuntimeResult): number => x.latency_ns.handoff_parked!.p50;
  const qw = (x: LoopRuntimeResult): number => x.latency_ns.queue_wait!.p99;
  return [
    { system: "Linux kernel (softirq)", async_layer: "hardirq top half", queue: "softirq pending bitmask", sync_layer: "NET_RX at irq_exit (ksoftirqd under load)", measured_by: "nic-basic (5 ms)", handoff_p50_ns: softirq.p50, handoff_p99_ns: softirq.p99, watchdog: "BUG: scheduling while atomic / sleeping function called from invalid context" },
    { system: "Linux kernel (workqueue)", async_layer: "hardirq top half", queue: "workqueue worklist", sync_layer: "kworker threads", measured_by: "workqueue-rx (5 ms)", handoff_p50_ns: wq.p50, handoff_p99_ns: wq.p99, watchdog: "BUG: workqueue lockup (wq_watchdog)" },
    { system: "Node.js", async_layer: "libuv event loop", queue: "libuv threadpool work queue", sync_layer: "UV_THREADPOOL_SIZE threads", measured_by: "node-threadpool", handoff_p50_ns: hp(node), handoff_p99_ns: qw(node), watchdog: node.watchdog.name },
    { system: "Java", async_layer: "Netty/Vert.x event loop", queue: "ThreadPoolExecutor's BlockingQueue", sync_layer: "ThreadPoolExecutor threads", measured_by: "java-tpe (200 req/s)", handoff_p50_ns: hp(java), handoff_p99_ns: qw(java), watchdog: "Vert.x BlockedThreadChecker" },
    { system: "Python asyncio", async_layer: "asyncio event loop", queue: "ThreadPoolExecutor's work queue", sync_layer: "ThreadPoolExecutor threads", measured_by: "asyncio-executor (no timeout, 5 req/s)", handoff_p50_ns: hp(py), handoff_p99_ns: qw(py), watchdog: "asyncio debug: slow_callback_duration" },
    { system: "Android", async_layer: "main Looper", queue: "MessageQueue (by when)", sync_layer: "HandlerThread", measured_by: "android-looper", handoff_p50_ns: hp(android), handoff_p99_ns: qw(android), watchdog: android.watchdog.name },
    { system: "Go", async_layer: "netpoller (inside the runtime)", queue: "run queues of goroutines", sync_layer: "goroutines on Ms (OS threads) with Ps", measured_by: "go-netpoller (20 ms)", handoff_p50_ns: hp(go), handoff_p99_ns: qw(go), watchdog: go.watchdog.name },
    { system: "hand-off bench", async_layer: "loop thread", queue: "locked FIFO", sync_layer: "parked worker", measured_by: "handoff-tax", handoff_p50_ns: hp(handoff), handoff_p99_ns: qw(handoff), watchdog: "-" },
  ];
}
