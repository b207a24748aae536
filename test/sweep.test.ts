import { describe, expect, test } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";
import { longestFirst, parseShard, parseVary, planSweep, shardPoints } from "../system/sweep.js";
import { cli } from "./helpers/cli.js";


const VARY = ["--vary", "devices.nic0.mode=irq,napi", "--vary", "devices.nic0.traffic.rate=50000,300000"];
const parseLines = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l));

describe("sweep planning", () => {
  test("cross product, first --vary slowest, seeds fastest; shards partition the points", () => {
    const plan = planSweep({ scenario: "livelock", vary: [parseVary("devices.nic0.mode=irq,napi"), parseVary("duration=1ms,2ms,3ms")], sets: [], seeds: 2 });
    expect(plan.points).toHaveLength(12);
    expect(plan.points[0]).toEqual({ index: 0, params: { "devices.nic0.mode": "irq", duration: "1ms" }, seed: 1 });
    expect(plan.points[1]!.seed).toBe(2);
    expect(plan.points[2]!.params.duration).toBe("2ms");
    expect(plan.points[6]!.params["devices.nic0.mode"]).toBe("napi");
    const shards = [1, 2, 3].map((i) => shardPoints(plan.points, { index: i, count: 3 }).map((p) => p.index));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(plan.points.map((p) => p.index));
    expect(new Set(shards.flat()).size).toBe(12);
  });

  test("bad --vary values are caught before anything runs, naming the --vary and the value", () => {
    expect(() => planSweep({ scenario: "livelock", vary: [parseVary("devices.nic0.mode=irq,polling")], sets: [], seeds: 1 })).toThrow(
      /^--vary devices\.nic0\.mode=irq,polling: value 'polling': devices\.nic0\.mode: expected one of/,
    );
    expect(() => parseVary("rate")).toThrow(/expected key=v1,v2/);
    expect(() => parseShard("3/2")).toThrow(/1 <= i <= n/);
  });
});

describe("irqsim sweep", () => {
  test("results on worker threads are identical to sequential runs and to `run`", async () => {
    const parallel = await cli(["sweep", "livelock", ...VARY, "--duration", "20ms", "--jobs", "2", "--json"]);
    const sequential = await cli(["sweep", "livelock", ...VARY, "--duration", "20ms", "--jobs", "1", "--json"]);
    expect(parallel.code).toBe(0);
    expect(parallel.stdout).toBe(sequential.stdout);
    const recs = parseLines(parallel.stdout);
    expect(recs).toHaveLength(4);
    expect(recs.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    const { scenario } = loadScenario("livelock", { sets: ["devices.nic0.mode=napi", "devices.nic0.traffic.rate=300000", "duration=20ms"] });
    expect(recs[3].params).toEqual({ "devices.nic0.mode": "napi", "devices.nic0.traffic.rate": "300000" });
    expect(JSON.stringify(recs[3].result)).toBe(JSON.stringify(runScenario(scenario)));
  });

  test("shards run on different machines merge into the full sweep", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-sweep-"));
    const full = await cli(["sweep", "livelock", ...VARY, "--seeds", "2", "--duration", "10ms", "--jobs", "1", "--json"]);
    const files: string[] = [];
    for (const i of [1, 2, 3]) {
      const part = await cli(["sweep", "livelock", ...VARY, "--seeds", "2", "--duration", "10ms", "--jobs", "1", "--shard", `${i}/3`, "--json"]);
      expect(part.code).toBe(0);
      const f = join(dir, `shard${i}.jsonl`);
      writeFileSync(f, part.stdout);
      files.push(f);
    }
    const merged = await cli(["merge", ...files.reverse(), "--json"]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(full.stdout);
    expect(merged.stderr).toBe("");
    // A shard with no points (more shards than runs) is an empty file: merged as nothing.
    const emptyShard = join(dir, "empty.jsonl");
    writeFileSync(emptyShard, "");
    const withEmpty = await cli(["merge", emptyShard, ...files, "--json"]);
    expect([withEmpty.code, withEmpty.stdout]).toEqual([0, full.stdout]);
    const partial = await cli(["merge", files[0]!]);
    expect(partial.stderr).toMatch(/of 8 runs present/);
    const other = await cli(["sweep", "livelock", "--vary", "devices.nic0.mode=irq", "--duration", "10ms", "--jobs", "1", "--json"]);
    const otherFile = join(dir, "other.jsonl");
    writeFileSync(otherFile, other.stdout);
    const mixed = await cli(["merge", files[0]!, otherFile]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/from sweep [0-9a-f]+, but earlier records are from sweep/);
  });

  test("table, CSV and chart", async () => {
    const table = await cli(["sweep", "livelock", ...VARY, "--duration", "10ms", "--jobs", "1", "--plot"]);
    expect(table.stdout).toMatch(/^mode\s+rate\s+offered\s+delivered\s+drop:ring/m);
    expect(table.stdout).toMatch(/^irq\s+50000\s/m);
    // Without colour each series gets its own chart on a shared scale.
    expect(table.stdout).toMatch(/^mode=irq$/m);
    expect(table.stdout).toMatch(/^mode=napi$/m);
    expect(table.stdout).toMatch(/[╭╮╰╯─]/);
    expect(table.stdout).toMatch(/devices\.nic0\.traffic\.rate/);
    expect(table.stderr).toMatch(/^irqsim: sweep [0-9a-f]{12} of livelock: 4 of 4 runs/);
    const csv = await cli(["sweep", "livelock", ...VARY, "--duration", "10ms", "--jobs", "1", "--csv"]);
    const rows = csv.stdout.trim().split("\n");
    expect(rows[0]).toMatch(/^index,devices\.nic0\.mode,devices\.nic0\.traffic\.rate,seed,fingerprint,offered_pps,delivered_pps,/);
    expect(rows).toHaveLength(5);
    expect(rows[1]).toMatch(/^0,irq,50000,1,[0-9a-f]{16},\d+,\d+,/);
  });

  test("bad input exits 2 with one line", async () => {
    for (const args of [
      ["sweep", "livelock"],
      ["sweep", "livelock", "--vary", "devices.nic0.mode"],
      ["sweep", "livelock", "--vary", "devices.nic0.mode=irq", "--shard", "0/2"],
      ["sweep", "livelock", "--vary", "devices.nic0.nope=1,2"],
      ["sweep", "livelock", "--vary", "devices.nic0.mode=irq,napi", "--plot", "--x", "devices.nic0.mode", "--duration", "1ms", "--jobs", "1"],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(/^irqsim: /);
    }
  });
});

describe("longest first", () => {
  test("a worker pool gets the points by estimated work, largest first, ties by index; results keep their index", () => {
    const spec = { scenario: "livelock", vary: [parseVary("devices.nic0.traffic.rate=1000,400000,20000,400000")], sets: [], seeds: 1, duration: "10ms" };
    const { points } = planSweep(spec);
    expect(longestFirst(spec, points).map((p) => p.index)).toEqual([1, 3, 2, 0]);
    expect(points.map((p) => p.index)).toEqual([0, 1, 2, 3]);
  });
});
