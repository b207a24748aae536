import { afterAll, describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../system/scenario_files.js";
import { runWithTrace } from "./helpers/trace.js";
import { chromeTs, CPU_PID_BASE, DEVICES_PID, THREADS_PID } from "../observe/chrome_trace.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-chrome-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ev {
  name?: string;
  cat?: string;
  ph: string;
  ts?: number;
  pid?: number;
  tid?: number;
  id?: number;
  bp?: string;
  s?: string;
  args?: Record<string, unknown>;
}
interface ChromeFile {
  displayTimeUnit: string;
  traceEvents: Ev[];
  otherData: Record<string, unknown>;
}

function chrome(name: string, opts: { scenario?: string; sets?: string[]; window?: string; limit?: number } = {}) {
  const scenario = loadScenario(opts.scenario ?? "nic-basic", { sets: ["duration=3ms", ...(opts.sets ?? [])] }).scenario;
  const file = join(dir, name);
  const { report } = runWithTrace(scenario, file, "chrome", opts);
  const text = readFileSync(file, "utf8");
  return { report, text, json: JSON.parse(text) as ChromeFile };
}

/**
 * Replays the file the way a viewer does (by timestamp, file order on ties) and checks
 * B/E balance per track; returns, for each flow end, the category of the slice it binds to.
 */
function replay(events: Ev[]) {
  const order = events.map((e, i) => ({ e, i })).filter(({ e }) => e.ph !== "M");
  order.sort((a, b) => a.e.ts! - b.e.ts! || a.i - b.i);
  const stacks = new Map<string, Ev[]>();
  const starts = new Map<number, { ev: Ev; cat: string | undefined }>();
  const pairs: { from: string | undefined; to: string | undefined; name: string }[] = [];
  let unbalanced = 0;
  for (const { e } of order) {
    const key = `${e.pid}:${e.tid}`;
    const st = stacks.get(key) ?? [];
    stacks.set(key, st);
    if (e.ph === "B") st.push(e);
    else if (e.ph === "E") {
      if (st.length === 0) unbalanced++;
      st.pop();
    } else if (e.ph === "s") starts.set(e.id!, { ev: e, cat: st[st.length - 1]?.cat });
    else if (e.ph === "f") {
      const s = starts.get(e.id!);
      expect(s, `flow ${e.id} ends without a start`).toBeDefined();
      expect(e.bp).toBe("e");
      expect(s!.ev.name).toBe(e.name); // Perfetto matches v1 flows by (id, cat, name)
      expect(s!.ev.cat).toBe(e.cat);
      pairs.push({ from: s!.cat, to: st[st.length - 1]?.cat, name: e.name! });
    }
  }
  for (const st of stacks.values()) unbalanced += st.length;
  const ends = new Set(events.filter((e) => e.ph === "f").map((e) => e.id));
  const dangling = [...starts.keys()].filter((id) => !ends.has(id)).length;
  return { unbalanced, pairs, dangling, starts: starts.size };
}

describe("Chrome Trace Event JSON", () => {
  test("parses, with B/E slices for hardirq, softirq and thread contexts, counters and flows", () => {
    const { json, text, report } = chrome("basic.json");
    expect(json.displayTimeUnit).toBe("ns");
    expect(Array.isArray(json.traceEvents)).toBe(true);
    const ev = json.traceEvents;
    const cats = (ph: string) => new Set(ev.filter((e) => e.ph === ph).map((e) => e.cat));
    for (const c of ["hardirq", "softirq", "task", "sched"]) expect(cats("B").has(c)).toBe(true);
    // Hardirq slices sit on a CPU's track, named after the handler.
    const hard = ev.find((e) => e.ph === "B" && e.cat === "hardirq")!;
    expect(hard).toMatchObject({ name: "irq 24: nic0", pid: CPU_PID_BASE, tid: CPU_PID_BASE, args: { irq: 24, name: "nic0" } });
    expect(ev.find((e) => e.ph === "B" && e.cat === "softirq")).toMatchObject({ name: "NET_RX", args: { vec: 3 } });
    expect(ev.find((e) => e.ph === "B" && e.cat === "task" && e.name === "app")).toMatchObject({ pid: CPU_PID_BASE + 1 });
    expect(ev.some((e) => e.ph === "B" && e.name === "Running" && e.pid === THREADS_PID)).toBe(true);
    // Processes per CPU, named.
    expect(ev).toContainEqual({ name: "process_name", ph: "M", pid: CPU_PID_BASE + 1, args: { name: "CPU 1" } });
    // Counters: ring fill per NIC, softirq pending per CPU.
    const counters = ev.filter((e) => e.ph === "C");
    expect(counters.some((e) => e.name === "nic0 rx ring fill" && e.pid === DEVICES_PID && typeof e.args!.descriptors === "number")).toBe(true);
    expect(counters.some((e) => e.name === "softirq pending" && e.pid === CPU_PID_BASE && e.args!.mask === 8)).toBe(true);
    // Timestamps: microseconds with three decimals (ns precision), as written in the text.
    expect(text).toMatch(/"ts":\d+\.\d{3},/);
    expect(text).not.toMatch(/"ts":\d+\.\d{0,2}[,}]/);
    // Balanced slices, and every flow goes from a hardirq handler into a softirq.
    const r = replay(ev);
    expect(r.unbalanced).toBe(0);
    const nic = r.pairs.filter((p) => p.name.startsWith("irq 24: nic0"));
    expect(nic.length).toBeGreaterThan(10);
    for (const p of r.pairs) expect(p.from).toBe("hardirq");
    for (const p of nic) expect(p).toEqual({ from: "hardirq", to: "softirq", name: "irq 24: nic0 -> NET_RX" });
    expect(r.dangling).toBeLessThanOrEqual(1); // at most a packet still in flight at the end
    expect(report).toMatchObject({ format: "chrome", status: "written", unit: "events", dropped: 0, outside_window: 0 });
    expect(report.written).toBe(ev.filter((e) => e.ph !== "M").length);
    expect(json.otherData).toMatchObject({ scenario: "nic-basic", seed: 1, events_written: report.written });
  });

  test("NAPI: the flow runs from the IRQ that scheduled the poll to the NET_RX slice that polled", () => {
    const { json } = chrome("napi.json", { sets: ["devices.nic0.mode=napi"] });
    const r = replay(json.traceEvents);
    expect(r.unbalanced).toBe(0);
    const nic = r.pairs.filter((p) => p.name.startsWith("irq 24: nic0"));
    expect(nic.length).toBeGreaterThan(10);
    for (const p of nic) expect(p).toEqual({ from: "hardirq", to: "softirq", name: "irq 24: nic0 -> NET_RX" });
    expect(json.traceEvents.some((e) => e.ph === "i" && e.name === "napi_poll nic0")).toBe(true);
  });

  test("tasklet mode: tasklet slices nest in the TASKLET softirq and receive the flows", () => {
    const { json } = chrome("tasklet.json", { sets: ["devices.nic0.mode=tasklet"] });
    const r = replay(json.traceEvents);
    expect(r.unbalanced).toBe(0);
    const nic = r.pairs.filter((p) => p.name.startsWith("irq 24: nic0"));
    expect(nic.length).toBeGreaterThan(10);
    for (const p of nic) expect(p).toEqual({ from: "hardirq", to: "tasklet", name: "irq 24: nic0 -> TASKLET" });
  });

  test("window: events inside it only, slices crossing its edges cut there", () => {
    const { json, report } = chrome("win.json", { window: "1ms..2ms" });
    const ev = json.traceEvents.filter((e) => e.ph !== "M");
    for (const e of ev) {
      expect(e.ts!).toBeGreaterThanOrEqual(1000);
      expect(e.ts!).toBeLessThanOrEqual(2000);
    }
    expect(ev.some((e) => e.ts === 1000 && e.ph === "B")).toBe(true); // the running task, cut at the start
    // Only closing events sit on the window's end (slices still open there are cut).
    for (const e of ev.filter((x) => x.ts === 2000)) expect(e.ph).toBe("E");
    expect(report.outside_window).toBeGreaterThan(0);
    expect(replay(json.traceEvents).unbalanced).toBe(0);
  });

  test("limit: at most N events, still balanced and valid JSON", () => {
    const { json, report } = chrome("lim.json", { limit: 101 });
    const ev = json.traceEvents.filter((e) => e.ph !== "M");
    expect(ev.length).toBeLessThanOrEqual(101);
    expect(report.written).toBe(ev.length);
    expect(report.dropped).toBeGreaterThan(0);
    const r = replay(json.traceEvents);
    expect(r.unbalanced).toBe(0);
    expect(r.pairs.length).toBeGreaterThan(0);
  });

  test("same seed => byte-identical file; no temporary files left", () => {
    const a = chrome("d1.json").text;
    const b = chrome("d2.json").text;
    expect(a).toBe(b);
    expect(readdirSync(dir).filter((f) => f.includes("irqsim-"))).toEqual([]);
  });

  test("ts text is exact decimal microseconds from integer nanoseconds", () => {
    expect(chromeTs(0)).toBe("0.000");
    expect(chromeTs(1)).toBe("0.001");
    expect(chromeTs(1_234_567)).toBe("1234.567");
    expect(chromeTs(86_400_000_000_001)).toBe("86400000000.001");
  });
});
