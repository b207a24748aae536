/**
 * `run --svg` and `sweep --svg`: valid SVG (parsed by an XML parser, not compared as
 * strings), with the lanes, marks, axes and units the pictures promise, the marks
 * counted against what the run did; written atomically and byte-identical for one seed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DOMParser, type Document, type Element } from "@xmldom/xmldom";
import { afterAll, describe, expect, test } from "vitest";
import { cli } from "./helpers/cli.js";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { TP } from "../sim/trace.js";
import { TimelineCollector } from "../report/timeline.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-svg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses strictly: any XML error fails the test. */
export function parseSvg(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== "warning" && errors.push(msg)) }).parseFromString(text, "image/svg+xml");
  expect(errors).toEqual([]);
  const root = doc.documentElement!;
  expect(root.nodeName).toBe("svg");
  expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
  expect(Number(root.getAttribute("width"))).toBeGreaterThan(100);
  expect(Number(root.getAttribute("height"))).toBeGreaterThan(100);
  return doc;
}

const all = (doc: Document, tag: string): Element[] => Array.from(doc.getElementsByTagName(tag)) as Element[];
const texts = (doc: Document): string[] => all(doc, "text").map((t) => t.textContent ?? "");
/** The group Vega draws one layer's marks in (`class="mark-rect role-mark concat_0_layer_0_marks"`). */
const marks = (doc: Document, cls: RegExp): Element[] => {
  const g = all(doc, "g").filter((e) => cls.test(e.getAttribute("class") ?? ""));
  return g.flatMap((e) => Array.from(e.childNodes).filter((n): n is Element => n.nodeType === 1));
};

describe("run --svg", () => {
  test("a per-CPU timeline (lanes, IRQ marks, hand-off arrows) and a histogram per stage", async () => {
    const file = join(dir, "run.svg");
    const r = await cli(["run", "nic-basic", "--duration", "3ms", "--svg", file, "--svg-window", "0..1ms"]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, "utf8");
    const doc = parseSvg(text);
    const t = texts(doc);
    for (const lane of ["IRQ 24 asserted", "CPU0 hardirq", "CPU0 softirq", "CPU0 thread", "CPU0 idle", "CPU1 hardirq", "CPU1 idle"]) expect(t).toContain(lane);
    expect(t).toContain("simulated time (µs)");
    expect(t).toContain("latency (µs)");
    for (const stage of ["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]) expect(t.some((x) => x.startsWith(`${stage}: `))).toBe(true);

    // The same window collected directly: one bar per span, one ▼ per IRQ assert, one rule per hand-off.
    const sim = new Simulation(loadScenario("nic-basic", { sets: ["duration=3ms"] }).scenario);
    const col = new TimelineCollector(sim.sys, 0, 1_000_000);
    let entries = 0;
    let asserts = 0;
    sim.sys.k.trace.on((tp, time) => {
      if (time >= 1_000_000) return;
      if (tp === TP.irq_handler_entry) entries++;
      if (tp === TP.irq_assert) asserts++;
    });
    while (!sim.advance(1 << 20));
    const tl = col.finish(sim.now);
    expect(tl.spans.filter((s) => s.lane === "hardirq")).toHaveLength(entries);
    expect(tl.irqs).toHaveLength(asserts);
    expect(tl.handoffs.some((h) => h.kind === "softirq" && h.from.lane === "hardirq")).toBe(true);
    expect(tl.handoffs.some((h) => h.kind === "wakeup" && h.to.cpu === 1)).toBe(true);
    expect(marks(doc, /concat_0_layer_0_marks/)).toHaveLength(tl.spans.length);
    expect(marks(doc, /concat_0_layer_1_marks/)).toHaveLength(tl.irqs.length);
    expect(marks(doc, /concat_0_layer_2_marks/)).toHaveLength(tl.handoffs.length);
    expect(marks(doc, /concat_1_child_marks/).length).toBeGreaterThan(4); // histogram bars

    // Atomic (no temporary file left) and deterministic.
    expect(readdirSync(dir).filter((f) => f.includes("irqsim-tmp"))).toEqual([]);
    const again = join(dir, "run2.svg");
    await cli(["run", "nic-basic", "--duration", "3ms", "--svg", again, "--svg-window", "0..1ms"]);
    expect(readFileSync(again, "utf8")).toBe(text);
  });

  test("--svg-window without --svg or --html is bad input", async () => {
    const r = await cli(["run", "nic-basic", "--duration", "1ms", "--svg-window", "0..1ms"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("irqsim: --svg-window: needs --svg FILE or --html FILE\n");
    expect(existsSync(join(dir, "none.svg"))).toBe(false);
  });
});

describe("sweep --svg", () => {
  test("delivered vs offered: a line per mode, a point per run, error bars over seeds, labelled axes with units", async () => {
    const file = join(dir, "sweep.svg");
    const r = await cli([
      "sweep", "nic-basic", "--vary", "devices.nic0.mode=irq,napi", "--vary", "devices.nic0.traffic.rate=20000,80000",
      "--seeds", "2", "--duration", "2ms", "--jobs", "1", "--svg", file,
    ]);
    expect(r.code).toBe(0);
    const doc = parseSvg(readFileSync(file, "utf8"));
    const t = texts(doc);
    expect(t).toContain("devices.nic0.traffic.rate (packets/s)");
    expect(t).toContain("packets.delivered_pps (packets/s)");
    expect(t).toContain("mode=irq");
    expect(t).toContain("mode=napi");
    expect(marks(doc, / layer_0_marks$/)).toHaveLength(2); // one line per mode
    expect(marks(doc, / layer_2_marks$/)).toHaveLength(8); // 2 modes x 2 rates x 2 seeds
    expect(marks(doc, /layer_1_layer_2_marks/)).toHaveLength(4); // an error bar per mode and rate

    // merge --svg draws the same picture from the sweep's JSON Lines.
    const lines = join(dir, "sweep.jsonl");
    await cli(["sweep", "nic-basic", "--vary", "devices.nic0.mode=irq,napi", "--vary", "devices.nic0.traffic.rate=20000,80000", "--seeds", "2", "--duration", "2ms", "--jobs", "1", "--out", lines]);
    const merged = join(dir, "merged.svg");
    expect((await cli(["merge", lines, "--svg", merged])).code).toBe(0);
    expect(readFileSync(merged, "utf8")).toBe(readFileSync(file, "utf8"));
  });
});
