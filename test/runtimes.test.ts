import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { runScenario, Simulation } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { runtimeOf } from "../system/handoff_sweep.js";
import type { SeedPoolResult } from "../runtimes/seed_pool.js";
import { SEED_EXPECTED_OUTPUT } from "../runtimes/seed_pool.js";
import type { WorkerPool } from "../runtimes/pool.js";
import { REQ_COMPLETED, createRequest } from "../runtimes/request.js";
import { cli } from "./helpers/cli.js";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const RUNTIME_SCENARIOS = ["seed-pool", "seed-pool-retry", "node-threadpool", "java-tpe", "java-caller-runs", "asyncio-executor", "android-looper", "go-netpoller", "handoff-tax"];

function run(ref: string, sets: string[] = []): RunResult {
  return runScenario(loadScenario(ref, { sets }).scenario);
}

function seedPool(r: RunResult): SeedPoolResult {
  if (r.runtime?.kind !== "seed-pool") throw new Error("not a seed-pool run");
  return r.runtime;
}

describe("runtime scenarios", () => {
  test("irqsim list shows every runtime scenario", async () => {
    const r = await cli(["list"]);
    for (const name of RUNTIME_SCENARIOS) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+\\S`, "m"));
  });

  // Each scenario's signature behaviour, in the summary and in --json.
  test.each([
    ["node-threadpool", "pool saturated: all 4 threads busy", (r: RunResult) => {
      const l = runtimeOf(r).latency_ns;
      // Saturation: waiting for a thread dwarfs the hand-off itself.
      expect(l.queue_wait!.p99).toBeGreaterThan(100 * l.handoff_parked!.p50);
    }],
    ["java-tpe", "requests rejected (RejectedExecutionException)", (r: RunResult) => {
      const rt = runtimeOf(r);
      expect(rt.requests.rejected).toBeGreaterThan(0);
      expect(rt.log[0]).toMatch(/java\.util\.concurrent\.RejectedExecutionException: Task handler#\d+ rejected from java\.util\.concurrent\.ThreadPoolExecutor@\w+\[Running, pool size = 4, active threads = 4, queued tasks = 4, completed tasks = \d+\]/);
      expect(rt.queue.max_depth).toBe(4);
    }],
    ["java-caller-runs", "has been blocked for", (r: RunResult) => {
      const rt = runtimeOf(r);
      expect(rt.requests.caller_runs).toBeGreaterThan(0);
      expect(rt.loops[0]!.longest_callback_ns).toBeGreaterThanOrEqual(300_000_000);
      expect(rt.log[0]).toMatch(/WARNING: Thread Thread\[vert\.x-eventloop-thread-0,5,main\] has been blocked for \d+ ms, time limit is 200 ms/);
    }],
    ["asyncio-executor", "a timeout cancels the await, not the thread's work", (r: RunResult) => {
      const q = runtimeOf(r).requests;
      // Queued lookups were cancelled; running ones ran to the end (or still run) anyway.
      expect(q.cancelled).toBeGreaterThan(0);
      expect(q.abandoned_completed).toBeGreaterThan(0);
      expect(q.timed_out).toBe(q.cancelled + q.abandoned_completed + q.abandoned_running);
      expect(runtimeOf(r).log.join("\n")).toMatch(/WARNING:asyncio:Executing <Task pending name='Task-\d+' coro=<parse_json\(\)>> took 0\.150 seconds/);
    }],
    ["android-looper", "Input dispatching timed out (Waited 5000ms for MotionEvent", (r: RunResult) => {
      expect(runtimeOf(r).watchdog.reports).toBeGreaterThan(0);
    }],
    ["go-netpoller", "blocking syscalls: sysmon handed", (r: RunResult) => {
      const g = runtimeOf(r).go!;
      expect(g.gomaxprocs).toBe(2);
      expect(g.p_handoffs).toBeGreaterThan(0);
      expect(g.ms).toBeGreaterThan(g.gomaxprocs);
      expect(g.netpoll_parks).toBeGreaterThan(0);
    }],
    ["handoff-tax", "hand-off tax: 3.1us per hand-off to an idle thread = 6.2% of the 50.0us mean work", () => {}],
  ])("%s: summary shows %j, --json agrees", async (name, text, check) => {
    const human = await cli(["run", name]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(text);
    expect(human.stdout).toContain("requests conserved");
    const json = await cli(["run", name, "--json"]);
    const r = JSON.parse(json.stdout) as RunResult;
    expect(r.invariants.violations).toEqual([]);
    check(r);
  });

  test("seed-pool simulates the seed's code as written: the rejected workers never retry", () => {
    const rt = seedPool(run("seed-pool"));
    expect(rt.output).toEqual(SEED_EXPECTED_OUTPUT.slice(0, 6));
    expect(rt.matches_seed_expected_output).toBe(false);
    expect(rt.gave_up).toBe(2);
  });

  test("seed-pool-retry prints the seed's expected output, after a ~100 ms saturation delay", async () => {
    const rt = seedPool(run("seed-pool-retry"));
    expect(rt.output).toEqual(SEED_EXPECTED_OUTPUT);
    expect(rt.matches_seed_expected_output).toBe(true);
    expect(rt.acquire_delay_ns.max).toBeGreaterThanOrEqual(100_000_000);
    expect(rt.acquire_delay_ns.p50).toBeLessThan(1_000);
    expect((await cli(["run", "seed-pool-retry"])).stdout).toContain("Worker 3: released (0/2 active)\n  matches the \"Expected output\" printed in seed 000");
  });

  test("a knob its users know changes the run: UV_THREADPOOL_SIZE=16 cuts the saturation delay", () => {
    const four = runtimeOf(run("node-threadpool"));
    const sixteen = runtimeOf(run("node-threadpool", ["runtime.uv_threadpool_size=16"]));
    expect(sixteen.pool.threads).toBe(16);
    expect(sixteen.latency_ns.queue_wait!.p99).toBeLessThan(four.latency_ns.queue_wait!.p99 / 10);
  });

  // What `irqsim explain` says each variation does (cli/explain_runtimes.ts).
  test("fs.readFileSync on Node's loop blocks it and the loop-delay report fires", () => {
    const rt = runtimeOf(run("node-threadpool", ["runtime.requests.1.on_loop=true", "runtime.requests.1.io=120ms", "runtime.arrivals.rate=20"]));
    expect(rt.requests.on_loop).toBeGreaterThan(0);
    expect(rt.log[0]).toMatch(/event loop blocked for 120 ms by a fs\.readFile callback \(threshold 100 ms\)/);
  });

  test("Java: CallerRuns makes the loop run tasks; Abort keeps it responsive; a bigger queue absorbs the bursts", () => {
    const callerRuns = runtimeOf(run("java-tpe", ["runtime.rejection=caller_runs"]));
    expect(callerRuns.requests.caller_runs).toBeGreaterThan(0);
    expect(callerRuns.loops[0]!.longest_callback_ns).toBeGreaterThanOrEqual(2_000_000);
    const abort = runtimeOf(run("java-caller-runs", ["runtime.rejection=abort"]));
    expect(abort.requests.rejected).toBeGreaterThan(0);
    expect(abort.watchdog.reports).toBe(0);
    expect(abort.loops[0]!.longest_callback_ns).toBeLessThan(1_000_000);
    const big = runtimeOf(run("java-caller-runs", ["runtime.queue_capacity=64"]));
    expect(big.requests.caller_runs + big.requests.rejected).toBe(0);
  });

  test("a 10 s dispatch timeout hides the 5.5 s main-thread block from the ANR watchdog (the loop is still blocked)", () => {
    const rt = runtimeOf(run("android-looper", ["runtime.input_dispatch_timeout=10s"]));
    expect(rt.watchdog.reports).toBe(0);
    expect(rt.loops[0]!.longest_callback_ns).toBeGreaterThanOrEqual(5_500_000_000);
  });

  test("Go: without blocking syscalls the netpoller needs no extra Ms; a slower disk needs more", () => {
    const net = runtimeOf(run("go-netpoller", ["runtime.requests.1.weight=0"])).go!;
    expect(net.syscalls).toBe(0);
    expect(net.p_handoffs).toBe(0);
    expect(net.ms).toBeLessThanOrEqual(net.gomaxprocs);
    const base = runtimeOf(run("go-netpoller")).go!;
    const slow = runtimeOf(run("go-netpoller", ["runtime.requests.1.io=5ms"])).go!;
    expect(slow.ms).toBeGreaterThan(base.ms);
  });

  test("seed pool: four slots reject nobody; eight threads on two slots wait four rounds", () => {
    expect(seedPool(run("seed-pool", ["runtime.max_workers=4"])).rejected).toBe(0);
    const eight = seedPool(run("seed-pool-retry", ["runtime.threads=8", "duration=500ms"]));
    expect(eight.released).toBe(8);
    expect(eight.acquire_delay_ns.max).toBeGreaterThanOrEqual(300_000_000);
    expect(eight.acquire_delay_ns.max).toBeLessThan(310_000_000);
  });

  test("ThreadPoolExecutor: core threads first, then the queue, then up to max; SynchronousQueue hands off directly", () => {
    const slow = runtimeOf(run("java-tpe", ["runtime.arrivals.rate=200"]));
    expect(slow.pool.threads).toBe(2); // below saturation the queue absorbs bursts: no non-core thread
    expect(slow.requests.rejected).toBe(0);
    const sync = runtimeOf(run("java-tpe", ["runtime.queue_capacity=0"]));
    expect(sync.pool.threads).toBe(4);
    expect(sync.requests.rejected).toBeGreaterThan(runtimeOf(run("java-tpe")).requests.rejected);
  });

  test("a wait_for timeout longer than work plus queueing abandons nothing; debug off reports no slow callback", () => {
    const rt = runtimeOf(run("asyncio-executor", ["runtime.timeout=500ms", "runtime.max_workers=16", "runtime.debug=false"]));
    expect(rt.requests.timed_out).toBe(0);
    expect(rt.requests.abandoned_completed + rt.requests.abandoned_running + rt.requests.cancelled).toBe(0);
    expect(rt.watchdog.reports).toBe(0);
  });

  test("moving the disk read off the main thread removes the ANR", () => {
    expect(runtimeOf(run("android-looper", ["runtime.requests.3.on_loop=false"])).watchdog.reports).toBe(0);
  });

  test("the MessageQueue runs messages by `when`: a postDelayed frame waits its delay", () => {
    const rt = runtimeOf(run("android-looper", ["runtime.requests.3.on_loop=false", "duration=1s"]));
    // Lag is measured from `when`, so delayed messages do not count their delay as lag.
    expect(rt.latency_ns.loop_lag!.p50).toBeLessThan(20_000);
  });

  test("--trace shows a hand-off as the kernel traces it: the loop wakes worker0, which is switched in a wake-up later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-rt-"));
    const file = join(dir, "h.txt");
    expect((await cli(["run", "handoff-tax", "--duration", "1ms", "--trace", file])).code).toBe(0);
    const lines = readFileSync(file, "utf8").split("\n");
    const wake = lines.findIndex((l) => /^\s*loop-\d+ .* sched_wakeup: comm=worker0 /.test(l));
    expect(wake).toBeGreaterThan(0);
    expect(lines.slice(wake).some((l) => /sched_switch: prev_comm=swapper\/\d .* next_comm=worker0 /.test(l))).toBe(true);
  });

  test("explain on a user's runtime YAML names the runtime and its rules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-rt-"));
    const file = join(dir, "mine.yaml");
    writeFileSync(file, readFileSync(join(import.meta.dirname, "..", "scenarios", "java-tpe.yaml"), "utf8").replace("name: java-tpe", "name: mine"));
    const r = await cli(["explain", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Runtime: Java: event loop + ThreadPoolExecutor");
    expect(r.stdout).toContain("java/util/concurrent/ThreadPoolExecutor.java");
  });

  test("devices and a runtime in one scenario: a NIC's interrupts on the loop's CPU delay the loop", () => {
    const yaml = (cpu: number) => `name: mix
description: d
duration: 20ms
cpus: 2
devices:
  nic0: { type: nic, irq: 24, affinity: [${cpu}], traffic: { kind: poisson, rate: 100000 } }
runtime:
  kind: handoff
  arrivals: { kind: poisson, rate: 10000 }
  requests: [{ name: task, work: 5us }]
`;
    const same = runScenario(parseScenarioText(yaml(0), "mix.yaml"));
    const other = runScenario(parseScenarioText(yaml(1), "mix.yaml"));
    expect(same.invariants.violations).toEqual([]);
    expect(same.packets.arrived).toBeGreaterThan(1000);
    expect(runtimeOf(same).latency_ns.loop_lag!.p99).toBeGreaterThan(2 * runtimeOf(other).latency_ns.loop_lag!.p99);
  });

  test("same scenario and seed: byte-identical --json; another seed: another history", async () => {
    const a = await cli(["run", "handoff-tax", "--json", "--set", "runtime.mode=spin"]);
    const b = await cli(["run", "handoff-tax", "--json", "--set", "runtime.mode=spin"]);
    expect(a.stdout).toBe(b.stdout);
    const c = await cli(["run", "handoff-tax", "--json", "--set", "runtime.mode=spin", "--seed", "2"]);
    expect((JSON.parse(c.stdout) as RunResult).fingerprint).not.toBe((JSON.parse(a.stdout) as RunResult).fingerprint);
  });

  test("the runtime invariants can fail: a finished request in the queue is reported", () => {
    const sim = new Simulation(loadScenario("node-threadpool", { sets: ["duration=2ms"] }).scenario);
    sim.runToEnd();
    expect(sim.sys.runtime!.check()).toEqual([]);
    const pools = (sim.sys.runtime as unknown as { pools: WorkerPool[] }).pools;
    const bogus = createRequest(999_999, 0, 0, 0, 0);
    bogus.state = REQ_COMPLETED;
    pools[0]!.queue.push(bogus);
    expect(sim.sys.runtime!.check().join("\n")).toMatch(/request 999999 in queue is not a live queued request/);
  });
});

describe("runtime scenarios: bad input is one line and exit 2", () => {
  test.each([
    ["a mode-only knob in another mode", ["run", "handoff-tax", "--set", "runtime.spin=1us"], "runtime.spin: does not apply to mode park (mode spin only)"],
    ["core above max", ["run", "java-tpe", "--set", "runtime.core_pool_size=9"], "runtime.core_pool_size: expected core_pool_size <= maximum_pool_size (4)"],
    ["a loop CPU that does not exist", ["run", "node-threadpool", "--set", "runtime.loop_cpu=4"], "runtime.loop_cpu: expected a CPU id < cpus (4)"],
    ["a knob of another runtime", ["run", "node-threadpool", "--set", "runtime.max_workers=3"], "runtime.max_workers: unknown field"],
    ["slow_callback_duration without debug", ["run", "asyncio-executor", "--set", "runtime.debug=false", "--set", "runtime.slow_callback_duration=1s"], "runtime.slow_callback_duration: does not apply with debug: false (asyncio checks it in debug mode only)"],
    ["thread creation cost where threads start at boot", ["run", "node-threadpool", "--set", "runtime.costs.thread_create=1us"], "runtime.costs.thread_create: does not apply to kind node (node starts its threads at boot: kinds java, asyncio and go only)"],
    ["an Android-only field elsewhere", ["run", "node-threadpool", "--set", "runtime.requests.0.delay=1ms"], "runtime.requests.0.delay: does not apply to kind node (postDelayed on a MessageQueue: kind android only)"],
    ["a Go-only field elsewhere", ["run", "node-threadpool", "--set", "runtime.requests.0.netpoll=true"], "runtime.requests.0.netpoll: does not apply to kind node (the Go netpoller: kind go only)"],
    ["an event-loop field in Go", ["run", "go-netpoller", "--set", "runtime.requests.0.on_loop=true"], "runtime.requests.0.on_loop: does not apply to kind go (goroutines have no event loop to block)"],
    ["a queue cost where nothing is queued", ["run", "handoff-tax", "--set", "runtime.mode=inline", "--set", "runtime.costs.enqueue=100ns"], "runtime.costs.enqueue: does not apply to mode inline (no queue between the layers"],
    ["a cache-line cost in Go", ["run", "go-netpoller", "--set", "runtime.costs.cacheline=100ns"], "runtime.costs.cacheline: does not apply to kind go"],
    ["no request class that can arrive", ["run", "go-netpoller", "--set", "runtime.requests.0.weight=0", "--set", "runtime.requests.1.weight=0"], "expected at least one request class with weight > 0"],
  ])("%s", async (_what, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^irqsim: /);
    expect(lines[0]).toContain(message);
  });
});
