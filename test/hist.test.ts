import { describe, expect, test } from "vitest";
import { Latency } from "../sim/metrics.js";
import { latencyLog2Hist, log2Slot, log2Slots, printLog2Hist, renderLatencyHists } from "../observe/hist.js";
import { cli } from "./helpers/cli.js";


const stars = (n: number, width = 40) => "*".repeat(n).padEnd(width);

describe("bcc log2 buckets (helpers.h bpf_log2l, table.py _print_log2_hist)", () => {
  test("slot 1 holds 0 and 1, slot i holds 2^(i-1) .. 2^i - 1", () => {
    expect([0, 1, 2, 3, 4, 7, 8, 15, 16, 1023, 1024].map(log2Slot)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 10, 11]);
  });

  test("a known small histogram prints exactly as bcc prints it", () => {
    const l = new Latency("x", "test");
    // usecs (ns / 1000, truncated): 0 1 2 3 7 7 7 16
    for (const ns of [500, 1_500, 2_500, 3_000, 7_000, 7_000, 7_999, 16_000]) l.record(ns);
    const vals = log2Slots(l.histogram);
    expect(vals.slice(0, 7)).toEqual([0, 2, 2, 3, 0, 1, 0]);
    expect(printLog2Hist(vals)).toBe(
      "     usecs               : count     distribution\n" +
        `         0 -> 1          : 2        |${stars(26)}|\n` + // 40 * 2 / 3 = 26.7 -> 26
        `         2 -> 3          : 2        |${stars(26)}|\n` +
        `         4 -> 7          : 3        |${stars(40)}|\n` +
        `         8 -> 15         : 0        |${stars(0)}|\n` +
        `        16 -> 31         : 1        |${stars(13)}|\n`,
    );
    expect(latencyLog2Hist(l)).toEqual({
      unit: "usecs",
      count: 8,
      buckets: [
        { low: 0, high: 1, count: 2 },
        { low: 2, high: 3, count: 2 },
        { low: 4, high: 7, count: 3 },
        { low: 8, high: 15, count: 0 },
        { low: 16, high: 31, count: 1 },
      ],
    });
    expect(renderLatencyHists([l])).toBe(`\nstage = 'x'\n${printLog2Hist(vals)}`);
  });

  test("power-of-2 microsecond boundaries are exact through the HDR histogram", () => {
    const l = new Latency("b", "boundaries");
    for (const ns of [511_999, 512_000, 1_048_575_999, 1_048_576_000]) l.record(ns);
    const vals = log2Slots(l.histogram);
    expect(vals[log2Slot(511)]).toBe(1);
    expect(vals[log2Slot(512)]).toBe(1);
    expect(vals[log2Slot(1_048_575)]).toBe(1);
    expect(vals[log2Slot(1_048_576)]).toBe(1);
  });

  test("past slot 32 bcc widens the columns and halves the bar", () => {
    const vals = new Array<number>(65).fill(0);
    vals[1] = 4;
    vals[34] = 2;
    const out = printLog2Hist(vals).split("\n");
    expect(out[0]).toBe("               usecs                         : count     distribution");
    expect(out[1]).toBe(`                   0 -> 1                    : 4        |${stars(20, 20)}|`);
    expect(out[34]).toBe(`          8589934592 -> 17179869183          : 2        |${stars(10, 20)}|`);
  });

  test("an empty histogram prints no rows (bcc prints nothing when idx_max <= 0)", () => {
    expect(printLog2Hist(new Array<number>(65).fill(0))).toBe("");
  });
});

describe("run --hist", () => {
  test("prints every latency stage after the summary; --json carries the buckets", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "5ms", "--hist"]);
    expect(r.code).toBe(0);
    const at = r.stdout.indexOf("Latency histograms");
    expect(at).toBeGreaterThan(r.stdout.indexOf("Invariants"));
    const tail = r.stdout.slice(at);
    for (const stage of ["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]) expect(tail).toContain(`\nstage = '${stage}'\n`);
    expect(tail).toMatch(/\n {5}usecs {15}: count {5}distribution\n/);
    expect(tail).toMatch(/\n +\d+ -> \d+ +: \d+ +\|\**\s*\|\n/);

    const j = await cli(["run", "nic-basic", "--duration", "5ms", "--hist", "--json"]);
    const res = JSON.parse(j.stdout);
    expect(Object.keys(res.hist)).toEqual(["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]);
    const h = res.hist.deliver;
    expect(h.unit).toBe("usecs");
    expect(h.count).toBe(res.latency_ns.deliver.count);
    expect(h.buckets.reduce((a: number, b: { count: number }) => a + b.count, 0)).toBe(h.count);
  });
});
