/**
 * `irqsim diff`: two results of one scenario with different seeds (and a --set) list the
 * inputs that differ first, then exactly the metrics that differ with their change.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { cli } from "./helpers/cli.js";
import { flatten, type RunDiff } from "../cli/diff.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function result(file: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await cli(["run", "nic-basic", "--duration", "3ms", "--out", join(dir, file), ...args]);
  expect(r.code).toBe(0);
  const j = await cli(["run", "nic-basic", "--duration", "3ms", "--json", ...args]);
  return JSON.parse(j.stdout) as Record<string, unknown>;
}

describe("irqsim diff", () => {
  test("two seeds of one scenario: the seed and --set first, then every differing metric with its change", async () => {
    const a = await result("a.json", ["--seed", "1"]);
    const b = await result("b.json", ["--seed", "2", "--set", "devices.nic0.ring_size=128"]);
    const r = await cli(["diff", join(dir, "a.json"), join(dir, "b.json"), "--json"]);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as RunDiff;
    expect(d.inputs.filter((i) => !i.same).map((i) => i.field)).toEqual(["seed", "--set", "fingerprint"]);
    expect(d.inputs.find((i) => i.field === "--set")).toMatchObject({ a: "(none)", b: "devices.nic0.ring_size=128" });
    // Exactly the leaves whose values differ, each with b - a and (b - a) / |a|.
    const fa = flatten(a);
    const fb = flatten(b);
    const differing = [...fa.keys()].filter((k) => fa.get(k) !== fb.get(k));
    expect(d.metrics.map((m) => m.metric)).toEqual(differing);
    expect(differing.length).toBeGreaterThan(5);
    expect(d.equal + d.metrics.length).toBe(new Set([...fa.keys(), ...fb.keys()]).size);
    const arrived = d.metrics.find((m) => m.metric === "packets.arrived")!;
    const pa = (a.packets as { arrived: number }).arrived;
    const pb = (b.packets as { arrived: number }).arrived;
    expect(arrived).toEqual({ metric: "packets.arrived", a: pa, b: pb, change: pb - pa, relative: (pb - pa) / pa });
    expect(d.metrics.find((m) => m.metric === "devices.nic0.ring_size" || m.metric.startsWith("scenario"))).toBeUndefined();

    const t = await cli(["diff", join(dir, "a.json"), join(dir, "b.json")]);
    const lines = t.stdout.split("\n");
    expect(lines[2]).toMatch(/^seed\s+1\s+2\s+differs$/);
    expect(lines[3]).toMatch(/^--set\s+\(none\)\s+devices\.nic0\.ring_size=128\s+differs$/);
    const sign = pb > pa ? "\\+" : "-";
    expect(t.stdout).toMatch(new RegExp(`^packets\\.arrived\\s+${pa}\\s+${pb}\\s+${sign}${Math.abs(pb - pa)}\\s+${sign}${Math.abs((100 * (pb - pa)) / pa).toFixed(1)}%$`, "m"));
    expect(t.stdout).toMatch(new RegExp(`^${differing.length} metrics differ, ${d.equal} equal$`, "m"));
  });

  test("the same result twice: nothing differs", async () => {
    const r = await cli(["diff", join(dir, "a.json"), join(dir, "a.json")]);
    expect(r.stdout).toMatch(/^no metric differs \(\d+ compared\)$/m);
  });

  test("bad input: one line naming the file", async () => {
    writeFileSync(join(dir, "bad.json"), "{ nope");
    writeFileSync(join(dir, "other.json"), '{"a": 1}');
    for (const f of ["bad.json", "other.json", "missing.json"]) {
      const r = await cli(["diff", join(dir, f), join(dir, "a.json")]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^irqsim: .*${f}: .+\\n$`));
    }
  });
});
