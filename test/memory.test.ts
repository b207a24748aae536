/**
 * The simulation-mode memory model (sim/memory.ts). Two kinds of reference:
 *  - the kernel's litmus tests (test/litmus), run on the model with random interleavings:
 *    every final state it produces must be one the LKMM allows (the enumerator's verdict,
 *    itself checked against the tests' `Result:` lines in litmus.test.ts), and the classic
 *    shapes the LKMM allows must actually show up, except the ones the model never
 *    produces by construction (LB and S: it has no load buffering and appends stores in
 *    coherence order);
 *  - the descriptor-ring protocol of Documentation/memory-barriers.txt (dma_rmb/wmb), and
 *    the missing-barrier scenario over seeds 1..20.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { loadLitmus, parseLitmusText } from "../litmus/load.js";
import { runLitmus } from "../litmus/outcome.js";
import { simulateLitmus } from "../litmus/simulate.js";
import { formatValue } from "../litmus/values.js";
import { ACQUIRE, Memory, RELEASE, type MemoryConfig } from "../sim/memory.js";
import { Rng } from "../sim/rng.js";
import { loadScenario } from "../system/scenario_files.js";
import { runScenario } from "../system/run.js";

const ROOT = fileURLToPath(new URL("./litmus", import.meta.url));

function litmusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((d) => (d.isDirectory() ? litmusFiles(join(dir, d.name)) : d.name.endsWith(".litmus") ? [join(dir, d.name)] : []))
    .sort();
}

/** Shapes the LKMM allows but this operational model never produces (see sim/memory.ts). */
const NEVER_PRODUCED = new Set(["LB+poonceonces.litmus", "S+poonceonces.litmus"]);

describe("the simulation model against the LKMM on the kernel's litmus tests", () => {
  for (const file of litmusFiles(ROOT)) {
    const name = file.slice(ROOT.length + 1);
    test(name, () => {
      const t = loadLitmus(file);
      const herd = runLitmus(t);
      const allowed = new Set(herd.states.map((v) => v.map(formatValue).join("; ")));
      const sim = simulateLitmus(t, { runs: 1500, seed: 1, weakness: 0.5 });
      expect(sim.stuck).toBe(0);
      for (const state of sim.states.keys()) expect(allowed, `simulated state ${state} is forbidden by the LKMM`).toContain(state);
      if (herd.observation === "Never") expect(sim.positive).toBe(0);
      else if (!NEVER_PRODUCED.has(name)) expect(sim.positive, "an allowed outcome the simulation should show").toBeGreaterThan(0);
      else expect(sim.positive).toBe(0);
    });
  }
});

/** A two-thread shape; each thread may use registers r0 and r1. */
function shape(name: string, p0: string, p1: string, cond: string, vars = "int *x, int *y"): string {
  return `C ${name}\n{}\nP0(${vars}) {\nint r0; int r1;\n${p0}\n}\nP1(${vars}) {\nint r0; int r1;\n${p1}\n}\nexists (${cond})\n`;
}

function observed(text: string, weakness = 0.5): number {
  return simulateLitmus(parseLitmusText(text, "inline.litmus"), { runs: 1500, seed: 7, weakness }).positive;
}

describe("each barrier on the classic shapes", () => {
  const mp = (w: string, r: string): string =>
    shape("MP", `WRITE_ONCE(*x, 1); ${w} WRITE_ONCE(*y, 1);`, `r0 = READ_ONCE(*y); ${r} r1 = READ_ONCE(*x);`, "1:r0=1 /\\ 1:r1=0");
  test("MP: stale data without barriers, with only one side's, never with wmb+rmb, release/acquire or mb", () => {
    expect(observed(mp("", ""))).toBeGreaterThan(0);
    expect(observed(mp("smp_wmb();", ""))).toBeGreaterThan(0);
    expect(observed(mp("", "smp_rmb();"))).toBeGreaterThan(0);
    expect(observed(mp("smp_wmb();", "smp_rmb();"))).toBe(0);
    expect(observed(mp("smp_mb();", "smp_mb();"))).toBe(0);
    const relacq = shape("MP+relacq", "WRITE_ONCE(*x, 1); smp_store_release(y, 1);", "r0 = smp_load_acquire(y); r1 = READ_ONCE(*x);", "1:r0=1 /\\ 1:r1=0");
    expect(observed(relacq)).toBe(0);
  });

  test("MP under sequential consistency (weakness 0): never", () => {
    expect(observed(mp("", ""), 0)).toBe(0);
  });

  test("SB: both loads stale without fences and with wmb/rmb; never with smp_mb on both sides", () => {
    const sb = (f: string): string => shape("SB", `WRITE_ONCE(*x, 1); ${f} r0 = READ_ONCE(*y);`, `WRITE_ONCE(*y, 1); ${f} r1 = READ_ONCE(*x);`, "0:r0=0 /\\ 1:r1=0");
    expect(observed(sb(""))).toBeGreaterThan(0);
    expect(observed(sb("smp_wmb(); smp_rmb();"))).toBeGreaterThan(0);
    expect(observed(sb("smp_mb();"))).toBe(0);
  });

  test("CoRR: two loads of one location never go backwards, barriers or not", () => {
    const corr = shape("CoRR", "WRITE_ONCE(*x, 1);", "r0 = READ_ONCE(*x); r1 = READ_ONCE(*x);", "1:r0=1 /\\ 1:r1=0");
    expect(observed(corr)).toBe(0);
  });

  test("2+2W: never produced (stores are appended in coherence order)", () => {
    const w = shape("2+2W", "WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 2);", "WRITE_ONCE(*y, 1); WRITE_ONCE(*x, 2);", "x=1 /\\ y=1");
    expect(observed(w)).toBe(0);
  });

  test("an address dependency orders the dependent load (rcu_dereference after rcu_assign_pointer)", () => {
    const dep = `C MP+dep\n{ p=z; }\nP0(int *x, int **p) {\nWRITE_ONCE(*x, 1);\nrcu_assign_pointer(*p, x);\n}\nP1(int *x, int **p) {\nint *r0; int r1;\nrcu_read_lock();\nr0 = rcu_dereference(*p);\nr1 = READ_ONCE(*r0);\nrcu_read_unlock();\n}\nexists (1:r0=x /\\ 1:r1=0)\n`;
    expect(observed(dep)).toBe(0);
    const nodep = `C MP+nodep\n{ p=z; }\nP0(int *x, int **p) {\nWRITE_ONCE(*x, 1);\nWRITE_ONCE(*p, x);\n}\nP1(int *x, int **p) {\nint *r0; int r1;\nr0 = READ_ONCE(*p);\nr1 = READ_ONCE(*x);\n}\nexists (1:r0=x /\\ 1:r1=0)\n`;
    expect(observed(nodep)).toBeGreaterThan(0);
  });
});

/** One CPU (agent 0) and one device (agent 1) on a model that is as weak as allowed. */
function ring(config: Partial<MemoryConfig> = {}): { mem: Memory; cpu: number; dev: number; clock: { now: number } } {
  const clock = { now: 0 };
  const stream = new Rng(3).stream("memory");
  const mem = new Memory(clock, { model: "lkmm", weakness: 1, window: 1_000, ...config }, () => stream, 2);
  return { mem, clock, cpu: mem.addAgent("CPU0", false), dev: mem.addAgent("nic0", true) };
}

describe("the descriptor ring's barriers (memory-barriers.txt, dma_rmb/wmb)", () => {
  test("without dma_rmb a CPU that sees DD may read the buffer's old contents; with it, never", () => {
    for (const barrier of [false, true]) {
      const { mem, clock, cpu, dev } = ring();
      const buf = mem.alloc("buf");
      const dd = mem.alloc("status");
      let stale = 0;
      for (let pkt = 1; pkt <= 200; pkt++) {
        clock.now += 100;
        mem.write(buf, pkt, dev);
        mem.write(dd, pkt, dev); // the status names the packet, so the test knows which DD it saw
        clock.now += 50;
        // DD may still read 0 (the DMA not visible yet): the driver stops there.
        const done = mem.read(dd, cpu);
        if (done === 0) continue;
        if (barrier) mem.rmb(cpu);
        if (mem.read(buf, cpu) < done) stale++;
        mem.write(dd, 0, cpu);
      }
      if (barrier) expect(stale).toBe(0);
      else expect(stale).toBeGreaterThan(0);
    }
  });

  test("without wmb the device may fetch the old buffer address after the doorbell; with it, never", () => {
    for (const barrier of [false, true]) {
      const { mem, clock, cpu, dev } = ring();
      const addr = mem.alloc("addr");
      const tail = mem.alloc("tail");
      let stale = 0;
      for (let gen = 1; gen <= 200; gen++) {
        clock.now += 100;
        mem.write(addr, gen, cpu);
        if (barrier) mem.wmb(cpu);
        mem.write(tail, gen, cpu);
        clock.now += 20;
        mem.readRegister(tail, dev);
        if (mem.read(addr, dev) !== gen) stale++;
      }
      if (barrier) expect(stale).toBe(0);
      else expect(stale).toBeGreaterThan(0);
    }
  });

  test("a store older than the window is visible to everyone", () => {
    const { mem, clock, cpu, dev } = ring({ window: 500 });
    const buf = mem.alloc("buf");
    for (let pkt = 1; pkt <= 100; pkt++) {
      mem.write(buf, pkt, dev);
      clock.now += 501;
      expect(mem.read(buf, cpu)).toBe(pkt);
    }
  });

  test("sc: every load returns the newest store", () => {
    const { mem, clock, cpu, dev } = ring({ model: "sc" });
    const buf = mem.alloc("buf");
    for (let pkt = 1; pkt <= 100; pkt++) {
      mem.write(buf, pkt, dev);
      clock.now += 1;
      expect(mem.read(buf, cpu)).toBe(pkt);
    }
    expect(mem.counters.stale).toBe(0);
  });

  test("release/acquire and spinlocks publish everything before them", () => {
    const { mem, clock, cpu, dev } = ring();
    const data = mem.alloc("data");
    const flag = mem.alloc("flag");
    const lock = mem.alloc("lock");
    for (let i = 1; i <= 100; i++) {
      clock.now += 10;
      mem.write(data, i, dev);
      mem.write(flag, i, dev, RELEASE);
      if (mem.read(flag, cpu, ACQUIRE) === i) expect(mem.read(data, cpu)).toBe(i);
      mem.spinLock(lock, cpu);
      mem.write(data, -i, cpu);
      mem.spinUnlock(lock, cpu);
      mem.spinLock(lock, dev);
      expect(mem.read(data, dev)).toBe(-i);
      mem.spinUnlock(lock, dev);
    }
  });
});

describe("missing-barrier over seeds 1..20", () => {
  const run = (seed: number, sets: string[]): number => {
    const { scenario } = loadScenario("missing-barrier", { sets: [...sets, `seed=${seed}`, "duration=20ms"] });
    const r = runScenario(scenario);
    expect(r.invariants.ok).toBe(true);
    if (r.packets.corrupt > 0) {
      const first = r.memory.corrupt[0]!;
      expect(first.seed).toBe(seed);
      expect(first.cpu).toMatch(/^(CPU\d+|nic0)$/);
      expect(first.first).toMatch(/^[RW] nic0\.rx0/);
      expect(first.missing).toMatch(/dma_rmb\(\)|wmb\(\)/);
    }
    expect(r.memory.corrupt.length).toBe(Math.min(r.packets.corrupt, 20));
    return r.packets.corrupt;
  };
  const seeds = Array.from({ length: 20 }, (_, i) => i + 1);

  test("barriers on: zero corrupt packets, under lkmm and under sc", () => {
    for (const seed of seeds) {
      expect(run(seed, ["devices.nic0.barriers=true"])).toBe(0);
      expect(run(seed, ["devices.nic0.barriers=true", "kernel.memory=sc"])).toBe(0);
    }
  });

  test("barriers off: corrupt packets on some seeds under lkmm, none under sc", () => {
    const lkmm = seeds.map((s) => run(s, []));
    expect(lkmm.some((n) => n > 0)).toBe(true);
    for (const seed of seeds) expect(run(seed, ["kernel.memory=sc"])).toBe(0);
  });

  test("the same seed gives the same corrupt packets", () => {
    const a = runScenario(loadScenario("missing-barrier", { sets: ["seed=5", "duration=10ms"] }).scenario);
    const b = runScenario(loadScenario("missing-barrier", { sets: ["seed=5", "duration=10ms"] }).scenario);
    expect(b.memory).toEqual(a.memory);
    expect(b.fingerprint).toBe(a.fingerprint);
  });
});

describe("per-agent staleness streams", () => {
  // ARCHITECTURE.md section 2: adding a device must not change the draws another device sees. Each
  // memory agent (CPU, DMA engine) draws from its own stream, so a NIC added on another CPU
  // leaves nic0's ring, its polls and its corrupt packets exactly as they were.
  test("a NIC added on CPU2 changes nothing about nic0 in missing-barrier", () => {
    const nic1 = "devices.nic1={type: nic, irq: 30, affinity: [2], mode: napi, barriers: false, traffic: {kind: poisson, rate: 50000, size: 1500}}";
    for (const seed of [1, 2]) {
      const run = (sets: string[]) => {
        const { scenario } = loadScenario("missing-barrier", { sets: ["cpus=3", "duration=20ms", ...sets] });
        scenario.seed = seed;
        const r = runScenario(scenario);
        return { nic0: r.devices.nic0, napi: r.napi[0], softnet0: r.softnet[0], corrupt: r.memory.corrupt.filter((c) => c.device === "nic0"), delivered: r.packets.delivered };
      };
      const alone = run([]);
      const withNic1 = run([nic1]);
      expect(alone.corrupt.length).toBeGreaterThan(0);
      expect(withNic1).toEqual(alone);
    }
  });
});
