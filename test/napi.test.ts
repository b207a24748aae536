import { describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation, runScenario } from "../system/run.js";
import { TP } from "../sim/trace.js";
import { procView } from "../observe/views.js";
import { NAPI_POLL_WEIGHT } from "../net/napi.js";
import { DEV_WEIGHT, NETDEV_BUDGET, NETDEV_MAX_BACKLOG, netdevBudgetUsecs } from "../net/dev.js";

const livelock = (sets: string[]) => loadScenario("livelock", { sets }).scenario;

describe("net.core defaults (net/core/dev.c)", () => {
  test("budget 300, 2 jiffies, backlog 1000, weights 64", () => {
    expect(NETDEV_BUDGET).toBe(300);
    expect(netdevBudgetUsecs(1000)).toBe(2000);
    expect(netdevBudgetUsecs(250)).toBe(8000);
    expect(NETDEV_MAX_BACKLOG).toBe(1000);
    expect(DEV_WEIGHT).toBe(64);
    expect(NAPI_POLL_WEIGHT).toBe(64);
  });
});

describe("NAPI", () => {
  test("each poll takes at most its weight; a full poll stays scheduled, a short one completes", () => {
    const sim = new Simulation(livelock(["devices.nic0.mode=napi", "devices.nic0.traffic.rate=300000", "devices.nic0.weight=16", "duration=20ms"]));
    const works: number[] = [];
    sim.sys.k.trace.on((tp, _t, _cpu, dev, work, budget) => {
      if (tp === TP.napi_poll && dev === 0) {
        expect(budget).toBe(16);
        works.push(work);
      }
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const n = r.napi[0]!;
    expect(works.length).toBe(n.polls);
    expect(Math.max(...works)).toBe(16);
    expect(works.reduce((a, b) => a + b, 0)).toBe(n.packets);
    expect(n.full_polls).toBe(works.filter((w) => w === 16).length);
    // Every poll that found less than its weight completed (and unmasked the device), or
    // found NAPI_STATE_MISSED (a second top half ran while it was scheduled) and rescheduled.
    expect(n.completions + n.missed).toBe(works.filter((w) => w < 16).length);
    expect(n.missed).toBeGreaterThan(0);
    expect(r.devices.nic0!.interrupts).toBeGreaterThan(0);
    expect(r.invariants.ok).toBe(true);
  });

  test("the device IRQ is masked exactly while NAPI is scheduled: no interrupt while polling", () => {
    const sim = new Simulation(livelock(["devices.nic0.mode=napi", "devices.nic0.traffic.rate=200000", "duration=20ms"]));
    const nic = sim.sys.nics[0]!;
    const napi = nic.napi!;
    let asserts = 0;
    let pollsWhileMasked = 0;
    let polls = 0;
    sim.sys.k.trace.on((tp, _t, _cpu, irq) => {
      // The NIC's line (the CPU's LOC asserts too: the tick of a busy CPU).
      if (tp === TP.irq_assert && irq === nic.desc.irq) {
        asserts++;
        // The device raised its MSI only while unmasked, never with NAPI scheduled.
        expect(nic.masked).toBe(false);
        expect(napi.scheduled).toBe(false);
      }
      if (tp === TP.napi_poll) {
        polls++;
        if (nic.masked) pollsWhileMasked++;
      }
    });
    while (!sim.advance(1 << 20));
    expect(asserts).toBeGreaterThan(10);
    // A poll that completes unmasks before its trace point; every other poll ran masked.
    const r = sim.finish();
    expect(pollsWhileMasked).toBe(polls - r.napi[0]!.completions);
    expect(r.devices.nic0!.interrupts).toBe(asserts);
  });

  test("budget: with netdev_budget 100 and two devices polled per round, time_squeeze counts", () => {
    const base = loadScenario("livelock", {
      sets: ["devices.nic0.mode=napi", "devices.nic0.traffic.rate=300000", "kernel.netdev_budget=100", "duration=20ms"],
    }).scenario;
    base.devices.nic1 = { ...base.devices.nic0!, irq: 25 };
    const sim = new Simulation(base);
    // Packets polled per net_rx_action invocation.
    const rounds: number[] = [];
    sim.sys.k.trace.on((tp, _t, _cpu, a, b) => {
      if (tp === TP.softirq_entry && a === 3) rounds.push(0);
      if (tp === TP.napi_poll) rounds[rounds.length - 1]! += b;
    });
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    // The budget is checked after each poll, so one round takes at most budget + weight - 1.
    expect(Math.max(...rounds)).toBeLessThanOrEqual(100 + 64 - 1);
    const overBudget = rounds.filter((w) => w >= 100).length;
    expect(overBudget).toBeGreaterThan(0);
    expect(r.softnet[0]!.time_squeeze).toBe(overBudget);
    expect(r.invariants.ok).toBe(true);
  });

  test("/proc/net/softnet_stat: processed, dropped and time_squeeze in hex, one line per CPU", () => {
    const sim = new Simulation(livelock(["devices.nic0.mode=irq", "devices.nic0.traffic.rate=450000", "duration=20ms"]));
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const lines = procView(sim.sys, "softnet_stat").trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const cols = lines[0]!.split(" ");
    expect(cols).toHaveLength(15);
    expect(cols.every((c) => /^[0-9a-f]{8}$/.test(c))).toBe(true);
    expect(parseInt(cols[0]!, 16)).toBe(r.softnet[0]!.processed);
    expect(parseInt(cols[1]!, 16)).toBe(r.packets.dropped.cpu_backlog);
    expect(parseInt(cols[1]!, 16)).toBeGreaterThan(0);
    expect(parseInt(cols[2]!, 16)).toBe(r.softnet[0]!.time_squeeze);
    expect(cols[12]).toBe("00000000"); // CPU index
  });

  test("netif_rx backlog limit: drops past netdev_max_backlog", () => {
    const r = runScenario(livelock(["devices.nic0.traffic.rate=450000", "kernel.netdev_max_backlog=50", "duration=20ms"]));
    expect(r.packets.dropped.cpu_backlog).toBeGreaterThan(0);
    expect(r.packets.arrived).toBe(r.packets.delivered + r.packets.dropped.total + r.packets.in_flight);
  });
});

describe("latency top_half_to_bh: napi_schedule -> the first poll, once per hand-off", () => {
  test("nic-basic: one sample per backlog schedule that reached its poll, fewer than packets, before bottom_half", () => {
    const sim = new Simulation(loadScenario("nic-basic", { sets: ["duration=20ms"] }).scenario);
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const t = r.latency_ns.top_half_to_bh!;
    const backlogs = sim.sys.net.softnet.map((sd) => sd.backlog);
    // Each schedule whose poll started ends in napi_complete_done, except one still being
    // polled when the run stops (SCHED set, its hand-off already counted).
    const inPoll = backlogs.filter((n) => n.scheduled && n.scheduledAt < 0).length;
    const notYetPolled = backlogs.filter((n) => n.scheduledAt >= 0).length;
    expect(t.count).toBe(backlogs.reduce((a, n) => a + n.completes, 0) + inPoll);
    // nic-basic never squeezes, so every NET_RX raise is a netif_rx that scheduled the
    // backlog: the samples are exactly the raises that led to a poll.
    expect(r.softnet.every((sd) => sd.time_squeeze === 0)).toBe(true);
    expect(t.count).toBe(r.softirqs.NET_RX!.raised.reduce((a, b) => a + b, 0) - notYetPolled);
    // Per hand-off, not per packet: a top half that cleans several packets schedules once.
    expect(t.count).toBeGreaterThan(500);
    expect(t.count).toBeLessThan(r.packets.arrived);
    // Typical hand-off, one packet: after netif_rx the top half writes the rx tail register
    // (mmio_write 100), irq_exit 300, then __do_softirq's pass 100 and napi_poll 100.
    expect(t.p50).toBe(600);
    expect(t.p50).toBeLessThanOrEqual(r.latency_ns.bottom_half!.p50);
  });

  test("mode napi: repolls of a full-weight instance are not new hand-offs", () => {
    const sim = new Simulation(livelock(["devices.nic0.mode=napi", "devices.nic0.traffic.rate=300000", "devices.nic0.weight=16", "duration=20ms"]));
    while (!sim.advance(1 << 20));
    const r = sim.finish();
    const n = r.napi[0]!;
    const napi = sim.sys.nics[0]!.napi!;
    const t = r.latency_ns.top_half_to_bh!;
    expect(n.full_polls).toBeGreaterThan(0);
    // Only the device's NAPI is scheduled (mode napi never uses the backlog).
    expect(sim.sys.net.softnet[0]!.backlog.completes).toBe(0);
    // A MISSED reschedule (__napi_schedule from napi_complete_done) is a new hand-off too.
    expect(t.count).toBe(n.completions + n.missed + (napi.scheduled && napi.scheduledAt < 0 ? 1 : 0));
    expect(t.count).toBeLessThan(n.polls);
  });
});

describe("receive livelock (Mogul & Ramakrishnan) and the NAPI cure", () => {
  // Saturation is ~120-150 kpps with the default costs; 15k..600k spans 10%..400%.
  const rates = [15_000, 30_000, 60_000, 100_000, 150_000, 225_000, 300_000, 450_000, 600_000];
  const delivered = (mode: string) => rates.map((rate) => runScenario(livelock([`devices.nic0.mode=${mode}`, `devices.nic0.traffic.rate=${rate}`])).packets.delivered_pps);

  test("irq mode collapses below 10% of its peak at 4x overload; napi dips below half its peak between 1.5x and 2x, then stays above 80% of it at 4x", () => {
    const irq = delivered("irq");
    const napi = delivered("napi");
    const irqPeak = Math.max(...irq);
    const napiPeak = Math.max(...napi);
    // Below saturation both deliver what is offered.
    expect(irq[2]! / 60_000).toBeGreaterThan(0.98);
    expect(napi[2]! / 60_000).toBeGreaterThan(0.98);
    expect(irq.at(-1)! / irqPeak).toBeLessThan(0.1);
    expect(napi.at(-1)! / napiPeak).toBeGreaterThanOrEqual(0.8);
    // The NAPI dip (scenarios/napi-cures.yaml): at 225k and 300k each poll finds a few
    // packets and completes, NET_RX runs at every irq_exit and the reader starves.
    expect(napi[5]! / napiPeak).toBeLessThan(0.6);
    expect(napi[6]! / napiPeak).toBeLessThan(0.3);
    expect(napi[7]! / napiPeak).toBeGreaterThan(0.8);
  });

  test("at 4x overload, irq mode burns the CPU in hardirq+softirq while napi drops at the ring", () => {
    const irq = runScenario(livelock(["devices.nic0.mode=irq", "devices.nic0.traffic.rate=600000", "duration=50ms"]));
    const napi = runScenario(livelock(["devices.nic0.mode=napi", "devices.nic0.traffic.rate=600000", "duration=50ms"]));
    const c = irq.cpus[0]!;
    expect((c.hardirq_ns + c.softirq_ns) / irq.simulated_ns).toBeGreaterThan(0.95);
    expect(irq.cpus[0]!.user_ns / irq.simulated_ns).toBeLessThan(0.01);
    // Most drops are at the ring, for free. Some still die at the socket: the busy CPU's
    // tick (NO_HZ_IDLE) runs pending NET_RX at its irq_exit, ahead of the reader.
    expect(napi.packets.dropped.rx_ring_full).toBeGreaterThan(napi.packets.dropped.total * 0.6);
    expect(napi.cpus[0]!.hardirq_ns / napi.simulated_ns).toBeLessThan(0.01);
    expect(napi.cpus[0]!.user_ns / napi.simulated_ns).toBeGreaterThan(0.2);
  });
});
