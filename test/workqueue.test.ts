import { describe, expect, test } from "vitest";
import { bareKernel, runUntil } from "./helpers/kernel.js";
import { Softirq } from "../softirq/softirq.js";
import { Timers } from "../softirq/timer.js";
import { Workqueues, WQ_DFL_ACTIVE, WQ_MAX_ACTIVE } from "../workqueue/workqueue.js";
import { modDelayedWorkOn, queueDelayedWork, queueWork, queueWorkOn, WORK_CPU_UNBOUND } from "../workqueue/queue.js";
import { cancelDelayedWorkSync, cancelWorkSync, flushWork, flushWorkqueue } from "../workqueue/flush.js";
import { IDLE_WORKER_TIMEOUT_S } from "../workqueue/pool.js";
import { IRQ_HANDLED, IRQ_WAKE_THREAD, IRQF_ONESHOT } from "../sim/irq.js";
import { requestThreadedIrq } from "../sim/irq_thread.js";
import { TP } from "../sim/trace.js";
import { createEvent } from "../sim/engine.js";
import type { Kernel } from "../sim/kernel.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario, Simulation } from "../system/run.js";
import { checkInvariants } from "../system/invariants.js";

function setup(opts: { cpus?: number; hz?: number } = {}) {
  const k = bareKernel({ cpus: opts.cpus ?? 2, hz: opts.hz ?? 1000, costs: { softirq_pass: 100, work_dispatch: 200, worker_create: 50_000, context_switch: 1_000, wakeup: 1_000 } });
  const softirq = new Softirq(k);
  const timers = new Timers(k, softirq);
  const wqs = new Workqueues(k, timers);
  return { k, wqs };
}

/** Run `fn` at time `t` in an event (outside any CPU), e.g. to queue work from "nowhere". */
function at(k: Kernel, t: number, fn: () => void): void {
  k.engine.schedule(createEvent(fn), t);
}

/** A thread on `cpu` running `body` once, starting at `t`. */
function thread(k: Kernel, cpu: number, t: number, body: () => Generator<number, void, boolean | undefined>) {
  return k.spawn({ comm: `t${cpu}`, cpu, kernelThread: true }, function* () {
    if (t > 0) yield k.sleep(t);
    yield* body();
  });
}

describe("alloc_workqueue", () => {
  test("max_active defaults to WQ_DFL_ACTIVE and is clamped to WQ_MAX_ACTIVE with the kernel's warning", () => {
    const { k, wqs } = setup();
    expect(wqs.allocWorkqueue("a", {}).maxActive).toBe(WQ_DFL_ACTIVE);
    expect(WQ_DFL_ACTIVE).toBe(256);
    expect(wqs.allocWorkqueue("b", {}, 10_000).maxActive).toBe(WQ_MAX_ACTIVE);
    expect(k.dmesg.at(-1)!.text).toBe("workqueue: max_active 10000 requested for b is out of range, clamping between 1 and 512");
    expect(wqs.allocOrderedWorkqueue("c").maxActive).toBe(1);
  });

  test("kworkers are named as the kernel names them", () => {
    const { k } = setup();
    const names = k.threads.map((t) => t.comm);
    expect(names).toEqual(expect.arrayContaining(["kworker/0:0", "kworker/0:0H", "kworker/1:0", "kworker/1:0H"]));
    expect(names.some((n) => /^kworker\/u\d+:0$/.test(n))).toBe(true);
  });
});

describe("queue_work", () => {
  test("returns false while pending; PENDING clears as it starts, so queueing again then runs it again", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {});
    const starts: number[] = [];
    const results: boolean[] = [];
    const work = wqs.initWork("fn", function* (kk) {
      starts.push(kk.now);
      yield kk.cpu(200_000);
    });
    thread(k, 0, 1_000, function* () {
      results.push(queueWork(wqs, wq, work), queueWork(wqs, wq, work));
      // The worker first creates a spare (50 us) before it takes the item: running by 150 us.
      yield k.sleep(150_000);
      results.push(queueWork(wqs, wq, work), queueWork(wqs, wq, work));
    });
    runUntil(k, 1_000_000);
    expect(results).toEqual([true, false, true, false]);
    expect(starts).toHaveLength(2);
    expect(starts[1]).toBeGreaterThanOrEqual(starts[0]! + 200_000);
    expect(checkInvariantsOf(wqs)).toEqual([]);
  });

  test("non-reentrant: queued on CPU1 while running on CPU0, it waits and runs after, never concurrently", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {});
    const log: string[] = [];
    let running = 0;
    const work = wqs.initWork("fn", function* (kk) {
      running++;
      expect(running).toBe(1);
      log.push(`start cpu${kk.smpProcessorId()}`);
      yield kk.sleep(300_000);
      yield kk.cpu(5_000);
      running--;
      log.push(`end cpu${kk.smpProcessorId()}`);
    });
    thread(k, 0, 1_000, function* () {
      queueWorkOn(wqs, 0, wq, work);
    });
    thread(k, 1, 150_000, function* () {
      expect(queueWorkOn(wqs, 1, wq, work)).toBe(true); // PENDING was clear: it is running
    });
    runUntil(k, 1_000_000);
    // The second instance was sent to CPU0's pool, where the first was still running.
    expect(log).toEqual(["start cpu0", "end cpu0", "start cpu0", "end cpu0"]);
  });

  test("max_active: at most N active per pool, the rest wait on the inactive list in order", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {}, 2);
    let active = 0;
    let maxActive = 0;
    const order: number[] = [];
    const works = [0, 1, 2, 3, 4].map((i) =>
      wqs.initWork(`w${i}`, function* (kk) {
        order.push(i);
        active++;
        maxActive = Math.max(maxActive, active);
        yield kk.sleep(100_000);
        active--;
      }),
    );
    let inactiveAfterQueue = -1;
    thread(k, 0, 1_000, function* () {
      for (const w of works) queueWork(wqs, wq, w);
      inactiveAfterQueue = [...wq.pwqs.values()].reduce((a, p) => a + p.inactive.length, 0);
    });
    runUntil(k, 2_000_000);
    expect(inactiveAfterQueue).toBe(3);
    expect(maxActive).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe("concurrency management", () => {
  const sleepers = (maxActive: number) => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {}, maxActive);
    const starts: number[] = [];
    const works = [0, 1, 2].map((i) =>
      wqs.initWork(`w${i}`, function* (kk) {
        starts.push(kk.now);
        yield kk.cpu(2_000);
        yield kk.sleep(1_000_000); // blocks: the pool should start the next item meanwhile
      }),
    );
    thread(k, 0, 1_000, function* () {
      for (const w of works) queueWork(wqs, wq, w);
    });
    runUntil(k, 10_000_000);
    const pwq = [...wq.pwqs.values()].find((p) => p.pool.cpu === 0)!;
    return { starts, pwq };
  };

  test("when a running worker sleeps with work pending, another worker runs it", () => {
    const { starts, pwq } = sleepers(0);
    // All three start before the first one's 1 ms sleep ends (creating workers takes 50 us each).
    expect(starts[2]! - starts[0]!).toBeLessThan(1_000_000);
    expect(pwq.stats.cmWakeup).toBeGreaterThanOrEqual(2);
    expect(pwq.pool.workers.length).toBeGreaterThanOrEqual(3);
  });

  test("with max_active 1 they run one after another", () => {
    const { starts, pwq } = sleepers(1);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(1_000_000);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(1_000_000);
    expect(pwq.stats.cmWakeup).toBe(0);
  });

  test("an item hogging the CPU past 10 ms is marked CPU-intensive and stops holding up the pool", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {});
    const starts: Record<string, number> = {};
    const hog = wqs.initWork("hog", function* (kk) {
      starts.hog = kk.now;
      for (let i = 0; i < 30; i++) yield kk.cpu(1_000_000);
    });
    const small = wqs.initWork("small", function* (kk) {
      starts.small = kk.now;
      yield kk.cpu(1_000);
    });
    thread(k, 0, 1_000, function* () {
      queueWork(wqs, wq, hog);
      queueWork(wqs, wq, small);
    });
    runUntil(k, 100_000_000);
    const pwq = [...wq.pwqs.values()].find((p) => p.pool.cpu === 0)!;
    expect(pwq.stats.cpuIntensive).toBe(1);
    // The small item did not wait the hog's full 30 ms.
    expect(starts.small! - starts.hog!).toBeGreaterThanOrEqual(10_000_000);
    expect(starts.small! - starts.hog!).toBeLessThan(30_000_000);
  });

  test("idle workers beyond what the pool needs are reaped after IDLE_WORKER_TIMEOUT (300 s)", () => {
    const { k, wqs } = setup({ cpus: 1 });
    const wq = wqs.allocWorkqueue("wq", {});
    const works = Array.from({ length: 12 }, (_, i) =>
      wqs.initWork(`w${i}`, function* (kk) {
        yield kk.sleep(1_000_000);
      }),
    );
    thread(k, 0, 1_000, function* () {
      for (const w of works) queueWork(wqs, wq, w);
    });
    const pool = wqs.cpuPools[0]![0]!;
    runUntil(k, 100_000_000);
    const peak = pool.workers.length;
    expect(peak).toBeGreaterThanOrEqual(12);
    runUntil(k, (IDLE_WORKER_TIMEOUT_S - 1) * 1_000_000_000);
    expect(pool.destroyed).toBe(0);
    runUntil(k, (IDLE_WORKER_TIMEOUT_S + 2) * 1_000_000_000);
    expect(pool.destroyed).toBeGreaterThan(0);
    expect(pool.workers.length).toBeLessThan(peak);
    expect(pool.idle.length).toBeLessThanOrEqual(2 + 0); // too_many_workers keeps at most 2 idle with none busy
  });
});

describe("delayed work", () => {
  test("runs after the delay, rounded up to jiffies, via the timer softirq", () => {
    for (const hz of [1000, 100]) {
      const { k, wqs } = setup({ hz });
      const wq = wqs.allocWorkqueue("wq", {});
      let ranAt = -1;
      const dw = wqs.initDelayedWork("later", function* (kk) {
        ranAt = kk.now;
      });
      thread(k, 0, 1_000, function* () {
        expect(queueDelayedWork(wqs, wq, dw, 5_000_000)).toBe(true);
        expect(queueDelayedWork(wqs, wq, dw, 5_000_000)).toBe(false);
      });
      runUntil(k, 100_000_000);
      // At HZ=1000, jiffies 0 + 5 -> 5 ms; at HZ=100, 5 ms is 1 jiffy (rounded up) -> 10 ms.
      const due = hz === 1000 ? 5_000_000 : 10_000_000;
      expect(ranAt).toBeGreaterThanOrEqual(due);
      // LOC interrupt, TIMER softirq, queue_work, and the worker making its spare (50 us).
      expect(ranAt).toBeLessThan(due + 100_000);
    }
  });

  test("mod_delayed_work moves the expiry; cancel_delayed_work_sync disarms it", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {});
    const ran: number[] = [];
    const a = wqs.initDelayedWork("a", function* (kk) {
      ran.push(kk.now);
    });
    const b = wqs.initDelayedWork("b", function* () {
      ran.push(-1);
    });
    let cancelled: boolean | undefined;
    thread(k, 0, 0, function* () {
      queueDelayedWork(wqs, wq, a, 10_000_000);
      queueDelayedWork(wqs, wq, b, 10_000_000);
      yield k.sleep(2_000_000);
      expect(modDelayedWorkOn(wqs, WORK_CPU_UNBOUND, wq, a, 1_000_000)).toBe(true);
      cancelled = yield* cancelDelayedWorkSync(k, wqs, b);
    });
    runUntil(k, 50_000_000);
    expect(cancelled).toBe(true);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toBeGreaterThanOrEqual(3_000_000);
    expect(ran[0]).toBeLessThan(4_100_000);
  });
});

describe("flush and cancel", () => {
  test("flush_work waits for the queued instance; returns false when idle", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {});
    let done = -1;
    const work = wqs.initWork("slow", function* (kk) {
      yield kk.sleep(300_000);
      done = kk.now;
    });
    const results: [boolean, number][] = [];
    thread(k, 1, 1_000, function* () {
      queueWork(wqs, wq, work);
      results.push([yield* flushWork(k, work), k.now]);
      results.push([yield* flushWork(k, work), k.now]);
    });
    runUntil(k, 10_000_000);
    expect(results[0]![0]).toBe(true);
    expect(results[0]![1]).toBeGreaterThanOrEqual(done);
    expect(results[1]).toEqual([false, results[0]![1]]);
  });

  test("cancel_work_sync removes a pending item (it never runs) and waits for a running one", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", {}, 1);
    const ran: string[] = [];
    const first = wqs.initWork("first", function* (kk) {
      ran.push("first");
      yield kk.sleep(400_000);
      ran.push("first-done");
    });
    const second = wqs.initWork("second", function* () {
      ran.push("second");
    });
    const out: unknown[] = [];
    thread(k, 0, 1_000, function* () {
      queueWork(wqs, wq, first);
      queueWork(wqs, wq, second); // inactive behind first (max_active 1)
      yield k.sleep(150_000);
      out.push(yield* cancelWorkSync(k, wqs, second)); // pending: removed
      out.push(yield* cancelWorkSync(k, wqs, first)); // running: waits
      out.push(k.now);
      out.push(queueWork(wqs, wq, first)); // PENDING released again afterwards
    });
    runUntil(k, 10_000_000);
    expect(out[0]).toBe(true);
    expect(out[1]).toBe(false);
    expect(out[2]).toBeGreaterThanOrEqual(400_000);
    expect(out[3]).toBe(true);
    expect(ran.slice(0, 2)).toEqual(["first", "first-done"]);
    expect(ran).not.toContain("second");
    expect(wqs.stats.cancelled).toBe(1);
    expect(checkInvariantsOf(wqs)).toEqual([]);
  });

  test("flush_workqueue waits for everything queued before it", () => {
    const { k, wqs } = setup();
    const wq = wqs.allocWorkqueue("wq", { unbound: true });
    let finished = 0;
    const works = [1, 2, 3].map((i) =>
      wqs.initWork(`w${i}`, function* (kk) {
        yield kk.sleep(i * 100_000);
        finished++;
      }),
    );
    let flushedAt = -1;
    let finishedAtFlush = -1;
    thread(k, 0, 1_000, function* () {
      for (const w of works) queueWork(wqs, wq, w);
      yield* flushWorkqueue(k, wq);
      flushedAt = k.now;
      finishedAtFlush = finished;
    });
    runUntil(k, 10_000_000);
    expect(finishedAtFlush).toBe(3);
    expect(flushedAt).toBeGreaterThanOrEqual(300_000);
  });
});

describe("the rescuer (WQ_MEM_RECLAIM)", () => {
  const stalled = (memReclaim: boolean) => {
    const { k, wqs } = setup({ cpus: 1 });
    wqs.stalls.push({ at: 0, duration: 500_000_000 });
    const wq = wqs.allocWorkqueue("reclaim_wq", { memReclaim });
    const starts: number[] = [];
    const works = [0, 1].map((i) =>
      wqs.initWork(`w${i}`, function* (kk) {
        starts.push(kk.now);
        yield kk.sleep(1_000_000);
      }),
    );
    thread(k, 0, 1_000, function* () {
      for (const w of works) queueWork(wqs, wq, w);
    });
    runUntil(k, 1_000_000_000);
    const pwq = [...wq.pwqs.values()][0]!;
    return { starts, pwq, k };
  };

  test("when workers cannot be created, the mayday timer summons the rescuer after MAYDAY_INITIAL_TIMEOUT", () => {
    const { starts, pwq, k } = stalled(true);
    expect(pwq.stats.mayday).toBeGreaterThan(0);
    expect(pwq.stats.rescued).toBeGreaterThan(0);
    // HZ/100 = 10 jiffies at HZ=1000: the rescued item starts ~10 ms in, not after the stall.
    expect(Math.max(...starts)).toBeLessThan(50_000_000);
    // TASK_COMM_LEN 16: 15 characters of kworker/R-reclaim_wq.
    expect(k.threads.some((t) => t.comm === "kworker/R-recla")).toBe(true);
  });

  test("without WQ_MEM_RECLAIM the items wait for the stall to end", () => {
    const { starts, pwq } = stalled(false);
    expect(pwq.stats.rescued).toBe(0);
    expect(Math.max(...starts)).toBeGreaterThanOrEqual(500_000_000);
  });
});

describe("threaded IRQs", () => {
  test("IRQF_ONESHOT keeps the line masked until the thread returns; asserts meanwhile are replayed", () => {
    const { k } = setup({ cpus: 1 });
    const desc = k.irq.setupLine(40, { chip: "TEST", hwirq: 40, affinity: [0] });
    const log: string[] = [];
    const it = requestThreadedIrq(
      k,
      40,
      function* () {
        log.push(`hardirq@${k.now}`);
        return IRQ_WAKE_THREAD;
      },
      function* (kk) {
        log.push(`thread@${kk.now}`);
        expect(desc.depth).toBe(1); // masked while the thread runs
        yield kk.sleep(20_000); // a thread handler may sleep
        log.push(`thread-end@${kk.now}`);
        return IRQ_HANDLED;
      },
      IRQF_ONESHOT,
      "dev",
      null,
    );
    at(k, 1_000, () => k.irq.assert(desc));
    at(k, 5_000, () => k.irq.assert(desc)); // while the thread runs: held, not delivered
    runUntil(k, 200_000);
    expect(it.thread.comm).toBe("irq/40-dev");
    expect(it.thread.prio).toBe(49); // sched_switch shows 99 - 50 for SCHED_FIFO 50
    expect(log.filter((l) => l.startsWith("hardirq"))).toHaveLength(2);
    const end1 = Number(log.find((l) => l.startsWith("thread-end"))!.split("@")[1]);
    const hard2 = Number(log.filter((l) => l.startsWith("hardirq"))[1]!.split("@")[1]);
    expect(hard2).toBeGreaterThanOrEqual(end1);
    expect(desc.depth).toBe(0);
    expect(it.runs).toBe(2);
  });

  test("the SCHED_FIFO irq thread preempts a CPU-bound normal thread at once", () => {
    const { k } = setup({ cpus: 1 });
    k.spawn({ comm: "hog", cpu: 0, kernelThread: false }, function* () {
      for (;;) yield k.user(1_000_000);
    });
    let woke = -1;
    let ran = -1;
    const desc = k.irq.setupLine(41, { chip: "TEST", hwirq: 41, affinity: [0] });
    requestThreadedIrq(k, 41, null, function* (kk) {
      ran = kk.now;
      return IRQ_HANDLED;
    }, IRQF_ONESHOT, "dev", null);
    k.trace.on((tp, t) => {
      if (tp === TP.irq_thread_wake) woke = t;
    });
    at(k, 500_000, () => k.irq.assert(desc));
    runUntil(k, 2_000_000);
    // Preempted on return from the interrupt: one context switch (1 us), not a slice.
    expect(ran - woke).toBeLessThanOrEqual(1_000 + 300);
    expect(ran).toBeGreaterThan(woke);
  });

  test("on an MSI line (IRQCHIP_ONESHOT_SAFE) IRQF_ONESHOT is dropped: never masked, each assert runs the primary, wake-ups merge", () => {
    const { k } = setup({ cpus: 1 });
    const desc = k.irq.setupLine(43, { chip: "IR-PCI-MSI", hwirq: 43, affinity: [0] });
    const hardirqs: number[] = [];
    const it = requestThreadedIrq(
      k,
      43,
      function* () {
        hardirqs.push(k.now);
        return IRQ_WAKE_THREAD;
      },
      function* (kk) {
        expect(desc.depth).toBe(0); // not masked while the thread runs
        yield kk.sleep(20_000);
        return IRQ_HANDLED;
      },
      IRQF_ONESHOT,
      "dev",
      null,
    );
    expect(it.action.flags & IRQF_ONESHOT).toBe(0);
    at(k, 1_000, () => k.irq.assert(desc));
    at(k, 5_000, () => k.irq.assert(desc)); // while the thread sleeps: delivered at once
    at(k, 6_000, () => k.irq.assert(desc)); // and again: the pending wake-up merges
    runUntil(k, 200_000);
    expect(hardirqs).toHaveLength(3);
    expect(hardirqs[1]!).toBeLessThan(21_000);
    expect(it.merged).toBe(1);
    expect(it.runs).toBe(2);
    // And with no primary handler, MSI needs no ONESHOT (__setup_irq's check is skipped).
    k.irq.setupLine(44, { chip: "IR-PCI-MSI", hwirq: 44, affinity: [0] });
    expect(() => requestThreadedIrq(k, 44, null, function* () { return IRQ_HANDLED; }, 0, "dev2", null)).not.toThrow();
  });

  test("a null primary handler needs IRQF_ONESHOT (-EINVAL otherwise)", () => {
    const { k } = setup({ cpus: 1 });
    k.irq.setupLine(42, { chip: "TEST", hwirq: 42, affinity: [0] });
    expect(() => requestThreadedIrq(k, 42, null, function* () { return IRQ_HANDLED; }, 0, "dev", null)).toThrow(/EINVAL/);
  });
});

describe("workqueue-rx scenario", () => {
  test("concurrency management runs >= 3x the work items per second of max_active=1", () => {
    const cm = runScenario(loadScenario("workqueue-rx").scenario);
    const one = runScenario(loadScenario("workqueue-rx", { sets: ["workqueues.rx_wq.max_active=1"] }).scenario);
    const rate = (r: typeof cm) => (r.workqueues[0]!.total * 1e9) / r.simulated_ns;
    expect(rate(cm)).toBeGreaterThanOrEqual(3 * rate(one));
    expect(cm.invariants.ok && one.invariants.ok).toBe(true);
    expect(cm.expect.ok).toBe(true);
  });

  test("why: with CM, nr_running drops to 0 when a worker sleeps and another picks up the next item", () => {
    const trace = (sets: string[]) => {
      const sim = new Simulation(loadScenario("workqueue-rx", { sets: [...sets, "duration=20ms"] }).scenario);
      const pool = sim.sys.wqs.cpuPools[0]![0]!;
      let maxInFlight = 0;
      let dropsToZeroWithWork = 0;
      sim.sys.k.trace.on((tp, _t, _cpu, poolId, n) => {
        if (tp === TP.workqueue_nr_running && poolId === pool.id && n === 0 && pool.worklist.length > 0) dropsToZeroWithWork++;
        if (tp === TP.workqueue_execute_start) {
          const inFlight = [...sim.sys.wqs.workqueues[0]!.pwqs.values()].reduce((a, p) => a + p.nrActive, 0);
          maxInFlight = Math.max(maxInFlight, inFlight);
        }
      });
      while (!sim.advance(1 << 20));
      return { maxInFlight, dropsToZeroWithWork, r: sim.finish() };
    };
    const cm = trace([]);
    const one = trace(["workqueues.rx_wq.max_active=1"]);
    // Sleeping workers gave back their nr_running share while items were waiting, and the
    // pool woke others: several items were in progress (mostly asleep in I/O) at once.
    expect(cm.dropsToZeroWithWork).toBeGreaterThan(0);
    expect(cm.r.workqueues[0]!.cm_wakeups).toBeGreaterThan(0);
    expect(cm.maxInFlight).toBeGreaterThan(2);
    // With max_active 1 the other items sit on the inactive list, not the worklist: no
    // wake-ups, one item in progress at a time.
    expect(one.dropsToZeroWithWork).toBe(0);
    expect(one.r.workqueues[0]!.cm_wakeups).toBe(0);
    expect(one.maxInFlight).toBe(1);
  });
});

function checkInvariantsOf(wqs: Workqueues): string[] {
  const v: string[] = [];
  const s = wqs.stats;
  let pending = 0;
  for (const pool of wqs.pools()) pending += pool.worklist.length + pool.workers.reduce((a, w) => a + w.scheduled.length, 0);
  for (const wq of wqs.workqueues) for (const p of wq.pwqs.values()) pending += p.inactive.length;
  if (s.queued !== s.started + pending + s.cancelled) v.push(`queued ${s.queued} != ${s.started} + ${pending} + ${s.cancelled}`);
  return v;
}

test("invariants hold on every built-in scenario that uses workqueues", () => {
  for (const name of ["workqueue-rx", "sleep-in-atomic", "threaded-irq"]) {
    const sim = new Simulation(loadScenario(name, { sets: ["duration=10ms"] }).scenario);
    while (!sim.advance(1 << 20));
    expect(checkInvariants(sim.sys), name).toEqual([]);
  }
});


describe("completions (kernel/sched/completion.c)", () => {
  test("complete wakes one waiter; complete_all lets everyone through", async () => {
    const { initCompletion, complete, completeAll, waitForCompletion } = await import("../sim/completion.js");
    const { k } = setup({ cpus: 2 });
    const c = initCompletion("c");
    const passed: string[] = [];
    for (const cpu of [0, 1]) {
      k.spawn({ comm: `w${cpu}`, cpu, kernelThread: true }, function* () {
        yield* waitForCompletion(k, c);
        passed.push(`w${cpu}@${k.now}`);
      });
    }
    at(k, 100_000, () => complete(k, c));
    runUntil(k, 200_000);
    expect(passed).toHaveLength(1);
    at(k, 300_000, () => completeAll(k, c));
    runUntil(k, 400_000);
    expect(passed).toHaveLength(2);
  });

  test("wait_for_completion in a top half gets might_sleep's report with completion.c:116", async () => {
    const { initCompletion, waitForCompletion } = await import("../sim/completion.js");
    const { k } = setup({ cpus: 1 });
    const c = initCompletion("c");
    const desc = k.irq.setupLine(50, { chip: "TEST", hwirq: 50, affinity: [0] });
    let got: boolean | undefined;
    k.irq.requestIrq(50, function* (kk) {
      got = yield* waitForCompletion(kk, c);
      return IRQ_HANDLED;
    }, 0, "bad", null);
    at(k, 1_000, () => k.irq.assert(desc));
    runUntil(k, 100_000);
    expect(got).toBe(false);
    expect(k.dmesg[0]!.text).toBe("BUG: sleeping function called from invalid context at kernel/sched/completion.c:116");
  });
});
