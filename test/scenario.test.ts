import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { InputError } from "../sim/input_error.js";
import { builtinScenarioDir, listScenarios, loadScenario, packageRoot, resolveScenarioRef } from "../system/scenario_files.js";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { ScenarioSchema } from "../system/scenario.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "irqsim-scenario-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Writes a file in the temp dir and returns its path. */
function file(name: string, content: string | Buffer): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, content);
  return p;
}

/** Runs fn, which must throw an InputError; returns it. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError, nothing was thrown");
}

/** A small valid scenario the bad-input cases start from. */
const BASE = `name: t
description: test
cpus: 2
devices:
  nic0:
    type: nic
    irq: 24
    traffic:
      kind: poisson
      rate: 1000
`;
const parse = (text: string, sets?: string[]) => () => parseScenarioText(text, "t.yaml", sets);
const edit = (from: string, to: string) => {
  if (!BASE.includes(from)) throw new Error(`test bug: ${from} not in BASE`);
  return BASE.replace(from, to);
};

describe("built-in scenarios", () => {
  test("packageRoot and builtinScenarioDir find the repository", () => {
    expect(JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).name).toBe("irqsim");
    expect(builtinScenarioDir()).toBe(path.join(packageRoot(), "scenarios"));
  });

  test("nic-basic validates, with defaults applied", () => {
    const { scenario, source } = loadScenario("nic-basic");
    expect(source).toBe("scenarios/nic-basic.yaml");
    expect(scenario).toEqual({
      name: "nic-basic",
      description: "One NIC at moderate load: top half on CPU0, NET_RX softirq, a reader task on CPU1",
      seed: 1,
      duration: 100_000_000,
      cpus: 2,
      kernel: { hz: 1000, netdev_budget: 300, netdev_max_backlog: 1000, dev_weight: 64, softirq_defer_to_ksoftirqd: false, irq_time_accounting: true, threadirqs: false, tick: "nohz", memory: "lkmm", memory_weakness: 0.25, memory_window: 500 },
      costs: {},
      devices: {
        nic0: {
          type: "nic",
          irq: 24,
          affinity: [0],
          ring_size: 256,
          queues: 1,
          flows: 1,
          coalesce: { rx_usecs: 0, rx_frames: 0, adaptive_rx: false },
          shared: false,
          tx_rate: 0,
          mode: "irq",
          weight: 64,
          napi_threaded: false,
          napi_defer_hard_irqs: 0,
          gro_flush_timeout: 0,
          irq_suspend_timeout: 0,
          io_wait: 0,
          lock: false,
          barriers: true,
          bug: "none",
          traffic: { kind: "poisson", rate: 50_000, size: 1500, start: 0 },
        },
      },
      tasks: {
        app: { type: "socket-reader", socket: "nic0", cpu: 1, nice: 0, work_per_packet: 2000, batch: 1, busy_poll: 0, prefer_busy_poll: false },
      },
      workqueues: {},
      faults: [],
      expect: [{ metric: "packets.dropped.total", max: 0 }],
      variants: {},
    });
  });

  test("listScenarios validates every built-in and includes nic-basic", () => {
    const list = listScenarios();
    expect(list.map((s) => s.name)).toEqual([...list.map((s) => s.name)].sort());
    const basic = list.find((s) => s.name === "nic-basic");
    expect(basic?.path).toBe(path.join(builtinScenarioDir(), "nic-basic.yaml"));
    expect(basic?.description).not.toContain("\n");
  });

  test("resolveScenarioRef: names are built-ins, anything path-like is a path", () => {
    expect(resolveScenarioRef("nic-basic")).toBe(path.join(builtinScenarioDir(), "nic-basic.yaml"));
    expect(resolveScenarioRef("my.yaml")).toBe("my.yaml");
    expect(resolveScenarioRef("x.yml")).toBe("x.yml");
    expect(resolveScenarioRef("dir/x")).toBe("dir/x");
    expect(resolveScenarioRef("dir\\x")).toBe("dir\\x");
  });
});

describe("defaults and durations", () => {
  test("a minimal scenario gets every default", () => {
    const s = parseScenarioText(BASE.replace("cpus: 2\n", ""), "t.yaml");
    expect(s.seed).toBe(1);
    expect(s.duration).toBe(100_000_000);
    expect(s.cpus).toBe(1);
    expect(s.kernel).toEqual({ hz: 1000, netdev_budget: 300, netdev_max_backlog: 1000, dev_weight: 64, softirq_defer_to_ksoftirqd: false, irq_time_accounting: true, threadirqs: false, tick: "nohz", memory: "lkmm", memory_weakness: 0.25, memory_window: 500 });
    expect(s.costs).toEqual({});
    expect(s.tasks).toEqual({});
    expect(s.expect).toEqual([]);
    expect(s.devices.nic0).toEqual({
      type: "nic",
      irq: 24,
      affinity: [0],
      ring_size: 256,
      queues: 1,
      flows: 1,
      coalesce: { rx_usecs: 0, rx_frames: 0, adaptive_rx: false },
      shared: false,
      tx_rate: 0,
      mode: "irq",
      weight: 64,
      napi_threaded: false,
      napi_defer_hard_irqs: 0,
      gro_flush_timeout: 0,
      irq_suspend_timeout: 0,
      io_wait: 0,
      lock: false,
      barriers: true,
      bug: "none",
      traffic: { kind: "poisson", rate: 1000, size: 1500, start: 0 },
    });
  });

  test("defaults are fresh objects, not shared between parses", () => {
    const a = parseScenarioText(BASE, "t.yaml");
    a.devices.nic0!.affinity.push(1);
    a.expect.push({ metric: "x", max: 1 });
    const b = parseScenarioText(BASE, "t.yaml");
    expect(b.devices.nic0!.affinity).toEqual([0]);
    expect(b.expect).toEqual([]);
  });

  test.each([
    ["500us", 500_000],
    ["1.5ms", 1_500_000],
    ["2s", 2_000_000_000],
    ["250ns", 250],
    ["86400s", 86_400_000_000_000],
  ])("duration %s is %d ns", (text, ns) => {
    expect(parseScenarioText(`${BASE}duration: ${text}\n`, "t.yaml").duration).toBe(ns);
  });

  // Issue 16: a bare number is ambiguous (100 ns? 100 ms?), so only 0 may omit the unit.
  test.each(["12345", "'777'"])("duration %s without a unit is refused, naming the units", (text) => {
    const n = text.replace(/'/g, "");
    expect(() => parseScenarioText(`${BASE}duration: ${text}\n`, "t.yaml")).toThrow(`t.yaml: duration: expected a unit: ${n}ns, ${n}us, ${n}ms or ${n}s (a bare number is ambiguous; only 0 needs none), got ${text === "12345" ? "12345" : '"777"'}`);
  });

  test("rx_usecs takes microseconds like ethtool -C rx-usecs; with a unit, as written", () => {
    const at = (v: string) => parseScenarioText(BASE.replace("type: nic", `type: nic\n    coalesce: {rx_usecs: ${v}}`), "t.yaml").devices.nic0!;
    const usecs = (v: string) => { const d = at(v); return d.type === "nic" ? d.coalesce.rx_usecs : -1; };
    expect(usecs("50")).toBe(50_000);
    expect(usecs("50us")).toBe(50_000);
    expect(usecs("0")).toBe(0);
    expect(usecs("500ns")).toBe(500);
  });

  test("durations in costs, traffic start and tasks are integer ns too", () => {
    const s = parseScenarioText(
      `${edit("rate: 1000", "rate: 1000\n      start: 1ms")}costs: {irq_entry: 1us, mmio_read: 0}\n` +
        "tasks: {app: {type: socket-reader, socket: nic0, work_per_packet: 0.5us}}\n",
      "t.yaml",
    );
    expect(s.costs).toEqual({ irq_entry: 1000, mmio_read: 0 });
    expect(s.devices.nic0!.traffic.start).toBe(1_000_000);
    expect(s.tasks.app!.work_per_packet).toBe(500);
  });

  test("a folded description is trimmed to one line", () => {
    const s = parseScenarioText(edit("description: test", "description: >\n  one\n  line"), "t.yaml");
    expect(s.description).toBe("one line");
  });

  test("ScenarioSchema can be used directly", () => {
    expect(ScenarioSchema.safeParse({ name: "x" }).success).toBe(false);
  });
});

describe("--set", () => {
  test("changes a value and adds a list, before validation", () => {
    const { scenario } = loadScenario("nic-basic", {
      sets: ["devices.nic0.traffic.rate=200000", "devices.nic0.affinity=[0,1]", "duration=2ms", "tasks.app.batch=8"],
    });
    expect(scenario.devices.nic0!.traffic.rate).toBe(200_000);
    expect(scenario.devices.nic0!.affinity).toEqual([0, 1]);
    expect(scenario.duration).toBe(2_000_000);
    expect(scenario.tasks.app!.batch).toBe(8);
    expect(scenario.devices.nic0!.irq).toBe(24); // untouched
  });

  test("later sets win and missing objects are created", () => {
    const s = parseScenarioText(BASE, "t.yaml", ["costs.irq_entry=1us", "costs.irq_entry=2us", "kernel.hz=250"]);
    expect(s.costs).toEqual({ irq_entry: 2000 });
    expect(s.kernel.hz).toBe(250);
  });

  test("lists can be indexed and appended to", () => {
    const s = parseScenarioText(BASE, "t.yaml", ["expect.0.metric=packets.delivered", "expect.0.min=10"]);
    expect(s.expect).toEqual([{ metric: "packets.delivered", min: 10 }]);
  });

  test("a --set through a YAML alias changes only the place it names", () => {
    const text = `${edit("    traffic:\n", "    traffic: &t\n")}  nic1:\n    type: nic\n    irq: 25\n    traffic: *t\n`;
    const s = parseScenarioText(text, "t.yaml", ["devices.nic1.traffic.rate=5"]);
    expect(s.devices.nic0!.traffic.rate).toBe(1000);
    expect(s.devices.nic1!.traffic.rate).toBe(5);
  });
});

// Every case: the exact one-line message (or a precise regex), always an InputError.
const bigFile = path.join(tmp, "big.yaml");
const cases: { name: string; run: () => unknown; message: string | RegExp }[] = [
  {
    name: "unknown scenario name",
    run: () => loadScenario("no-such-thing"),
    message: /^unknown scenario 'no-such-thing' \(built-in: ([a-z0-9-]+, )*nic-basic(, [a-z0-9-]+)*; or give a path to a \.yaml file\)$/,
  },
  {
    name: "nonexistent path",
    run: () => loadScenario(path.join(tmp, "missing.yaml")),
    message: `${path.join(tmp, "missing.yaml")}: no such file`,
  },
  {
    name: "a directory",
    run: () => loadScenario(tmp + "/"),
    message: `${tmp}/: is a directory, expected a .yaml file`,
  },
  {
    name: "file larger than 1 MiB",
    run: () => {
      fs.writeFileSync(bigFile, `# ${"x".repeat(1024 * 1024)}\n`);
      return loadScenario(bigFile);
    },
    message: `${bigFile}: larger than 1 MiB (1048579 bytes), not a scenario file`,
  },
  {
    name: "empty file",
    run: () => loadScenario(file("empty.yaml", "")),
    message: `${path.join(tmp, "empty.yaml")}: expected a YAML mapping with name, description and devices`,
  },
  {
    name: "only comments",
    run: parse("# nothing here\n"),
    message: "t.yaml: expected a YAML mapping with name, description and devices",
  },
  {
    name: "non-mapping YAML",
    run: parse("- a\n- b\n"),
    message: "t.yaml: expected a YAML mapping with name, description and devices",
  },
  {
    name: "YAML syntax error, with line:col",
    run: parse("name: t\ndevices: [1, 2\n"),
    message: "t.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]",
  },
  {
    name: "YAML syntax error mid-line",
    run: parse("name: t\ndescription: a: b\n"),
    message: "t.yaml:2:14: Nested mappings are not allowed in compact mappings",
  },
  {
    name: "binary junk",
    run: () => loadScenario(file("junk.yaml", Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a, 0x1b, 0x5b, 0x3a, 0x00]))),
    message: new RegExp(`^${path.join(tmp, "junk.yaml").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(:\\d+:\\d+)?: .+$`),
  },
  {
    name: "alias bomb (billion laughs)",
    run: parse(
      ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
        .concat("bcdefghi".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefghi"[i]}`).join(",")}]`))
        .join("\n"),
    ),
    message: "t.yaml: YAML error: Excessive alias count indicates a resource exhaustion attack",
  },
  {
    // Deep nesting used to overflow the stack inside yaml, and V8 sometimes aborts the
    // process (not a catchable RangeError) when that happens while compiling a RegExp.
    name: "deeply nested flow sequence",
    run: parse("[".repeat(1024 * 1024)),
    message: "t.yaml: YAML nested too deeply (over 32 levels), not a scenario",
  },
  {
    name: "deeply nested block sequence",
    run: parse(`a:\n${Array.from({ length: 1000 }, (_, i) => `${" ".repeat(i + 1)}- `).join("\n")}`),
    message: "t.yaml: YAML nested too deeply (over 32 levels), not a scenario",
  },
  {
    name: "deeply nested compact sequence on one line",
    run: parse("- ".repeat(100_000)),
    message: "t.yaml: YAML nested too deeply (over 32 levels), not a scenario",
  },
  {
    name: "duplicate YAML key",
    run: parse(`${BASE}cpus: 4\n`),
    message: "t.yaml:11:1: Map keys must be unique",
  },
  {
    name: "multiple YAML documents",
    run: parse(`${BASE}---\nname: u\n`),
    message: /^t\.yaml:11:1: Source contains multiple documents/,
  },
  {
    name: "unknown top-level key",
    run: parse(`${BASE}colour: red\n`),
    message:
      "t.yaml: colour: unknown field (allowed: name, description, seed, duration, cpus, kernel, costs, devices, tasks, workqueues, faults, expect, runtime, variants, variant)",
  },
  {
    name: "unknown nested key",
    run: parse(edit("irq: 24", "irq: 24\n    colour: red")),
    message: "t.yaml: devices.nic0.colour: unknown field (allowed: type, irq, affinity, ring_size, queues, flows, coalesce, shared, tx_rate, mode, weight, napi_threaded, napi_defer_hard_irqs, gro_flush_timeout, irq_suspend_timeout, tasklet, workqueue, io_wait, lock, barriers, bug, traffic)",
  },
  {
    name: "a misspelt field is reported as unknown, not as the missing one",
    run: parse(edit("    traffic:", "    trafic:")),
    message: "t.yaml: devices.nic0.trafic: unknown field (allowed: type, irq, affinity, ring_size, queues, flows, coalesce, shared, tx_rate, mode, weight, napi_threaded, napi_defer_hard_irqs, gro_flush_timeout, irq_suspend_timeout, tasklet, workqueue, io_wait, lock, barriers, bug, traffic)",
  },
  {
    name: "unknown cost",
    run: parse(`${BASE}costs: {irq_entri: 1us}\n`),
    message: /^t\.yaml: costs\.irq_entri: unknown field \(allowed: irq_entry, irq_exit, .*, skb_free, busy_poll_loop\)$/,
  },
  {
    name: "missing required field",
    run: parse(BASE.replace("description: test\n", "")),
    message: "t.yaml: description: required field is missing",
  },
  {
    name: "missing devices",
    run: parse("name: t\ndescription: d\n"),
    message: "t.yaml: devices: expected at least one device (or a runtime: section)",
  },
  {
    name: "no devices",
    run: parse("name: t\ndescription: d\ndevices: {}\n"),
    message: "t.yaml: devices: expected at least one device (or a runtime: section), got {}",
  },
  {
    name: "bad scenario name",
    run: parse(edit("name: t", "name: My Scenario")),
    message: `t.yaml: name: expected lowercase letters, digits and '-' such as nic-basic, got "My Scenario"`,
  },
  {
    name: "bad device name",
    run: parse(edit("nic0:", "Nic0:")),
    message: `t.yaml: devices.Nic0: expected a device name of lowercase letters, digits and '_' starting with a letter, got "Nic0"`,
  },
  {
    name: "two-line description",
    run: parse(edit("description: test", "description: |\n  two\n  lines")),
    message: `t.yaml: description: expected a one-line description, got "two\\nlines\\n"`,
  },
  {
    name: "wrong type: string for a number",
    run: parse(edit("cpus: 2", "cpus: two")),
    message: `t.yaml: cpus: expected an integer, got "two"`,
  },
  {
    name: "wrong type: a list for a mapping",
    run: parse(`${BASE}kernel: [1000]\n`),
    message: "t.yaml: kernel: expected a mapping, got [1000]",
  },
  {
    name: "non-integer irq",
    run: parse(edit("irq: 24", "irq: 2.5")),
    message: "t.yaml: devices.nic0.irq: expected an integer, got 2.5",
  },
  {
    name: "out-of-range rate",
    run: parse(edit("rate: 1000", "rate: -5")),
    message: "t.yaml: devices.nic0.traffic.rate: expected a number > 0, got -5",
  },
  {
    name: "rate too high",
    run: parse(edit("rate: 1000", "rate: 200000000")),
    message: "t.yaml: devices.nic0.traffic.rate: expected a number <= 100000000, got 200000000",
  },
  {
    name: "cpus out of range",
    run: parse(edit("cpus: 2", "cpus: 0")),
    message: "t.yaml: cpus: expected a number >= 1, got 0",
  },
  {
    name: "huge number (1e400)",
    run: parse(edit("rate: 1000", "rate: 1e400")),
    message: "t.yaml: devices.nic0.traffic.rate: expected a finite number, got Infinity",
  },
  {
    name: "huge integer",
    run: parse(edit("cpus: 2", "cpus: 1e400")),
    message: "t.yaml: cpus: expected an integer, got Infinity",
  },
  {
    name: "--set through a missing list with a name",
    run: parse(BASE, ["expect.first.max=1"]),
    message: `--set expect.first.max=1: expect: expected a list, got {"first":{"max":1}}`,
  },
  {
    name: "YAML .nan",
    run: parse(edit("rate: 1000", "rate: .nan")),
    message: "t.yaml: devices.nic0.traffic.rate: expected a finite number, got NaN",
  },
  {
    name: "NaN-ish string for a number",
    run: parse(edit("rate: 1000", "rate: NaN")),
    message: `t.yaml: devices.nic0.traffic.rate: expected a number, got "NaN"`,
  },
  {
    name: "NaN-ish duration",
    run: parse(`${BASE}duration: NaNms\n`),
    message: `t.yaml: duration: expected a duration such as 500us, 100ms or 2s, got "NaNms"`,
  },
  {
    name: "duration without a known unit",
    run: parse(`${BASE}duration: 2 days\n`),
    message: `t.yaml: duration: expected a duration such as 500us, 100ms or 2s, got "2 days"`,
  },
  {
    name: "duration of the wrong type",
    run: parse(`${BASE}duration: true\n`),
    message: "t.yaml: duration: expected a duration such as 500us, 100ms or 2s, got true",
  },
  {
    name: "negative duration",
    run: parse(`${BASE}duration: -5ms\n`),
    message: `t.yaml: duration: expected a duration > 0 such as 500us, 100ms or 2s, got "-5ms"`,
  },
  {
    name: "negative cost",
    run: parse(`${BASE}costs: {irq_entry: -1}\n`),
    message: "t.yaml: costs.irq_entry: expected a duration >= 0 such as 500us, 100ms or 2s, got -1",
  },
  {
    name: "zero duration",
    run: parse(`${BASE}duration: 0\n`),
    message: "t.yaml: duration: expected a duration > 0 such as 500us, 100ms or 2s, got 0",
  },
  {
    name: "duration over a day",
    run: parse(`${BASE}duration: 86401s\n`),
    message: `t.yaml: duration: expected a duration of at most 1 day (86400s), got "86401s"`,
  },
  {
    name: "unknown enum value (traffic kind)",
    run: parse(edit("kind: poisson", "kind: bursty")),
    message: `t.yaml: devices.nic0.traffic.kind: expected kind: constant, poisson, onoff, closed, replay, got "bursty"`,
  },
  {
    name: "hz not a CONFIG_HZ choice",
    run: parse(`${BASE}kernel: {hz: 200}\n`),
    message: "t.yaml: kernel.hz: expected one of: 100, 250, 300, 1000, got 200",
  },
  {
    name: "unknown device type",
    run: parse(edit("type: nic", "type: gpu")),
    message: `t.yaml: devices.nic0.type: expected type: nic, noisy, uart, block, hrtimer, got "gpu"`,
  },
  {
    name: "device without a type",
    run: parse(edit("    type: nic\n", "")),
    message: "t.yaml: devices.nic0.type: required field is missing (expected type: nic, noisy, uart, block, hrtimer)",
  },
  {
    name: "affinity CPU >= cpus",
    run: parse(edit("irq: 24", "irq: 24\n    affinity: [0, 2]")),
    message: "t.yaml: devices.nic0.affinity.1: expected a CPU id < cpus (2), got 2",
  },
  {
    name: "affinity CPU listed twice",
    run: parse(edit("irq: 24", "irq: 24\n    affinity: [1, 1]")),
    message: "t.yaml: devices.nic0.affinity.1: expected distinct CPU ids (listed twice), got 1",
  },
  {
    name: "empty affinity",
    run: parse(edit("irq: 24", "irq: 24\n    affinity: []")),
    message: "t.yaml: devices.nic0.affinity: expected a non-empty list, got []",
  },
  {
    name: "task on a CPU that does not exist",
    run: parse(`${BASE}tasks: {app: {type: socket-reader, socket: nic0, cpu: 2}}\n`),
    message: "t.yaml: tasks.app.cpu: expected a CPU id < cpus (2), got 2",
  },
  {
    name: "task socket naming a missing device",
    run: parse(`${BASE}tasks: {app: {type: socket-reader, socket: eth0}}\n`),
    message: `t.yaml: tasks.app.socket: expected the name of a nic device (nic0), got "eth0"`,
  },
  {
    name: "task socket 'constructor' is not found on Object.prototype",
    run: parse(`${BASE}tasks: {app: {type: socket-reader, socket: constructor}}\n`),
    message: `t.yaml: tasks.app.socket: expected the name of a nic device (nic0), got "constructor"`,
  },
  {
    name: "duplicate irq",
    run: parse(`${BASE}  nic1: {type: nic, irq: 24, traffic: {kind: constant, rate: 10}}\n`),
    message: "t.yaml: devices.nic1.irq: expected a unique irq (24 is already used by nic0), got 24",
  },
  {
    name: "expect entry without min/max/eq",
    run: parse(`${BASE}expect: [{metric: packets.delivered}]\n`),
    message: `t.yaml: expect.0: expected at least one of min, max or eq, got {"metric":"packets.delivered"}`,
  },
  {
    name: "expect with min > max",
    run: parse(`${BASE}expect: [{metric: a.b, min: 5, max: 1}]\n`),
    message: "t.yaml: expect.0.max: expected max >= min (5), got 1",
  },
  {
    name: "long values are truncated to 40 characters",
    run: parse(edit("name: t", `name: ${"Z".repeat(100)}`)),
    message: `t.yaml: name: expected lowercase letters, digits and '-' such as nic-basic, got "${"Z".repeat(36)}...`,
  },
  {
    name: "--set without '='",
    run: parse(BASE, ["cpus"]),
    message: "--set 'cpus': expected path=value, e.g. --set devices.nic0.traffic.rate=200000",
  },
  {
    name: "--set with an empty path",
    run: parse(BASE, ["=3"]),
    message: "--set '=3': expected path=value, e.g. --set devices.nic0.traffic.rate=200000",
  },
  {
    name: "--set with an empty segment",
    run: parse(BASE, ["devices..irq=3"]),
    message: "--set 'devices..irq=3': expected path=value, e.g. --set devices.nic0.traffic.rate=200000",
  },
  {
    name: "--set through a scalar",
    run: parse(BASE, ["name.x=1"]),
    message: `--set name.x=1: cannot set 'name.x': 'name' is "t", not a mapping`,
  },
  {
    name: "--set through a list with a name",
    run: parse(`${BASE}expect: []\n`, ["expect.first.max=1"]),
    message: "--set expect.first.max=1: cannot set 'expect.first': 'expect' is a list of 0 items",
  },
  {
    name: "--set to __proto__",
    run: parse(BASE, ["__proto__.polluted=1"]),
    message: "--set '__proto__.polluted=1': '__proto__' is not a scenario field",
  },
  {
    name: "--set with a bad YAML value",
    run: parse(BASE, ["devices.nic0.affinity=[0,1"]),
    message: /^--set devices\.nic0\.affinity=\[0,1: Flow sequence/,
  },
  {
    name: "--set with an out-of-range value names the --set",
    run: parse(BASE, ["devices.nic0.traffic.rate=-5"]),
    message: "--set devices.nic0.traffic.rate=-5: devices.nic0.traffic.rate: expected a number > 0, got -5",
  },
  {
    name: "--set of a list blames the --set for a bad element",
    run: parse(BASE, ["devices.nic0.affinity=[0,7]"]),
    message: "--set devices.nic0.affinity=[0,7]: devices.nic0.affinity.1: expected a CPU id < cpus (2), got 7",
  },
  {
    name: "--set of an unknown field",
    run: parse(BASE, ["devices.nic0.colour=red"]),
    message:
      "--set devices.nic0.colour=red: devices.nic0.colour: unknown field (allowed: type, irq, affinity, ring_size, queues, flows, coalesce, shared, tx_rate, mode, weight, napi_threaded, napi_defer_hard_irqs, gro_flush_timeout, irq_suspend_timeout, tasklet, workqueue, io_wait, lock, barriers, bug, traffic)",
  },
  {
    name: "--set that creates a device owns its missing fields, and says there is no such device",
    run: parse(BASE, ["devices.nic1.irq=25"]),
    message: "--set devices.nic1.irq=25: no device nic1: did you mean nic0? (the scenario has: nic0; to add one, --set all its required fields, devices.nic1.type first)",
  },
  {
    name: "an error the --set did not cause still names the file",
    run: parse(edit("rate: 1000", "rate: -1"), ["cpus=4"]),
    message: "t.yaml: devices.nic0.traffic.rate: expected a number > 0, got -1",
  },
  {
    name: "--set on a built-in, out of range",
    run: () => loadScenario("nic-basic", { sets: ["cpus=65"] }),
    message: "--set cpus=65: cpus: expected a number <= 64, got 65",
  },
  {
    name: "newlines in user input never split the message",
    run: parse(`${BASE}"a\\nb": 1\n`),
    message: /^t\.yaml:\d+:1: "a\\nb": expected a printable name \(no control characters or escape sequences\)$/,
  },
];

describe("bad input is one InputError line", () => {
  test.each(cases)("$name", ({ run, message }) => {
    const err = inputError(run);
    expect(err).toBeInstanceOf(InputError);
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toMatch(/[\r\n]/);
    if (typeof message === "string") expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  test("an alias bomb fails fast", () => {
    const levels = ["a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"];
    for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? "*a" : `*l${i - 1}`).join(",")}]`);
    const started = Date.now();
    expect(inputError(parse(levels.join("\n"))).message).toMatch(/^t\.yaml: YAML error: Excessive alias count/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("a broken scenario file names the file", () => {
    const p = file("broken.yaml", edit("cpus: 2", "cpus: -1"));
    expect(inputError(() => loadScenario(p)).message).toBe(`${p}: cpus: expected a number >= 1, got -1`);
  });

  test("a valid scenario file loads by path, and source is the path as given", () => {
    const p = file("ok.yml", BASE);
    const { scenario, source } = loadScenario(p);
    expect(source).toBe(p);
    expect(scenario.name).toBe("t");
  });
});
