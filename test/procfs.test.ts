// Byte-exact checks of the procfs formatters against Linux 7.1.3. Every expected string is
// written out by hand from the kernel format strings quoted beside it, not produced by
// the code under test.
import { describe, expect, it } from "vitest";
import {
  formatProcInterrupts,
  formatProcSoftirqs,
  formatProcStat,
  formatSoftnetStat,
  interruptsPrecision,
  nsecToClockT,
  NR_SOFTIRQS,
  SOFTIRQ_NAMES,
  type ProcInterruptsRow,
  type ProcStatCpuTimes,
} from "../observe/procfs.js";

describe("/proc/interrupts (kernel/irq/proc.c show_interrupts)", () => {
  it("computes prec: for (prec = 3, j = 1000; prec < 10 && j <= nr_irqs; ++prec) j *= 10;", () => {
    expect(interruptsPrecision(0)).toBe(3);
    expect(interruptsPrecision(999)).toBe(3);
    expect(interruptsPrecision(1000)).toBe(4);
    expect(interruptsPrecision(9999)).toBe(4);
    expect(interruptsPrecision(10000)).toBe(5);
    expect(interruptsPrecision(Number.MAX_SAFE_INTEGER)).toBe(10);
  });

  it("formats 2 CPUs with prec 3 (nr_irqs < 1000) and hides rows without an action", () => {
    const rows: ProcInterruptsRow[] = [
      // Given out of order: the kernel walks IRQ numbers upwards.
      { irq: 9, perCpu: [0, 0], chip: "IO-APIC", hwirq: 9, level: true, handlerName: "fasteoi", actions: ["acpi"] },
      { irq: 0, perCpu: [36, 0], chip: "IO-APIC", hwirq: 2, level: false, handlerName: "edge", actions: ["timer"] },
      { irq: 1, perCpu: [0, 9], chip: "IO-APIC", hwirq: 1, level: false, handlerName: "edge", actions: ["i8042"] },
      // No action: `if (!desc->action || ...) return 0;` -> not shown even with counts.
      { irq: 7, perCpu: [5, 5], chip: "IO-APIC", hwirq: 7, level: false, handlerName: "edge", actions: [] },
    ];
    // Header: "%*s" with prec + 8 = 11, then "CPU%-8d" per CPU, then '\n'.
    // Row: "%*d:" | " %10u" per CPU | ' ' | "%8s" chip | " %*lu" hwirq | "-%-8s" name |
    //      "  %s" first action | '\n'   (x86: no GENERIC_IRQ_SHOW_LEVEL column)
    const expected =
      "           CPU0       CPU1       \n" +
      "  0:         36          0  IO-APIC   2-edge      timer\n" +
      "  1:          0          9  IO-APIC   1-edge      i8042\n" +
      "  9:          0          0  IO-APIC   9-fasteoi   acpi\n";
    expect(formatProcInterrupts(2, 256, rows)).toBe(expected);
  });

  it("formats 4 CPUs with an irq >= 1000 (prec widens to 4), no domain, shared actions", () => {
    const rows: ProcInterruptsRow[] = [
      { irq: 0, perCpu: [46, 0, 0, 0], chip: "IO-APIC", hwirq: 2, level: false, handlerName: "edge", actions: ["timer"] },
      // No domain: seq_printf(p, " %*s", prec, "") -> 1 + prec spaces; desc->name NULL -> nothing.
      { irq: 24, perCpu: [1, 2, 3, 4], chip: "dummy", hwirq: null, level: false, handlerName: null, actions: ["a", "b"] },
      // A chip name longer than 8 is printed whole by "%8s".
      {
        irq: 1000,
        perCpu: [0, 123456, 0, 7],
        chip: "PCI-MSIX-0000:00:1f.6",
        hwirq: 0,
        level: false,
        handlerName: "edge",
        actions: ["eno1"],
      },
    ];
    const expected =
      "            CPU0       CPU1       CPU2       CPU3       \n" +
      "   0:         46          0          0          0  IO-APIC    2-edge      timer\n" +
      "  24:          1          2          3          4    dummy       a, b\n" +
      "1000:          0     123456          0          7 PCI-MSIX-0000:00:1f.6    0-edge      eno1\n";
    expect(formatProcInterrupts(4, 1096, rows)).toBe(expected);
  });

  it("adds the Level/Edge column only with GENERIC_IRQ_SHOW_LEVEL (arm64-style row)", () => {
    const rows: ProcInterruptsRow[] = [
      { irq: 3, perCpu: [8053], chip: "GICv3", hwirq: 27, level: true, handlerName: null, actions: ["arch_timer"] },
      { irq: 10, perCpu: [0], chip: "GICv3", hwirq: 48, level: false, handlerName: null, actions: ["ACPI:Ged"] },
    ];
    // seq_printf(p, " %-8s", irqd_is_level_type(&desc->irq_data) ? "Level" : "Edge");
    const expected =
      "           CPU0       \n" +
      "  3:       8053    GICv3  27 Level     arch_timer\n" +
      " 10:          0    GICv3  48 Edge      ACPI:Ged\n";
    expect(formatProcInterrupts(1, 64, rows, { showLevel: true })).toBe(expected);
  });

  it("wraps per-CPU counts like the kernel's unsigned int", () => {
    const rows: ProcInterruptsRow[] = [
      { irq: 1, perCpu: [2 ** 32 + 5], chip: "IO-APIC", hwirq: 1, level: false, handlerName: "edge", actions: ["x"] },
    ];
    expect(formatProcInterrupts(1, 16, rows)).toBe("           CPU0       \n  1:          5  IO-APIC   1-edge      x\n");
  });

  it("rejects rows the kernel could not print", () => {
    const row: ProcInterruptsRow = { irq: 5, perCpu: [1], chip: "c", hwirq: 5, level: false, handlerName: "edge", actions: ["a"] };
    expect(() => formatProcInterrupts(2, 16, [row])).toThrow(RangeError);
    expect(() => formatProcInterrupts(1, 5, [row])).toThrow(RangeError);
    expect(() => formatProcInterrupts(1, 16, [row, row])).toThrow(RangeError);
  });
});

describe("/proc/softirqs (fs/proc/softirqs.c show_softirqs)", () => {
  it("exports softirq_to_name in vector order", () => {
    expect(SOFTIRQ_NAMES).toEqual(["HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU"]);
    expect(NR_SOFTIRQS).toBe(10);
  });

  it("prints a 20-space header then %12s: and ' %10u' per CPU", () => {
    const counts = Array.from({ length: 10 }, () => [0, 0]);
    counts[0] = [1, 0];
    counts[1] = [123, 4567];
    counts[3] = [1000000, 42];
    // seq_puts(p, "                    "); then "CPU%-8d"; rows "%12s:" + " %10u" per CPU.
    const expected =
      "                    CPU0       CPU1       \n" +
      "          HI:          1          0\n" +
      "       TIMER:        123       4567\n" +
      "      NET_TX:          0          0\n" +
      "      NET_RX:    1000000         42\n" +
      "       BLOCK:          0          0\n" +
      "    IRQ_POLL:          0          0\n" +
      "     TASKLET:          0          0\n" +
      "       SCHED:          0          0\n" +
      "     HRTIMER:          0          0\n" +
      "         RCU:          0          0\n";
    const out = formatProcSoftirqs(counts, 2);
    expect(out).toBe(expected);
    expect(out.startsWith(" ".repeat(20) + "CPU0")).toBe(true);
    expect(out.indexOf("CPU0")).toBe(20);
  });
});

describe("/proc/stat (fs/proc/stat.c show_stat)", () => {
  it("converts with nsec_to_clock_t at USER_HZ 100 (truncating division by 10,000,000)", () => {
    expect(nsecToClockT(0)).toBe(0);
    expect(nsecToClockT(9_999_999)).toBe(0);
    expect(nsecToClockT(10_000_000)).toBe(1);
    expect(nsecToClockT(19_999_999)).toBe(1);
    expect(nsecToClockT(20_000_000)).toBe(2);
  });

  it("prints 'cpu  ' (two spaces) from summed ns, then cpuN lines, intr, ctxt..., softirq", () => {
    const zero: ProcStatCpuTimes = {
      user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0,
    };
    const cpu0 = { ...zero, user: 19_999_999, system: 5_000_000, idle: 1_000_000_000, irq: 10_000_000, softirq: 9_999_999 };
    const cpu1 = { ...zero, user: 5_000_000, system: 5_000_000, idle: 2_500_000_000, iowait: 15_000_000, softirq: 20_000_001 };
    // seq_put_decimal_ull(p, "cpu  ", nsec_to_clock_t(user)); ... " %llu" x9; '\n'
    // Aggregate = nsec_to_clock_t(sum of ns): system 5 ms + 5 ms -> 1, although each CPU shows 0.
    // seq_printf(p, "cpu%d", i); then the same ten " %llu" fields.
    // seq_put_decimal_ull(p, "intr ", sum); " %u" per irq; then
    // "\nctxt %llu\nbtime %llu\nprocesses %lu\nprocs_running %u\nprocs_blocked %u\n"
    // seq_put_decimal_ull(p, "softirq ", sum_softirq); " %u" x 10; '\n'
    const expected =
      "cpu  2 0 1 350 1 1 3 0 0 0\n" +
      "cpu0 1 0 0 100 0 1 0 0 0 0\n" +
      "cpu1 0 0 0 250 1 0 2 0 0 0\n" +
      "intr 1234 36 9 0 0\n" +
      "ctxt 5678\n" +
      "btime 1700000000\n" +
      "processes 321\n" +
      "procs_running 2\n" +
      "procs_blocked 0\n" +
      "softirq 999 1 123 0 500 0 0 0 375 0 0\n";
    const out = formatProcStat({
      cpus: [cpu0, cpu1],
      intrTotal: 1234,
      intrPerIrq: [36, 9, 0, 0],
      ctxt: 5678,
      btime: 1_700_000_000,
      processes: 321,
      procsRunning: 2,
      procsBlocked: 0,
      softirqTotal: 999,
      softirqPerVec: [1, 123, 0, 500, 0, 0, 0, 375, 0, 0],
    });
    expect(out).toBe(expected);
  });
});

describe("/proc/net/softnet_stat (net/core/net-procfs.c softnet_seq_show)", () => {
  it("prints 15 columns of %08x per online CPU", () => {
    // "%08x" x 15: processed, dropped, time_squeeze, 0, 0, 0, 0, 0 (was fastroute),
    // 0 (was cpu_collision), received_rps, flow_limit_count, input_qlen + process_qlen,
    // (int)seq->index (the CPU), input_qlen, process_qlen
    const expected =
      "00012345 00000000 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000005 00000000 00000002 00000003\n" +
      "000000ff 000003e8 00000000 00000000 00000000 00000000 00000000 00000000 00000000 0000000a 00000000 00000001 00000002 00000001 00000000\n";
    const out = formatSoftnetStat([
      { processed: 0x12345, dropped: 0, timeSqueeze: 3, receivedRps: 0, flowLimitCount: 0, backlogLen: 5, cpu: 0, inputQueueLen: 2, processQueueLen: 3 },
      // CPU 1 offline: skipped by the kernel, so the next line is CPU 2. processed wraps (u32).
      { processed: 2 ** 32 + 255, dropped: 1000, timeSqueeze: 0, receivedRps: 10, flowLimitCount: 0, backlogLen: 1, cpu: 2 },
    ]);
    expect(out).toBe(expected);
    for (const line of out.trimEnd().split("\n")) {
      const cols = line.split(" ");
      expect(cols).toHaveLength(15);
      for (const c of cols) expect(c).toMatch(/^[0-9a-f]{8}$/);
    }
  });
});
