/**
 * `sweep --seeds N`: per point, the mean, a Student-t 95% confidence interval and min/max
 * of every column, in the table, `--csv` and `--json`; a `corrupt` column when the memory
 * model is in play; `--plot` x labels centred on their ticks.
 */
import { describe, expect, test } from "vitest";
import { cli } from "./helpers/cli.js";
import { summarise, t975, type PointStats } from "../cli/sweep_stats.js";
import { lineChart } from "../cli/plot.js";

describe("Student t and the summary of one point", () => {
  test("t(0.975, df) is the tabled value up to 30 and within 1e-3 beyond", () => {
    expect(t975(1)).toBe(12.706);
    expect(t975(2)).toBe(4.303);
    expect(t975(10)).toBe(2.228);
    // Exact values: 2.0211 (40), 2.0003 (60), 1.9799 (120).
    expect(t975(40)).toBeCloseTo(2.0211, 3);
    expect(t975(60)).toBeCloseTo(2.0003, 3);
    expect(t975(120)).toBeCloseTo(1.9799, 3);
  });

  test("mean +- t * s / sqrt(n), min, max", () => {
    const s = summarise([1, 2, 3, 4]);
    // s = sqrt(5/3) = 1.29099; t(0.975, 3) = 3.182; half-width = 3.182 * 1.29099 / 2.
    expect(s).toEqual({ n: 4, mean: 2.5, ci95: (3.182 * Math.sqrt(5 / 3)) / 2, min: 1, max: 4 });
    expect(summarise([7])).toEqual({ n: 1, mean: 7, ci95: 0, min: 7, max: 7 });
    expect(summarise([5, 5, 5]).ci95).toBe(0);
  });
});

const VARY = ["--vary", "devices.nic0.mode=irq,napi", "--duration", "3ms", "--jobs", "1", "--seeds", "3"];

describe("irqsim sweep --seeds 3", () => {
  test("--json appends one summary per point that matches its runs; the table and CSV show the same numbers", async () => {
    const j = await cli(["sweep", "nic-basic", ...VARY, "--json"]);
    expect(j.code).toBe(0);
    const lines = j.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs = lines.filter((l) => "result" in l) as { params: Record<string, string>; seed: number; result: { packets: { delivered_pps: number } } }[];
    const points = lines.filter((l) => "stats" in l) as unknown as PointStats[];
    expect(runs).toHaveLength(6);
    expect(points.map((p) => [p.point, p.params, p.seeds])).toEqual([
      [0, { "devices.nic0.mode": "irq" }, [1, 2, 3]],
      [3, { "devices.nic0.mode": "napi" }, [1, 2, 3]],
    ]);
    for (const p of points) {
      const ys = runs.filter((r) => r.params["devices.nic0.mode"] === p.params["devices.nic0.mode"]).map((r) => r.result.packets.delivered_pps);
      expect(p.stats.delivered_pps).toEqual(summarise(ys));
      expect(p.stats.delivered_pps!.min).toBe(Math.min(...ys));
      expect(Object.keys(p.stats)).toEqual(expect.arrayContaining(["offered_pps", "dropped_rx_ring_full", "idle_share", "deliver_p99_ns"]));
    }
    expect(points[0]!.stats.delivered_pps!.ci95).toBeGreaterThan(0); // Poisson arrivals differ by seed

    const t = await cli(["sweep", "nic-basic", ...VARY]);
    const rows = t.stdout.split("\n");
    expect(rows[0]).toMatch(/^mode\s+runs\s+offered\s+delivered\s+drop:ring/);
    expect(rows[0]).not.toMatch(/corrupt/);
    expect(rows[1]).toMatch(/^irq\s+3\s+mean\s/);
    expect(rows.slice(2, 5).map((r) => r.trim().split(/\s+/)[0])).toEqual(["±95%", "min", "max"]);
    const irq = points[0]!.stats.delivered_pps!;
    expect(rows[1]).toContain(`${(irq.mean / 1000).toFixed(1)} kpps`);
    expect(rows[2]).toContain(`±${(irq.ci95 / 1000).toFixed(1)} kpps`);
    // Every row has the same width up to its last column (aligned).
    expect(new Set(rows.slice(0, 9).filter((r) => r !== "").map((r) => r.indexOf("%") === -1 ? -1 : r.length)).size).toBeLessThanOrEqual(2);

    const c = await cli(["sweep", "nic-basic", ...VARY, "--csv"]);
    const [head, first] = c.stdout.trim().split("\n");
    const cols = head!.split(",");
    expect(cols.slice(0, 8)).toEqual(["point", "devices.nic0.mode", "runs", "seeds", "offered_pps_mean", "offered_pps_ci95", "offered_pps_min", "offered_pps_max"]);
    const cells = first!.split(",");
    expect(Number(cells[cols.indexOf("delivered_pps_mean")])).toBeCloseTo(irq.mean, 5);
    expect(Number(cells[cols.indexOf("delivered_pps_ci95")])).toBeCloseTo(irq.ci95, 5);
    expect(cells[cols.indexOf("seeds")]).toBe("1..3");
  });

  test("a corrupt column when the sweep varies the memory model", async () => {
    const t = await cli(["sweep", "missing-barrier", "--vary", "kernel.memory=lkmm,sc", "--duration", "5ms", "--jobs", "1"]);
    expect(t.code).toBe(0);
    expect(t.stdout.split("\n")[0]).toMatch(/^memory\s+offered\s+delivered\s+corrupt\s+drop:ring/);
    // Under SC the missing barrier never corrupts a packet.
    expect(t.stdout).toMatch(/^sc\s+\S+ \S+\s+\S+ \S+\s+0\s/m);
  });
});

describe("--plot", () => {
  test("x labels are centred on their ticks", () => {
    const chart = lineChart([{ name: "a", points: [[20000, 1], [60000, 3], [150000, 9]] }], {
      color: false,
      xLabel: "rate",
      yLabel: "pps",
      formatX: (x) => `${x / 1000}k`,
    });
    const rows = chart.split("\n");
    const axis = rows.find((r) => r.includes("└"))!;
    const labels = rows[rows.indexOf(axis) + 1]!;
    const ticks = [...axis].flatMap((ch, i) => (ch === "┴" ? [i] : []));
    expect(ticks).toHaveLength(3);
    const found = [...labels.matchAll(/\S+/g)].map((m) => ({ text: m[0], centre: m.index! + (m[0].length - 1) / 2 }));
    expect(found.map((f) => f.text)).toEqual(["20k", "60k", "150k"]);
    found.forEach((f, i) => expect(Math.abs(f.centre - ticks[i]!)).toBeLessThanOrEqual(0.5));
    // The axis title starts where the axis does.
    expect(rows[rows.indexOf(axis) + 2]!.indexOf("rate")).toBe(axis.indexOf("└") + 1);
  });
});
