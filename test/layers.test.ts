// The folder tree is the architecture (docs/ARCHITECTURE.md): every source folder sits on a
// layer, and a file may import only its own layer and the layers below. This test reads
// every import (static, `import type`, `export ... from`, dynamic `import()`) of every
// source file with TypeScript's own pre-processor and fails on an edge that runs upward
// or on an import cycle between folders.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Layer of each top-level source folder, lowest first. An import may go to the same or a
 * lower number; folders on one layer may import each other as long as no cycle forms.
 */
const LAYERS: Readonly<Record<string, { layer: number; role: string }>> = {
  sim: { layer: 0, role: "machine core: engine, clock, trace, CPUs, IRQ core, scheduler, memory model" },
  devices: { layer: 1, role: "hardware: rings, registers, coalescing timers, traffic" },
  softirq: { layer: 2, role: "kernel subsystem: softirqs, tasklets, timers" },
  net: { layer: 2, role: "kernel subsystem: the network stack" },
  workqueue: { layer: 2, role: "kernel subsystem: concurrency-managed workqueues" },
  runtimes: { layer: 2, role: "user-space runtimes (event loops, worker pools) on the kernel's threads" },
  drivers: { layer: 3, role: "the kernel's device drivers" },
  system: { layer: 4, role: "composition: scenario, boot, run, results, invariants, sweeps" },
  observe: { layer: 5, role: "observers and exporters: ftrace, Perfetto, /proc, snapshots" },
  litmus: { layer: 6, role: "application: LKMM litmus tests on the memory model" },
  lessons: { layer: 6, role: "application: the lessons" },
  bench: { layer: 6, role: "application: the benchmark" },
  report: { layer: 6, role: "application: pictures, the HTML report, trace.dat" },
  tui: { layer: 7, role: "front-end: the terminal dashboard" },
  cli: { layer: 8, role: "front-end: the command line" },
};

/** Folders that hold no product source (tests, build output, dependencies). */
const NOT_SOURCE = new Set(["test", "node_modules", "dist", "scenarios", "docs"]);

interface Edge {
  from: string;
  to: string;
  spec: string;
}

/** Every source file, repo-relative, with its text. */
function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (rel === "" && (NOT_SOURCE.has(e.name) || e.name.startsWith("."))) continue;
        walk(p);
      } else if (rel !== "" && /\.(ts|tsx|mts)$/.test(e.name)) {
        files.set(p, fs.readFileSync(path.join(root, p), "utf8"));
      }
    }
  };
  walk("");
  return files;
}

/** The relative imports of every file, resolved to repo-relative targets. */
function importEdges(files: Map<string, string>): Edge[] {
  const edges: Edge[] = [];
  for (const [file, text] of files) {
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith(".")) continue; // a package or node: builtin
      const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      edges.push({ from: file, to, spec });
    }
  }
  return edges;
}

const folderOf = (p: string): string => p.split("/")[0]!;

/** One line per violation: unknown folders, upward edges, cycles between folders. */
function layerViolations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const folder of new Set([...files.keys()].map(folderOf))) {
    if (LAYERS[folder] === undefined) out.push(`${folder}/ is on no layer: add it to LAYERS in test/layers.test.ts and docs/ARCHITECTURE.md`);
  }
  const graph = new Map<string, Set<string>>();
  for (const e of importEdges(files)) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (e.to.startsWith("..")) {
      out.push(`${e.from}: import "${e.spec}" leaves the repository`);
      continue;
    }
    if (a === b) continue;
    const la = LAYERS[a];
    const lb = LAYERS[b];
    if (la === undefined || lb === undefined) continue; // reported above
    if (lb.layer > la.layer) out.push(`${e.from}: import "${e.spec}" runs upward (${a}/ layer ${la.layer} -> ${b}/ layer ${lb.layer})`);
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  }
  for (const cycle of folderCycles(graph)) out.push(`folders import each other in a cycle: ${cycle.join(", ")}`);
  return out;
}

/** Strongly connected components of more than one folder (Tarjan), each sorted. */
function folderCycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

/**
 * Files past 460 lines ("~450": a few lines over is the same file) whose header comment
 * does not say "Over 450 lines because ...".
 */
function unexplainedLongFiles(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, text] of files) {
    if (text.split("\n").length - 1 <= 460) continue;
    const header = text.slice(0, text.indexOf("*/") + 2);
    if (!/Over 450 lines because/.test(header)) out.push(file);
  }
  return out;
}

describe("layers: the folder tree is the architecture", () => {
  const sources = readSources(ROOT);

  it("reads the whole tree: every layer's folder has source files", () => {
    const folders = new Set([...sources.keys()].map(folderOf));
    for (const folder of Object.keys(LAYERS)) expect(folders.has(folder), folder).toBe(true);
    expect(sources.size).toBeGreaterThan(100);
  });

  it("no import runs upward and no folders import each other in a cycle", () => {
    expect(layerViolations(sources)).toEqual([]);
  });

  it("sim/ imports only sim/ and packages; devices/ imports no kernel subsystem", () => {
    const edges = importEdges(sources);
    const outOfSim = edges.filter((e) => folderOf(e.from) === "sim" && folderOf(e.to) !== "sim");
    expect(outOfSim).toEqual([]);
    const devices = edges.filter((e) => folderOf(e.from) === "devices" && !["sim", "devices"].includes(folderOf(e.to)));
    expect(devices).toEqual([]);
  });

  it("no source file is much over 450 lines without saying at its top why", () => {
    expect(unexplainedLongFiles(sources)).toEqual([]);
    const planted = new Map(sources);
    planted.set("sim/long.ts", `/** A file. */\n${"export const x = 1;\n".repeat(500)}`);
    planted.set("sim/long_ok.ts", `/**\n * Over 450 lines because it must be.\n */\n${"export const x = 1;\n".repeat(500)}`);
    expect(unexplainedLongFiles(planted)).toEqual(["sim/long.ts"]);
  });

  it("fails when a core file imports the CLI", () => {
    const planted = new Map(sources);
    planted.set("sim/engine.ts", `import "../cli/main.js";\n${sources.get("sim/engine.ts")!}`);
    const found = layerViolations(planted);
    expect(found[0]).toBe('sim/engine.ts: import "../cli/main.js" runs upward (sim/ layer 0 -> cli/ layer 8)');
    // cli/ imports everything, so the planted edge also closes a cycle through every folder.
    expect(found.slice(1)).toEqual([`folders import each other in a cycle: ${Object.keys(LAYERS).sort().join(", ")}`]);
  });

  it("fails on a type-only or dynamic upward import, and on hardware importing a subsystem", () => {
    const planted = new Map(sources);
    planted.set("sim/trace.ts", `import type { System } from "../system/boot.js";\n${sources.get("sim/trace.ts")!}`);
    planted.set("sim/rng.ts", `${sources.get("sim/rng.ts")!}\nexport const later = () => import("../observe/ftrace.js");\n`);
    planted.set("devices/rss.ts", `import { NET_RX_SOFTIRQ } from "../softirq/softirq.js";\n${sources.get("devices/rss.ts")!}`);
    const found = layerViolations(planted);
    expect(found.filter((v) => v.includes("runs upward")).sort()).toEqual([
      'devices/rss.ts: import "../softirq/softirq.js" runs upward (devices/ layer 1 -> softirq/ layer 2)',
      'sim/rng.ts: import "../observe/ftrace.js" runs upward (sim/ layer 0 -> observe/ layer 5)',
      'sim/trace.ts: import "../system/boot.js" runs upward (sim/ layer 0 -> system/ layer 4)',
    ]);
  });

  it("fails on a new cycle between folders of one layer, and on a folder on no layer", () => {
    const planted = new Map(sources);
    planted.set("softirq/tasklet.ts", `import "../net/dev.js";\n${sources.get("softirq/tasklet.ts")!}`);
    planted.set("extras/x.ts", `export const x = 1;\n`);
    expect(layerViolations(planted)).toEqual([
      "extras/ is on no layer: add it to LAYERS in test/layers.test.ts and docs/ARCHITECTURE.md",
      "folders import each other in a cycle: net, softirq",
    ]);
  });
});
