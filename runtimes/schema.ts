/**
 * The `runtime:` part of a scenario: an event-loop runtime above the kernel (the async
 * layer), its queue and its worker pool (the sync layer), with the knobs each runtime's
 * users know (UV_THREADPOOL_SIZE, ThreadPoolExecutor's core/max/queue/policy, asyncio's
 * max_workers and wait_for timeout, Android's input dispatch timeout). sim/scenario.ts
 * hooks this in with one field and one cross-field call, so the kernel schema stays its own.
 */
import { z } from "zod";
import { hasUnit, MAX_DURATION_NS, parseDurationNs, unitHint } from "../sim/time.js";

/** A duration: `500us`-style text (the same forms as the kernel schema; 0 needs no unit). */
function duration(min: "zero" | "positive") {
  const hint = `expected a duration ${min === "positive" ? "> 0" : ">= 0"} such as 500us, 100ms or 2s`;
  return z.union([z.string(), z.number()], { error: (iss) => (iss.input === undefined ? undefined : hint) }).transform((value, ctx) => {
    const ns = parseDurationNs(value);
    const negative = typeof value === "number" ? value < 0 : /^\s*-/.test(value);
    if (ns === undefined || negative || (min === "positive" && ns === 0) || ns > MAX_DURATION_NS) {
      ctx.addIssue({ code: "custom", message: hint, input: value });
      return z.NEVER;
    }
    // As in the kernel schema: a bare number is ambiguous, only 0 goes without a unit.
    if (ns !== 0 && !hasUnit(value)) {
      ctx.addIssue({ code: "custom", message: unitHint(value), input: value });
      return z.NEVER;
    }
    return ns;
  });
}

const cpuId = z.int().min(0).max(63);

/** Open-loop arrivals: requests come at their own rate whatever the system does (no coordinated omission). */
const ArrivalsSchema = z.strictObject({
  kind: z.enum(["constant", "poisson"]).default("poisson"),
  /** requests per second */
  rate: z.number().gt(0).lte(10_000_000),
  start: duration("zero").default(0),
});

/** One kind of request the loop receives, e.g. Node's fs.readFile or crypto.pbkdf2. */
const RequestClassSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_.]*$/, { error: "expected a name such as fs.readFile" }),
  /** relative share of arrivals */
  weight: z.int().min(0).max(1_000_000).default(1),
  /** CPU the loop spends on the request's callback (parse, dispatch, result callback) */
  callback: duration("zero").default(0),
  /** CPU the sync layer spends on it */
  work: duration("zero").default(0),
  /** blocking wait inside the work (disk, network, getaddrinfo): the thread sleeps */
  io: duration("zero").default(0),
  /** bytes the loop copies into the work item before handing it over (a kernel buffer into a heap byte[]); 0: ownership is transferred, nothing copied. Costs costs.copy_per_kib per KiB */
  copy: z.int().min(0).max(64 * 1024 * 1024).default(0),
  /** run the work synchronously on the loop (fs.readFileSync, a DB call in a callback): it blocks the loop */
  on_loop: z.boolean().default(false),
  /** Android: the arrival is an input event (the ANR watchdog times its dispatch) */
  input: z.boolean().default(false),
  /** Go: the I/O is network I/O: the goroutine parks on the netpoller instead of blocking its thread in a syscall */
  netpoll: z.boolean().default(false),
  /** Android: postDelayed(), the message's `when` is arrival + delay */
  delay: duration("zero").default(0),
});

/** Defaults of the boundary's costs (a field left at its default is never refused as not applying). */
export const ENQUEUE_DEFAULT = 30;
export const CACHELINE_DEFAULT = 50;

/** Costs of the boundary itself; the wakeup and context switch come from the kernel's `costs:`. */
const RuntimeCostsSchema = z
  .strictObject({
    /** one uncontended enqueue or dequeue (lock or CAS on head/tail): 20-50 ns */
    enqueue: duration("zero").default(ENQUEUE_DEFAULT),
    /** a cache line moving between cores: a spinning consumer sees the store after it, a contended lock pays it */
    cacheline: duration("zero").default(CACHELINE_DEFAULT),
    /** java, asyncio (pools that grow on demand): pthread_create + first run of a new pool thread (default 20 us) */
    thread_create: duration("zero").optional(),
  })
  .default(() => ({ enqueue: ENQUEUE_DEFAULT, cacheline: CACHELINE_DEFAULT }));

/** Request classes: at least one, and at least one that can arrive. */
const Requests = z
  .array(RequestClassSchema)
  .min(1)
  .max(64)
  .refine((cs) => cs.some((c) => c.weight > 0), { error: "expected at least one request class with weight > 0" });

const loopCommon = {
  loop_cpu: cpuId.default(0),
  /** CPUs the pool's threads may run on (default: all) */
  pool_cpus: z.array(cpuId).min(1).optional(),
  arrivals: ArrivalsSchema,
  requests: Requests,
  costs: RuntimeCostsSchema,
};

export const RuntimeSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    /** seed 000's bounded pool: threads call acquire(), hold, release() */
    kind: z.literal("seed-pool"),
    max_workers: z.int().min(1).max(1024).default(2),
    threads: z.int().min(1).max(1024).default(4),
    /** time.sleep(0.1) while holding a slot */
    hold: duration("positive").default(100_000_000),
    /** none: the code as written (a rejected worker gives up); sleep: it sleeps `hold` and tries again */
    retry: z.enum(["none", "sleep"]).default("none"),
    /** retry: sleep only: a rejected worker gives up after this many tries (default 100) */
    max_tries: z.int().min(1).max(1_000_000).optional(),
    /** the work a thread does between acquire() and release() besides sleeping */
    work: duration("zero").default(0),
    /** the lock round trip of acquire() and release() (one uncontended enqueue) */
    costs: z.strictObject({ enqueue: duration("zero").default(30) }).default(() => ({ enqueue: 30 })),
  }),
  z.strictObject({
    /** Node.js: the libuv loop and its threadpool for fs, crypto, dns.lookup, zlib */
    kind: z.literal("node"),
    uv_threadpool_size: z.int().min(1).max(1024).default(4),
    /** report a loop callback running longer than this (event-loop delay, as monitorEventLoopDelay sees it) */
    blocked_threshold: duration("positive").default(100_000_000),
    ...loopCommon,
  }),
  z.strictObject({
    /** java.util.concurrent.ThreadPoolExecutor fed by an event loop (Netty / Vert.x style) */
    kind: z.literal("java"),
    core_pool_size: z.int().min(0).max(1024).default(4),
    maximum_pool_size: z.int().min(1).max(1024).default(8),
    /** ArrayBlockingQueue capacity (0: a SynchronousQueue, direct hand-off) */
    queue_capacity: z.int().min(0).max(1_000_000).default(16),
    rejection: z.enum(["abort", "caller_runs", "discard", "discard_oldest"]).default("abort"),
    /** Vert.x BlockedThreadChecker: maxEventLoopExecuteTime (2 s) */
    blocked_thread_check: duration("positive").default(2_000_000_000),
    ...loopCommon,
  }),
  z.strictObject({
    /** Python asyncio: loop.run_in_executor onto a concurrent.futures.ThreadPoolExecutor */
    kind: z.literal("asyncio"),
    /** ThreadPoolExecutor(max_workers); default min(32, os.cpu_count() + 4) */
    max_workers: z.int().min(1).max(1024).optional(),
    /** asyncio.wait_for(..., timeout); 0: no timeout */
    timeout: duration("zero").default(0),
    /** PYTHONASYNCIODEBUG=1 / loop.set_debug(True) */
    debug: z.boolean().default(false),
    /** debug only: loop.slow_callback_duration (default 0.1 s) */
    slow_callback_duration: duration("positive").optional(),
    ...loopCommon,
  }),
  z.strictObject({
    /** Android: main Looper + MessageQueue (ordered by when) + HandlerThread */
    kind: z.literal("android"),
    handler_threads: z.int().min(1).max(64).default(1),
    /** InputDispatcher's timeout (DEFAULT_INPUT_DISPATCHING_TIMEOUT, 5 s) */
    input_dispatch_timeout: duration("positive").default(5_000_000_000),
    ...loopCommon,
  }),
  z.strictObject({
    /** Go: goroutines on GOMAXPROCS Ps; blocking syscalls hand the P off, network waits park on the netpoller */
    kind: z.literal("go"),
    /** runtime.GOMAXPROCS (default: the number of CPUs) */
    gomaxprocs: z.int().min(1).max(256).optional(),
    /** sysmon's tick: a P in a syscall this long with other work waiting is retaken and handed off (20 us) */
    sysmon_tick: duration("positive").default(20_000),
    /** CPUs the Ms (OS threads) may run on (default: all) */
    pool_cpus: z.array(cpuId).min(1).optional(),
    arrivals: ArrivalsSchema,
    requests: Requests,
    costs: RuntimeCostsSchema,
  }),
  z.strictObject({
    /** the hand-off tax bench: one way of getting work from the async layer to the sync layer */
    kind: z.literal("handoff"),
    mode: z.enum(["inline", "park", "spin", "batch", "shards", "leader_followers"]).default("park"),
    workers: z.int().min(1).max(256).default(1),
    /** spin: how long an idle worker busy-waits (onSpinWait) before it parks */
    spin: duration("positive").optional(),
    /** batch: items per wake-up (the producer signals once per batch) */
    batch: z.int().min(1).max(4096).optional(),
    /** batch: the longest an item waits for its batch to fill before the producer signals anyway */
    batch_window: duration("positive").optional(),
    /** shards / the producers of a shared queue: loops on CPUs 0..producers-1 */
    producers: z.int().min(1).max(32).default(1),
    ...loopCommon,
  }),
]);

export type RuntimeSpec = z.infer<typeof RuntimeSchema>;
export type LoopRuntimeSpec = Exclude<RuntimeSpec, { kind: "seed-pool" } | { kind: "go" }>;
export type GoRuntimeSpec = Extract<RuntimeSpec, { kind: "go" }>;
export type RequestClass = z.infer<typeof RequestClassSchema>;
export const RUNTIME_MODELS: Record<string, string> = {
  "seed-pool": "seed 000's bounded pool: acquire() or be rejected",
  node: "Node.js: libuv event loop + UV_THREADPOOL_SIZE worker threads",
  java: "Java: event loop + ThreadPoolExecutor (core/max threads, bounded queue, rejection policy)",
  asyncio: "Python asyncio: loop.run_in_executor onto a ThreadPoolExecutor",
  android: "Android: main Looper + MessageQueue + HandlerThread",
  handoff: "the hand-off tax: loop -> queue -> worker pool",
  go: "Go: goroutines on GOMAXPROCS Ps, sysmon hands off Ps stuck in syscalls, the netpoller parks network waits",
};

/** Defaults of the hand-off knobs that apply to one mode only (so setting them elsewhere is an error). */
export const HANDOFF_DEFAULTS = { spin: 20_000, batch: 8, batch_window: 50_000 } as const;
/** Defaults of knobs that apply only with another setting. */
export const SLOW_CALLBACK_DEFAULT = 100_000_000;
export const MAX_TRIES_DEFAULT = 100;
export const THREAD_CREATE_DEFAULT = 20_000;
export type RuntimeCosts = z.infer<typeof RuntimeCostsSchema>;

type Issue = { code: "custom"; path: (string | number)[]; message: string; input: unknown };

/**
 * Cross-field rules (called from the scenario's superRefine): CPU ids and layout, and no
 * silent knobs -- a field the chosen kind or mode never reads is refused ("does not apply"),
 * unless it is left at its default, so one file can be swept across modes (as NIC fields are).
 */
export function checkRuntime(r: RuntimeSpec, cpus: number, add: (issue: Issue) => void): void {
  const cpuIssue = (path: (string | number)[], input: unknown): void => add({ code: "custom", path: ["runtime", ...path], message: `expected a CPU id < cpus (${cpus})`, input });
  const notApply = (path: (string | number)[], input: unknown, to: string, why: string): void => add({ code: "custom", path: ["runtime", ...path], message: `does not apply ${to} (${why})`, input });
  const kindOnly = (path: (string | number)[], input: unknown, why: string): void => notApply(path, input, `to kind ${r.kind}`, why);
  if (r.kind !== "seed-pool" && r.requests.length === 1 && r.requests[0]!.weight !== 1) {
    notApply(["requests", 0, "weight"], r.requests[0]!.weight, "with one request class", "a weight is a class's share of the arrivals");
  }
  if (r.kind === "go") {
    r.pool_cpus?.forEach((c, i) => {
      if (c >= cpus) cpuIssue(["pool_cpus", i], c);
    });
    for (const [i, c] of r.requests.entries()) {
      for (const f of ["on_loop", "input"] as const) if (c[f]) kindOnly(["requests", i, f], c[f], "goroutines have no event loop to block");
      if (c.delay > 0) kindOnly(["requests", i, "delay"], c.delay, "postDelayed on a MessageQueue: kind android only");
      if (c.copy > 0) kindOnly(["requests", i, "copy"], c.copy, "a goroutine is handed its data, no queue between layers");
      if (c.netpoll && c.io === 0) add({ code: "custom", path: ["runtime", "requests", i, "netpoll"], message: "expected an io wait for the netpoller to park on (io > 0)", input: c.netpoll });
    }
    // runtimes/go.ts charges runqget (costs.enqueue) and newm (costs.thread_create) only.
    if (r.costs.cacheline !== CACHELINE_DEFAULT) kindOnly(["costs", "cacheline"], r.costs.cacheline, "Ps run their own goroutines: no queue's cache line moves between cores");
    return;
  }
  if (r.kind === "seed-pool") {
    if (r.max_tries !== undefined && r.retry === "none") notApply(["max_tries"], r.max_tries, "with retry: none", "the code as written never retries: retry: sleep only");
    return;
  }
  if (r.kind === "asyncio" && r.slow_callback_duration !== undefined && !r.debug) {
    notApply(["slow_callback_duration"], r.slow_callback_duration, "with debug: false", "asyncio checks it in debug mode only");
  }
  if (r.loop_cpu >= cpus) cpuIssue(["loop_cpu"], r.loop_cpu);
  r.pool_cpus?.forEach((c, i) => {
    if (c >= cpus) cpuIssue(["pool_cpus", i], c);
  });
  if (r.kind === "java" && r.core_pool_size > r.maximum_pool_size) {
    add({ code: "custom", path: ["runtime", "core_pool_size"], message: `expected core_pool_size <= maximum_pool_size (${r.maximum_pool_size}), as ThreadPoolExecutor requires`, input: r.core_pool_size });
  }
  if (r.kind === "handoff") {
    const need = r.mode === "shards" ? 2 * r.producers : r.producers + (r.mode === "inline" || r.mode === "leader_followers" ? 0 : 1);
    if (need > cpus) add({ code: "custom", path: ["runtime", "producers"], message: `expected at most ${Math.floor(cpus / (r.mode === "shards" ? 2 : 1))} producers for mode ${r.mode} on ${cpus} CPUs`, input: r.producers });
  }
  if (r.costs.thread_create !== undefined && r.kind !== "java" && r.kind !== "asyncio") {
    kindOnly(["costs", "thread_create"], r.costs.thread_create, `${r.kind} starts its threads at boot: kinds java, asyncio and go only`);
  }
  if (r.kind === "handoff") {
    const toMode = `to mode ${r.mode}`;
    if (r.workers !== 1 && (r.mode === "shards" || r.mode === "inline")) notApply(["workers"], r.workers, toMode, r.mode === "shards" ? "one worker per shard" : "no workers: the loop runs the work");
    if (r.producers !== 1 && r.mode === "leader_followers") notApply(["producers"], r.producers, toMode, "the followers take turns on one event source");
    const only = { spin: "spin", batch: "batch", batch_window: "batch" } as const;
    for (const [field, mode] of Object.entries(only)) {
      if (r[field as keyof typeof only] !== undefined && r.mode !== mode) notApply([field], r[field as keyof typeof only], toMode, `mode ${mode} only`);
    }
    // Inline and leader/followers hand nothing over: no queue between the layers, no pool
    // (runtimes/leader_followers.ts runs the followers on pool_cpus, with no loop thread).
    if (r.mode === "inline" || r.mode === "leader_followers") {
      const none = r.mode === "inline" ? "the loop runs every request itself" : "the leader runs the request it took";
      if (r.costs.enqueue !== ENQUEUE_DEFAULT) notApply(["costs", "enqueue"], r.costs.enqueue, toMode, `no queue between the layers: ${none}`);
      if (r.costs.cacheline !== CACHELINE_DEFAULT) notApply(["costs", "cacheline"], r.costs.cacheline, toMode, `no queue between the layers: ${none}`);
      r.requests.forEach((c, i) => {
        if (c.on_loop) notApply(["requests", i, "on_loop"], c.on_loop, toMode, none);
      });
    }
    if (r.mode === "inline" && r.pool_cpus !== undefined) notApply(["pool_cpus"], r.pool_cpus, toMode, "no pool: the loop runs every request itself");
    if (r.mode === "leader_followers" && r.loop_cpu !== 0) notApply(["loop_cpu"], r.loop_cpu, toMode, "no loop thread: the followers take turns on pool_cpus");
  }
  for (const [i, c] of r.requests.entries()) {
    const noHandoff = c.on_loop || (r.kind === "handoff" && (r.mode === "inline" || r.mode === "leader_followers"));
    if (c.copy > 0 && noHandoff) notApply(["requests", i, "copy"], c.copy, "where the work is not handed over", "on_loop, mode inline or leader_followers");
    if (c.netpoll) kindOnly(["requests", i, "netpoll"], c.netpoll, "the Go netpoller: kind go only");
    if (r.kind !== "android" && c.input) kindOnly(["requests", i, "input"], c.input, "an input event the ANR watchdog times: kind android only");
    if (r.kind !== "android" && c.delay > 0) kindOnly(["requests", i, "delay"], c.delay, "postDelayed on a MessageQueue: kind android only");
  }
}
