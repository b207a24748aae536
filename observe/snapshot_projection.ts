/**
 * A snapshot of now (observe/snapshot.ts) projected from a live system and its sampler
 * (observe/snapshot_sampler.ts): CPU lanes and contexts, IRQ lines, softirqs, NAPI,
 * workqueues, devices and latency histograms, as plain data.
 */
import type { System } from "../system/boot.js";
import { ACCT_HARDIRQ, ACCT_IDLE, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER, type Cpu } from "../sim/cpu.js";
import { FRAME_SOFTIRQ } from "../sim/frame.js";
import { TASK_RUNNING, type Thread } from "../sim/thread.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import { packetsInFlight } from "../system/invariants.js";
import type { WorkerPool } from "../workqueue/pool.js";
import type { Workqueue } from "../workqueue/workqueue.js";
import * as hdr from "hdr-histogram-js";
import { dmesgTail, memoryView, peripheralViews } from "./kernel_views.js";
import { contextKind, type CounterSample, SnapshotHistory, sum, wqCompleted } from "./snapshot_sampler.js";
import type {
  CpuContext,
  CpuLane,
  DeviceView,
  IrqLine,
  KsoftirqdView,
  LatencyBucket,
  LatencyStage,
  NapiView,
  Snapshot,
  SoftirqView,
  WorkerPoolView,
  WorkqueueView,
} from "./snapshot.js";

// ---------------------------------------------------------------------------------------
// takeSnapshot
// ---------------------------------------------------------------------------------------

function rateHz(n: number, ns: number): number {
  return ns > 0 ? Math.round((n * NSEC_PER_SEC) / ns) : 0;
}

/** What `cpu` is doing now, as a label a person can read (see ContextKind). */
export function cpuContext(sys: System, history: SnapshotHistory, cpu: Cpu): CpuContext {
  const kind = contextKind(cpu);
  const curr = cpu.curr;
  const make = (label: string, irq = -1, vec = ""): CpuContext => ({ kind, label, irq, vec, comm: curr.comm, pid: curr.pid });
  switch (kind) {
    case "hardirq": {
      const irq = cpu.top.irq;
      const desc = sys.k.irq.lines().find((d) => d.irq === irq);
      const name = desc === undefined ? "" : ` ${desc.actions.map((a) => a.name).join(",")}`;
      return make(`hardirq ${irq}${name}`, irq);
    }
    case "softirq": {
      const v = history.runningVec[cpu.id]!;
      const vec = v >= 0 ? (sys.k.trace.names("softirq")[v] ?? String(v)) : "";
      const t = history.runningTasklet[cpu.id]!;
      const tasklet = t >= 0 ? ` ${String(sys.k.trace.object("tasklet", t)?.name ?? `tasklet#${t}`)}` : "";
      const where = cpu.top.kind === FRAME_SOFTIRQ ? "" : ` in ${curr.comm}`;
      return make(`softirq ${vec || "pass"}${tasklet}${where}`, -1, vec);
    }
    case "switch":
      return make(`switch -> ${curr.comm}`);
    case "idle":
      return make("idle");
    case "thread": {
      // A kworker shows the work function it executes, as `ps` would not but ftrace does.
      const work = sys.wqs.workers.get(curr.pid)?.current?.func;
      return make(work === undefined ? curr.comm : `${curr.comm} ${work}`);
    }
  }
}

/** Every CPU's context, in CPU order. */
export function cpuContexts(sys: System, history: SnapshotHistory): CpuContext[] {
  return sys.k.cpus.map((cpu) => cpuContext(sys, history, cpu));
}

function threadState(cpu: Cpu, t: Thread): KsoftirqdView["state"] {
  if (cpu.curr === t) return "running";
  return t.state === TASK_RUNNING ? "runnable" : "sleeping";
}

function log2Buckets(h: hdr.Histogram, maxBuckets = 24): LatencyBucket[] {
  if (h.totalCount === 0 || !(h instanceof hdr.JsHistogram)) return [];
  const counts = new Map<number, number>();
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < h.countsArrayLength; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    const v = h.valueFromIndex(i);
    const b = v < 1 ? 0 : Math.floor(Math.log2(v));
    counts.set(b, (counts.get(b) ?? 0) + c);
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (hi - lo + 1 > maxBuckets) {
    // Fold the lowest buckets into the first kept one: the tail is what matters.
    const first = hi - maxBuckets + 1;
    let folded = 0;
    for (let b = lo; b < first; b++) folded += counts.get(b) ?? 0;
    counts.set(first, (counts.get(first) ?? 0) + folded);
    lo = first;
  }
  const out: LatencyBucket[] = [];
  for (let b = lo; b <= hi; b++) out.push({ lo_ns: b === 0 ? 0 : 2 ** b, hi_ns: 2 ** (b + 1), count: counts.get(b) ?? 0 });
  return out;
}

/** The kworker name's pool part: `0` (cpu0), `0H` (cpu0 highpri), `u9` (unbound pool 9). */
export function poolName(pool: WorkerPool): string {
  return pool.cpu >= 0 ? `${pool.cpu}${pool.nice < 0 ? "H" : ""}` : `u${pool.id}`;
}

function wqFlagNames(wq: Workqueue): string[] {
  const f = wq.flags;
  const out: string[] = [];
  if (f.unbound) out.push("WQ_UNBOUND");
  if (f.highpri) out.push("WQ_HIGHPRI");
  if (f.memReclaim) out.push("WQ_MEM_RECLAIM");
  if (f.cpuIntensive) out.push("WQ_CPU_INTENSIVE");
  if (f.ordered) out.push("__WQ_ORDERED");
  return out;
}

/**
 * Workqueues as the dashboard shows them, from the workqueue subsystem (workqueue/): each
 * workqueue's pool_workqueues, with the shared pool's workers and nr_running beside this
 * workqueue's own pending and executing items. `executed` comes from `cur`/`old` samples.
 */
export function workqueueViews(sys: System, cur: CounterSample, old: CounterSample, windowNs: number): WorkqueueView[] {
  return sys.wqs.workqueues.map((wq, i) => {
    const pools: WorkerPoolView[] = [...wq.pwqs.values()].map((pwq) => {
      const pool = pwq.pool;
      let running = 0;
      for (const w of pool.busy.values()) if (w.currentPwq === pwq) running++;
      return {
        pool: poolName(pool),
        cpu: pool.cpu,
        workers: pool.workers.length,
        idle: pool.idle.length,
        nr_running: pool.nrRunning,
        pending: Math.max(0, pwq.nrInFlight - running),
        in_flight: running,
      };
    });
    const executed = cur.wqDone[i] ?? wqCompleted(wq);
    return {
      name: wq.name,
      flags: wqFlagNames(wq),
      max_active: wq.maxActive,
      pending: pools.reduce((a, p) => a + p.pending, 0),
      in_flight: pools.reduce((a, p) => a + p.in_flight, 0),
      executed,
      rate_hz: rateHz(executed - (old.wqDone[i] ?? 0), windowNs),
      pools,
    };
  });
}

/** The system as of now, plus what `history` remembers of the recent past. */
/** Kernel log lines a snapshot carries. */
const DMESG_TAIL = 40;

export function takeSnapshot(sys: System, history: SnapshotHistory): Snapshot {
  const { k, net, softirq, scenario } = sys;
  const now = k.now;
  const cur = history.counters();
  const old = history.oldest;
  const window = now - old.time;
  const lines = k.irq.lines();

  const cpus: CpuLane[] = k.cpus.map((cpu, i) => {
    const a = cur.acct[i]!;
    const b = old.acct[i]!;
    return {
      cpu: cpu.id,
      context: cpuContext(sys, history, cpu),
      preempt_count: cpu.preemptCount,
      irqs_disabled: cpu.irqsDisabled,
      nr_running: cpu.rq.length,
      context_switches: cpu.nrSwitches,
      strip: history.strips[i]!,
      util_ns: {
        hardirq: a[ACCT_HARDIRQ]! - b[ACCT_HARDIRQ]!,
        softirq: a[ACCT_SOFTIRQ]! - b[ACCT_SOFTIRQ]!,
        system: a[ACCT_SYSTEM]! - b[ACCT_SYSTEM]!,
        user: a[ACCT_USER]! - b[ACCT_USER]!,
        idle: a[ACCT_IDLE]! - b[ACCT_IDLE]!,
      },
    };
  });

  const rxQueues = sys.nics.flatMap((n) => n.queues);
  const irqs: IrqLine[] = lines.map((d, i) => {
    const queue = rxQueues.find((q) => q.desc === d);
    const total = cur.irqTotals[i]!;
    return {
      irq: d.irq,
      name: d.actions.map((a) => a.name).join(","),
      chip: d.chip,
      affinity: d.affinity.slice(),
      per_cpu: d.kstat.slice(),
      total,
      rate_hz: rateHz(total - (old.irqTotals[i] ?? 0), window),
      masked_by: d.depth > 0 ? "disable_irq" : queue !== undefined && queue.masked ? "device" : null,
      pending: k.irq.pendingCount(d) > 0,
    };
  });

  const softirqNames = k.trace.names("softirq");
  const pendingNames = (bits: number): string[] => softirqNames.filter((_, v) => (bits & (1 << v)) !== 0);
  const softirqs: SoftirqView = {
    pending: k.cpus.map((c) => c.softirqPending),
    pending_names: k.cpus.map((c) => pendingNames(c.softirqPending)),
    running: history.runningVec.map((v) => (v >= 0 ? (softirqNames[v] ?? String(v)) : "")),
    vectors: softirqNames.map((name, v) => ({
      vec: v,
      name,
      per_cpu: softirq.stats.counts[v]!.slice(),
      rate_hz: rateHz(cur.softirqRuns[v]! - old.softirqRuns[v]!, window),
      raised_hz: rateHz(cur.softirqRaised[v]! - old.softirqRaised[v]!, window),
    })),
    ksoftirqd: softirq.ksoftirqd.map((t, i) => ({
      cpu: i,
      comm: t.comm,
      pid: t.pid,
      state: threadState(k.cpus[t.cpu]!, t),
      runs_inline: softirq.stats.runsInline[i]!,
      runs_ksoftirqd: softirq.stats.runsKsoftirqd[i]!,
      deferred: {
        restart_limit: softirq.stats.deferredRestart[i]!,
        time_limit: softirq.stats.deferredTime[i]!,
        need_resched: softirq.stats.deferredResched[i]!,
      },
    })),
    tasklets: sys.tasklets.all.map((t) => ({ name: t.name, scheduled: t.sched, running_on: t.runningOn, runs: sum(t.stats.runs) })),
  };

  const napi: NapiView = {
    cpus: net.softnet.map((sd, cpu) => ({
      cpu,
      poll_list: sd.pollList.map((n) => n.name),
      backlog: sd.inputPktQueue.length + sd.processQueue.length,
      last_budget_used: history.lastBudgetUsed[cpu]!,
      budget: net.sysctl.netdevBudget,
      time_squeeze: sd.timeSqueeze,
      processed: sd.processed,
      dropped: sd.dropped,
    })),
    instances: rxQueues
      .filter((q) => q.napi !== null)
      .map((q) => {
        const n = q.napi!;
        return {
          name: n.name,
          weight: n.weight,
          scheduled: n.scheduled,
          polls: n.polls,
          packets: n.work,
          full_polls: n.fullPolls,
          completions: n.completes,
          last_work: history.lastNapiWork.get(n.dev) ?? -1,
        };
      }),
  };

  const devices: DeviceView[] = sys.nics.map((nic, i) => {
    const drops: Record<string, number> = {};
    k.trace.names("drop_reason").forEach((r, j) => (drops[r] = history.deviceDrops[i]![j]!));
    return {
      name: nic.spec.name,
      type: "nic",
      mode: nic.spec.mode,
      irq: nic.spec.irq,
      queues: nic.queues.length,
      ring_fill: nic.ringFill,
      ring_size: nic.spec.ringSize * nic.queues.length,
      masked: nic.masked,
      rx_packets: nic.counters.rxPackets,
      rx_rate_hz: rateHz(cur.rx[i]! - (old.rx[i] ?? 0), window),
      interrupts: nic.counters.interrupts,
      drops,
    };
  });

  const latency: LatencyStage[] = Object.values(sys.latency).map((l) => {
    const s = l.summary();
    return { name: l.name, description: l.description, count: s.count, p50: s.p50, p99: s.p99, p999: s.p999, max: s.max, buckets: log2Buckets(l.histogram) };
  });

  const dropped = sum(net.stats.dropped);
  return {
    scenario: scenario.name,
    description: scenario.description,
    seed: scenario.seed,
    time_ns: now,
    duration_ns: scenario.duration,
    events: k.engine.fired,
    window_ns: window,
    packets: { arrived: net.stats.arrived, delivered: net.stats.delivered, dropped, in_flight: packetsInFlight(sys) },
    cpus,
    irqs,
    softirqs,
    napi,
    workqueues: workqueueViews(sys, cur, old, window),
    devices,
    latency,
    log: history.logTail(),
    dmesg_lines: k.dmesg.length,
    dmesg: dmesgTail(sys, DMESG_TAIL),
    threads: history.threads.views(),
    thread_window_ns: history.threads.windowNs,
    peripherals: peripheralViews(sys),
    memory: memoryView(sys),
    series: history.series?.view() ?? null,
  };
}
