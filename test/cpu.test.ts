import { describe, expect, test } from "vitest";
import { bareKernel, runUntil, testLine } from "./helpers/kernel.js";
import { createEvent } from "../sim/engine.js";
import { ACCT_HARDIRQ, ACCT_IDLE, ACCT_SYSTEM, ACCT_USER } from "../sim/cpu.js";
import { IRQ_HANDLED, IRQ_NONE, IRQF_SHARED } from "../sim/irq.js";
import { HARDIRQ_OFFSET, inAtomic, inInterrupt, inServingSoftirq, SOFTIRQ_DISABLE_OFFSET, SOFTIRQ_OFFSET } from "../sim/preempt.js";
import { TP } from "../sim/trace.js";
import { createWaitQueue } from "../sim/waitqueue.js";

describe("preempt_count predicates (include/linux/preempt.h)", () => {
  test("fields and derived contexts", () => {
    expect(HARDIRQ_OFFSET).toBe(0x10000);
    expect(SOFTIRQ_OFFSET).toBe(0x100);
    expect(inInterrupt(HARDIRQ_OFFSET)).toBe(true);
    expect(inInterrupt(SOFTIRQ_DISABLE_OFFSET)).toBe(true); // BH disabled counts
    expect(inServingSoftirq(SOFTIRQ_DISABLE_OFFSET)).toBe(false);
    expect(inServingSoftirq(SOFTIRQ_OFFSET)).toBe(true);
    expect(inInterrupt(1)).toBe(false);
    expect(inAtomic(1)).toBe(true);
  });
});

describe("cpu(ns) segments and hardirq preemption", () => {
  test("a hardirq cuts a thread's segment short and it resumes with exactly the time left", () => {
    const k = bareKernel({ costs: { irq_entry: 300, irq_exit: 200 } });
    let doneAt = -1;
    k.spawn({ comm: "worker", cpu: 0, kernelThread: true }, function* () {
      yield k.cpu(10_000);
      doneAt = k.now;
    });
    const line = testLine(k, 30, function* () {
      yield k.cpu(1_000);
      return IRQ_HANDLED;
    });
    line.assertAt(3_000);
    runUntil(k, 50_000);
    // The thread starts at costs.wakeup = 0, runs 3000 ns, is interrupted for
    // 300 + 1000 + 200 ns, then finishes its remaining 7000 ns.
    expect(doneAt).toBe(10_000 + 1_500);
    const cpu = k.cpus[0]!;
    expect(cpu.acct[ACCT_HARDIRQ]).toBe(1_500);
    expect(cpu.acct[ACCT_SYSTEM]).toBe(10_000);
    expect(cpu.acct[ACCT_IDLE]).toBe(50_000 - 11_500);
  });

  test("user time is accounted as user, interrupts inside it as hardirq", () => {
    const k = bareKernel();
    k.spawn({ comm: "app", cpu: 0, kernelThread: false }, function* () {
      yield k.user(5_000);
      yield k.cpu(1_000);
    });
    testLine(k, 31, function* () {
      yield k.cpu(700);
      return IRQ_HANDLED;
    }).assertAt(2_000);
    runUntil(k, 10_000);
    const cpu = k.cpus[0]!;
    expect(cpu.acct[ACCT_USER]).toBe(5_000);
    expect(cpu.acct[ACCT_HARDIRQ]).toBe(700);
    expect(cpu.acct[ACCT_SYSTEM]).toBe(1_000);
    expect(cpu.acct.reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});

describe("hardirqs do not nest", () => {
  test("a line firing during another's handler is latched and delivered when the first returns", () => {
    const k = bareKernel();
    const entries: string[] = [];
    const a = testLine(k, 40, function* () {
      entries.push(`a@${k.now}`);
      yield k.cpu(5_000);
      return IRQ_HANDLED;
    });
    const b = testLine(k, 41, function* () {
      entries.push(`b@${k.now}`);
      yield k.cpu(1_000);
      return IRQ_HANDLED;
    });
    const latched: number[] = [];
    k.trace.on((tp, t, _cpu, irq) => {
      if (tp === TP.irq_latch) latched.push(irq, t);
    });
    a.assertAt(1_000);
    b.assertAt(2_000);
    runUntil(k, 20_000);
    expect(entries).toEqual(["a@1000", "b@6000"]);
    expect(latched).toEqual([41, 2_000]);
    expect(k.cpus[0]!.acct[ACCT_HARDIRQ]).toBe(6_000);
  });

  test("the same edge line asserted twice during its handler runs once more (IRR merges)", () => {
    const k = bareKernel();
    let runs = 0;
    const a = testLine(k, 42, function* () {
      runs++;
      yield k.cpu(5_000);
      return IRQ_HANDLED;
    });
    a.assertAt(0);
    a.assertAt(1_000);
    a.assertAt(2_000);
    runUntil(k, 20_000);
    expect(runs).toBe(2);
    expect(a.desc.asserts).toBe(3);
    expect(a.desc.delivered).toBe(2);
    expect(a.desc.merged).toBe(1);
  });

  test("local_irq_disable holds an IRQ until local_irq_enable", () => {
    const k = bareKernel();
    let entry = -1;
    k.spawn({ comm: "driver", cpu: 0, kernelThread: true }, function* () {
      yield k.localIrqDisable();
      yield k.cpu(8_000);
      yield k.localIrqEnable();
      yield k.cpu(1_000);
    });
    testLine(k, 43, function* () {
      entry = k.now;
      yield k.cpu(500);
      return IRQ_HANDLED;
    }).assertAt(3_000);
    runUntil(k, 20_000);
    expect(entry).toBe(8_000);
  });
});

describe("shared lines and masking", () => {
  test("every handler of a shared line runs; IRQ_NONE from all counts as unhandled", () => {
    const k = bareKernel();
    const desc = k.irq.setupLine(50, { chip: "IO-APIC", hwirq: 5, affinity: [0] });
    const calls: string[] = [];
    let mine = true;
    k.irq.requestIrq(50, function* () {
      calls.push("x");
      return IRQ_NONE;
    }, IRQF_SHARED, "x", null);
    k.irq.requestIrq(50, function* () {
      calls.push("y");
      return mine ? IRQ_HANDLED : IRQ_NONE;
    }, IRQF_SHARED, "y", null);
    expect(() => k.irq.requestIrq(50, function* () { return IRQ_NONE; }, 0, "z", null)).toThrow(/EBUSY/);
    k.engine.schedule(createEvent(() => k.irq.assert(desc)), 100);
    k.engine.schedule(createEvent(() => { mine = false; k.irq.assert(desc); }), 10_000);
    runUntil(k, 20_000);
    expect(calls).toEqual(["x", "y", "x", "y"]);
    expect(desc.unhandled).toBe(1);
  });

  test("an assert while masked is held and replayed on unmask", () => {
    const k = bareKernel();
    const entries: number[] = [];
    const line = testLine(k, 60, function* () {
      entries.push(k.now);
      return IRQ_HANDLED;
    });
    k.irq.disableIrq(line.desc);
    line.assertAt(1_000);
    line.assertAt(2_000);
    k.engine.schedule(createEvent(() => k.irq.enableIrq(line.desc)), 5_000);
    runUntil(k, 10_000);
    expect(entries).toEqual([5_000]);
    expect(line.desc.asserts).toBe(2);
    expect(line.desc.merged).toBe(1);
    expect(line.desc.delivered).toBe(1);
  });

  test("affinity picks the CPU that takes the line", () => {
    const k = bareKernel({ cpus: 2 });
    const line = testLine(k, 61, function* () {
      return IRQ_HANDLED;
    }, [1]);
    line.assertAt(10);
    runUntil(k, 100);
    k.irq.setAffinity(line.desc, [0, 1]);
    line.assertAt(200);
    runUntil(k, 300);
    expect(line.desc.kstat).toEqual([1, 1]);
  });
});

describe("sleeping in atomic context", () => {
  test("a top half that waits gets __might_resched's report, does not block, and it is rate-limited", () => {
    const k = bareKernel();
    const results: unknown[] = [];
    const wq = createWaitQueue("done");
    const line = testLine(k, 70, function* () {
      const slept = yield k.wait(wq);
      results.push(slept, k.now);
      return IRQ_HANDLED;
    });
    line.assertAt(5_000);
    line.assertAt(100_000); // within a second of the first: no second report
    runUntil(k, 200_000);
    expect(results).toEqual([false, 5_000, false, 100_000]);
    const log = k.dmesg.map((l) => l.text);
    // kernel/sched/completion.c:116 is wait_for_completion's might_sleep() in Linux 7.1.3.
    expect(log[0]).toBe("BUG: sleeping function called from invalid context at kernel/sched/completion.c:116");
    expect(log[1]).toBe("in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 0, name: swapper/0");
    expect(log[2]).toBe("preempt_count: 10000, expected: 0");
    expect(log.filter((l) => l.startsWith("BUG:")).length).toBe(1);
    expect(k.dmesgLines()[0]).toMatch(/^\[    0\.000005\] BUG: /);
  });

  test("waiting with BH disabled in a thread is reported with the thread's name and pid", () => {
    const k = bareKernel();
    let slept: unknown;
    const t = k.spawn({ comm: "mydrv", cpu: 0, kernelThread: true }, function* () {
      yield k.localBhDisable();
      slept = yield k.wait(createWaitQueue("q"));
      yield k.localBhEnable();
    });
    runUntil(k, 10_000);
    expect(slept).toBe(false);
    expect(k.dmesg[1]!.text).toBe(`in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: ${t.pid}, name: mydrv`);
    expect(k.dmesg[2]!.text).toBe("preempt_count: 200, expected: 0");
  });

  test("msleep in a top half has no might_sleep(): schedule() reports scheduling while atomic, every time", () => {
    const k = bareKernel();
    const line = testLine(k, 71, function* () {
      yield k.sleep(1_000_000);
      return IRQ_HANDLED;
    });
    line.assertAt(1_000);
    line.assertAt(2_000);
    runUntil(k, 10_000);
    // __schedule_bug prints preempt_count() after schedule() disabled preemption: +1.
    expect(k.dmesg.map((l) => l.text)).toEqual([
      "BUG: scheduling while atomic: swapper/0/0/0x00010001",
      "BUG: scheduling while atomic: swapper/0/0/0x00010001",
    ]);
  });

  test("the kernel log is a ring: old lines give way and are counted", () => {
    const k = bareKernel();
    for (let i = 0; i < 5_000; i++) k.printk(`line ${i} ${"x".repeat(40)}`);
    expect(k.dmesgDropped).toBeGreaterThan(0);
    expect(k.dmesg.at(-1)!.text).toMatch(/^line 4999 /);
    expect(k.dmesg.length + k.dmesgDropped).toBe(5_000);
  });

  test("in process context a sleep really sleeps", () => {
    const k = bareKernel();
    const times: number[] = [];
    k.spawn({ comm: "sleeper", cpu: 0, kernelThread: true }, function* () {
      times.push(k.now);
      const slept = yield k.sleep(50_000);
      times.push(slept ? k.now : -1);
    });
    runUntil(k, 100_000);
    expect(times).toEqual([0, 50_000]);
    expect(k.dmesg).toEqual([]);
  });
});
