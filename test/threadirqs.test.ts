/**
 * Forced interrupt threading (kernel.threadirqs; kernel/irq/manage.c
 * irq_setup_forced_threading, irq_forced_thread_fn): device handlers run in irq/N-name
 * threads, timers stay in hardirq context, and softirqs the handlers raise run at the
 * thread's local_bh_enable().
 */
import { expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario, Simulation } from "../system/run.js";
import { createFtraceFormatter } from "../observe/ftrace.js";
import { TP } from "../sim/trace.js";
import { NET_RX_SOFTIRQ } from "../softirq/softirq.js";
import { IRQF_ONESHOT } from "../sim/irq.js";
import { procView } from "../observe/views.js";

test("threadirqs: the NIC's handler runs in irq/24-nic0 (SCHED_FIFO 50) and NET_RX runs in that thread", () => {
  const sim = new Simulation(loadScenario("nic-basic", { sets: ["kernel.threadirqs=true", "duration=10ms", "tasks.app.cpu=0"] }).scenario);
  const fmt = createFtraceFormatter(sim.sys);
  const netRx = new Set<string>();
  const loc = new Set<string>();
  sim.sys.k.trace.on((tp, t, cpu, a, b, c) => {
    if (tp === TP.softirq_entry && a === NET_RX_SOFTIRQ) netRx.add(fmt(tp, t, cpu, a, b, c)!.replace(/^ *(\S+?)-\d+ +\[\d+\] (.{5}).*$/, "$1 $2"));
    if (tp === TP.local_timer_entry) loc.add(fmt(tp, t, cpu, a, b, c)!.match(/\] (.{5}) /)![1]![2]!);
  });
  while (!sim.advance(1 << 20));
  const r = sim.finish();
  const th = sim.sys.k.threads.find((t) => t.comm === "irq/24-nic0")!;
  expect(th.policy).toBe(1); // SCHED_FIFO
  expect(th.rtPriority).toBe(50);
  // The action is the default primary with IRQF_ONESHOT set by forced threading; MSI drops
  // it again (IRQCHIP_ONESHOT_SAFE).
  expect(sim.sys.k.irq.desc(24).actions[0]!.flags & IRQF_ONESHOT).toBe(0);
  // Every NET_RX ran from the irq thread's local_bh_enable(), in softirq context (..s..).
  expect([...netRx].map((l) => l.split(" ")[0])).toEqual(["irq/24-nic0"]);
  expect([...netRx].every((l) => l.split(" ")[1]![2] === "s")).toBe(true);
  // The local timer (IRQF_TIMER: IRQF_NO_THREAD) still runs in hardirq context (H: on top
  // of a softirq).
  expect([...loc].every((f) => f === "h" || f === "H")).toBe(true);
  expect(r.packets.dropped.total).toBe(0);
  expect(r.invariants.ok).toBe(true);
  // Most of the top half's time moved out of hardirq context into the thread.
  const plain = runScenario(loadScenario("nic-basic", { sets: ["duration=10ms", "tasks.app.cpu=0"] }).scenario);
  expect(r.cpus[0]!.hardirq_ns * 2).toBeLessThan(plain.cpus[0]!.hardirq_ns);
  expect(r.threads.find((t) => t.comm === "irq/24-nic0")!.runtime_ns).toBeGreaterThan(0);
});

test("threadirqs: each device on a shared line gets its own thread", () => {
  const r = runScenario(loadScenario("spurious-irq", { sets: ["kernel.threadirqs=true", "duration=5ms"] }).scenario);
  const irqThreads = r.threads.filter((t) => t.comm.startsWith("irq/")).map((t) => t.comm);
  expect(irqThreads.length).toBeGreaterThanOrEqual(1);
  expect(r.invariants.ok).toBe(true);
});

test("softirq_defer_to_ksoftirqd (4.9 - 6.4) also defers at local_bh_enable: no NET_RX in the irq thread while ksoftirqd is runnable", () => {
  const sets = ["kernel.threadirqs=true", "kernel.softirq_defer_to_ksoftirqd=true", "devices.nic0.mode=irq", "devices.nic0.traffic.rate=150000", "duration=10ms"];
  const sim = new Simulation(loadScenario("livelock", { sets }).scenario);
  const ksoftirqd = sim.sys.softirq.ksoftirqd[0]!;
  let inThread = 0;
  let whileRunnable = 0;
  sim.sys.k.trace.on((tp, _t, cpu, a) => {
    if (tp !== TP.softirq_entry || a !== NET_RX_SOFTIRQ) return;
    if (sim.sys.k.cpus[cpu]!.curr.comm !== "irq/24-nic0") return;
    inThread++;
    if (ksoftirqd.state === 0) whileRunnable++; // TASK_RUNNING: queued, since the irq thread is current
  });
  while (!sim.advance(1 << 20));
  const r = sim.finish();
  expect(r.ksoftirqd[0]!.runs_ksoftirqd).toBeGreaterThan(0);
  expect(inThread).toBeGreaterThan(0);
  expect(whileRunnable).toBe(0);
});

test("waking a task on an idle CPU is a function-call IPI (CAL, via the wake list), on a busy one a reschedule IPI (RES)", () => {
  const idle = new Simulation(loadScenario("nic-basic", { sets: ["duration=10ms"] }).scenario);
  while (!idle.advance(1 << 20));
  idle.finish();
  const c1 = idle.sys.k.cpus[1]!;
  expect(c1.callIpis).toBeGreaterThan(100);
  expect(c1.reschedIpis).toBe(0);
  const text = procView(idle.sys, "interrupts");
  expect(text).toMatch(new RegExp(`^CAL: +0 +${c1.callIpis}   Function call interrupts$`, "m"));
  // A CPU-bound task keeps CPU1 busy: the reader's wake-ups preempt it with RES instead.
  const busy = new Simulation(loadScenario("nic-basic", { sets: ["duration=10ms", "tasks.hog.type=busy", "tasks.hog.cpu=1", "tasks.app.nice=-10"] }).scenario);
  while (!busy.advance(1 << 20));
  busy.finish();
  expect(busy.sys.k.cpus[1]!.reschedIpis).toBeGreaterThan(0);
});
