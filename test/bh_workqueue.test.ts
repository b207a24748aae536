/**
 * BH workqueues (workqueue/bh.ts, kernel/workqueue.c WQ_BH): the tasklet-serial case ported
 * to a work item on a BH workqueue. Checked by what defines them: softirq context, per-CPU
 * non-reentrancy without the tasklet's requeue spin, alloc_workqueue's WQ_BH rules.
 */
import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { runScenario, Simulation } from "../system/run.js";
import { createFtraceFormatter } from "../observe/ftrace.js";
import { TP } from "../sim/trace.js";
import { InputError } from "../sim/input_error.js";

describe("bh-workqueue: tasklet-serial on a BH workqueue", () => {
  test("the work item runs in softirq context, never on two CPUs at once, and a CPU that finds it running elsewhere hands it over instead of spinning", () => {
    const sim = new Simulation(loadScenario("bh-workqueue", { sets: ["duration=20ms"] }).scenario);
    const fmt = createFtraceFormatter(sim.sys);
    const running = new Set<number>();
    let overlaps = 0;
    const flags = new Set<string>();
    sim.sys.k.trace.on((tp, t, cpu, a, b, c) => {
      if (tp === TP.workqueue_execute_start) {
        if (running.size > 0) overlaps++;
        running.add(cpu);
        // "<task>-<pid> [00N] ..s..": serving a softirq, whatever task it interrupted.
        flags.add(fmt(tp, t, cpu, a, b, c)!.match(/\] (.{5}) /)![1]![2]!);
      }
      if (tp === TP.workqueue_execute_end) running.delete(cpu);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    expect(overlaps).toBe(0);
    expect([...flags]).toEqual(["s"]);
    const w = r.bh_workqueues[0]!.works[0]!;
    expect(w.sent_to_running_cpu).toBeGreaterThan(0);
    expect(w.runs_per_cpu.every((n) => n > 0)).toBe(true);
    // No kworker ran it: BH pools have no threads.
    expect(r.workqueues).toEqual([]);
    expect(r.packets.dropped.total).toBe(0);
    expect(r.invariants.ok).toBe(true);
  });

  test("against the tasklet: a fraction of the TASKLET softirq runs and no restart-limit deferrals", () => {
    const sets = ["duration=20ms"];
    const tasklet = runScenario(loadScenario("tasklet-serial", { sets }).scenario);
    const bh = runScenario(loadScenario("bh-workqueue", { sets }).scenario);
    const runs = (r: typeof bh) => r.softirqs.TASKLET!.per_cpu.reduce((a, b) => a + b, 0);
    expect(tasklet.tasklets[0]!.busy_elsewhere).toBeGreaterThan(1000);
    expect(runs(bh) * 3).toBeLessThan(runs(tasklet));
    expect(bh.ksoftirqd.every((k) => k.deferred.restart_limit === 0)).toBe(true);
    expect(tasklet.ksoftirqd.some((k) => k.deferred.restart_limit > 0)).toBe(true);
    // The same packets get through either way.
    expect(bh.packets.delivered).toBe(tasklet.packets.delivered);
  });
});

describe("WQ_BH rules (alloc_workqueue, exit 2)", () => {
  const base = (wq: string, mode = "tasklet", extra = "") => () =>
    parseScenarioText(
      `name: t\ndescription: t\ndevices:\n  nic0: { type: nic, irq: 24, mode: ${mode}, workqueue: w, ${extra} traffic: { kind: poisson, rate: 1000 } }\nworkqueues:\n  w: ${wq}\n`,
      "t.yaml",
    );
  test.each([
    ["{ flags: [bh, unbound] }", "tasklet", /workqueues\.w\.flags: expected only bh and highpri with bh \(WQ_BH allows no unbound\)/],
    ["{ flags: [bh], max_active: 4 }", "tasklet", /workqueues\.w\.max_active: expected 0 with bh/],
    ["{ flags: [] }", "tasklet", /devices\.nic0\.workqueue: expected the name of a workqueue with flags \[bh\]/],
    ["{ flags: [bh] }", "workqueue", /devices\.nic0\.workqueue: expected a workqueue without bh/],
    ["{ flags: [bh] }", "napi", /devices\.nic0\.workqueue: expected no workqueue unless mode is workqueue or tasklet/],
  ])("%s with mode %s", (wq, mode, message) => {
    expect(base(wq, mode)).toThrow(InputError);
    expect(base(wq, mode)).toThrow(message);
  });

  test("a highpri BH workqueue runs from HI_SOFTIRQ", () => {
    const r = runScenario(loadScenario("bh-workqueue", { sets: ["duration=5ms", "workqueues.events_bh.flags=[bh, highpri]"] }).scenario);
    expect(r.bh_workqueues[0]!.highpri).toBe(true);
    expect(r.softirqs.HI!.per_cpu.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(r.softirqs.TASKLET!.per_cpu.reduce((a, b) => a + b, 0)).toBe(0);
  });
});
