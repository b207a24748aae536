/**
 * Kernel-format views of a running or finished system: the /proc files whose layouts
 * observe/procfs.ts reproduces byte for byte, fed from the simulator's counters.
 */
import type { System } from "../system/boot.js";
import { ACCT_HARDIRQ, ACCT_IDLE, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER } from "../sim/cpu.js";
import { formatProcInterrupts, formatProcSoftirqs, formatProcStat, formatSoftnetStat, interruptsPrecision } from "./procfs.js";
import { nrBlocked, nrRunning } from "../sim/sched.js";

export const PROC_VIEWS = ["interrupts", "softirqs", "stat", "softnet_stat"] as const;
export type ProcView = (typeof PROC_VIEWS)[number];

/**
 * nr_irqs: the kernel sizes it at boot (x86 arch_probe_nr_irqs); here it is the highest
 * configured line + 1, at least NR_IRQS_LEGACY (16). It sets the /proc/interrupts column
 * width and the length of /proc/stat's `intr` line.
 */
function nrIrqs(sys: System): number {
  return Math.max(16, ...sys.k.irq.lines().map((d) => d.irq + 1));
}

/**
 * The x86 system-vector rows after the numbered lines (arch/x86/kernel/irq.c
 * arch_show_interrupts, which still uses the older "%10u " layout): NMI (none here), LOC
 * (local timer interrupts), RES (reschedule IPIs), CAL (function-call IPIs), then ERR.
 */
function archRows(sys: System, nrIrqs: number): string {
  const prec = interruptsPrecision(nrIrqs);
  const k = sys.k;
  const locCount = (cpu: number): number => k.irq.archLines().filter((d) => d.arch === "LOC").reduce((a, d) => a + d.kstat[cpu]!, 0);
  const row = (name: string, counts: number[], label: string): string =>
    `${name.padStart(prec)}: ${counts.map((n) => `${String(n).padStart(10)} `).join("")}  ${label}\n`;
  return (
    row("NMI", k.cpus.map(() => 0), "Non-maskable interrupts") +
    row("LOC", k.cpus.map((c) => locCount(c.id)), "Local timer interrupts") +
    row("RES", k.cpus.map((c) => c.reschedIpis), "Rescheduling interrupts") +
    row("CAL", k.cpus.map((c) => c.callIpis), "Function call interrupts") +
    `${"ERR".padStart(prec)}: ${String(0).padStart(10)}\n`
  );
}

export function procView(sys: System, view: ProcView): string {
  const k = sys.k;
  const NR_IRQS = nrIrqs(sys);
  switch (view) {
    case "interrupts":
      return (
        formatProcInterrupts(
        k.cpus.length,
        NR_IRQS,
        k.irq.lines().map((d) => ({
          irq: d.irq,
          perCpu: d.kstat.slice(),
          chip: d.chip,
          hwirq: d.hwirq,
          level: d.level,
          handlerName: d.flowName,
          actions: d.actions.map((a) => a.name),
        })),
        ) + archRows(sys, NR_IRQS)
      );
    case "softirqs":
      return formatProcSoftirqs(sys.softirq.stats.counts, k.cpus.length);
    case "stat": {
      for (const c of k.cpus) c.accrue();
      const intrPerIrq = new Array<number>(NR_IRQS).fill(0);
      for (const d of k.irq.lines()) intrPerIrq[d.irq] = d.kstat.reduce((a, b) => a + b, 0);
      const softirqPerVec = sys.softirq.stats.counts.map((row) => row.reduce((a, b) => a + b, 0));
      return formatProcStat({
        cpus: k.cpus.map((c) => ({
          user: c.acct[ACCT_USER]!,
          nice: 0,
          system: c.acct[ACCT_SYSTEM]!,
          idle: c.acct[ACCT_IDLE]!,
          iowait: 0,
          irq: c.acct[ACCT_HARDIRQ]!,
          softirq: c.acct[ACCT_SOFTIRQ]!,
          steal: 0,
          guest: 0,
          guestNice: 0,
        })),
        // show_stat: kstat_cpu_irqs_sum + arch_irq_stat_cpu (LOC, RES, ... on x86).
        intrTotal:
          intrPerIrq.reduce((a, b) => a + b, 0) +
          k.irq.archLines().reduce((a, d) => a + d.kstat.reduce((x, y) => x + y, 0), 0) +
          k.cpus.reduce((a, c) => a + c.reschedIpis + c.callIpis, 0),
        intrPerIrq,
        ctxt: k.cpus.reduce((a, c) => a + c.nrSwitches, 0),
        // btime is wall-clock boot time; a simulated machine boots at the epoch.
        btime: 0,
        processes: k.threads.length,
        procsRunning: nrRunning(k),
        procsBlocked: nrBlocked(k),
        softirqTotal: softirqPerVec.reduce((a, b) => a + b, 0),
        softirqPerVec,
      });
    }
    case "softnet_stat":
      return formatSoftnetStat(
        sys.net.softnet.map((sd, cpu) => ({
          processed: sd.processed,
          dropped: sd.dropped,
          timeSqueeze: sd.timeSqueeze,
          receivedRps: 0,
          flowLimitCount: 0,
          backlogLen: sd.inputPktQueue.length + sd.processQueue.length,
          cpu,
          inputQueueLen: sd.inputPktQueue.length,
          processQueueLen: sd.processQueue.length,
        })),
      );
  }
}
