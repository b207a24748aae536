import { describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { cli } from "./helpers/cli.js";


const tmp = mkdtempSync(join(tmpdir(), "irqsim-cli-"));

describe("irqsim list", () => {
  test("one line per built-in scenario, and --json", async () => {
    const r = await cli(["list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^nic-basic\s+One NIC at moderate load/m);
    const j = await cli(["list", "--json"]);
    const list = JSON.parse(j.stdout) as { name: string; description: string }[];
    expect(list.map((s) => s.name)).toContain("nic-basic");
  });
});

describe("irqsim run", () => {
  test("--json is byte-identical for the same seed and carries the required keys", async () => {
    const a = await cli(["run", "nic-basic", "--seed", "7", "--json", "--duration", "20ms"]);
    const b = await cli(["run", "nic-basic", "--seed", "7", "--json", "--duration", "20ms"]);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const r = JSON.parse(a.stdout);
    for (const key of ["scenario", "seed", "fingerprint", "simulated_ns", "events", "packets", "cpus", "irqs", "softirqs", "latency_ns", "dmesg", "invariants"]) {
      expect(r).toHaveProperty(key);
    }
    expect(r.seed).toBe(7);
    expect(r.simulated_ns).toBe(20_000_000);
    expect(Object.keys(r.packets)).toEqual(["arrived", "delivered", "corrupt", "dropped", "in_flight", "offered_pps", "delivered_pps"]);
    // The stages in the order a packet meets them.
    expect(Object.keys(r.latency_ns)).toEqual(["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]);
    expect(Object.keys(r.latency_ns.deliver)).toEqual(["description", "count", "p50", "p90", "p99", "p999", "max", "mean"]);
  });

  test("the human summary shows the seed and has no colour without a TTY or with NO_COLOR", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "5ms"]);
    expect(r.stdout).toMatch(/irqsim run nic-basic {2}seed 1 /);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    const tty = await cli(["run", "nic-basic", "--duration", "5ms"], {}, true);
    expect(tty.stdout).toMatch(/\x1b\[/);
    const noColor = await cli(["run", "nic-basic", "--duration", "5ms"], { NO_COLOR: "1" }, true);
    expect(noColor.stdout).not.toMatch(/\x1b\[/);
  });

  test("--set, --seed and --duration apply; a path works where a name does", async () => {
    const file = join(tmp, "my.yaml");
    writeFileSync(file, readFileSync(new URL("../scenarios/nic-basic.yaml", import.meta.url), "utf8"));
    const r = await cli(["run", file, "--set", "devices.nic0.traffic.rate=200000", "--duration", "10ms", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.simulated_ns).toBe(10_000_000);
    expect(j.packets.offered_pps).toBeGreaterThan(150_000);
  });

  test("--proc prints kernel-format views; the seed goes to stderr", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "5ms", "--proc", "interrupts", "--proc", "softirqs"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe(`${" ".repeat(11)}CPU0       CPU1       `);
    expect(r.stdout).toMatch(/^ {6}NET_RX: /m);
    expect(r.stderr).toMatch(/seed 1 fingerprint [0-9a-f]{16}/);
    const j = await cli(["run", "nic-basic", "--duration", "5ms", "--proc", "stat", "--json"]);
    expect(JSON.parse(j.stdout).proc.stat).toMatch(/^cpu {2}/);
  });

  test("--out writes the JSON atomically (no temp file left)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "irqsim-out-"));
    const out = join(dir, "result.json");
    const r = await cli(["run", "nic-basic", "--duration", "5ms", "--out", out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8")).scenario).toBe("nic-basic");
    expect(readdirSync(dir)).toEqual(["result.json"]);
  });

  test("--check exits 1 when an expect: assertion fails", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "20ms", "--set", "devices.nic0.traffic.rate=400000", "--check"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expectation failed in nic-basic \(seed 1\): packets.dropped.total/);
    const ok = await cli(["run", "nic-basic", "--duration", "20ms", "--check"]);
    expect(ok.code).toBe(0);
  });

  test("--max-events stops early and says so", async () => {
    const r = await cli(["run", "nic-basic", "--max-events", "1000", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.events).toBe(1000);
    expect(j.stopped_by).toBe("max_events");
    expect(j.invariants.ok).toBe(true);
  });
});

describe("bad input: one line naming what is wrong, exit 2, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "irqsim-bad-"));
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  mkdirSync(join(dir, "adir"));
  const cases: [string, string[], RegExp][] = [
    ["unknown scenario", ["run", "no-such"], /unknown scenario 'no-such' \(built-in: .*nic-basic/],
    ["missing file", ["run", join(dir, "nope.yaml")], /nope\.yaml: no such file/],
    ["a directory", ["run", join(dir, "adir") + "/"], /is a directory/],
    ["malformed YAML", ["run", write("bad.yaml", "name: x\n  - : [\n")], /bad\.yaml:\d+:\d+: /],
    ["unknown field", ["run", write("unk.yaml", "name: x\ndescription: d\ncolour: red\ndevices: {}\n")], /unk\.yaml: colour: unknown field/],
    ["out-of-range field", ["run", "nic-basic", "--set", "devices.nic0.traffic.rate=-5"], /--set devices\.nic0\.traffic\.rate=-5: devices\.nic0\.traffic\.rate: /],
    ["bad --set syntax", ["run", "nic-basic", "--set", "rate"], /--set 'rate': expected path=value/],
    ["unknown flag", ["run", "nic-basic", "--sed", "3"], /unknown option '--sed'/],
    ["bad seed", ["run", "nic-basic", "--seed", "-1"], /seed/],
    ["bad seed (not a number)", ["run", "nic-basic", "--seed", "abc"], /expected an integer from 0 to 4294967295/],
    ["bad duration", ["run", "nic-basic", "--duration", "10 parsecs"], /--duration: expected a positive duration/],
    ["zero duration", ["run", "nic-basic", "--duration", "0ms"], /--duration: expected a positive duration/],
    ["bad proc view", ["run", "nic-basic", "--proc", "meminfo"], /meminfo/],
    ["bad max-events", ["run", "nic-basic", "--max-events", "0"], /expected a positive integer/],
    ["unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["missing scenario argument", ["run"], /missing required argument 'scenario'/],
    ["unwritable --out", ["run", "nic-basic", "--duration", "1ms", "--out", join(dir, "no", "such", "dir", "r.json")], /r\.json: cannot write \(ENOENT\)/],
  ];
  test.each(cases)("%s", async (_name, args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^irqsim: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("the installed command", () => {
  test("runs as a process: exit code 2 and one line for bad input, summary for good", () => {
    const bin = new URL("../cli/bin.ts", import.meta.url).pathname;
    const run = (args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", bin, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    const bad = run(["run", "no-such-scenario"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    const good = run(["run", "nic-basic", "--duration", "5ms"]);
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/^irqsim run nic-basic {2}seed 1 /);
    expect(existsSync(bin)).toBe(true);
  });
});
