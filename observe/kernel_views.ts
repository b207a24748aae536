/**
 * What the dashboard shows beyond interrupts and softirqs: the threads as `top` lists them
 * (with %CPU over the last second of simulated time), every non-NIC device's state (the
 * UART's FIFO, the block device's queue, a noisy line, an hrtimer), the kernel log tail
 * (dmesg), and the memory model's counters (stale loads, corrupt deliveries). Plain data,
 * built from the System by observe/snapshot_projection.ts.
 */
import type { System } from "../system/boot.js";
import type { BlockResult, HrtimerResult, NoisyResult, UartResult } from "../system/devices.js";
import { SCHED_FIFO, TASK_DEAD, TASK_RUNNING, type Thread } from "../sim/thread.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import { UART_FIFO_SIZE } from "../devices/uart_hw.js";

/** One thread as `top` shows it. */
export interface ThreadView {
  pid: number;
  comm: string;
  cpu: number;
  /** ps's CLS: FF (SCHED_FIFO) or TS (SCHED_NORMAL). */
  policy: "FF" | "TS";
  /** rt priority (FF) or nice (TS). */
  prio: number;
  /** R running or runnable, S sleeping, X dead (ps's STAT letters). */
  state: "R" | "S" | "X";
  /** On a CPU at the snapshot's instant. */
  on_cpu: boolean;
  /** Share of one CPU over the last second (or since boot, if shorter), percent. */
  cpu_pct: number;
  /** Context switches: voluntary (it slept) + involuntary (preempted). */
  switches: number;
  runtime_ns: number;
}

/** A device other than a NIC: its run-result entry plus what only a live view has. */
export type PeripheralView = { name: string; irq: number } & (
  | (UartResult & { fifo: number; fifo_size: number; trigger: number })
  | (BlockResult & { queue_depth: number })
  | NoisyResult
  | HrtimerResult
);

export interface DmesgLine {
  time_ns: number;
  text: string;
}

export interface MemoryView {
  model: string;
  /** The memory model decides something in this run: weak ordering and a driver without barriers, or a corrupt delivery. */
  matters: boolean;
  loads_with_choice: number;
  stale_loads: number;
  stores: number;
  fences: number;
  /** Deliveries whose payload was not what the device wrote (NIC packets and UART bytes). */
  corrupt: number;
  /** The first corrupt delivery, explained, or "". */
  first_corrupt: string;
}

/** How far back %CPU looks. */
export const THREAD_WINDOW_NS = NSEC_PER_SEC;

/** CPU time each thread has had, including the stretch it is running now. */
function runtimeNow(sys: System, t: Thread): number {
  const cpu = sys.k.cpus[t.cpu];
  return cpu !== undefined && cpu.curr === t && !t.idle ? t.runtimeNs + Math.max(0, sys.k.now - t.execStart) : t.runtimeNs;
}

/**
 * Samples of every thread's runtime, kept while they are younger than THREAD_WINDOW_NS
 * (plus the one just older, so the window is always covered), for %CPU.
 */
export class ThreadSampler {
  private readonly samples: { time: number; runtime: Map<number, number> }[] = [];

  constructor(private readonly sys: System) {
    this.sample();
  }

  sample(): void {
    const now = this.sys.k.now;
    const runtime = new Map<number, number>();
    for (const t of this.sys.k.threads) runtime.set(t.pid, runtimeNow(this.sys, t));
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && last.time === now) this.samples.pop();
    this.samples.push({ time: now, runtime });
    while (this.samples.length > 2 && this.samples[1]!.time <= now - THREAD_WINDOW_NS) this.samples.shift();
  }

  /** The time %CPU covers. */
  get windowNs(): number {
    return this.sys.k.now - this.samples[0]!.time;
  }

  views(): ThreadView[] {
    const { k } = this.sys;
    const old = this.samples[0]!;
    const span = k.now - old.time;
    return k.threads
      .filter((t) => !t.idle)
      .map((t) => {
        const rt = runtimeNow(this.sys, t);
        const onCpu = k.cpus[t.cpu]?.curr === t;
        const base = old.runtime.get(t.pid) ?? 0;
        return {
          pid: t.pid,
          comm: t.comm,
          cpu: t.cpu,
          policy: t.policy === SCHED_FIFO ? "FF" : "TS",
          prio: t.policy === SCHED_FIFO ? t.rtPriority : t.prio - 120,
          state: t.state === TASK_DEAD ? "X" : t.state === TASK_RUNNING ? "R" : "S",
          on_cpu: onCpu,
          cpu_pct: span > 0 ? Math.round((1000 * (rt - base)) / span) / 10 : 0,
          switches: t.nvcsw + t.nivcsw,
          runtime_ns: rt,
        } satisfies ThreadView;
      });
  }
}

/** Every scenario device that is not a NIC, in the scenario's order. */
export function peripheralViews(sys: System): PeripheralView[] {
  const out: PeripheralView[] = [];
  for (const p of sys.devices) {
    const r = p.result();
    if (r.type === "nic") continue;
    if (r.type === "uart") {
      const u = sys.uarts.find((x) => x.spec.name === p.name)!;
      out.push({ name: p.name, irq: u.spec.irq, ...r, fifo: u.hw.fifo, fifo_size: UART_FIFO_SIZE, trigger: u.spec.trigger });
    } else if (r.type === "block") {
      const b = sys.blocks.find((x) => x.spec.name === p.name)!;
      out.push({ name: p.name, irq: b.desc.irq, ...r, queue_depth: b.spec.queueDepth });
    } else if (r.type === "noisy") {
      const d = sys.noisy.find((x) => x.spec.name === p.name)!;
      out.push({ name: p.name, irq: d.desc.irq, ...r });
    } else out.push({ name: p.name, irq: -1, ...r });
  }
  return out;
}

/** The last `n` kernel log lines. */
export function dmesgTail(sys: System, n: number): DmesgLine[] {
  return sys.k.dmesg.slice(-n).map((l) => ({ time_ns: l.ns, text: l.text }));
}

export function memoryView(sys: System): MemoryView {
  const { k, net } = sys;
  const c = k.mem.counters;
  const uartCorrupt = sys.uarts.reduce((s, u) => s + u.counters.corrupt, 0);
  const corrupt = net.stats.corrupt + uartCorrupt;
  const weak = k.mem.config.model === "lkmm";
  const noBarriers = sys.nics.some((n) => !n.spec.barriers) || sys.uarts.some((u) => !u.spec.barriers);
  const r = net.corruptReports[0];
  const names = sys.nics.map((n) => n.spec.name);
  return {
    model: k.mem.config.model,
    matters: (weak && noBarriers) || corrupt > 0,
    loads_with_choice: c.choices,
    stale_loads: c.stale,
    stores: c.stores,
    fences: c.fences,
    corrupt,
    first_corrupt: r === undefined ? "" : `packet ${r.packet} on ${names[r.dev] ?? `dev${r.dev}`} (${r.cpu}): ${r.first} then ${r.second}; missing ${r.missing}`,
  };
}
