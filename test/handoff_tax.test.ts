import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { handoffRun, handoffTaxSweep, mappingTable, runtimeOf } from "../system/handoff_sweep.js";
import { handoffLines, mappingLines } from "../cli/explain_runtimes.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import { WorkQueue } from "../runtimes/queue.js";
import { cli } from "./helpers/cli.js";

// The seed's figures (POSA2 Half-Sync/Half-Async, "Cost of the Cross-Layer Copy & Wakeup"):
// enqueue 20-50 ns uncontended, 100s of ns to us contended; wake-up 1-5 us; context switch
// 1-5 us; "a ~3 us handoff is ~6% overhead" of 50 us and "300% overhead" of 1 us.
describe("the hand-off tax reproduces the seed's figures", () => {
  test("a ~3 us hand-off is ~6% of a 50 us task and ~300% of a 1 us task", () => {
    const big = handoffRun("park", 50_000);
    const small = handoffRun("park", 1_000);
    expect(big.handoff_parked_mean_ns).toBeGreaterThanOrEqual(2_500);
    expect(big.handoff_parked_mean_ns).toBeLessThanOrEqual(3_500);
    expect(big.overhead_pct).toBeGreaterThanOrEqual(5);
    expect(big.overhead_pct).toBeLessThanOrEqual(7);
    expect(small.overhead_pct).toBeGreaterThanOrEqual(250);
    expect(small.overhead_pct).toBeLessThanOrEqual(350);
  });

  test("across the seed's ranges (wake-up and context switch 1-5 us each) the hand-off is their sum plus the dequeue", () => {
    for (const wakeup of [1_000, 5_000]) {
      for (const cs of [1_000, 5_000]) {
        const r = handoffRun("park", 50_000, { duration: "5ms", sets: [`costs.wakeup=${wakeup}ns`, `costs.context_switch=${cs}ns`] });
        // the dequeue: one uncontended operation plus the cache line coming over from the loop's CPU
        // (HDR histograms keep 3 significant digits)
        expect(Math.abs(r.handoff_parked_mean_ns - (wakeup + cs + 30 + 50))).toBeLessThanOrEqual((wakeup + cs) / 1000);
      }
    }
  });

  test("an uncontended queue operation costs 20-50 ns; a contended one 100s of ns", () => {
    const q = new WorkQueue("q", Infinity, false);
    const cost = q.opCost(0, 1_000, 30, 50);
    expect(cost).toBeGreaterThanOrEqual(20);
    expect(cost).toBeLessThanOrEqual(50);
    // Two loops sharing one locked queue with two workers at 400k requests/s: the lock is often held.
    const fast = ["runtime.producers=2", "runtime.workers=2", "runtime.arrivals.rate=400000", "duration=2ms"];
    const shared = runtimeOf(runScenario(loadScenario("handoff-tax", { sets: [...fast, "runtime.requests.0.work=1us"] }).scenario));
    expect(shared.queue.contended).toBeGreaterThan(0);
    const meanContended = shared.queue.lock_wait_ns / shared.queue.contended + 30 + 50;
    expect(meanContended).toBeGreaterThanOrEqual(100);
    expect(meanContended).toBeLessThan(1_000);
    // Per-core shards (one single-producer ring each) never wait for a lock.
    const shards = runtimeOf(runScenario(loadScenario("handoff-tax", { sets: ["runtime.mode=shards", "runtime.producers=2", "runtime.arrivals.rate=400000", "duration=2ms", "runtime.requests.0.work=1us"] }).scenario));
    expect(shards.queue.contended).toBe(0);
  });

  test("a 4 KB cross-layer copy costs hundreds of ns of the loop's CPU; ownership transfer costs none", () => {
    const { scenario } = loadScenario("handoff-tax", { sets: ["runtime.requests.0.copy=4096", "duration=5ms"] });
    const rt = runtimeOf(runScenario(scenario));
    expect(rt.handoff.copy_mean_ns).toBeGreaterThanOrEqual(100);
    expect(rt.handoff.copy_mean_ns).toBeLessThan(1_000);
    expect(runtimeOf(runScenario(loadScenario("handoff-tax", { sets: ["duration=5ms"] }).scenario)).handoff.copy_mean_ns).toBe(0);
  });

  test("spin-then-park is bimodal: tens of ns when the worker was spinning, us when it had parked", () => {
    const r = handoffRun("spin", 1_000);
    expect(r.handoff_spinning_count).toBeGreaterThan(0);
    expect(r.handoff_parked_count).toBeGreaterThan(0);
    expect(r.handoff_spinning_mean_ns).toBeLessThan(100);
    expect(r.handoff_parked_mean_ns).toBeGreaterThanOrEqual(3_000);
    // The price: the CPU it burns spinning.
    expect(r.cpu_per_request_ns).toBeGreaterThan(5 * handoffRun("park", 1_000).cpu_per_request_ns);
  });

  test("the modes compare as the README says", () => {
    const rows = handoffTaxSweep([1_000, 50_000]);
    const at = (mode: string, work: number) => rows.find((r) => r.mode === mode && r.work_ns === work)!;
    for (const w of [1_000, 50_000]) {
      expect(at("inline", w).handoff_mean_ns).toBe(0);
      expect(at("leader_followers", w).handoff_mean_ns).toBe(0);
      // batching: fewer wake-ups per item, but items wait for their batch at this rate
      expect(at("batch", w).wakeups_per_item).toBeLessThan(at("park", w).wakeups_per_item);
      expect(at("batch", w).handoff_mean_ns).toBeGreaterThan(10 * at("park", w).handoff_mean_ns);
    }
    expect(at("inline", 1_000).response_p50_ns).toBeLessThan(at("park", 1_000).response_p50_ns);
    expect(at("leader_followers", 1_000).response_p50_ns).toBeLessThan(at("park", 1_000).response_p50_ns);
    // two shards (two loops, two workers) against one loop and one worker
    expect(at("shards", 50_000).response_p99_ns).toBeLessThan(at("park", 50_000).response_p99_ns);
    expect(at("spin", 50_000).handoff_spinning_mean_ns).toBe(80);
  });
});

describe("the kernel/runtime mapping table", () => {
  const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");

  test("README's mapping table and hand-off sweep are what fresh runs print", () => {
    for (const line of mappingLines(mappingTable())) expect(readme).toContain(line.trimEnd());
    for (const line of handoffLines(handoffTaxSweep([1_000, 50_000]))) expect(readme).toContain(line.trimEnd());
  });

  test("explain prints it for runtime scenarios, with the kernel's rows measured too", async () => {
    const e = JSON.parse((await cli(["explain", "java-tpe", "--json"])).stdout) as { mapping: { system: string; handoff_p50_ns: number }[] };
    expect(e.mapping.map((m) => m.system)).toEqual(["Linux kernel (softirq)", "Linux kernel (workqueue)", "Node.js", "Java", "Python asyncio", "Android", "Go", "hand-off bench"]);
    for (const m of e.mapping) expect(m.handoff_p50_ns).toBeGreaterThan(0);
    // raise_softirq runs NET_RX on the same CPU at irq_exit: no wake-up, cheaper than any thread hand-off
    expect(e.mapping[0]!.handoff_p50_ns).toBeLessThan(Math.min(...e.mapping.slice(1).map((m) => m.handoff_p50_ns)));
    const human = await cli(["explain", "handoff-tax"]);
    expect(human.stdout).toContain("The hand-off tax, measured");
    expect(human.stdout).toContain("The same pattern in the kernel and in the runtimes");
  });
});

describe("irqsim sweep over a runtime scenario", () => {
  test("prints runtime columns in the table and in --csv, the same numbers as a run", async () => {
    const args = ["sweep", "handoff-tax", "--vary", "runtime.requests.0.work=1us,50us", "--duration", "10ms", "--jobs", "1"];
    const table = await cli(args);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^work\s+done\s+rejected\s+timed out\s+hand-off\s+overhead/m);
    const csv = (await cli([...args, "--csv"])).stdout.trim().split("\n");
    expect(csv[0]).toContain("handoff_mean_ns,overhead_pct,wakeups_per_item");
    const col = csv[0]!.split(",").indexOf("overhead_pct");
    const single = handoffRun("park", 50_000, { duration: "10ms" });
    expect(Number(csv[2]!.split(",")[col])).toBe(single.overhead_pct);
  });
});
