/**
 * The NAPI dip and its cures (scenarios/napi-cures.yaml): threaded NAPI, napi_defer_hard_irqs
 * with gro_flush_timeout, busy polling. Each mechanism is checked by what defines it in the
 * kernel (thread names, the context a poll runs in, which counters move), and the story by
 * the scenario's own variants through the dip.
 */
import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { runScenario, Simulation } from "../system/run.js";
import type { RunResult } from "../system/result.js";
import { createFtraceFormatter } from "../observe/ftrace.js";
import { TP } from "../sim/trace.js";
import { NET_RX_SOFTIRQ } from "../softirq/softirq.js";
import { BUSY_POLL_BUDGET } from "../net/busy_poll.js";
import { MIN_NAPI_ID } from "../net/napi.js";
import { InputError } from "../sim/input_error.js";
import { cli } from "./helpers/cli.js";
import { readFileSync } from "node:fs";
import { explainScenario } from "../cli/explain.js";

const cures = (sets: string[]) => loadScenario("napi-cures", { sets }).scenario;
const run = (variant: string, sets: string[] = []) => runScenario(cures([`variant=${variant}`, ...sets]));
const netRx = (r: RunResult) => r.softirqs.NET_RX!.per_cpu.reduce((a, b) => a + b, 0);

describe("the NAPI dip and its cures, side by side (napi-cures)", () => {
  // 100 ms per point: the dip's shape is the same as over the scenario's 200 ms.
  const rates = [150_000, 225_000, 300_000, 450_000];
  const at = (variant: string, rate: number) => run(variant, [`devices.nic0.traffic.rate=${rate}`, "duration=100ms"]);

  test("at the worst point of plain NAPI's dip, threaded NAPI and busy polling each deliver at least twice as much (same seed)", () => {
    const plain = rates.map((rate) => at("napi", rate));
    const worst = plain.reduce((w, r, i) => (r.packets.delivered_pps < plain[w]!.packets.delivered_pps ? i : w), 0);
    const rate = rates[worst]!;
    // The dip is in the middle of the range: plain NAPI recovers at 450 kpps, where the
    // ring overflows and NET_RX stays in polling mode (ksoftirqd).
    expect(rate).toBeGreaterThan(rates[0]!);
    expect(rate).toBeLessThan(rates[rates.length - 1]!);
    const dip = plain[worst]!;
    expect(dip.packets.delivered_pps).toBeLessThan(0.5 * plain[0]!.packets.delivered_pps);
    // The packets NET_RX processed die at the full socket; the reader starves.
    expect(dip.packets.dropped.socket_rcvbuff).toBeGreaterThan(dip.packets.delivered / 2);
    for (const variant of ["threaded", "busy_poll"]) {
      const cure = at(variant, rate);
      expect(cure.seed).toBe(dip.seed);
      expect(cure.packets.delivered_pps, variant).toBeGreaterThanOrEqual(2 * dip.packets.delivered_pps);
      // Excess load now drops at the ring, for free, instead of after protocol processing.
      expect(cure.packets.dropped.rx_ring_full, variant).toBeGreaterThan(cure.packets.dropped.socket_rcvbuff);
      expect(cure.latency_ns.deliver!.p99, variant).toBeLessThan(dip.latency_ns.deliver!.p99);
    }
    // Deferred IRQs all but stop the interrupts; NET_RX still runs first, so it helps less.
    const defer = at("defer", rate);
    expect(defer.devices.nic0!.interrupts * 100).toBeLessThan(dip.devices.nic0!.interrupts);
    expect(defer.packets.delivered_pps).toBeGreaterThan(dip.packets.delivered_pps);
    expect(defer.packets.delivered_pps).toBeLessThan(at("threaded", rate).packets.delivered_pps);
    // SO_BUSY_POLL alone never starts: the socket is never empty and NET_RX owns the instance.
    const busyRead = at("busy_read", rate);
    expect(busyRead.napi[0]!.busy_polls).toBe(0);
    expect(busyRead.fingerprint).toBe(dip.fingerprint);
  });

  test("README's napi-cures table and explain's figures are what the scenario gives (seed 1, 300 kpps, 200 ms)", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const rows = [...readme.matchAll(/^\| `(napi|threaded|defer|busy_poll|busy_read)` \| (.*) \|$/gm)];
    expect(rows.map((m) => m[1])).toEqual(["napi", "threaded", "defer", "busy_poll", "busy_read"]);
    const res: Record<string, RunResult> = {};
    for (const [, variant, cells] of rows) {
      const r = (res[variant!] = run(variant!));
      const c = r.cpus[0]!;
      const pc = (v: number) => `${((100 * v) / r.simulated_ns).toFixed(1)}%`;
      const p99 = r.latency_ns.deliver!.p99;
      const d = r.packets.dropped;
      const irqs = (r.irqs.reduce((a, l) => a + l.total, 0) * 1e9) / r.simulated_ns;
      expect(cells!.split(" | "), variant).toEqual([
        `${(r.packets.delivered_pps / 1000).toFixed(1)} kpps`,
        `${(d.rx_ring_full ?? 0).toLocaleString("en-US")} / ${(d.socket_rcvbuff ?? 0).toLocaleString("en-US")}`,
        Math.round(irqs).toLocaleString("en-US"),
        `${pc(c.softirq_ns)} / ${pc(c.system_ns)} / ${pc(c.user_ns)}`,
        p99 >= 1e6 ? `${(p99 / 1e6).toFixed(2)} ms` : `${(p99 / 1e3).toFixed(1)} us`,
      ]);
    }
    // explain napi-cures: ~25 kpps and ~5% for the reader; over 6x for the two cures; ~2.5x deferred.
    const shows = explainScenario("napi-cures").shows;
    expect(shows).toContain("(~25 kpps delivered)");
    const plain = res.napi!.packets.delivered_pps;
    expect(Math.abs(plain - 25_000)).toBeLessThan(2_500);
    expect(res.napi!.cpus[0]!.user_ns / res.napi!.simulated_ns).toBeLessThan(0.06);
    expect(res.threaded!.packets.delivered_pps).toBeGreaterThan(6 * plain);
    expect(res.busy_poll!.packets.delivered_pps).toBeGreaterThan(6 * plain);
    expect(res.defer!.packets.delivered_pps / plain).toBeGreaterThan(2.2);
    expect(res.defer!.packets.delivered_pps / plain).toBeLessThan(2.8);
    expect(res.busy_read!.napi[0]!.busy_polls).toBe(0);
  });

  test("below the dip, busy_read alone does busy-poll (the knob acts when the socket runs dry)", () => {
    const r = run("busy_read", ["devices.nic0.traffic.rate=50000", "duration=20ms"]);
    expect(r.napi[0]!.busy_polls).toBeGreaterThan(0);
    expect(r.napi[0]!.busy_poll_packets).toBeGreaterThan(0);
  });
});

describe("threaded NAPI (net/napi_threaded.ts)", () => {
  test("polls run in kthread napi/<dev>-<napi_id>, SCHED_OTHER, with BH disabled in process context; NET_RX never runs", () => {
    const sim = new Simulation(cures(["variant=threaded", "duration=10ms"]));
    const fmt = createFtraceFormatter(sim.sys);
    const lines: string[] = [];
    sim.sys.k.trace.on((tp, t, cpu, a, b, c) => {
      if (tp === TP.napi_poll) lines.push(fmt(tp, t, cpu, a, b, c)!);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const name = `napi/nic0-${MIN_NAPI_ID}`;
    expect(r.napi[0]!.thread).toBe(name);
    const th = sim.sys.k.threads.find((t) => t.comm === name)!;
    expect(th.policy).toBe(0); // SCHED_NORMAL
    expect(th.prio).toBe(120);
    expect(lines.length).toBe(r.napi[0]!.polls);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      // "<comm>-<pid> [000] b....": BH disabled (b), not serving a softirq or a hardirq (.).
      expect(line).toMatch(new RegExp(`^ *${name.replace("/", "\\/")}-${th.pid} +\\[000\\] b[.Nn]\\.\\.\\. `));
    }
    expect(r.napi[0]!.threaded_polls).toBe(r.napi[0]!.polls);
    expect(netRx(r)).toBe(0);
    expect(r.cpus[0]!.softirq_ns).toBe(0);
    expect(r.threads.find((t) => t.comm === name)!.runtime_ns).toBeGreaterThan(0);
  });

  test("plain NAPI polls in NET_RX (softirq context), with no napi thread", () => {
    const sim = new Simulation(cures(["variant=napi", "duration=5ms"]));
    const fmt = createFtraceFormatter(sim.sys);
    const flags = new Set<string>();
    sim.sys.k.trace.on((tp, t, cpu, a, b, c) => {
      if (tp === TP.napi_poll) flags.add(fmt(tp, t, cpu, a, b, c)!.match(/\] (.{5}) /)![1]![2]!);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    expect([...flags]).toEqual(["s"]);
    expect(r.napi[0]!.thread).toBeNull();
    expect(netRx(r)).toBeGreaterThan(0);
    expect(sim.sys.k.threads.some((t) => t.comm.startsWith("napi/"))).toBe(false);
  });

  test("one thread per queue's NAPI instance, ids in napi_hash_add order", () => {
    const r = runScenario(cures(["variant=threaded", "cpus=2", "devices.nic0.queues=2", "devices.nic0.flows=64", "devices.nic0.affinity=[0,1]", "duration=5ms"]));
    expect(r.napi.map((n) => [n.id, n.thread])).toEqual([
      [MIN_NAPI_ID, `napi/nic0-${MIN_NAPI_ID}`],
      [MIN_NAPI_ID + 1, `napi/nic0-${MIN_NAPI_ID + 1}`],
    ]);
    expect(r.napi.every((n) => n.threaded_polls > 0)).toBe(true);
  });
});

describe("napi_defer_hard_irqs + gro_flush_timeout (net/napi_defer.ts)", () => {
  test("a completing poll keeps the IRQ masked and the hrtimer re-polls from the local timer interrupt", () => {
    const sim = new Simulation(cures(["variant=defer", "duration=20ms"]));
    const timerPolls: number[] = [];
    let locDepth = 0;
    sim.sys.k.trace.on((tp, t, _cpu, a) => {
      if (tp === TP.local_timer_entry) locDepth++;
      if (tp === TP.local_timer_exit) locDepth--;
      if (tp === TP.softirq_raise && a === NET_RX_SOFTIRQ && locDepth > 0) timerPolls.push(t);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const n = r.napi[0]!;
    // napi_watchdog() raised NET_RX from the LOC hardirq once per timer poll.
    expect(timerPolls.length).toBe(n.timer_polls);
    expect(n.timer_polls).toBeGreaterThan(100);
    // Each completion that found work deferred; only the first packet interrupted.
    expect(n.deferred_completions).toBeGreaterThan(100);
    expect(r.devices.nic0!.interrupts).toBeLessThanOrEqual(2);
    // Timer polls come gro_flush_timeout (20 us) apart while the load lasts.
    const gaps = timerPolls.slice(1).map((t, i) => t - timerPolls[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20_000);
  });

  test("after napi_defer_hard_irqs empty polls the IRQ is re-enabled", () => {
    // Sparse traffic: each burst's polls run dry, and after 2 empty ones the driver unmasks.
    const r = run("defer", ["devices.nic0.traffic.rate=2000", "duration=20ms"]);
    const n = r.napi[0]!;
    expect(r.devices.nic0!.interrupts).toBeGreaterThan(10);
    // Per interrupt: one poll with work (deferred), then 2 empty ones on the timer.
    expect(n.timer_polls).toBeGreaterThanOrEqual(2 * (r.devices.nic0!.interrupts - 1));
    expect(r.devices.nic0!.masked_ns).toBeGreaterThan(r.devices.nic0!.interrupts * 40_000);
  });
});

describe("busy polling (net/busy_poll.ts)", () => {
  test("the reading task polls the NAPI instance itself: no NET_RX, no wake-ups, its CPU spent spinning", () => {
    const r = run("busy_poll", ["duration=50ms"]);
    const n = r.napi[0]!;
    // Packets come from the busy loop (LINUX_MIB_BUSYPOLLRXPACKETS) or from the one poll
    // busy_poll_stop() makes to let the driver complete; hardly ever from NET_RX.
    expect(n.busy_poll_packets).toBeGreaterThan(0.4 * n.packets);
    expect(netRx(r)).toBeLessThan(n.polls / 100);
    // Busy polls take at most BUSY_POLL_BUDGET packets.
    expect(n.busy_poll_packets).toBeLessThanOrEqual(n.busy_polls * BUSY_POLL_BUDGET);
    const app = r.threads.find((t) => t.comm === "app")!;
    // It never sleeps on the socket once it polls: (almost) no voluntary switches.
    expect(app.voluntary_switches).toBeLessThan(5);
    expect(r.cpus[0]!.softirq_ns).toBeLessThan(r.simulated_ns / 100);
  });

  test("irq_suspend_timeout: the instance stays with a preferring busy poller although gro_flush_timeout is shorter than its processing", () => {
    // 50 us of flush timeout is less than the reader spends on what one busy loop brought
    // in: without IRQ suspension NET_RX's timer takes the instance back and the dip returns.
    const short = ["duration=50ms", "devices.nic0.gro_flush_timeout=50us"];
    const without = run("busy_poll", short);
    const suspended = run("busy_poll", [...short, "devices.nic0.irq_suspend_timeout=500us"]);
    expect(without.napi[0]!.timer_polls).toBeGreaterThan(100);
    expect(without.packets.dropped.socket_rcvbuff).toBeGreaterThan(0);
    // busy_poll_stop() armed napi->timer for irq_suspend_timeout each time; the reader
    // always came back sooner, so it never fired and NET_RX never polled.
    expect(suspended.napi[0]!.timer_polls).toBe(0);
    expect(netRx(suspended)).toBeLessThan(5);
    expect(suspended.packets.delivered_pps).toBeGreaterThan(2 * without.packets.delivered_pps);
  });

  test("busy polling on an idle link spins: system time instead of idle", () => {
    const quiet = (v: string) => run(v, ["devices.nic0.traffic.rate=5000", "duration=20ms"]);
    const napi = quiet("napi");
    const busy = quiet("busy_read");
    expect(napi.cpus[0]!.idle_ns).toBeGreaterThan(0.5 * napi.simulated_ns);
    expect(busy.cpus[0]!.system_ns).toBeGreaterThan(napi.cpus[0]!.system_ns + 0.1 * napi.simulated_ns);
    expect(busy.napi[0]!.busy_polls).toBeGreaterThan(100);
  });
});

describe("the knobs are validated (exit 2)", () => {
  const BASE = `name: t
description: "t"
devices:
  nic0: { type: nic, irq: 24, mode: MODE, EXTRA traffic: { kind: poisson, rate: 1000 } }
tasks:
  app: { type: socket-reader, socket: nic0, TASK }
`;
  const parse = (mode: string, extra: string, task = "") => () =>
    parseScenarioText(BASE.replace("MODE", mode).replace("EXTRA", extra).replace("TASK", task), "t.yaml");
  test.each([
    ["irq", "napi_threaded: true,", "", /devices\.nic0\.napi_threaded: expected false unless mode is napi/],
    ["threaded", "napi_defer_hard_irqs: 2, gro_flush_timeout: 20us,", "", /devices\.nic0\.napi_defer_hard_irqs: expected 0 unless mode is napi/],
    ["tasklet", "gro_flush_timeout: 20us,", "", /devices\.nic0\.gro_flush_timeout: expected 0 unless mode is napi/],
    ["napi", "napi_defer_hard_irqs: 2,", "", /devices\.nic0\.gro_flush_timeout: expected a duration > 0 with napi_defer_hard_irqs/],
    ["napi", "gro_flush_timeout: 20us,", "", /devices\.nic0\.napi_defer_hard_irqs: expected a count > 0 with gro_flush_timeout/],
    ["napi", "napi_defer_hard_irqs: -1,", "", /devices\.nic0\.napi_defer_hard_irqs: expected a number >= 0/],
    ["napi", "irq_suspend_timeout: 1ms,", "", /devices\.nic0\.irq_suspend_timeout: expected 0 unless a task reading this device has prefer_busy_poll: true/],
    ["irq", "", "busy_poll: 50us", /tasks\.app\.busy_poll: expected 0 unless nic0 has mode napi/],
    ["napi", "", "prefer_busy_poll: true", /tasks\.app\.prefer_busy_poll: expected false unless busy_poll > 0/],
    ["napi", "", "busy_poll: fast", /tasks\.app\.busy_poll: expected a duration/],
  ])("mode %s, %s %s", (mode, extra, task, message) => {
    expect(parse(mode, extra, task)).toThrow(InputError);
    expect(parse(mode, extra, task)).toThrow(message);
  });

  test("variants: an unknown variant and a bad override are one-line errors, exit 2", async () => {
    const bad = await cli(["run", "napi-cures", "--set", "variant=fast"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe("irqsim: --set variant=fast: variant: expected the name of a variant under variants: (napi, threaded, defer, busy_poll, busy_read), got \"fast\"");
    const wrong = () => parseScenarioText(`${BASE.replace("MODE", "napi").replace("EXTRA", "").replace("TASK", "")}variants: { x: [devices.nic0.mode=polled] }\nvariant: x\n`, "t.yaml");
    expect(wrong).toThrow(/^t\.yaml: devices\.nic0\.mode: expected one of: irq, napi, tasklet, threaded, workqueue, got "polled"$/);
    const loop = () => parseScenarioText(`${BASE.replace("MODE", "napi").replace("EXTRA", "").replace("TASK", "")}variants: { x: [variant=x] }\nvariant: x\n`, "t.yaml");
    expect(loop).toThrow("t.yaml: variants.x: 'variant=x': a variant cannot choose or change variants");
  });

  test("a --set overrides the variant's own setting", () => {
    const s = cures(["variant=defer", "devices.nic0.gro_flush_timeout=50us"]);
    expect(s.devices.nic0!.type === "nic" && s.devices.nic0.gro_flush_timeout).toBe(50_000);
    expect(s.devices.nic0!.type === "nic" && s.devices.nic0.napi_defer_hard_irqs).toBe(2);
  });
});

describe("IRQ time accounting (kernel.irq_time_accounting, CONFIG_IRQ_TIME_ACCOUNTING)", () => {
  test("hardirq and inline softirq time are not charged to the interrupted task; off, the task is charged for them", () => {
    const on = runScenario(cures(["variant=napi", "duration=20ms"]));
    const off = runScenario(cures(["variant=napi", "duration=20ms", "kernel.irq_time_accounting=false"]));
    const app = (r: RunResult) => r.threads.find((t) => t.comm === "app")!.runtime_ns;
    const c = on.cpus[0]!;
    // On: the reader's runtime is its own user and system time (CPU0's system time also
    // holds the context switches and ksoftirqd's share, hence the bound from above).
    expect(app(on)).toBeGreaterThan(c.user_ns);
    expect(app(on)).toBeLessThanOrEqual(c.user_ns + c.system_ns);
    expect(app(on) / on.simulated_ns).toBeLessThan(0.1);
    // Off: it is charged for the NET_RX and hardirq time spent on top of it (~all the CPU).
    expect(app(off) / off.simulated_ns).toBeGreaterThan(0.9);
    // What the CPU did is the same either way: only the scheduler's view changes.
    expect(off.cpus[0]!.softirq_ns).toBe(c.softirq_ns);
  });

  test("softirqs served by ksoftirqd stay charged to ksoftirqd", () => {
    const r = runScenario(cures(["variant=napi", "devices.nic0.traffic.rate=450000", "duration=20ms"]));
    const ksoftirqd = r.threads.find((t) => t.comm === "ksoftirqd/0")!;
    // At 4x, NET_RX overflows to ksoftirqd; its softirq time is its runtime.
    expect(r.ksoftirqd[0]!.runs_ksoftirqd).toBeGreaterThan(0);
    expect(ksoftirqd.runtime_ns).toBeGreaterThan(0.2 * r.cpus[0]!.softirq_ns);
  });
});

describe("tick: nohz is NO_HZ_IDLE (kernel/time/tick-sched.c)", () => {
  test("a CPU running a task ticks every jiffy (LOC), an idle one does not; busy ticks raise SCHED_SOFTIRQ on SMP", () => {
    const busy = runScenario(cures(["variant=napi", "duration=20ms"]));
    const sim = new Simulation(cures(["variant=napi", "duration=20ms"]));
    while (!sim.advance(1 << 20));
    sim.finish();
    // One CPU, always running the reader (or softirqs on top of it): a tick every jiffy.
    expect(sim.sys.timers.ticks(0)).toBe(20);
    expect(busy.softirqs.SCHED!.per_cpu[0]).toBe(0); // UP: no sched domain, no load balancing
    // nic-basic: CPU0 takes the IRQs from idle, CPU1 runs the reader part of the time.
    const idle = new Simulation(loadScenario("nic-basic", { sets: ["duration=100ms", "tasks.app.cpu=1"] }).scenario);
    while (!idle.advance(1 << 20));
    const r = idle.finish();
    // CPU0 only takes interrupts from idle: its tick stays stopped.
    expect(idle.sys.timers.ticks(0)).toBe(0);
    expect(r.irqs[0]!.per_cpu[0]).toBeGreaterThan(1000);
    // CPU1 ticks only while the reader runs, and its ticks raise SCHED every 2 * 16 ms.
    const t1 = idle.sys.timers.ticks(1);
    expect(t1).toBeGreaterThan(0);
    expect(t1).toBeLessThan(100);
    expect(r.softirqs.SCHED!.per_cpu[1]).toBeGreaterThan(0);
    expect(r.softirqs.SCHED!.per_cpu[1]).toBeLessThanOrEqual(Math.ceil(100 / 32) + 1);
    // periodic: every CPU, every jiffy.
    const per = new Simulation(loadScenario("nic-basic", { sets: ["duration=100ms", "kernel.tick=periodic"] }).scenario);
    while (!per.advance(1 << 20));
    per.finish();
    expect([per.sys.timers.ticks(0), per.sys.timers.ticks(1)]).toEqual([100, 100]);
  });
});

describe("published results, in shape (README: How close irqsim comes)", () => {
  test("napi_defer_hard_irqs=10, gro_flush_timeout=20us (commit 6f8b12d661d0's example) trades IRQ chit-chat for latency", () => {
    const at = (extra: string[]) =>
      runScenario(loadScenario("nic-basic", { sets: ["devices.nic0.mode=napi", "devices.nic0.traffic.rate=200000", ...extra] }).scenario);
    const plain = at([]);
    const defer = at(["devices.nic0.napi_defer_hard_irqs=10", "devices.nic0.gro_flush_timeout=20us"]);
    const busy = (r: RunResult) => 100 * (1 - r.cpus[0]!.idle_ns / r.simulated_ns);
    // README: ~11,000 interrupts -> 1; CPU0 75% -> 57% busy; p99 22 us -> 36 us; same throughput.
    expect(plain.devices.nic0!.interrupts).toBeGreaterThan(10_000);
    expect(defer.devices.nic0!.interrupts).toBeLessThanOrEqual(2);
    expect(Math.round(busy(plain))).toBe(75);
    expect(Math.round(busy(defer))).toBe(57);
    expect(Math.round(plain.latency_ns.deliver!.p99 / 1000)).toBe(22);
    expect(Math.round(defer.latency_ns.deliver!.p99 / 1000)).toBe(36);
    expect(Math.abs(defer.packets.delivered - plain.packets.delivered)).toBeLessThan(10);
  });
});
