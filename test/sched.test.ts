import { describe, expect, test } from "vitest";
import { bareKernel, runUntil } from "./helpers/kernel.js";
import { SCHED_FIFO } from "../sim/thread.js";
import { ACCT_SYSTEM } from "../sim/cpu.js";
import { jiffiesToNsCeil, nsToJiffiesFloor } from "../sim/time.js";
import { wakeUpProcess, calcDeltaFair } from "../sim/sched.js";

describe("scheduler", () => {
  test("two CPU-bound fair threads share a CPU in slices of sched_base_slice", () => {
    const k = bareKernel({ costs: { sched_slice: 750_000 } });
    const spin = function* () {
      for (;;) yield k.cpu(100_000);
    };
    const a = k.spawn({ comm: "a", cpu: 0, kernelThread: true }, spin);
    const b = k.spawn({ comm: "b", cpu: 0, kernelThread: true }, spin);
    runUntil(k, 30_000_000);
    const ra = a.runtimeNs + (k.cpus[0]!.curr === a ? k.now - a.execStart : 0);
    const rb = b.runtimeNs + (k.cpus[0]!.curr === b ? k.now - b.execStart : 0);
    expect(ra + rb).toBe(30_000_000);
    expect(Math.abs(ra - rb)).toBeLessThanOrEqual(750_000);
    expect(a.nivcsw).toBeGreaterThanOrEqual(19);
  });

  test("a nice -20 thread gets ~86x the CPU of a nice 0 one (sched_prio_to_weight)", () => {
    const k = bareKernel();
    const spin = function* () {
      for (;;) yield k.cpu(50_000);
    };
    const hi = k.spawn({ comm: "hi", cpu: 0, kernelThread: true, nice: -20 }, spin);
    const lo = k.spawn({ comm: "lo", cpu: 0, kernelThread: true }, spin);
    runUntil(k, 200_000_000);
    const total = (t: typeof hi) => t.runtimeNs + (k.cpus[0]!.curr === t ? k.now - t.execStart : 0);
    // 88761 / 1024 = 86.7; slices make it approximate.
    const ratio = total(hi) / total(lo);
    expect(ratio).toBeGreaterThan(40);
    expect(ratio).toBeLessThan(120);
  });

  test("a woken SCHED_FIFO thread preempts a fair thread on the next preemption point", () => {
    const k = bareKernel();
    const log: string[] = [];
    k.spawn({ comm: "fair", cpu: 0, kernelThread: true }, function* () {
      yield k.cpu(1_000_000);
      log.push(`fair-done@${k.now}`);
    });
    k.spawn({ comm: "rt", cpu: 0, kernelThread: true, policy: SCHED_FIFO, rtPriority: 50 }, function* () {
      yield k.sleep(100_000);
      log.push(`rt@${k.now}`);
      yield k.cpu(50_000);
    });
    runUntil(k, 2_000_000);
    // The RT thread runs first (higher class), sleeps; its timer wakes it at 100us and,
    // with costs.wakeup 0, it preempts at once; the fair thread finishes 50us late.
    expect(log).toEqual(["rt@100000", "fair-done@1050000"]);
  });

  test("context switches cost what sim/costs.ts says, as system time with IRQs off", () => {
    const k = bareKernel({ costs: { context_switch: 3_000 } });
    k.spawn({ comm: "t", cpu: 0, kernelThread: true }, function* () {
      for (let i = 0; i < 4; i++) yield k.sleep(10_000);
    });
    runUntil(k, 1_000_000);
    const cpu = k.cpus[0]!;
    // 5 switches in (start + 4 wake-ups) and 5 out (4 sleeps + exit).
    expect(cpu.nrSwitches).toBe(10);
    expect(cpu.acct[ACCT_SYSTEM]).toBe(10 * 3_000);
  });

  test("waking a thread on an idle CPU from another CPU takes costs.wakeup (IPI + idle exit)", () => {
    const k = bareKernel({ cpus: 2, costs: { wakeup: 4_000 } });
    let ranAt = -1;
    const sleeper = k.spawn({ comm: "sleeper", cpu: 1, kernelThread: true }, function* () {
      yield k.schedule();
      ranAt = k.now;
    });
    k.spawn({ comm: "waker", cpu: 0, kernelThread: true }, function* () {
      yield k.cpu(100_000);
      wakeUpProcess(k, sleeper);
      yield k.cpu(1);
    });
    runUntil(k, 1_000_000);
    // Both start at t = 4000 (boot wake-ups are remote too); the waker runs 100us.
    expect(ranAt).toBe(4_000 + 100_000 + 4_000);
  });
});

describe("integer vruntime (kernel/sched/fair.c __calc_delta)", () => {
  test("weights scale time with the kernel's inverse weights, in whole nanoseconds", () => {
    expect(calcDeltaFair(1_000_000, 1024)).toBe(1_000_000); // nice 0: vruntime = runtime
    // nice 19 (weight 15, wmult 286331153): fact 1024*wmult >> 7, shift 25.
    expect(calcDeltaFair(1_000_000, 15)).toBe(68_266_666);
    // nice -20 (weight 88761, wmult 48388): fact fits 32 bits, shift 32.
    expect(calcDeltaFair(1_000_000, 88761)).toBe(11_536);
    // A day of runtime at nice 19 overflows 53 bits in the product: still exact.
    const day = 86_400_000_000_000;
    expect(calcDeltaFair(day, 15)).toBe(Number((BigInt(day) * 2290649224n) >> 25n));
    expect(Number.isInteger(calcDeltaFair(123_457, 820))).toBe(true);
  });
});

describe("exact jiffies for a day of simulated time", () => {
  test("ns <-> jiffies agree with BigInt arithmetic at every HZ up to 24 h", () => {
    const ref = (ns: bigint, hz: bigint) => ns * hz / 1_000_000_000n;
    for (const hz of [100, 250, 300, 1000]) {
      for (const ns of [0, 1, 999_999_999, 3_333_333, 9_007_199_254, 86_399_999_999_999, 86_400_000_000_000, 12_345_678_901_234]) {
        const j = nsToJiffiesFloor(ns, hz);
        expect(j).toBe(Number(ref(BigInt(ns), BigInt(hz))));
        // jiffy j begins at ceil(j * 1e9 / hz): at or before ns, and the next one after it.
        const start = jiffiesToNsCeil(j, hz);
        expect(start).toBe(Number((BigInt(j) * 1_000_000_000n + BigInt(hz) - 1n) / BigInt(hz)));
        expect(start <= ns && jiffiesToNsCeil(j + 1, hz) > ns).toBe(true);
      }
    }
  });
});
