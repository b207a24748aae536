import { describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bareKernel, runUntil } from "./helpers/kernel.js";
import { createEvent } from "../sim/engine.js";
import { IRQ_HANDLED, IRQ_NONE } from "../sim/irq.js";
import { SPURIOUS_THRESHOLD, SPURIOUS_WINDOW } from "../sim/spurious.js";
import { loadScenario } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { runScenario, Simulation } from "../system/run.js";
import type { NicResult, NoisyResult } from "../system/devices.js";
import { TP } from "../sim/trace.js";
import { procView } from "../observe/views.js";
import { flowHash, rssQueue, RSS_INDIR_SIZE } from "../devices/rss.js";
import { parseReplayCsv } from "../devices/replay_csv.js";
import { InputError } from "../sim/input_error.js";

const nic = (r: { devices: Record<string, NicResult | NoisyResult> }, name = "nic0") => r.devices[name] as NicResult;

describe("the spurious-interrupt detector (kernel/irq/spurious.c)", () => {
  const storm = (handledFirst: number) => {
    const k = bareKernel();
    const desc = k.irq.setupLine(19, { chip: "IO-APIC", hwirq: 19, affinity: [0], level: true, flowName: "fasteoi" });
    let n = 0;
    k.irq.requestIrq(19, function* () {
      return n++ < handledFirst ? IRQ_HANDLED : IRQ_NONE;
    }, 0, "sensor", null, "sensor_isr");
    // One interrupt every 2 us: unhandled ones are well within HZ/10 of each other.
    const tick = createEvent(() => {
      k.irq.assert(desc);
      if (desc.asserts < SPURIOUS_WINDOW) k.engine.after(tick, 2_000);
    });
    k.engine.schedule(tick, 0);
    runUntil(k, SPURIOUS_WINDOW * 2_000 + 1_000_000);
    return { k, desc };
  };

  test("99,900 unhandled of 100,000 is tolerated", () => {
    expect(SPURIOUS_THRESHOLD).toBe(99_900);
    const { k, desc } = storm(SPURIOUS_WINDOW - SPURIOUS_THRESHOLD);
    expect(desc.delivered).toBe(SPURIOUS_WINDOW);
    expect(desc.spurious.disabled).toBe(false);
    expect(k.dmesg).toEqual([]);
  });

  test("99,901 unhandled: nobody cared, the handlers, and the line is disabled", () => {
    const { k, desc } = storm(SPURIOUS_WINDOW - SPURIOUS_THRESHOLD - 1);
    expect(desc.spurious.disabled).toBe(true);
    expect(desc.depth).toBe(1);
    const log = k.dmesg.map((l) => l.text);
    expect(log[0]).toBe('irq 19: nobody cared (try booting with the "irqpoll" option)');
    expect(log[1]).toBe("handlers:");
    expect(log[2]).toMatch(/^\[<[0-9a-f]{16}>\] sensor_isr$/);
    expect(log[3]).toBe("Disabling IRQ #19");
  });

  test("odd stray interrupts more than HZ/10 apart never add up", () => {
    const k = bareKernel();
    const desc = k.irq.setupLine(20, { chip: "TEST", hwirq: 20, affinity: [0] });
    k.irq.requestIrq(20, function* () {
      return IRQ_NONE;
    }, 0, "stray", null);
    for (let i = 0; i < 5; i++) k.engine.schedule(createEvent(() => k.irq.assert(desc)), i * 200_000_000);
    runUntil(k, 1_000_000_000);
    expect(desc.spurious.irqsUnhandled).toBe(1);
  });

  test("spurious-irq scenario: the report is in dmesg, the line ends masked, the NIC is fine", () => {
    const r = runScenario(loadScenario("spurious-irq").scenario);
    expect(r.dmesg.some((l) => l.endsWith('irq 19: nobody cared (try booting with the "irqpoll" option)'))).toBe(true);
    expect(r.dmesg.some((l) => l.endsWith("Disabling IRQ #19"))).toBe(true);
    expect(r.irqs.find((l) => l.irq === 19)!.masked).toBe(true);
    expect((r.devices.sensor0 as NoisyResult).line_disabled).toBe(true);
    expect(r.packets.dropped.total).toBe(0);
    expect(r.invariants.ok).toBe(true);
    expect(r.expect.ok).toBe(true);
  });
});

describe("RSS and affinity", () => {
  test("the hash is deterministic and spreads flows over the indirection table", () => {
    expect(flowHash(12345)).toBe(flowHash(12345));
    const counts = [0, 0, 0, 0];
    for (let f = 0; f < 4000; f++) counts[rssQueue(f, 4)]!++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
    expect(RSS_INDIR_SIZE).toBe(128);
  });

  test("many flows spread over the queues and their CPUs; one flow stays on one queue", () => {
    const many = runScenario(loadScenario("multiqueue", { sets: ["faults=[]", "duration=50ms"] }).scenario);
    const qs = nic(many).queues;
    const total = qs.reduce((a, q) => a + q.rx_packets, 0);
    for (const q of qs) expect(q.rx_packets / total).toBeGreaterThan(0.1);
    for (const c of many.cpus) expect(c.softirq_ns).toBeGreaterThan(0);
    const one = runScenario(loadScenario("multiqueue", { sets: ["faults=[]", "duration=50ms", "devices.nic0.flows=1"] }).scenario);
    expect(nic(one).queues.filter((q) => q.rx_packets > 0)).toHaveLength(1);
  });

  test("an affinity change mid-run moves the queue's interrupts (and its NET_RX work) to the new CPU", () => {
    const sim = new Simulation(loadScenario("multiqueue").scenario);
    const cpusBefore = new Set<number>();
    const cpusAfter = new Set<number>();
    sim.sys.k.trace.on((tp, t, cpu, irq) => {
      if (tp !== TP.irq_handler_entry || irq !== 27) return;
      (t < 50_000_000 ? cpusBefore : cpusAfter).add(cpu);
    });
    while (!sim.advance(1 << 20));
    expect([...cpusBefore]).toEqual([3]);
    expect([...cpusAfter]).toEqual([0]);
    const row = procView(sim.sys, "interrupts").split("\n").find((l) => l.startsWith(" 27:"))!;
    const counts = row.split(/\s+/).slice(2, 6).map(Number);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[3]).toBeGreaterThan(0);
    expect(counts[1]! + counts[2]!).toBe(0);
    expect(sim.finish().invariants.ok).toBe(true);
  });
});

describe("interrupt coalescing (ethtool -C)", () => {
  const run = (sets: string[]) => runScenario(loadScenario("coalescing", { sets }).scenario);
  test("higher rx-usecs: fewer interrupts, higher p99 latency", () => {
    const rs = ["0", "50us", "200us"].map((u) => run([`devices.nic0.coalesce.rx_usecs=${u}`]));
    const irqRate = rs.map((r) => r.irqs[0]!.total);
    const p99 = rs.map((r) => r.latency_ns.deliver!.p99);
    expect(irqRate[1]!).toBeLessThan(irqRate[0]! / 3);
    expect(irqRate[2]!).toBeLessThan(irqRate[1]! / 2);
    expect(p99[1]!).toBeGreaterThan(p99[0]!);
    expect(p99[2]!).toBeGreaterThan(p99[1]!);
    // The added delay is bounded by rx-usecs: p50 grows by less than the setting.
    expect(rs[2]!.latency_ns.deliver!.p50 - rs[0]!.latency_ns.deliver!.p50).toBeLessThan(200_000);
    for (const r of rs) expect(r.packets.dropped.total).toBe(0);
  });

  test("rx-frames caps the packets per interrupt", () => {
    const r = run(["devices.nic0.coalesce.rx_frames=8", "devices.nic0.coalesce.rx_usecs=10ms"]);
    const perIrq = nic(r).rx_packets / nic(r).interrupts;
    expect(perIrq).toBeGreaterThan(7.5);
    expect(perIrq).toBeLessThanOrEqual(8);
  });

  test("adaptive-rx settles on e1000's bulk rate (4,000/s) for full-size frames", () => {
    const r = run(["devices.nic0.coalesce.adaptive_rx=true"]);
    const perSec = (r.irqs[0]!.total * 1e9) / r.simulated_ns;
    expect(perSec).toBeGreaterThan(3_500);
    expect(perSec).toBeLessThan(5_000);
  });
});

describe("traffic generators", () => {
  const base = (traffic: string) =>
    parseScenarioText(`name: t\ndescription: t\nduration: 10ms\ndevices:\n  nic0:\n    type: nic\n    irq: 24\n    queues: 2\n    traffic: ${traffic}\n`, "t.yaml");

  test("on/off bursts: nothing arrives in the off periods", () => {
    const sim = new Simulation(base("{kind: onoff, rate: 200000, on: 1ms, off: 2ms}"));
    const times: number[] = [];
    sim.sys.k.trace.on((tp, t) => {
      if (tp === TP.pkt_arrive) times.push(t);
    });
    while (!sim.advance(1 << 20));
    expect(times.length).toBeGreaterThan(500);
    for (const t of times) expect(t % 3_000_000).toBeLessThan(1_000_000);
  });

  test("replay: arrival times, sizes and flows come from the CSV, relative to the scenario file", () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-replay-"));
    writeFileSync(join(dir, "trace.csv"), "time,size,flow\n0,64,1\n10us,1500,2\n25us,9000,1\n");
    const yaml = `name: r\ndescription: r\nduration: 1ms\ndevices:\n  nic0:\n    type: nic\n    irq: 24\n    queues: 4\n    traffic: {kind: replay, file: trace.csv}\n`;
    writeFileSync(join(dir, "r.yaml"), yaml);
    const sim = new Simulation(loadScenario(join(dir, "r.yaml")).scenario);
    const arrivals: number[] = [];
    sim.sys.k.trace.on((tp, t) => {
      if (tp === TP.pkt_arrive) arrivals.push(t);
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    expect(arrivals).toEqual([0, 10_000, 25_000]);
    expect(nic(r).rx_bytes).toBe(64 + 1500 + 9000);
    // Flows 1 and 2 go to their RSS queues; flow 1's two packets to the same one.
    const q1 = rssQueue(1, 4);
    expect(nic(r).queues[q1]!.rx_packets).toBe(q1 === rssQueue(2, 4) ? 3 : 2);
  });

  test("replay CSV errors name the file and line", () => {
    expect(() => parseReplayCsv("0,64,1\n5,64\n", "t.csv")).toThrow(new InputError("t.csv:2: expected time,size,flow (3 columns), got 2"));
    expect(() => parseReplayCsv("10us,64,1\n5us,64,1\n", "t.csv")).toThrow(/t\.csv:2: time 5us goes backwards/);
    expect(() => parseReplayCsv("0,10,1\n", "t.csv")).toThrow(/t\.csv:1: size: expected an integer 64\.\.65535/);
    expect(() => parseReplayCsv("", "t.csv")).toThrow(/no packets/);
  });
});

describe("UART (16550 FIFO)", () => {
  test("IRQs held off longer than the FIFO's slack lose bytes; shorter holds lose none", () => {
    const long = runScenario(loadScenario("uart-overrun").scenario);
    const short = runScenario(loadScenario("uart-overrun", { sets: ["tasks.slowdrv.hold=500us"] }).scenario);
    const u = (r: typeof long) => r.devices.ttys0 as { overruns: number; rx_bytes: number; max_irq_latency_ns: number };
    // 115200 baud, 8N1: 11,520 bytes/s; 200 ms carries 2,304 bytes.
    expect(u(long).rx_bytes + u(long).overruns).toBe(2_303);
    expect(u(long).overruns).toBeGreaterThan(0);
    // Trigger 8 of 16: 8 more character times (694 us) of slack. 2 ms holds exceed it.
    expect(u(long).max_irq_latency_ns).toBeGreaterThan(694_000);
    expect(u(short).overruns).toBe(0);
    expect(u(short).max_irq_latency_ns).toBeLessThan(694_000);
    expect(long.expect.ok && long.invariants.ok && short.invariants.ok).toBe(true);
  });
});

describe("tty flip buffer (circular-buffers.rst, release/acquire indices)", () => {
  const tty = (sets: string[]) =>
    runScenario(
      parseScenarioText(
        [
          "name: tty-flip",
          'description: "UART bytes through the flip buffer to flush_to_ldisc"',
          "duration: 20ms",
          "cpus: 2",
          "devices:",
          "  ttys0: { type: uart, irq: 4, affinity: [0], baud: 4000000, trigger: 1, workqueue: events_unbound }",
          "workqueues:",
          "  events_unbound: { flags: [unbound] }",
        ].join("\n"),
        "tty.yaml",
        sets,
      ),
    );
  type Flip = { rx_bytes: number; flip: { pushed: number; overruns: number; flushed: number; corrupt: number } };

  test("every byte the top half takes goes through the buffer to the kworker, none stale, under lkmm and sc", () => {
    for (const memory of ["lkmm", "sc"]) {
      for (const seed of [1, 2, 3]) {
        const r = tty([`seed=${seed}`, `kernel.memory=${memory}`]);
        const u = r.devices.ttys0 as unknown as Flip;
        // 4 Mbaud, 8N1: 400,000 bytes/s, so 8,000 in 20 ms; the ones not pushed yet are
        // still in the 16-byte FIFO at the end.
        expect(u.rx_bytes).toBe(8_000);
        expect(u.flip.pushed + u.flip.overruns).toBeLessThanOrEqual(u.rx_bytes);
        expect(u.flip.pushed + u.flip.overruns).toBeGreaterThanOrEqual(u.rx_bytes - 16);
        expect(u.flip.flushed).toBeLessThanOrEqual(u.flip.pushed);
        expect(u.flip.pushed - u.flip.flushed).toBeLessThan(256);
        expect(u.flip.corrupt).toBe(0);
        expect(r.workqueues[0]!.total).toBeGreaterThan(0);
        expect(r.invariants.ok).toBe(true);
      }
    }
  });

  test("a uart workqueue must be declared", () => {
    expect(() => parseScenarioText("name: t\ndescription: d\ndevices:\n  ttys0: { type: uart, irq: 4, workqueue: nope }\n", "t.yaml")).toThrow(
      /devices\.ttys0\.workqueue: expected the name of a workqueue under workqueues: \(none defined\)/,
    );
  });
});

describe("block device", () => {
  test("requests complete through the IRQ and the BLOCK softirq; a full queue adds waiting", () => {
    const light = runScenario(loadScenario("block-io").scenario);
    const heavy = runScenario(loadScenario("block-io", { sets: ["tasks.fio.jobs=64", "devices.nvme0.queue_depth=16"] }).scenario);
    const d = (r: typeof light) => r.devices.nvme0 as { completed: number; max_in_flight: number; in_flight: number; request_latency_ns: { mean: number } };
    expect(d(light).completed).toBeGreaterThan(1000);
    expect(light.softirqs.BLOCK!.per_cpu[0]).toBeGreaterThan(0);
    expect(d(heavy).max_in_flight).toBe(16);
    // 64 threads on 16 tags: some requests wait for a tag before the device sees them.
    expect(d(heavy).request_latency_ns.mean).toBeGreaterThan(d(light).request_latency_ns.mean);
    // The device never holds more than its 16 tags: at 100 us each, under 160k/s.
    expect(d(heavy).completed).toBeLessThan(16_000);
    expect(light.invariants.ok && heavy.invariants.ok).toBe(true);
  });
});

describe("timer tick and hrtimers", () => {
  const scen = (extra: string, kernel = "") =>
    parseScenarioText(`name: t\ndescription: t\nduration: 10ms\ncpus: 2\n${kernel}devices:\n${extra}`, "t.yaml");

  test("tick: periodic interrupts every CPU once per jiffy (LOC); nohz only when something is due", () => {
    const dev = "  h0: {type: hrtimer, cpu: 0, period: 1ms, soft: true}\n";
    const periodic = new Simulation(scen(dev, "kernel: {hz: 250, tick: periodic}\n"));
    while (!periodic.advance(1 << 20));
    // 10 ms at HZ=250: jiffies at 4 and 8 ms.
    expect(periodic.sys.timers.ticks(0)).toBe(2);
    expect(periodic.sys.timers.ticks(1)).toBe(2);
    const loc = (sim: Simulation, cpu: number) => procView(sim.sys, "interrupts").split("\n").find((l) => l.trim().startsWith("LOC:"))!.trim().split(/\s+/)[cpu + 1];
    expect(Number(loc(periodic, 1))).toBe(2);
    const nohz = new Simulation(scen(dev));
    while (!nohz.advance(1 << 20));
    expect(Number(loc(nohz, 1))).toBe(0); // nothing due on CPU1
    expect(Number(loc(nohz, 0))).toBe(10); // the hrtimer every 1 ms
  });

  test("soft hrtimers run in HRTIMER softirq, hard ones in the interrupt itself", () => {
    const soft = runScenario(scen("  h0: {type: hrtimer, cpu: 1, period: 500us, soft: true, work: 2us}\n"));
    const hard = runScenario(scen("  h0: {type: hrtimer, cpu: 1, period: 500us, soft: false, work: 2us}\n"));
    // Expiries at 0.5, 1, ..., 9.5 ms run; the one at 10 ms is still entering the interrupt
    // when the run ends.
    expect(soft.devices.h0).toMatchObject({ type: "hrtimer", expiries: 19 });
    expect(soft.softirqs.HRTIMER!.per_cpu[1]).toBe(19);
    expect(hard.softirqs.HRTIMER!.per_cpu[1]).toBe(0);
    expect(hard.cpus[1]!.hardirq_ns).toBeGreaterThan(soft.cpus[1]!.hardirq_ns + 19 * 1_900);
  });
});

describe("transmit completions", () => {
  test("from the hardirq they are freed in NET_TX (dev_kfree_skb_irq); in NAPI mode in the poll", () => {
    const irq = runScenario(loadScenario("nic-basic", { sets: ["devices.nic0.tx_rate=20000", "duration=20ms"] }).scenario);
    const napi = runScenario(loadScenario("nic-basic", { sets: ["devices.nic0.tx_rate=20000", "devices.nic0.mode=napi", "duration=20ms"] }).scenario);
    // Completions at 50 us, 100 us, ..., 20 ms: 400, all cleaned by the end (or the last one in flight).
    expect(nic(irq).tx_completed).toBe(400);
    expect(nic(irq).tx_completed - nic(irq).tx_cleaned).toBeLessThanOrEqual(1);
    expect(irq.softirqs.NET_TX!.per_cpu[0]).toBeGreaterThan(0);
    expect(napi.softirqs.NET_TX!.per_cpu[0]).toBe(0);
    expect(nic(napi).tx_cleaned).toBeGreaterThan(390);
    expect(irq.invariants.ok && napi.invariants.ok).toBe(true);
  });
});

describe("threaded IRQ handlers (mode threaded)", () => {
  // README, `explain threaded-irq` and the threaded-irq lesson say the irq thread sleeps
  // io_wait per packet. At 50 kpps a 100 us wait caps the thread near 10 kpps: the ring
  // overflows and the thread sleeps (voluntary switches) once per packet it handles.
  test("io_wait is a sleep per packet in the irq thread", () => {
    const run = (io: string) => {
      const { scenario } = loadScenario("threaded-irq", { sets: [`devices.nic0.io_wait=${io}`, "duration=20ms"] });
      return runScenario(scenario);
    };
    const none = run("0us");
    const slow = run("100us");
    expect(slow.fingerprint).not.toBe(none.fingerprint);
    expect(none.packets.dropped.total).toBe(0);
    expect(slow.packets.dropped.rx_ring_full).toBeGreaterThan(0);
    const thread = (r: typeof none) => r.threads.find((t) => t.comm === "irq/24-nic0")!;
    // 20 ms / 100 us = 200 sleeps at most; each handled packet is one.
    expect(slow.packets.delivered).toBeLessThanOrEqual(201);
    expect(thread(slow).voluntary_switches).toBeGreaterThanOrEqual(slow.packets.delivered - 1);
    expect(slow.invariants.ok && none.invariants.ok).toBe(true);
  });
});
