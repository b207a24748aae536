/**
 * The panels a scenario is about, drawn from real runs in a 120x40 terminal: the block
 * device's queue and request latency, the UART's FIFO and overruns, the BUG lines of a
 * driver that sleeps in its top half, the threads as top lists them; and the layout giving
 * rows to panels that have something to say (workqueue-rx at 80x24).
 */
import { afterEach, describe, expect, test } from "vitest";
import { cleanup, render } from "ink-testing-library";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import { takeSnapshot } from "../observe/snapshot_projection.js";
import { Dashboard } from "../tui/Dashboard.js";
import { dmesgStamp } from "../tui/DmesgPanel.js";
import { col, wrapText } from "../tui/format.js";
import { block, chartsPanelLines } from "../tui/ChartsPanel.js";
import { filterTerms, logWindow } from "../tui/log_filter.js";

afterEach(() => cleanup());

function frameAt(name: string, ms: number, columns = 120, rows = 40, sets: string[] = []): string {
  const { scenario } = loadScenario(name, { sets });
  const sim = new Simulation(scenario);
  const history = new SnapshotHistory(sim.sys);
  for (let i = 1; i <= 8; i++) {
    while (sim.runUntil((ms * 1e6 * i) / 8, 1 << 20) === "budget");
    history.sample();
  }
  const snap = takeSnapshot(sim.sys, history);
  history.dispose();
  const frame = render(<Dashboard snap={snap} columns={columns} rows={rows} focus="cpus" help={false} state="running" speed={0.01} notice="" color={false} />).lastFrame()!;
  const lines = frame.split("\n");
  expect(lines.length).toBeLessThanOrEqual(rows - 1);
  for (const l of lines) expect(l.length).toBeLessThanOrEqual(columns);
  return frame;
}

describe("scenario panels at 120x40", () => {
  test("block-io: the block device's queue depth and request latency, the fio threads", () => {
    const f = frameAt("block-io", 20);
    // 4 fio jobs with one request each: 4 of the 32 tags in use, never more.
    expect(f).toMatch(/nvme0  block 40 +\[█░+\] queue 4\/32 \(max 4\)/);
    expect(f).toMatch(/requests \d+ done \d+ +irqs \d+/);
    expect(f).toMatch(/latency p50 \d+\.\dus p99 [\d.]+(us|ms) max/);
    expect(f).toMatch(/\d+ fio\.0 +1 TS +0 [RS]/);
    expect(f).toContain("── dmesg");
    expect(f).toContain("the kernel log is empty");
  });

  test("uart-overrun: the FIFO against its trigger level, and the overruns", () => {
    const f = frameAt("uart-overrun", 30);
    expect(f).toMatch(/uart 4 +\[[█░]+\] FIFO \d+\/16 \(trigger 8\)/);
    const overruns = Number(/overruns (\d+)/.exec(f)?.[1]);
    expect(overruns).toBeGreaterThan(0); // the point of the scenario: IRQs off too long
    expect(f).toMatch(/\d+ slowdrv +0 TS/);
  });

  test("sleep-in-atomic: the BUG lines in dmesg, wrapped and not cut, and the CPUs stuck in hardirq", () => {
    const f = frameAt("sleep-in-atomic", 20);
    expect(f).toMatch(/── dmesg \(\d+ lines\)/);
    expect(f).toMatch(/\[ {4}0\.\d{6}\] BUG: scheduling while atomic:/);
    expect(f).toContain("swapper/0/0/0x00010001");
    expect(f).toMatch(/cpu0 +dh\. hardirq 24 nic0/);
    expect(f).toContain("── Threads");
  });

  test("workqueue-rx at 80x24: the Workqueues panel, not empty Softirq or NAPI panels", () => {
    const f = frameAt("workqueue-rx", 10, 80, 24);
    expect(f).toContain("── Workqueues");
    expect(f).toMatch(/rx_wq +\d+ +\d+/);
    expect(f).not.toContain("NAPI / softnet");
    expect(f).not.toContain("Softirqs");
  });
});

describe("charts", () => {
  test("one column per frame: CPU busy, delivered pps near the offered 50k/s, IRQ rate, per-frame p99", () => {
    const { scenario } = loadScenario("nic-basic", { sets: ["duration=20ms"] });
    const sim = new Simulation(scenario);
    const history = new SnapshotHistory(sim.sys, { formatter: null, series: true });
    for (let i = 1; i <= 20; i++) {
      while (sim.runUntil(i * 1_000_000, 1 << 20) === "budget");
      history.sample();
    }
    const snap = takeSnapshot(sim.sys, history);
    const pts = snap.series!.points;
    expect(pts).toHaveLength(20);
    expect(pts.every((p) => p.dt_ns === 1_000_000)).toBe(true);
    // Poisson at 50k/s: 50 packets a millisecond on average; over 20 frames, 1000.
    const mean = pts.reduce((a, p) => a + p.delivered_pps, 0) / pts.length;
    expect(mean).toBeGreaterThan(40_000);
    expect(mean).toBeLessThan(60_000);
    expect(pts.slice(2).every((p) => p.p99_ns > 0 && p.p99_ns < 1_000_000)).toBe(true);
    const lines = chartsPanelLines(snap, 80).map((l) => l.map((x) => x.text).join(""));
    expect(lines[0]).toBe("last 20.00ms of simulated time, 20 frames");
    expect(lines.find((l) => l.startsWith("pkts/s"))).toMatch(/^pkts\/s {4}[ ▁▂▃▄▅▆▇█]{48} [\d.]+k \(max [\d.]+k\)$/);
    expect(lines.find((l) => l.startsWith("cpu0 busy"))).toMatch(/ hi +\d+ si +\d+ us +\d+$/);
    expect(block(0, 10)).toBe(" ");
    expect(block(0.01, 10)).toBe("▁"); // anything above zero shows
    expect(block(10, 10)).toBe("█");
  });
});

describe("formats", () => {
  test("event-log filter terms become what ftrace prints: cpu1 -> [001], irq24 -> irq=24; all must match", () => {
    expect(filterTerms(" cpu1  irq24 NET_RX ")).toEqual(["[001]", "irq=24", "net_rx"]);
    const lines = ["a-1 [001] d.h.. 0.1: irq_handler_entry: irq=24 name=nic0", "a-1 [000] d.h.. 0.2: irq_handler_entry: irq=24 name=nic0", "a-1 [001] d.h.. 0.3: irq_handler_entry: irq=25 name=x"];
    expect(logWindow(lines, "cpu1 irq24", 0, 10).lines).toEqual([lines[0]]);
    expect(logWindow(lines, "", 1, 2)).toEqual({ lines: lines.slice(0, 2), matched: 3, back: 1 });
    expect(logWindow(lines, "", 9, 2).back).toBe(1); // never scrolls past the oldest
  });

  test("a count too wide for its column pushes right instead of running into its neighbour", () => {
    expect(col("394.0k", 6) + col("0", 3)).toBe(" 394.0k  0");
    expect(`${col("0", 3)}${col("394.0k", 7)}`).toBe("  0 394.0k");
  });

  test("dmesg's timestamp is seconds with microseconds, as printk prints it", () => {
    expect(dmesgStamp(12_001_000)).toBe("[    0.012001]");
    expect(dmesgStamp(3_500_000_000)).toBe("[    3.500000]");
  });

  test("wrapping never cuts: every word survives, no line is wider than asked", () => {
    const text = "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:283 in_atomic(): 1";
    const lines = wrapText(text, 24, "  ");
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(24);
    expect(lines.join("").replace(/ +/g, "")).toBe(text.replace(/ +/g, ""));
    expect(lines[1]).toBe("  called from invalid");
  });
});
