/**
 * Byte-exact formatters for the procfs files irqsim shows: /proc/interrupts,
 * /proc/softirqs, /proc/stat and /proc/net/softnet_stat.
 *
 * Source: Linux 7.1.3 (VERSION 7, PATCHLEVEL 1, SUBLEVEL 3), x86-64 configuration. Each
 * function quotes the kernel code it reproduces, with its file.
 *
 * Pure functions over plain data: no simulator imports. Counters the kernel keeps as
 * `unsigned int`/u32 wrap modulo 2^32 exactly as the C code would print them; 64-bit
 * counters must stay below 2^53 (JS safe integers) and are printed as given.
 */

/**
 * kernel/softirq.c softirq_to_name[NR_SOFTIRQS], in vector order (index = vector number):
 *
 *     const char * const softirq_to_name[NR_SOFTIRQS] = {
 *         "HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL",
 *         "TASKLET", "SCHED", "HRTIMER", "RCU"
 *     };
 */
export const SOFTIRQ_NAMES = Object.freeze([
  "HI",
  "TIMER",
  "NET_TX",
  "NET_RX",
  "BLOCK",
  "IRQ_POLL",
  "TASKLET",
  "SCHED",
  "HRTIMER",
  "RCU",
] as const);

/** NR_SOFTIRQS (include/linux/interrupt.h). */
export const NR_SOFTIRQS = SOFTIRQ_NAMES.length;

/** USER_HZ: include/uapi/asm-generic/param.h `#define __USER_HZ 100` (x86 uses the default). */
export const USER_HZ = 100;

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${what}: expected a non-negative safe integer, got ${n}`);
  }
}

/** The value C prints for an `unsigned int`/u32 counter: n mod 2^32. */
function u32(n: number, what: string): number {
  assertCount(n, what);
  return n >>> 0;
}

/** C `%08x` of a 32-bit value (lower-case hex, zero-padded to 8, wider never needed). */
function hex08(n: number, what: string): string {
  return u32(n, what).toString(16).padStart(8, "0");
}

/**
 * kernel/time/time.c nsec_to_clock_t(). With USER_HZ = 100, NSEC_PER_SEC % USER_HZ == 0 so
 * the first branch applies:
 *
 *     #if (NSEC_PER_SEC % USER_HZ) == 0
 *         return div_u64(x, NSEC_PER_SEC / USER_HZ);
 *
 * i.e. integer (truncating) division by 10,000,000 ns: 19,999,999 ns -> 1 tick.
 */
export function nsecToClockT(ns: number): number {
  assertCount(ns, "nsecToClockT");
  return Math.floor(ns / (1_000_000_000 / USER_HZ));
}

/**
 * Width of the IRQ-number column of /proc/interrupts, from show_interrupts()
 * (kernel/irq/proc.c:470):
 *
 *     for (prec = 3, j = 1000; prec < 10 && j <= nr_irqs; ++prec)
 *         j *= 10;
 *
 * nr_irqs is irq_get_nr_irqs(), the number of IRQ descriptors the kernel can hand out
 * (not the highest used number): 3 below 1000, 4 for 1000..9999, 5 for 10000..99999, ...
 * capped at 10.
 */
export function interruptsPrecision(nrIrqs: number): number {
  assertCount(nrIrqs, "interruptsPrecision nrIrqs");
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= nrIrqs; ++prec) j *= 10;
  return prec;
}

export interface ProcInterruptsRow {
  /** Linux IRQ number (0 <= irq < nrIrqs). */
  irq: number;
  /** kstat_irqs per online CPU, index = CPU number; length must equal nrCpus. */
  perCpu: number[];
  /** irq_chip name, e.g. "IO-APIC", "PCI-MSIX-0000:00:1f.6". */
  chip: string;
  /** desc->irq_data.hwirq when the IRQ has a domain; null = no domain (blank column). */
  hwirq: number | null;
  /** irqd_is_level_type(); only printed with options.showLevel (GENERIC_IRQ_SHOW_LEVEL). */
  level: boolean;
  /** desc->name, the flow handler name: "edge", "fasteoi", "level"...; null = not set. */
  handlerName: string | null;
  /** irqaction names in chain order; a row with none is not shown (no desc->action). */
  actions: string[];
}

export interface ProcInterruptsOptions {
  /**
   * CONFIG_GENERIC_IRQ_SHOW_LEVEL: print a "Level"/"Edge" column. Selected by arm, arm64,
   * mips, powerpc and riscv, not by x86; irqsim models x86, so the default is false.
   */
  showLevel?: boolean;
}

/**
 * /proc/interrupts for device IRQs, byte-exact to show_interrupts() in
 * kernel/irq/proc.c:453-525 (Linux 7.1.3). The arch rows (NMI, LOC, ... from x86
 * arch_show_interrupts) are not produced.
 *
 * Header (i == 0):
 *
 *     seq_printf(p, "%*s", prec + 8, "");
 *     for_each_online_cpu(j)
 *         seq_printf(p, "CPU%-8d", j);
 *     seq_putc(p, '\n');
 *
 * Each row (rows without an action are skipped:
 * `if (!desc->action || irq_desc_is_chained(desc) || !desc->kstat_irqs) return 0;`):
 *
 *     seq_printf(p, "%*d:", prec, i);
 *     for_each_online_cpu(j) { ... seq_put_decimal_ull_width(p, " ", cnt, 10); }
 *     seq_putc(p, ' ');
 *     ... seq_printf(p, "%8s", desc->irq_data.chip->name);
 *     if (desc->irq_data.domain)
 *         seq_printf(p, " %*lu", prec, desc->irq_data.hwirq);
 *     else
 *         seq_printf(p, " %*s", prec, "");
 *     #ifdef CONFIG_GENERIC_IRQ_SHOW_LEVEL
 *     seq_printf(p, " %-8s", irqd_is_level_type(&desc->irq_data) ? "Level" : "Edge");
 *     #endif
 *     if (desc->name)
 *         seq_printf(p, "-%-8s", desc->name);
 *     ... seq_printf(p, "  %s", action->name); then seq_printf(p, ", %s", action->name);
 *     seq_putc(p, '\n');
 *
 * seq_put_decimal_ull_width(p, " ", cnt, 10) writes the delimiter then the number
 * right-aligned in 10 columns, i.e. " %10u". Since 6.13 (commit f9ed1f7c2e26 plus the
 * "Add missing space separator back" fix) there are two spaces, not three, between the
 * last count and a chip name of 7 characters. Rows are printed in IRQ order whatever the
 * order of `rows`.
 */
export function formatProcInterrupts(
  nrCpus: number,
  nrIrqs: number,
  rows: readonly ProcInterruptsRow[],
  options: ProcInterruptsOptions = {},
): string {
  assertCount(nrCpus, "formatProcInterrupts nrCpus");
  const prec = interruptsPrecision(nrIrqs);
  let out = " ".repeat(prec + 8);
  for (let cpu = 0; cpu < nrCpus; cpu++) out += `CPU${String(cpu).padEnd(8, " ")}`;
  out += "\n";

  const sorted = [...rows].sort((a, b) => a.irq - b.irq);
  for (let k = 0; k < sorted.length; k++) {
    const row = sorted[k]!;
    assertCount(row.irq, "formatProcInterrupts irq");
    if (row.irq >= nrIrqs) {
      throw new RangeError(`formatProcInterrupts: irq ${row.irq} is not below nrIrqs ${nrIrqs}`);
    }
    if (k > 0 && sorted[k - 1]!.irq === row.irq) {
      throw new RangeError(`formatProcInterrupts: irq ${row.irq} appears twice`);
    }
    if (row.perCpu.length !== nrCpus) {
      throw new RangeError(
        `formatProcInterrupts: irq ${row.irq} has ${row.perCpu.length} per-CPU counts, expected ${nrCpus}`,
      );
    }
    if (row.actions.length === 0) continue;

    let line = `${String(row.irq).padStart(prec, " ")}:`;
    for (const cnt of row.perCpu) line += ` ${String(u32(cnt, "formatProcInterrupts count")).padStart(10, " ")}`;
    line += " ";
    line += row.chip.padStart(8, " ");
    if (row.hwirq !== null) {
      assertCount(row.hwirq, "formatProcInterrupts hwirq");
      line += ` ${String(row.hwirq).padStart(prec, " ")}`;
    } else {
      line += ` ${" ".repeat(prec)}`;
    }
    if (options.showLevel) line += ` ${(row.level ? "Level" : "Edge").padEnd(8, " ")}`;
    if (row.handlerName !== null) line += `-${row.handlerName.padEnd(8, " ")}`;
    line += `  ${row.actions.join(", ")}`;
    out += `${line}\n`;
  }
  return out;
}

/**
 * /proc/softirqs, byte-exact to show_softirqs() in fs/proc/softirqs.c:11-27:
 *
 *     seq_puts(p, "                    ");
 *     for_each_possible_cpu(i)
 *         seq_printf(p, "CPU%-8d", i);
 *     seq_putc(p, '\n');
 *
 *     for (i = 0; i < NR_SOFTIRQS; i++) {
 *         seq_printf(p, "%12s:", softirq_to_name[i]);
 *         for_each_possible_cpu(j)
 *             seq_put_decimal_ull_width(p, " ", kstat_softirqs_cpu(i, j), 10);
 *         seq_putc(p, '\n');
 *     }
 *
 * `counts[vector][cpu]` (10 vectors); `nrCpus` is the number of possible CPUs.
 */
export function formatProcSoftirqs(counts: readonly (readonly number[])[], nrCpus: number): string {
  assertCount(nrCpus, "formatProcSoftirqs nrCpus");
  if (counts.length !== NR_SOFTIRQS) {
    throw new RangeError(`formatProcSoftirqs: expected ${NR_SOFTIRQS} vectors, got ${counts.length}`);
  }
  let out = " ".repeat(20);
  for (let cpu = 0; cpu < nrCpus; cpu++) out += `CPU${String(cpu).padEnd(8, " ")}`;
  out += "\n";
  for (let vec = 0; vec < NR_SOFTIRQS; vec++) {
    const perCpu = counts[vec]!;
    if (perCpu.length !== nrCpus) {
      throw new RangeError(
        `formatProcSoftirqs: ${SOFTIRQ_NAMES[vec]} has ${perCpu.length} per-CPU counts, expected ${nrCpus}`,
      );
    }
    out += `${SOFTIRQ_NAMES[vec]!.padStart(12, " ")}:`;
    for (const cnt of perCpu) out += ` ${String(u32(cnt, "formatProcSoftirqs count")).padStart(10, " ")}`;
    out += "\n";
  }
  return out;
}

/** Per-CPU times in nanoseconds (kernel_cpustat.cpustat[], which the kernel keeps in ns). */
export interface ProcStatCpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStatInput {
  /** One entry per CPU, index = CPU number (all CPUs possible and online). */
  cpus: readonly ProcStatCpuTimes[];
  /** The `intr` total: sum of kstat_cpu_irqs_sum() + arch_irq_stat_cpu() + arch_irq_stat(). */
  intrTotal: number;
  /** kstat_irqs_usr(irq) for irq = 0 .. nr_irqs-1 (unused numbers are 0). */
  intrPerIrq: readonly number[];
  /** nr_context_switches(). */
  ctxt: number;
  /** Boot time, seconds since the epoch. */
  btime: number;
  /** total_forks. */
  processes: number;
  /** nr_running(). */
  procsRunning: number;
  /** nr_iowait(). */
  procsBlocked: number;
  /** Sum over vectors and CPUs of kstat_softirqs_cpu(). */
  softirqTotal: number;
  /** Per vector, summed over CPUs; 10 entries. */
  softirqPerVec: readonly number[];
}

const CPU_FIELDS = [
  "user",
  "nice",
  "system",
  "idle",
  "iowait",
  "irq",
  "softirq",
  "steal",
  "guest",
  "guestNice",
] as const satisfies readonly (keyof ProcStatCpuTimes)[];

/**
 * /proc/stat, byte-exact to show_stat() in fs/proc/stat.c:82-192.
 *
 * The aggregate line converts the per-field SUM of nanoseconds over all CPUs (it is not the
 * sum of the per-CPU tick values) and is labelled "cpu" followed by two spaces:
 *
 *     seq_put_decimal_ull(p, "cpu  ", nsec_to_clock_t(user));
 *     seq_put_decimal_ull(p, " ", nsec_to_clock_t(nice));  ... 10 fields ...
 *     seq_putc(p, '\n');
 *
 * then per CPU `seq_printf(p, "cpu%d", i);` and the same ten `" "`-prefixed fields. Then:
 *
 *     seq_put_decimal_ull(p, "intr ", (unsigned long long)sum);
 *     show_all_irqs(p);                 // " %u" for every irq 0..nr_irqs-1
 *     seq_printf(p,
 *         "\nctxt %llu\n"
 *         "btime %llu\n"
 *         "processes %lu\n"
 *         "procs_running %u\n"
 *         "procs_blocked %u\n", ...);
 *     seq_put_decimal_ull(p, "softirq ", (unsigned long long)sum_softirq);
 *     for (i = 0; i < NR_SOFTIRQS; i++)
 *         seq_put_decimal_ull(p, " ", per_softirq_sums[i]);
 *     seq_putc(p, '\n');
 *
 * Times go through nsecToClockT (USER_HZ = 100: truncating division by 10,000,000 ns).
 */
export function formatProcStat(a: ProcStatInput): string {
  const sums = new Map<keyof ProcStatCpuTimes, number>(CPU_FIELDS.map((f) => [f, 0]));
  for (const [i, cpu] of a.cpus.entries()) {
    for (const f of CPU_FIELDS) {
      assertCount(cpu[f], `formatProcStat cpu${i}.${f}`);
      sums.set(f, sums.get(f)! + cpu[f]);
    }
  }
  let out = "cpu ";
  for (const f of CPU_FIELDS) {
    const total = sums.get(f)!;
    assertCount(total, `formatProcStat aggregate ${f}`);
    out += ` ${nsecToClockT(total)}`;
  }
  out += "\n";
  for (const [i, cpu] of a.cpus.entries()) {
    out += `cpu${i}`;
    for (const f of CPU_FIELDS) out += ` ${nsecToClockT(cpu[f])}`;
    out += "\n";
  }

  assertCount(a.intrTotal, "formatProcStat intrTotal");
  out += `intr ${a.intrTotal}`;
  for (const n of a.intrPerIrq) out += ` ${u32(n, "formatProcStat intrPerIrq")}`;

  assertCount(a.ctxt, "formatProcStat ctxt");
  assertCount(a.btime, "formatProcStat btime");
  assertCount(a.processes, "formatProcStat processes");
  out +=
    `\nctxt ${a.ctxt}\n` +
    `btime ${a.btime}\n` +
    `processes ${a.processes}\n` +
    `procs_running ${u32(a.procsRunning, "formatProcStat procsRunning")}\n` +
    `procs_blocked ${u32(a.procsBlocked, "formatProcStat procsBlocked")}\n`;

  if (a.softirqPerVec.length !== NR_SOFTIRQS) {
    throw new RangeError(`formatProcStat: expected ${NR_SOFTIRQS} softirq vectors, got ${a.softirqPerVec.length}`);
  }
  assertCount(a.softirqTotal, "formatProcStat softirqTotal");
  out += `softirq ${a.softirqTotal}`;
  for (const n of a.softirqPerVec) out += ` ${u32(n, "formatProcStat softirqPerVec")}`;
  out += "\n";
  return out;
}

export interface SoftnetStatRow {
  /** sd->processed: packets dequeued by the per-CPU backlog/NAPI. */
  processed: number;
  /** sd->drop_counters: packets dropped because the backlog was over netdev_max_backlog. */
  dropped: number;
  /** sd->time_squeeze: net_rx_action() stopped with work left (budget or time). */
  timeSqueeze: number;
  /** sd->received_rps: RPS IPIs received. */
  receivedRps: number;
  /** flow limit drops (CONFIG_NET_FLOW_LIMIT). */
  flowLimitCount: number;
  /** Column 12: input_qlen + process_qlen. */
  backlogLen: number;
  /** CPU number (column 13, `(int)seq->index`). */
  cpu: number;
  /** Column 14, skb_queue_len(&sd->input_pkt_queue). Default: backlogLen - processQueueLen. */
  inputQueueLen?: number;
  /** Column 15, skb_queue_len(&sd->process_queue). Default 0. */
  processQueueLen?: number;
}

/**
 * /proc/net/softnet_stat, one line per online CPU in the given order, byte-exact to
 * softnet_seq_show() in net/core/net-procfs.c:123-157 (Linux 7.1.3) — 15 columns:
 *
 *     seq_printf(seq,
 *         "%08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x "
 *         "%08x %08x\n",
 *         READ_ONCE(sd->processed),
 *         numa_drop_read(&sd->drop_counters),
 *         READ_ONCE(sd->time_squeeze), 0,
 *         0, 0, 0, 0, // was fastroute   (C block comments in the source)
 *         0,          // was cpu_collision
 *         READ_ONCE(sd->received_rps), flow_limit_count,
 *         input_qlen + process_qlen, (int)seq->index,
 *         input_qlen, process_qlen);
 *
 * Older kernels printed only the first 13 columns. If only backlogLen is given it is
 * attributed to the input queue (column 14) and column 15 is 0.
 */
export function formatSoftnetStat(rows: readonly SoftnetStatRow[]): string {
  let out = "";
  for (const r of rows) {
    const processQ = r.processQueueLen ?? 0;
    const inputQ = r.inputQueueLen ?? r.backlogLen - processQ;
    const cols = [
      hex08(r.processed, "formatSoftnetStat processed"),
      hex08(r.dropped, "formatSoftnetStat dropped"),
      hex08(r.timeSqueeze, "formatSoftnetStat timeSqueeze"),
      "00000000",
      "00000000",
      "00000000",
      "00000000",
      "00000000",
      "00000000",
      hex08(r.receivedRps, "formatSoftnetStat receivedRps"),
      hex08(r.flowLimitCount, "formatSoftnetStat flowLimitCount"),
      hex08(r.backlogLen, "formatSoftnetStat backlogLen"),
      hex08(r.cpu, "formatSoftnetStat cpu"),
      hex08(inputQ, "formatSoftnetStat inputQueueLen"),
      hex08(processQ, "formatSoftnetStat processQueueLen"),
    ];
    out += `${cols.join(" ")}\n`;
  }
  return out;
}
