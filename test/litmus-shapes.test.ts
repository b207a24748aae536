/**
 * Each barrier's effect on the classic litmus shapes, as the LKMM states it
 * (tools/memory-model/Documentation/explanation.txt, recipes.txt, and the kernel's
 * litmus-tests/README): the shape without ordering is allowed, the right pair of
 * barriers forbids it, and a barrier of the wrong kind does not.
 */
import { describe, expect, test } from "vitest";
import { checkLitmus, parseLitmusText } from "../litmus/load.js";

/** Runs a test written inline; threads are bodies, parameters are every variable used. */
function observe(threads: string[], cond: string, init = "", vars = "int *x, int *y"): string {
  const procs = threads.map((body, i) => `P${i}(${vars})\n{\n\tint r0;\n\tint r1;\n${body}\n}\n`).join("\n");
  const o = checkLitmus(parseLitmusText(`C shape\n\n{${init}}\n\n${procs}\nexists (${cond})\n`, "shape.litmus"));
  return o.observation;
}

describe("MP: message passing", () => {
  const mp = (w: string, r: string): string =>
    observe([`WRITE_ONCE(*x, 1);\n${w}\nWRITE_ONCE(*y, 1);`, `r0 = READ_ONCE(*y);\n${r}\nr1 = READ_ONCE(*x);`], "1:r0=1 /\\ 1:r1=0");
  test("no ordering: allowed", () => expect(mp("", "")).toBe("Sometimes"));
  test("smp_wmb + smp_rmb: forbidden", () => expect(mp("smp_wmb();", "smp_rmb();")).toBe("Never"));
  test("smp_wmb alone: allowed", () => expect(mp("smp_wmb();", "")).toBe("Sometimes"));
  test("smp_rmb alone: allowed", () => expect(mp("", "smp_rmb();")).toBe("Sometimes"));
  test("smp_mb on both sides: forbidden", () => expect(mp("smp_mb();", "smp_mb();")).toBe("Never"));
  test("smp_rmb on the writer, smp_wmb on the reader (swapped): allowed", () => expect(mp("smp_rmb();", "smp_wmb();")).toBe("Sometimes"));
  test("release/acquire: forbidden", () => {
    const o = observe(["WRITE_ONCE(*x, 1);\nsmp_store_release(y, 1);", "r0 = smp_load_acquire(y);\nr1 = READ_ONCE(*x);"], "1:r0=1 /\\ 1:r1=0");
    expect(o).toBe("Never");
  });
  test("release without acquire: allowed", () => {
    const o = observe(["WRITE_ONCE(*x, 1);\nsmp_store_release(y, 1);", "r0 = READ_ONCE(*y);\nr1 = READ_ONCE(*x);"], "1:r0=1 /\\ 1:r1=0");
    expect(o).toBe("Sometimes");
  });
  test("a control dependency does not order two reads: allowed", () => {
    const o = observe(["WRITE_ONCE(*x, 1);\nsmp_wmb();\nWRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);\nif (r0)\n\tr1 = READ_ONCE(*x);"], "1:r0=1 /\\ 1:r1=0");
    expect(o).toBe("Sometimes");
  });
  test("an address dependency does order them (rcu_assign_pointer/rcu_dereference): forbidden", () => {
    const o = observe(
      ["WRITE_ONCE(*x, 1);\nrcu_assign_pointer(*p, x);", "int *r2;\nr2 = rcu_dereference(*p);\nr1 = READ_ONCE(*r2);"],
      "1:r2=x /\\ 1:r1=0",
      "p=z;",
      "int *x, int **p",
    );
    expect(o).toBe("Never");
  });
  test("the same publication with WRITE_ONCE instead of rcu_assign_pointer: allowed", () => {
    const o = observe(
      ["WRITE_ONCE(*x, 1);\nWRITE_ONCE(*p, x);", "int *r2;\nr2 = rcu_dereference(*p);\nr1 = READ_ONCE(*r2);"],
      "1:r2=x /\\ 1:r1=0",
      "p=z;",
      "int *x, int **p",
    );
    expect(o).toBe("Sometimes");
  });
  test("a lock around both sides: forbidden", () => {
    const o = observe(
      ["spin_lock(s);\nWRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);\nspin_unlock(s);", "spin_lock(s);\nr0 = READ_ONCE(*y);\nr1 = READ_ONCE(*x);\nspin_unlock(s);"],
      "1:r0=1 /\\ 1:r1=0",
      "",
      "int *x, int *y, spinlock_t *s",
    );
    expect(o).toBe("Never");
  });
});

describe("SB: store buffering", () => {
  const sb = (f: string): string => observe([`WRITE_ONCE(*x, 1);\n${f}\nr0 = READ_ONCE(*y);`, `WRITE_ONCE(*y, 1);\n${f}\nr0 = READ_ONCE(*x);`], "0:r0=0 /\\ 1:r0=0");
  test("no ordering: allowed", () => expect(sb("")).toBe("Sometimes"));
  test("smp_mb: forbidden", () => expect(sb("smp_mb();")).toBe("Never"));
  test("smp_wmb: allowed", () => expect(sb("smp_wmb();")).toBe("Sometimes"));
  test("smp_rmb: allowed", () => expect(sb("smp_rmb();")).toBe("Sometimes"));
  test("smp_mb on one side only: allowed", () => {
    const o = observe(["WRITE_ONCE(*x, 1);\nsmp_mb();\nr0 = READ_ONCE(*y);", "WRITE_ONCE(*y, 1);\nr0 = READ_ONCE(*x);"], "0:r0=0 /\\ 1:r0=0");
    expect(o).toBe("Sometimes");
  });
  test("release then acquire does not order a store before a load: allowed", () => {
    const o = observe(["smp_store_release(x, 1);\nr0 = smp_load_acquire(y);", "smp_store_release(y, 1);\nr0 = smp_load_acquire(x);"], "0:r0=0 /\\ 1:r0=0");
    expect(o).toBe("Sometimes");
  });
  test("xchg() is fully ordered: forbidden", () => {
    const o = observe(["r1 = xchg(x, 1);\nr0 = READ_ONCE(*y);", "r1 = xchg(y, 1);\nr0 = READ_ONCE(*x);"], "0:r0=0 /\\ 1:r0=0");
    expect(o).toBe("Never");
  });
  test("xchg_relaxed() is not: allowed", () => {
    const o = observe(["r1 = xchg_relaxed(x, 1);\nr0 = READ_ONCE(*y);", "r1 = xchg_relaxed(y, 1);\nr0 = READ_ONCE(*x);"], "0:r0=0 /\\ 1:r0=0");
    expect(o).toBe("Sometimes");
  });
  test("atomic_inc() + smp_mb__after_atomic(): forbidden; without the barrier: allowed", () => {
    const body = (f: string, a: string, b: string): string => `atomic_inc(${a});\n${f}\nr0 = atomic_read(${b});`;
    const vars = "atomic_t *x, atomic_t *y";
    expect(observe([body("smp_mb__after_atomic();", "x", "y"), body("smp_mb__after_atomic();", "y", "x")], "0:r0=0 /\\ 1:r0=0", "", vars)).toBe("Never");
    expect(observe([body("", "x", "y"), body("", "y", "x")], "0:r0=0 /\\ 1:r0=0", "", vars)).toBe("Sometimes");
  });
});

describe("LB: load buffering", () => {
  const lb = (f0: string, f1: string): string =>
    observe([`r0 = READ_ONCE(*x);\n${f0}\nWRITE_ONCE(*y, 1);`, `r0 = READ_ONCE(*y);\n${f1}\nWRITE_ONCE(*x, 1);`], "0:r0=1 /\\ 1:r0=1");
  test("no ordering: allowed", () => expect(lb("", "")).toBe("Sometimes"));
  test("smp_mb on both sides: forbidden", () => expect(lb("smp_mb();", "smp_mb();")).toBe("Never"));
  test("smp_mb on one side only: allowed", () => expect(lb("smp_mb();", "")).toBe("Sometimes"));
  test("smp_rmb orders only loads: allowed", () => expect(lb("smp_rmb();", "smp_rmb();")).toBe("Sometimes"));
  test("smp_wmb orders only stores: allowed", () => expect(lb("smp_wmb();", "smp_wmb();")).toBe("Sometimes"));
  test("control dependencies on both sides: forbidden", () => {
    const o = observe(["r0 = READ_ONCE(*x);\nif (r0)\n\tWRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);\nif (r0)\n\tWRITE_ONCE(*x, 1);"], "0:r0=1 /\\ 1:r0=1");
    expect(o).toBe("Never");
  });
  test("a store after the if is not control dependent: allowed", () => {
    const o = observe(["r0 = READ_ONCE(*x);\nif (r0)\n\tr1 = 1;\nWRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*y);\nif (r0)\n\tr1 = 1;\nWRITE_ONCE(*x, 1);"], "0:r0=1 /\\ 1:r0=1");
    expect(o).toBe("Sometimes");
  });
  test("acquire on one side, release on the other: forbidden", () => {
    const o = observe(["r0 = READ_ONCE(*x);\nsmp_store_release(y, 1);", "r0 = smp_load_acquire(y);\nWRITE_ONCE(*x, 1);"], "0:r0=1 /\\ 1:r0=1");
    expect(o).toBe("Never");
  });
});

describe("R, S and 2+2W: two non-rf links need strong fences", () => {
  test("R: allowed without barriers, forbidden with smp_mb on both sides, allowed with smp_wmb + smp_mb", () => {
    const r = (f0: string, f1: string): string =>
      observe([`WRITE_ONCE(*x, 1);\n${f0}\nWRITE_ONCE(*y, 1);`, `WRITE_ONCE(*y, 2);\n${f1}\nr0 = READ_ONCE(*x);`], "y=2 /\\ 1:r0=0");
    expect(r("", "")).toBe("Sometimes");
    expect(r("smp_mb();", "smp_mb();")).toBe("Never");
    expect(r("smp_wmb();", "smp_mb();")).toBe("Sometimes");
  });
  test("S: forbidden with smp_wmb + acquire or + a control dependency, allowed without either", () => {
    const s = (f0: string, p1: string): string => observe([`WRITE_ONCE(*x, 2);\n${f0}\nWRITE_ONCE(*y, 1);`, p1], "x=2 /\\ 1:r0=1");
    expect(s("", "r0 = READ_ONCE(*y);\nWRITE_ONCE(*x, 1);")).toBe("Sometimes");
    expect(s("smp_wmb();", "r0 = smp_load_acquire(y);\nWRITE_ONCE(*x, 1);")).toBe("Never");
    expect(s("smp_wmb();", "r0 = READ_ONCE(*y);\nif (r0)\n\tWRITE_ONCE(*x, 1);")).toBe("Never");
    expect(s("smp_wmb();", "r0 = READ_ONCE(*y);\nWRITE_ONCE(*x, 1);")).toBe("Sometimes");
    expect(s("", "r0 = smp_load_acquire(y);\nWRITE_ONCE(*x, 1);")).toBe("Sometimes");
  });
  test("2+2W: smp_wmb is not enough, smp_mb is", () => {
    const w = (f: string): string => observe([`WRITE_ONCE(*x, 1);\n${f}\nWRITE_ONCE(*y, 2);`, `WRITE_ONCE(*y, 1);\n${f}\nWRITE_ONCE(*x, 2);`], "x=1 /\\ y=1");
    expect(w("")).toBe("Sometimes");
    expect(w("smp_wmb();")).toBe("Sometimes");
    expect(w("smp_mb();")).toBe("Never");
  });
});

describe("coherence needs no barrier", () => {
  test("CoRR: two reads of one variable never go backwards", () => {
    expect(observe(["WRITE_ONCE(*x, 1);", "r0 = READ_ONCE(*x);\nr1 = READ_ONCE(*x);"], "1:r0=1 /\\ 1:r1=0")).toBe("Never");
  });
  test("CoWW: two writes of one thread land in program order", () => {
    expect(observe(["WRITE_ONCE(*x, 1);\nWRITE_ONCE(*x, 2);"], "x=1")).toBe("Never");
  });
  test("CoRW and CoWR", () => {
    expect(observe(["r0 = READ_ONCE(*x);\nWRITE_ONCE(*x, 1);", "WRITE_ONCE(*x, 2);"], "x=2 /\\ 0:r0=2")).toBe("Never");
    expect(observe(["WRITE_ONCE(*x, 1);\nr0 = READ_ONCE(*x);", "WRITE_ONCE(*x, 2);"], "x=1 /\\ 0:r0=2")).toBe("Never");
  });
  test("an RMW is atomic: two atomic_inc() never lose an update", () => {
    expect(observe(["atomic_inc(x);", "atomic_inc(x);"], "x=1", "", "atomic_t *x")).toBe("Never");
    expect(observe(["r0 = atomic_read(x);\natomic_set(x, r0 + 1);", "r0 = atomic_read(x);\natomic_set(x, r0 + 1);"], "x=1", "", "atomic_t *x")).toBe("Sometimes");
  });
});

describe("WRC and IRIW: cumulativity and multicopy atomicity", () => {
  const wrc = (f1: string, f2: string, store = "WRITE_ONCE(*y, 1);"): string =>
    observe(["WRITE_ONCE(*x, 1);", `r0 = READ_ONCE(*x);\n${f1}\n${store}`, `r0 = READ_ONCE(*y);\n${f2}\nr1 = READ_ONCE(*x);`], "1:r0=1 /\\ 2:r0=1 /\\ 2:r1=0");
  test("WRC: allowed without ordering", () => expect(wrc("", "")).toBe("Sometimes"));
  test("WRC: release is A-cumulative, so release + smp_rmb forbids it", () => expect(wrc("", "smp_rmb();", "smp_store_release(y, 1);")).toBe("Never"));
  test("WRC: smp_wmb is not A-cumulative (it does not order the read): allowed", () => expect(wrc("smp_wmb();", "smp_rmb();")).toBe("Sometimes"));
  test("WRC: smp_mb + smp_rmb forbids it", () => expect(wrc("smp_mb();", "smp_rmb();")).toBe("Never"));
  test("WRC: a data dependency is not cumulative: allowed", () => expect(wrc("", "smp_rmb();", "WRITE_ONCE(*y, r0);")).toBe("Sometimes"));

  const iriw = (f: string, load = "READ_ONCE"): string => {
    const rd = (a: string, b: string): string => `r0 = ${load}(${load === "READ_ONCE" ? "*" : ""}${a});\n${f}\nr1 = READ_ONCE(*${b});`;
    return observe(["WRITE_ONCE(*x, 1);", rd("x", "y"), "WRITE_ONCE(*y, 1);", rd("y", "x")], "1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0");
  };
  test("IRIW: allowed without ordering", () => expect(iriw("")).toBe("Sometimes"));
  test("IRIW: smp_rmb is not enough (LKMM is not multicopy atomic)", () => expect(iriw("smp_rmb();")).toBe("Sometimes"));
  test("IRIW: acquire loads are not enough", () => expect(iriw("", "smp_load_acquire")).toBe("Sometimes"));
  test("IRIW: smp_mb in both readers forbids it", () => expect(iriw("smp_mb();")).toBe("Never"));
});

describe("RCU", () => {
  const gp = (reader: string, updater: string): string =>
    observe([reader, updater], "1:r0=1 /\\ 1:r1=0");
  test("a read-side critical section cannot span a grace period", () => {
    expect(gp("rcu_read_lock();\nWRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);\nrcu_read_unlock();", "r0 = READ_ONCE(*x);\nsynchronize_rcu();\nr1 = READ_ONCE(*y);")).toBe("Never");
  });
  test("without synchronize_rcu() it can", () => {
    expect(gp("rcu_read_lock();\nWRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);\nrcu_read_unlock();", "r0 = READ_ONCE(*x);\nr1 = READ_ONCE(*y);")).toBe("Sometimes");
  });
  test("without the read-side critical section it can", () => {
    expect(gp("WRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);", "r0 = READ_ONCE(*x);\nsynchronize_rcu();\nr1 = READ_ONCE(*y);")).toBe("Sometimes");
  });
});
