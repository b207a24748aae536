/**
 * `irqsim explain` for the runtime scenarios: the same pattern as the kernel's deferred
 * work one layer up (an async layer that must not block, a queue, a sync pool), the rules
 * each runtime applies with the source file that applies them, and the mapping table
 * whose costs come from runs (system/handoff_sweep.ts).
 */
import type { Rule, TryNext } from "./explain.js";
import type { Scenario } from "../system/scenario.js";
import { RUNTIME_MODELS } from "../runtimes/schema.js";
import type { HandoffRow, MappingColumn } from "../system/handoff_sweep.js";
import { ns, renderTable } from "./table.js";

export const RUNTIME_RULES: Record<string, Rule[]> = {
  event_loop: [
    { rule: "An event loop runs one callback at a time to completion; a callback that blocks or computes for long delays every message behind it (the async layer's 'sleeping in atomic context')", where: "POSA2 Half-Sync/Half-Async; deps/uv/src/unix/core.c uv_run (libuv), Lib/asyncio/base_events.py _run_once" },
    { rule: "Handing work to a parked pool thread costs a futex wake-up (an IPI and idle exit) and a context switch, 1-5 us each; a result posted back wakes the loop the same way (uv_async_send, call_soon_threadsafe's self-pipe write, an eventfd write)", where: "kernel/futex/waitwake.c futex_wake, kernel/sched/core.c try_to_wake_up" },
  ],
  seed_pool: [
    { rule: "acquire() takes a slot only while active < max_workers, else prints 'rejected' and returns False; the calling thread then ends, so the code never prints the seed's later 'acquired' lines", where: "scenarios/seed-pool.yaml (the seed's code, quoted)" },
  ],
  node_threadpool: [
    { rule: "fs.*, crypto.pbkdf2/scrypt/randomBytes, dns.lookup (getaddrinfo) and zlib run on libuv's threadpool: UV_THREADPOOL_SIZE threads (default 4, at most 1024) behind one FIFO queue shared by all of them", where: "deps/uv/src/threadpool.c init_threads, uv__work_submit (libuv); doc/api/cli.md UV_THREADPOOL_SIZE" },
  ],
  java_tpe: [
    { rule: "ThreadPoolExecutor.execute(): below corePoolSize start a thread with the task; else offer to the queue; if full and below maximumPoolSize start a thread; else reject", where: "java/util/concurrent/ThreadPoolExecutor.java execute, addWorker" },
    { rule: "AbortPolicy throws RejectedExecutionException; CallerRunsPolicy runs the task in the thread that called execute() -- on an event loop, the loop itself; a SynchronousQueue (capacity 0) accepts only when a thread is waiting", where: "java/util/concurrent/ThreadPoolExecutor.java AbortPolicy, CallerRunsPolicy; java/util/concurrent/SynchronousQueue.java" },
    { rule: "Vert.x warns when an event-loop thread has run one task longer than maxEventLoopExecuteTime (2 s), checking every blockedThreadCheckInterval (1 s)", where: "io/vertx/core/impl/BlockedThreadChecker.java, io/vertx/core/VertxOptions.java" },
  ],
  asyncio_executor: [
    { rule: "loop.run_in_executor submits to a concurrent.futures.ThreadPoolExecutor (default max_workers min(32, cpu_count + 4)), which starts a thread only when none is idle", where: "Lib/asyncio/base_events.py run_in_executor, Lib/concurrent/futures/thread.py _adjust_thread_count" },
    { rule: "wait_for's timeout cancels the awaiting asyncio future; that cancels the executor's future only if it has not started (Future.cancel returns False once running): the thread runs the work to the end and the result is dropped", where: "Lib/asyncio/tasks.py wait_for, Lib/asyncio/futures.py _chain_future, Lib/concurrent/futures/_base.py Future.cancel" },
    { rule: "In debug mode, a callback that runs longer than loop.slow_callback_duration (0.1 s) is logged: 'Executing <Task ...> took 0.123 seconds'", where: "Lib/asyncio/base_events.py _run_once, Lib/asyncio/events.py Handle._run" },
  ],
  android_looper: [
    { rule: "The main thread's Looper takes Messages from a MessageQueue ordered by `when` (postDelayed adds the delay) and blocks in nativePollOnce (epoll on an eventfd) until the head is due or a post wakes it", where: "core/java/android/os/MessageQueue.java enqueueMessage, next; core/java/android/os/Looper.java loop" },
    { rule: "An input event not handled within the dispatching timeout (5 s) makes the system report an ANR: 'Input dispatching timed out'", where: "services/inputflinger/dispatcher/InputDispatcher.cpp, DEFAULT_INPUT_DISPATCHING_TIMEOUT" },
  ],
  go_scheduler: [
    { rule: "Goroutines run on GOMAXPROCS Ps, each driven by an M (an OS thread); a goroutine waiting on the network parks on the netpoller (epoll) and its M runs the next goroutine", where: "runtime/proc.go schedule, findRunnable; runtime/netpoll.go netpollblock, netpoll" },
    { rule: "A blocking syscall keeps its M and P; sysmon retakes a P that has been in a syscall for a sysmon tick (20 us and up) when other work waits (or after 10 ms) and hands it to another M, started or created (handoffp, startm, newm)", where: "runtime/proc.go entersyscall, sysmon, retake, handoffp, startm" },
    { rule: "exitsyscall takes the old P back if it is free, else an idle P, else queues the goroutine and parks the M (stopm)", where: "runtime/proc.go exitsyscall, exitsyscall0, stopm" },
  ],
  handoff_tax: [
    { rule: "A ~3 us hand-off is ~6% of a 50 us task and ~300% of a 1 us task: below a few us of work, inline it or use Leader/Followers", where: "POSA2 vol. 2 (Schmidt et al.) Half-Sync/Half-Async; measured by system/handoff_sweep.ts" },
    { rule: "A worker that spins briefly before parking finds the next item after one cache-line transfer (tens of ns) instead of a futex wake-up (us): the hand-off is bimodal, weighted by how often the worker parked", where: "kernel/locking/mutex.c mutex_optimistic_spin (the kernel's own spin-then-sleep); LMAX Disruptor BusySpinWaitStrategy" },
    { rule: "Batching signals once per N items (or when the oldest has waited batch_window): fewer wake-ups per item, paid for in latency", where: "net/core/dev.c napi_schedule, napi_poll (NAPI does the same for interrupts: one interrupt per batch of packets)" },
  ],
};

interface RuntimeText {
  shows: string;
  concepts: string[];
  look_at: string[];
  try_next: TryNext[];
}

export const RUNTIME_BUILTIN: Record<string, RuntimeText> = {
  "seed-pool": {
    shows: "Seed 000's bounded pool exactly as its code is written: two threads acquire, two are rejected and simply end, so only six lines are printed, not the ten of the seed's 'Expected output'. The rejected workers' work never runs.",
    concepts: ["seed_pool"],
    look_at: ["Program output (runtime.output) and whether it matches the seed's printed output", "rejected vs gave up: every rejection here loses the work"],
    try_next: [
      { what: "the retry that makes the seed's printed output true", sets: ["runtime.retry=sleep"], claims: [{ metric: "runtime.matches_seed_expected_output", is: "above_zero", ms: 300 }, { metric: "runtime.gave_up", is: "zero", ms: 300 }] },
      { what: "a pool big enough for every thread: nothing is rejected", sets: ["runtime.max_workers=4"], claims: [{ metric: "runtime.rejected", is: "zero", ms: 300 }, { metric: "runtime.acquired", is: "higher", ms: 300 }] },
    ],
  },
  "seed-pool-retry": {
    shows: "Seed 000's pool with rejected workers sleeping as long as a holder and retrying: the program prints the seed's ten 'Expected output' lines in order. The retry is a saturation delay: two threads wait ~100 ms for a slot.",
    concepts: ["seed_pool"],
    look_at: ["Program output: identical to the seed's", "slot wait: p50 vs max (the two retried threads waited a whole hold time)"],
    try_next: [
      { what: "eight threads on two slots: four rounds, the last pair waiting ~300 ms", sets: ["runtime.threads=8", "duration=500ms"], claims: [{ metric: "runtime.acquire_delay_ns.max", is: "higher", ms: 500 }, { metric: "runtime.acquired", is: "higher", ms: 500 }] },
      { what: "no retry: the code as the seed wrote it", sets: ["runtime.retry=none"], claims: [{ metric: "runtime.gave_up", is: "above_zero", ms: 300 }, { metric: "runtime.matches_seed_expected_output", is: "zero", ms: 300 }] },
    ],
  },
  "node-threadpool": {
    shows: "Node.js's libuv loop hands fs, crypto.pbkdf2 and dns.lookup to its 4-thread pool. Hash bursts occupy all four threads, so file reads and DNS lookups queue behind them: the pool saturation delay (queue_wait) is many times the hand-off itself.",
    concepts: ["event_loop", "node_threadpool"],
    look_at: ["the 'pool saturated' line: queue_wait p99 against handoff_parked", "response p99 vs service p99: the difference is time spent waiting for a thread", "Threads: the four libuv-worker threads' CPU share"],
    try_next: [
      { what: "UV_THREADPOOL_SIZE=16: the usual fix", sets: ["runtime.uv_threadpool_size=16"], claims: [{ metric: "runtime.latency_ns.queue_wait.p99", is: "lower", ms: 200 }, { metric: "runtime.latency_ns.response.p99", is: "lower", ms: 200 }] },
      { what: "fs.readFileSync on the loop: the loop blocks and the delay report fires", sets: ["runtime.requests.1.on_loop=true", "runtime.requests.1.io=120ms", "runtime.arrivals.rate=20"], claims: [{ metric: "runtime.requests.on_loop", is: "above_zero", ms: 200 }, { metric: "runtime.watchdog.reports", is: "above_zero", ms: 200 }] },
      { what: "pool size against load: more threads complete more of the heavier load", vary: ["runtime.uv_threadpool_size=1,2,4,8", "runtime.arrivals.rate=500,1500"], claims: [{ metric: "runtime.requests.completed", is: "higher", ms: 200 }] },
    ],
  },
  "java-tpe": {
    shows: "An event loop submits 2 ms tasks faster than a ThreadPoolExecutor(core 2, max 4, queue 4) can run them: core threads start, the queue fills, two more threads start, then AbortPolicy rejects -- each rejection is a RejectedExecutionException quoting the executor's state.",
    concepts: ["event_loop", "java_tpe"],
    look_at: ["requests rejected and the first RejectedExecutionException lines in the runtime log", "pool threads: 4 of 4 (max reached only after the queue filled)", "queue max depth = capacity"],
    try_next: [
      { what: "CallerRunsPolicy: the loop runs the overflow itself", sets: ["runtime.rejection=caller_runs"], claims: [{ metric: "runtime.requests.caller_runs", is: "above_zero", ms: 50 }, { metric: "runtime.requests.rejected", is: "zero", ms: 50 }] },
      { what: "a SynchronousQueue (direct hand-off): threads up to max, then rejections", sets: ["runtime.queue_capacity=0"], claims: [{ metric: "runtime.pool.threads", is: "same", ms: 50 }, { metric: "runtime.requests.rejected", is: "higher", ms: 50 }] },
      { what: "queue capacity vs rejections", vary: ["runtime.queue_capacity=0,4,64"], claims: [{ metric: "runtime.requests.rejected", is: "lower", ms: 50 }] },
    ],
  },
  "java-caller-runs": {
    shows: "CallerRunsPolicy pushes back on the submitter by making it run the task; when the submitter is the event loop, the loop runs a 300 ms task and nothing else on it moves. Vert.x's BlockedThreadChecker reports the blocked event-loop thread.",
    concepts: ["event_loop", "java_tpe"],
    look_at: ["caller-runs count and the BlockedThreadChecker warnings in the runtime log", "loop_lag p99: how long messages waited behind the blocked loop"],
    try_next: [
      { what: "AbortPolicy instead: rejected, but the loop stays responsive", sets: ["runtime.rejection=abort"], claims: [{ metric: "runtime.requests.rejected", is: "above_zero", ms: 2000 }, { metric: "runtime.requests.caller_runs", is: "zero", ms: 2000 }, { metric: "runtime.latency_ns.loop_lag.p99", is: "lower", ms: 2000 }, { metric: "runtime.watchdog.reports", is: "zero", ms: 2000 }] },
      { what: "a bigger queue absorbs the bursts", sets: ["runtime.queue_capacity=64"], claims: [{ metric: "runtime.requests.caller_runs", is: "zero", ms: 2000 }, { metric: "runtime.latency_ns.loop_lag.p99", is: "lower", ms: 2000 }] },
    ],
  },
  "asyncio-executor": {
    shows: "Coroutines await blocking lookups in a ThreadPoolExecutor under wait_for(timeout=0.2) while each lookup takes 0.3 s: every await times out, lookups still queued are cancelled, but lookups already running keep their threads until they finish. In debug mode a 150 ms callback on the loop is logged as a slow callback.",
    concepts: ["event_loop", "asyncio_executor"],
    look_at: ["timed out vs cancelled vs abandoned (ran anyway / still running)", "the 'Executing <Task ...> took 0.150 seconds' line in the runtime log", "pool threads busy with work nobody awaits"],
    try_next: [
      { what: "a timeout longer than the work, and threads enough that nothing queues: nothing times out", sets: ["runtime.timeout=500ms", "runtime.max_workers=16"], claims: [{ metric: "runtime.requests.timed_out", is: "zero", ms: 1000 }, { metric: "runtime.requests.completed", is: "higher", ms: 1000 }] },
      { what: "debug mode off: the slow callback goes unreported", sets: ["runtime.debug=false"], claims: [{ metric: "runtime.watchdog.reports", is: "zero", ms: 1000 }, { metric: "runtime.watchdog.reports", is: "lower", ms: 1000 }] },
    ],
  },
  "android-looper": {
    shows: "The main Looper dispatches input events and frames and posts bitmap decoding to a HandlerThread, whose results come back through the MessageQueue. A synchronous config read on the main thread blocks it for 5.5 s; input events queued behind it pass the 5 s dispatch timeout and the system reports an ANR.",
    concepts: ["event_loop", "android_looper"],
    look_at: ["the ANR lines in the runtime log", "loop_lag p99 and the main loop's longest callback", "handoff_parked: the HandlerThread's wake-up, small next to the ANR"],
    try_next: [
      { what: "the read moved to the HandlerThread: no ANR", sets: ["runtime.requests.3.on_loop=false"], claims: [{ metric: "runtime.watchdog.reports", is: "zero", ms: 12000 }, { metric: "runtime.watchdog.reports", is: "lower", ms: 12000 }] },
      { what: "a longer timeout hides it (it does not fix it)", sets: ["runtime.input_dispatch_timeout=10s"], claims: [{ metric: "runtime.watchdog.reports", is: "zero", ms: 12000 }, { metric: "runtime.loops.0.longest_callback_ns", is: "same", ms: 12000 }, { metric: "runtime.latency_ns.loop_lag.max", is: "same", ms: 12000 }] },
    ],
  },
  "go-netpoller": {
    shows: "A Go server on GOMAXPROCS=2: network waits park on the netpoller at no thread cost, while each blocking file read holds an M and its P until sysmon hands the P to another M. The Ms grow with concurrent blocking syscalls; the Ps stay at 2 -- the runtime is the async layer and goroutines are the sync layer.",
    concepts: ["go_scheduler"],
    look_at: ["runtime.go: syscalls, p_handoffs, ms against gomaxprocs, netpoll_parks", "handoff_parked: waking a parked M (startm)", "Threads: the go-mN threads"],
    try_next: [
      { what: "no file reads: the netpoller alone, no hand-offs, no extra Ms", sets: ["runtime.requests.1.weight=0"], claims: [{ metric: "runtime.go.syscalls", is: "zero", ms: 50 }, { metric: "runtime.go.p_handoffs", is: "zero", ms: 50 }, { metric: "runtime.go.ms", is: "lower", ms: 50 }, { metric: "runtime.go.netpoll_parks", is: "above_zero", ms: 50 }] },
      { what: "a slower disk: more Ms blocked in syscalls at once", sets: ["runtime.requests.1.io=5ms"], claims: [{ metric: "runtime.go.max_busy_ms", is: "higher", ms: 50 }] },
      { what: "GOMAXPROCS against the share of file reads: more file reads, more syscalls and more Ms", vary: ["runtime.gomaxprocs=1,2,4", "runtime.requests.1.weight=1,2,4"], claims: [{ metric: "runtime.go.syscalls", is: "higher", ms: 50 }, { metric: "runtime.go.ms", is: "higher", ms: 50 }] },
    ],
  },
  "handoff-tax": {
    shows: "What a hand-off costs when the worker is parked: wake-up + context switch + dequeue, ~3 us with 1.5 us each. That is ~6% of a 50 us task and ~300% of a 1 us task, the seed's numbers, measured. Spinning before parking makes the hand-off bimodal (tens of ns when the worker was spinning, us when parked); batching trades latency for fewer wake-ups; inline work and Leader/Followers pay no hand-off at all.",
    concepts: ["event_loop", "handoff_tax"],
    look_at: ["runtime.handoff: handoff_mean_ns, overhead_pct (the seed's arithmetic)", "handoff_parked vs handoff_spinning: the two modes of the hand-off", "response p99/p99.9 (open-loop arrivals, HDR)", "pool: parks, wake-ups, spin hits and the CPU burnt spinning"],
    try_next: [
      { what: "1 us of work: the hand-off is ~300% overhead", sets: ["runtime.requests.0.work=1us"], claims: [{ metric: "runtime.handoff.overhead_pct", is: "higher" }] },
      { what: "spin 20 us before parking: bimodal hand-off", sets: ["runtime.mode=spin"], claims: [{ metric: "runtime.latency_ns.handoff_spinning.count", is: "above_zero" }, { metric: "runtime.latency_ns.handoff_parked.count", is: "above_zero" }, { metric: "runtime.handoff.handoff_mean_ns", is: "lower" }] },
      { what: "copy 4 KB into each work item instead of transferring ownership: the loop pays hundreds of ns per item", sets: ["runtime.requests.0.copy=4096"], claims: [{ metric: "runtime.handoff.copy_mean_ns", is: "above_zero" }, { metric: "runtime.loops.0.busy_ns", is: "higher" }] },
      { what: "every way to hand work over, at 1, 5 and 50 us of work: Leader/Followers pays no hand-off", vary: ["runtime.mode=inline,park,spin,batch,shards,leader_followers", "runtime.requests.0.work=1us,5us,50us"], claims: [{ metric: "runtime.handoff.handoff_mean_ns", is: "zero" }, { metric: "runtime.handoff.handoff_mean_ns", is: "lower", than: ["runtime.requests.0.work=50us"] }] },
      { what: "the seed's cost ranges: wake-up and context switch from 1 to 5 us; the hand-off grows with them", vary: ["costs.wakeup=1us,5us", "costs.context_switch=1us,5us"], claims: [{ metric: "runtime.handoff.handoff_mean_ns", is: "higher" }] },
    ],
  },
};

/** The mapping table as aligned text (explain, README). */
export function mappingLines(cols: MappingColumn[]): string[] {
  return renderTable(
    [{ header: "system" }, { header: "async layer" }, { header: "queue" }, { header: "sync layer" }, { header: "hand-off p50", align: "right" }, { header: "p99 (with queueing)", align: "right" }, { header: "measured by" }],
    cols.map((m) => [m.system, m.async_layer, m.queue, m.sync_layer, m.handoff_p50_ns > 0 ? ns(m.handoff_p50_ns) : "-", ns(m.handoff_p99_ns), m.measured_by]),
  );
}

/** The hand-off sweep as aligned text: one row per mode and work size. */
export function handoffLines(rows: HandoffRow[]): string[] {
  return renderTable(
    [
      { header: "mode" },
      { header: "work", align: "right" },
      { header: "hand-off", align: "right" },
      { header: "overhead", align: "right" },
      { header: "parked", align: "right" },
      { header: "spinning", align: "right" },
      { header: "wake-ups/item", align: "right" },
      { header: "p50", align: "right" },
      { header: "p99", align: "right" },
      { header: "p99.9", align: "right" },
      { header: "cpu/request", align: "right" },
    ],
    rows.map((r) => [
      r.mode,
      ns(r.work_ns),
      ns(r.handoff_mean_ns),
      `${r.overhead_pct}%`,
      r.handoff_parked_count > 0 ? `${ns(r.handoff_parked_mean_ns)} x${r.handoff_parked_count}` : "-",
      r.handoff_spinning_count > 0 ? `${ns(r.handoff_spinning_mean_ns)} x${r.handoff_spinning_count}` : "-",
      String(r.wakeups_per_item),
      ns(r.response_p50_ns),
      ns(r.response_p99_ns),
      ns(r.response_p999_ns),
      ns(r.cpu_per_request_ns),
    ]),
  );
}

const KIND_CONCEPTS: Record<string, string[]> = {
  "seed-pool": ["seed_pool"],
  node: ["event_loop", "node_threadpool"],
  java: ["event_loop", "java_tpe"],
  asyncio: ["event_loop", "asyncio_executor"],
  android: ["event_loop", "android_looper"],
  go: ["go_scheduler"],
  handoff: ["event_loop", "handoff_tax"],
};

/** The explanation of a user's runtime scenario, assembled from its runtime: section. */
export function runtimeGenericText(s: Scenario & { runtime: NonNullable<Scenario["runtime"]> }): RuntimeText {
  const r = s.runtime;
  const classes = r.kind === "seed-pool" ? `${r.threads} threads on ${r.max_workers} slots` : `requests: ${r.requests.map((c) => c.name).join(", ")} at ${r.arrivals.rate}/s`;
  return {
    shows: `${s.description}. Runtime: ${RUNTIME_MODELS[r.kind]}; ${classes}; ${s.cpus} CPU(s).`,
    concepts: KIND_CONCEPTS[r.kind] ?? [],
    look_at:
      r.kind === "seed-pool"
        ? ["Program output and acquired / rejected / gave up", "slot wait (start -> acquired)"]
        : ["the Runtime section's starred lines: the behaviour this runtime shows", "queue_wait p99 against handoff_parked: waiting for a thread vs the hand-off itself", "response p99/p99.9 and the runtime log (the watchdog's reports)"],
    try_next: [{ what: "another seed: the same scenario, different random draws", flags: ["--seed", String(s.seed + 1)] }],
  };
}
