import { describe, expect, test } from "vitest";
import { bareKernel, runUntil, testLine } from "./helpers/kernel.js";
import { IRQ_HANDLED } from "../sim/irq.js";
import {
  HI_SOFTIRQ,
  MAX_SOFTIRQ_RESTART,
  NET_RX_SOFTIRQ,
  Softirq,
  SOFTIRQ_NAMES,
  TASKLET_SOFTIRQ,
  TIMER_SOFTIRQ,
} from "../softirq/softirq.js";
import { ACCT_SOFTIRQ } from "../sim/cpu.js";
import { TP } from "../sim/trace.js";

describe("softirq vectors (include/linux/interrupt.h)", () => {
  test("ten vectors in the kernel's order", () => {
    expect(SOFTIRQ_NAMES).toEqual(["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]);
    expect(MAX_SOFTIRQ_RESTART).toBe(10);
  });
});

describe("__do_softirq at irq_exit", () => {
  test("a softirq raised by a top half runs right after it, lower vectors first", () => {
    const k = bareKernel();
    const s = new Softirq(k);
    const ran: string[] = [];
    s.openSoftirq(NET_RX_SOFTIRQ, function* () {
      ran.push(`NET_RX@${k.now}`);
      yield k.cpu(2_000);
    });
    s.openSoftirq(HI_SOFTIRQ, function* () {
      ran.push(`HI@${k.now}`);
      yield k.cpu(1_000);
    });
    testLine(k, 24, function* () {
      yield k.cpu(500);
      s.raiseSoftirq(NET_RX_SOFTIRQ);
      s.raiseSoftirq(HI_SOFTIRQ);
      return IRQ_HANDLED;
    }).assertAt(10_000);
    runUntil(k, 100_000);
    expect(ran).toEqual(["HI@10500", "NET_RX@11500"]);
    expect(s.stats.runsInline[0]).toBe(1);
    expect(s.stats.runsKsoftirqd[0]).toBe(0);
    expect(k.cpus[0]!.acct[ACCT_SOFTIRQ]).toBe(3_000);
  });

  test("an IRQ during a softirq is taken at once (IRQs are on) and does not run softirqs itself", () => {
    const k = bareKernel();
    const s = new Softirq(k);
    const log: string[] = [];
    s.openSoftirq(NET_RX_SOFTIRQ, function* () {
      log.push(`rx-start@${k.now}`);
      yield k.cpu(10_000);
      log.push(`rx-end@${k.now}`);
    });
    s.openSoftirq(TIMER_SOFTIRQ, function* () {
      log.push(`timer@${k.now}`);
    });
    testLine(k, 24, function* () {
      s.raiseSoftirq(NET_RX_SOFTIRQ);
      return IRQ_HANDLED;
    }).assertAt(0);
    testLine(k, 25, function* () {
      log.push(`irq25@${k.now}`);
      yield k.cpu(1_000);
      s.raiseSoftirq(TIMER_SOFTIRQ);
      return IRQ_HANDLED;
    }).assertAt(4_000);
    runUntil(k, 100_000);
    // The nested irq_exit sees in_interrupt() (serving softirq) and returns; the TIMER
    // bit is picked up by the restart check after NET_RX finishes.
    expect(log).toEqual(["rx-start@0", "irq25@4000", "rx-end@11000", "timer@11000"]);
  });

  test("MAX_SOFTIRQ_RESTART: a vector that keeps re-raising itself gets 10 passes, then ksoftirqd", () => {
    const k = bareKernel();
    const s = new Softirq(k);
    const passes: { t: number; ctx: string }[] = [];
    let remaining = 25;
    s.openSoftirq(NET_RX_SOFTIRQ, function* () {
      passes.push({ t: k.now, ctx: k.thisCpu.curr.comm });
      yield k.cpu(1_000);
      if (--remaining > 0) s.raiseSoftirq(NET_RX_SOFTIRQ);
    });
    testLine(k, 24, function* () {
      s.raiseSoftirq(NET_RX_SOFTIRQ);
      return IRQ_HANDLED;
    }).assertAt(50_000);
    runUntil(k, 1_000_000);
    const inline = passes.filter((p) => p.ctx === "swapper/0");
    expect(inline.length).toBe(MAX_SOFTIRQ_RESTART);
    expect(passes.slice(10).every((p) => p.ctx === "ksoftirqd/0")).toBe(true);
    expect(passes.length).toBe(25);
    // ksoftirqd's own __do_softirq obeys the same limit: the other 15 passes take two
    // rounds, so the restart limit is hit twice (at irq_exit, then in ksoftirqd's first).
    expect(s.stats.runsKsoftirqd[0]).toBe(2);
    expect(s.stats.deferredRestart[0]).toBe(2);
  });

  test("MAX_SOFTIRQ_TIME: at HZ=1000 passes stop once jiffies reach the start + 2", () => {
    const k = bareKernel({ hz: 1000 });
    const s = new Softirq(k);
    const inline: number[] = [];
    s.openSoftirq(NET_RX_SOFTIRQ, function* () {
      if (k.thisCpu.curr.idle) inline.push(k.now);
      yield k.cpu(400_000);
      s.raiseSoftirq(NET_RX_SOFTIRQ);
    });
    testLine(k, 24, function* () {
      s.raiseSoftirq(NET_RX_SOFTIRQ);
      return IRQ_HANDLED;
    }).assertAt(100_000); // jiffies 0: end = 2, i.e. 2,000,000 ns
    runUntil(k, 3_000_000);
    // Passes start at 0.1, 0.5, 0.9, 1.3, 1.7 ms; after the one ending at 2.1 ms,
    // time_before(jiffies, end) fails.
    expect(inline).toEqual([100_000, 500_000, 900_000, 1_300_000, 1_700_000]);
    expect(s.stats.deferredTime[0]).toBe(1);
    expect(s.maxSoftirqJiffies).toBe(2);
  });

  test("msecs_to_jiffies(2) rounds up: one jiffy at HZ=100 and HZ=250", () => {
    expect(new Softirq(bareKernel({ hz: 100 })).maxSoftirqJiffies).toBe(1);
    expect(new Softirq(bareKernel({ hz: 250 })).maxSoftirqJiffies).toBe(1);
    expect(new Softirq(bareKernel({ hz: 300 })).maxSoftirqJiffies).toBe(1);
  });
});

describe("raise_softirq outside interrupt context, local_bh_enable", () => {
  test("raised from a thread with BH enabled: ksoftirqd is woken and runs it", () => {
    const k = bareKernel({ costs: { wakeup: 1_000, context_switch: 500 } });
    const s = new Softirq(k);
    const ran: string[] = [];
    s.openSoftirq(TASKLET_SOFTIRQ, function* () {
      ran.push(`${k.thisCpu.curr.comm}@${k.now}`);
    });
    const wakeups: number[] = [];
    k.trace.on((tp, t, _c, pid) => {
      if (tp === TP.sched_wakeup && pid === s.ksoftirqd[0]!.pid) wakeups.push(t);
    });
    k.spawn({ comm: "raiser", cpu: 0, kernelThread: true }, function* () {
      yield k.cpu(10_000);
      s.raiseSoftirq(TASKLET_SOFTIRQ);
      yield k.sleep(1_000_000);
    });
    runUntil(k, 100_000);
    expect(ran.length).toBe(1);
    expect(ran[0]).toMatch(/^ksoftirqd\/0@/);
    expect(wakeups.at(-1)).toBeGreaterThanOrEqual(10_000);
  });

  test("raised with BH disabled: it runs inline at local_bh_enable, in the caller's context", () => {
    const k = bareKernel();
    const s = new Softirq(k);
    const ran: string[] = [];
    s.openSoftirq(TASKLET_SOFTIRQ, function* () {
      ran.push(`${k.thisCpu.curr.comm}@${k.now}`);
      yield k.cpu(300);
    });
    let after = -1;
    k.spawn({ comm: "bhuser", cpu: 0, kernelThread: true }, function* () {
      yield k.localBhDisable();
      yield k.cpu(1_000);
      s.raiseSoftirq(TASKLET_SOFTIRQ); // in_interrupt() is true: no ksoftirqd wake-up
      yield k.cpu(1_000);
      yield k.localBhEnable();
      after = k.now;
    });
    runUntil(k, 100_000);
    expect(ran).toEqual(["bhuser@2000"]);
    expect(after).toBe(2_300);
    expect(s.stats.runsInline[0]).toBe(1);
  });
});
