import { describe, expect, test } from "vitest";
import { bareKernel, runUntil, testLine } from "./helpers/kernel.js";
import { Softirq } from "../softirq/softirq.js";
import { Tasklets } from "../softirq/tasklet.js";
import { IRQ_HANDLED } from "../sim/irq.js";
import { TP } from "../sim/trace.js";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";

function setup(cpus = 2) {
  // tasklet_run > 0: requeueing a busy or disabled tasklet spins, and spinning takes time.
  const k = bareKernel({ cpus, costs: { tasklet_run: 50, softirq_pass: 100 } });
  const s = new Softirq(k);
  const ts = new Tasklets(k, s);
  return { k, s, ts };
}

describe("tasklets (kernel/softirq.c)", () => {
  test("scheduling an already scheduled tasklet is a no-op: two schedules, one run", () => {
    const { k, ts } = setup(1);
    const runs: number[] = [];
    const t = ts.create("t", function* () {
      runs.push(k.now);
      yield k.cpu(100);
    });
    testLine(k, 30, function* () {
      ts.schedule(t);
      ts.schedule(t);
      return IRQ_HANDLED;
    }).assertAt(1_000);
    runUntil(k, 100_000);
    // softirq_pass 100 ns + tasklet_run 50 ns after the top half.
    expect(runs).toEqual([1_150]);
    expect(t.stats.alreadyScheduled).toBe(1);
  });

  test("never on two CPUs at once; scheduled while running elsewhere, it waits, then runs once more", () => {
    const { k, ts } = setup(2);
    const log: string[] = [];
    let running = 0;
    const t = ts.create("shared", function* (kk) {
      running++;
      expect(running).toBe(1);
      log.push(`start cpu${kk.smpProcessorId()}@${kk.now}`);
      yield kk.cpu(10_000);
      log.push(`end cpu${kk.smpProcessorId()}@${kk.now}`);
      running--;
    });
    testLine(k, 30, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }, [0]).assertAt(1_000);
    testLine(k, 31, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }, [1]).assertAt(5_000);
    runUntil(k, 1_000_000);
    expect(log[0]).toBe("start cpu0@1150");
    expect(log[1]).toBe("end cpu0@11150");
    expect(log[2]).toMatch(/^start cpu1@/);
    expect(Number(log[2]!.split("@")[1])).toBeGreaterThanOrEqual(11_150);
    expect(t.stats.scheduledWhileRunning).toBe(1);
    expect(t.stats.busyElsewhere).toBeGreaterThan(0);
    expect(t.stats.runs).toEqual([1, 1]);
  });

  test("a tasklet that reschedules itself while running runs again on the same CPU", () => {
    const { k, ts } = setup(1);
    let n = 0;
    const t = ts.create("again", function* (kk, self) {
      n++;
      if (n < 3) ts.schedule(self);
      yield kk.cpu(10);
    });
    testLine(k, 30, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }).assertAt(0);
    runUntil(k, 100_000);
    expect(n).toBe(3);
  });

  test("HI tasklets run before normal ones (HI_SOFTIRQ is vector 0)", () => {
    const { k, ts } = setup(1);
    const order: string[] = [];
    const lo = ts.create("lo", function* () {
      order.push("lo");
    });
    const hi = ts.create("hi", function* () {
      order.push("hi");
    });
    testLine(k, 30, function* () {
      ts.schedule(lo);
      ts.hiSchedule(hi);
      return IRQ_HANDLED;
    }).assertAt(0);
    runUntil(k, 10_000);
    expect(order).toEqual(["hi", "lo"]);
  });

  test("tasklet_disable waits for a running tasklet and keeps it from running until enabled", () => {
    const { k, ts } = setup(2);
    const events: string[] = [];
    const t = ts.create("d", function* (kk) {
      events.push(`run@${kk.now}`);
      yield kk.cpu(20_000);
    });
    testLine(k, 30, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }, [0]).assertAt(0);
    k.spawn({ comm: "ctl", cpu: 1, kernelThread: true }, function* () {
      yield k.sleep(5_000);
      yield* ts.disable(k, t);
      events.push(`disabled@${k.now}`);
      // Scheduled while disabled: tasklet_action requeues it instead of running it.
      yield k.sleep(50_000);
      events.push(`enable@${k.now}`);
      ts.enable(t);
    });
    testLine(k, 31, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }, [0]).assertAt(40_000);
    runUntil(k, 2_000_000);
    expect(events[0]).toBe("run@150");
    expect(events[1]).toMatch(/^disabled@2\d{4}$/); // after the run ended at ~20 us
    expect(events[2]).toMatch(/^enable@/);
    expect(events[3]).toMatch(/^run@/);
    expect(Number(events[3]!.split("@")[1])).toBeGreaterThanOrEqual(Number(events[2]!.split("@")[1]));
    expect(t.stats.disabledRequeues).toBeGreaterThan(0);
  });

  test("tasklet_kill waits until it has run and leaves it unscheduled", () => {
    const { k, ts } = setup(2);
    let ran = 0;
    let killedAt = -1;
    const t = ts.create("k", function* (kk) {
      ran++;
      yield kk.cpu(30_000);
    });
    testLine(k, 30, function* () {
      ts.schedule(t);
      return IRQ_HANDLED;
    }, [0]).assertAt(0);
    k.spawn({ comm: "rmmod", cpu: 1, kernelThread: true }, function* () {
      yield k.sleep(1_000);
      yield* ts.kill(k, t);
      killedAt = k.now;
    });
    runUntil(k, 1_000_000);
    expect(ran).toBe(1);
    expect(killedAt).toBeGreaterThanOrEqual(30_000);
    expect(t.sched).toBe(false);
    expect(t.runningOn).toBe(-1);
  });
});

describe("tasklet-serial scenario", () => {
  test("two ports on two CPUs share one tasklet that never runs concurrently", () => {
    const sim = new Simulation(loadScenario("tasklet-serial").scenario);
    const runningOn = new Set<number>();
    let maxConcurrent = 0;
    sim.sys.k.trace.on((tp, _t, cpu) => {
      if (tp === TP.tasklet_entry) {
        runningOn.add(cpu);
        maxConcurrent = Math.max(maxConcurrent, runningOn.size);
      } else if (tp === TP.tasklet_exit) runningOn.delete(cpu);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const t = r.tasklets[0]!;
    expect(maxConcurrent).toBe(1);
    expect(t.runs_per_cpu[0]).toBeGreaterThan(0);
    expect(t.runs_per_cpu[1]).toBeGreaterThan(0);
    expect(t.busy_elsewhere).toBeGreaterThan(0);
    expect(t.scheduled_while_running).toBeGreaterThan(0);
    // Every schedule that was not merged ends in exactly one run.
    expect(t.runs_per_cpu[0]! + t.runs_per_cpu[1]!).toBe(t.scheduled - (sim.sys.tasklets.all[0]!.sched ? 1 : 0));
    expect(r.invariants.ok).toBe(true);
    expect(r.packets.dropped.total).toBe(0);
  });
});
