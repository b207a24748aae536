/**
 * The result of a run, the object `run --json` prints, and the scenario's `expect:`
 * checked against it. Key order is fixed by construction (the object literal's order):
 * same scenario + seed => byte-identical JSON.
 */
import type { System } from "./boot.js";
import { checkInvariants, packetsInFlight } from "./invariants.js";
import { ACCT_HARDIRQ, ACCT_IDLE, ACCT_SOFTIRQ, ACCT_SYSTEM, ACCT_USER } from "../sim/cpu.js";
import { DROP_REASONS } from "../net/dev.js";
import { SOFTIRQ_NAMES } from "../softirq/softirq.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import type { LatencySummary } from "../sim/metrics.js";
import { TASK_DEAD, TASK_RUNNING } from "../sim/thread.js";
import type { RuntimeResult } from "../runtimes/system.js";
import { taskRuntime } from "../sim/sched.js";
import type { DeviceResult } from "./devices.js";

export const IRQSIM_VERSION = "0.1.0";

export interface ExpectResult {
  metric: string;
  value: number | null;
  min?: number;
  max?: number;
  eq?: number;
  ok: boolean;
}

export interface FirstViolation {
  event: number;
  time_ns: number;
  violations: string[];
}

export interface RunResult {
  irqsim: string;
  scenario: string;
  seed: number;
  fingerprint: string;
  simulated_ns: number;
  events: number;
  trace_points: number;
  /** "invariant": a WARN check or the fuzzer's periodic check stopped it early. */
  stopped_by: "duration" | "max_events" | "interrupted" | "invariant";
  packets: {
    arrived: number;
    delivered: number;
    /** Delivered with the wrong payload: a memory-ordering bug (see `memory.corrupt`). */
    corrupt: number;
    dropped: Record<string, number> & { total: number };
    in_flight: number;
    offered_pps: number;
    delivered_pps: number;
  };
  cpus: {
    cpu: number;
    hardirq_ns: number;
    softirq_ns: number;
    system_ns: number;
    user_ns: number;
    idle_ns: number;
    context_switches: number;
  }[];
  irqs: {
    irq: number;
    name: string;
    chip: string;
    per_cpu: number[];
    total: number;
    asserts: number;
    merged: number;
    unhandled: number;
    masked: boolean;
  }[];
  softirqs: Record<string, { per_cpu: number[]; raised: number[] }>;
  ksoftirqd: {
    cpu: number;
    runs_inline: number;
    runs_ksoftirqd: number;
    deferred: { restart_limit: number; time_limit: number; need_resched: number };
  }[];
  softnet: { cpu: number; processed: number; dropped: number; time_squeeze: number }[];
  napi: {
    name: string;
    /** napi_id, and the poll thread with NAPI_STATE_THREADED (null: polled by NET_RX). */
    id: number;
    thread: string | null;
    weight: number;
    polls: number;
    packets: number;
    full_polls: number;
    completions: number;
    /** napi_complete_done() found NAPI_STATE_MISSED (an IRQ while it was scheduled) and rescheduled. */
    missed: number;
    /** napi_complete_done() kept the IRQ masked (napi_defer_hard_irqs / irq_suspend_timeout). */
    deferred_completions: number;
    /** napi_watchdog(): gro_flush_timeout / irq_suspend_timeout timer polls. */
    timer_polls: number;
    /** Polls by the napi/<dev>-<id> thread; polls and packets (LINUX_MIB_BUSYPOLLRXPACKETS) by busy pollers. */
    threaded_polls: number;
    busy_polls: number;
    busy_poll_packets: number;
  }[];
  tasklets: {
    name: string;
    scheduled: number;
    already_scheduled: number;
    scheduled_while_running: number;
    runs_per_cpu: number[];
    busy_elsewhere: number;
    disabled_requeues: number;
  }[];
  workqueues: {
    name: string;
    flags: string[];
    max_active: number;
    /** wq_monitor.py columns. */
    total: number;
    in_flight: number;
    cpu_time_ns: number;
    cpu_intensive: number;
    cm_wakeups: number;
    mayday: number;
    rescued: number;
    queued: number;
    cancelled: number;
    queue_to_start_ns: LatencySummary;
    queue_to_end_ns: LatencySummary;
  }[];
  /** BH workqueues (WQ_BH, 6.9+): their work items, queued and run per CPU in softirq context. */
  bh_workqueues: {
    name: string;
    highpri: boolean;
    works: { function: string; queued: number; already_pending: number; sent_to_running_cpu: number; runs_per_cpu: number[] }[];
  }[];
  worker_pools: {
    id: number;
    cpu: number;
    nice: number;
    workers: number;
    idle: number;
    nr_running: number;
    pending: number;
    created: number;
    destroyed: number;
  }[];
  devices: Record<string, DeviceResult>;
  threads: {
    pid: number;
    comm: string;
    cpu: number;
    state: string;
    runtime_ns: number;
    voluntary_switches: number;
    involuntary_switches: number;
  }[];
  latency_ns: Record<string, LatencySummary & { description: string }>;
  /** The memory model and what it did (sim/memory.ts). */
  memory: {
    model: "lkmm" | "sc";
    weakness: number;
    window_ns: number;
    loads: number;
    /** Loads that had a legal choice of value, and those that returned a stale one. */
    loads_with_choice: number;
    stale_loads: number;
    stores: number;
    fences: number;
    /** The first corrupt deliveries, each with the pair of accesses that were reordered. */
    corrupt: { seed: number; packet: number; device: string; cpu: string; at_ns: number; delivered_ns: number; first: string; second: string; missing: string }[];
  };
  dmesg: string[];
  /** Log lines overwritten because the 128 KiB log buffer wrapped. */
  dmesg_dropped: number;
  /** The event-loop runtime (scenarios with `runtime:` only; absent otherwise). */
  runtime?: RuntimeResult;
  expect: { ok: boolean; results: ExpectResult[] };
  invariants: { ok: boolean; violations: string[]; first?: FirstViolation };
}

function rate(n: number, ns: number): number {
  return ns > 0 ? Math.round((n * NSEC_PER_SEC) / ns) : 0;
}

const STATE_NAMES: Record<number, string> = { [TASK_RUNNING]: "R", [TASK_DEAD]: "X" };

export function buildResult(sys: System, stoppedBy: RunResult["stopped_by"], first: FirstViolation | null): RunResult {
  const { k, net, softirq, scenario } = sys;
  const now = k.now;
  const violations = checkInvariants(sys); // also brings CPU accounting up to now
  const dropped: Record<string, number> & { total: number } = { total: 0 } as Record<string, number> & { total: number };
  DROP_REASONS.forEach((reason, i) => {
    dropped[reason] = net.stats.dropped[i]!;
    dropped.total += net.stats.dropped[i]!;
  });
  const softirqs: RunResult["softirqs"] = {};
  SOFTIRQ_NAMES.forEach((name, i) => {
    softirqs[name] = { per_cpu: softirq.stats.counts[i]!.slice(), raised: softirq.stats.raised[i]!.slice() };
  });
  const devices: RunResult["devices"] = {};
  for (const d of sys.devices) devices[d.name] = d.result();
  const deviceNames = Object.keys(scenario.devices);
  const latency: RunResult["latency_ns"] = {};
  for (const l of Object.values(sys.latency)) latency[l.name] = { description: l.description, ...l.summary() };
  const result: RunResult = {
    irqsim: IRQSIM_VERSION,
    scenario: scenario.name,
    seed: scenario.seed,
    fingerprint: k.trace.fingerprint(),
    simulated_ns: now,
    events: k.engine.fired,
    trace_points: k.trace.count,
    stopped_by: stoppedBy,
    packets: {
      arrived: net.stats.arrived,
      delivered: net.stats.delivered,
      corrupt: net.stats.corrupt,
      dropped,
      in_flight: packetsInFlight(sys),
      offered_pps: rate(net.stats.arrived, now),
      delivered_pps: rate(net.stats.delivered, now),
    },
    cpus: k.cpus.map((c) => ({
      cpu: c.id,
      hardirq_ns: c.acct[ACCT_HARDIRQ]!,
      softirq_ns: c.acct[ACCT_SOFTIRQ]!,
      system_ns: c.acct[ACCT_SYSTEM]!,
      user_ns: c.acct[ACCT_USER]!,
      idle_ns: c.acct[ACCT_IDLE]!,
      context_switches: c.nrSwitches,
    })),
    irqs: k.irq.lines().map((d) => ({
      irq: d.irq,
      name: d.actions.map((a) => a.name).join(","),
      chip: d.chip,
      per_cpu: d.kstat.slice(),
      total: d.kstat.reduce((a, b) => a + b, 0),
      asserts: d.asserts,
      merged: d.merged,
      unhandled: d.unhandled,
      masked: d.depth > 0,
    })),
    softirqs,
    ksoftirqd: k.cpus.map((c) => ({
      cpu: c.id,
      runs_inline: softirq.stats.runsInline[c.id]!,
      runs_ksoftirqd: softirq.stats.runsKsoftirqd[c.id]!,
      deferred: {
        restart_limit: softirq.stats.deferredRestart[c.id]!,
        time_limit: softirq.stats.deferredTime[c.id]!,
        need_resched: softirq.stats.deferredResched[c.id]!,
      },
    })),
    softnet: net.softnet.map((sd, cpu) => ({ cpu, processed: sd.processed, dropped: sd.dropped, time_squeeze: sd.timeSqueeze })),
    napi: sys.nics.flatMap((nic) =>
      nic.queues
        .filter((q) => q.napi !== null)
        .map((q) => {
          const n = q.napi!;
          return {
            name: n.name,
            id: n.id,
            thread: n.thread?.comm ?? null,
            weight: n.weight,
            polls: n.polls,
            packets: n.work,
            full_polls: n.fullPolls,
            completions: n.completes,
            missed: n.missedReschedules,
            deferred_completions: n.deferredCompletes,
            timer_polls: n.timerPolls,
            threaded_polls: n.threadedPolls,
            busy_polls: n.busyPolls,
            busy_poll_packets: n.busyPollPackets,
          };
        }),
    ),
    workqueues: sys.wqs.workqueues.map((wq) => {
      const pwqs = [...wq.pwqs.values()];
      const sum = (f: (p: (typeof pwqs)[number]) => number): number => pwqs.reduce((a, p) => a + f(p), 0);
      return {
        name: wq.name,
        flags: Object.entries(wq.flags)
          .filter(([, on]) => on)
          .map(([f]) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)),
        max_active: wq.maxActive,
        total: sum((p) => p.stats.started),
        in_flight: sum((p) => p.nrInFlight),
        cpu_time_ns: sum((p) => p.stats.cpuTime),
        cpu_intensive: sum((p) => p.stats.cpuIntensive),
        cm_wakeups: sum((p) => p.stats.cmWakeup),
        mayday: sum((p) => p.stats.mayday),
        rescued: sum((p) => p.stats.rescued),
        queued: wq.queued,
        cancelled: wq.cancelled,
        queue_to_start_ns: wq.queueToStart.summary(),
        queue_to_end_ns: wq.queueToEnd.summary(),
      };
    }),
    bh_workqueues: (sys.bh?.workqueues ?? []).map((wq) => ({
      name: wq.name,
      highpri: wq.highpri,
      works: wq.works.map((w) => ({
        function: w.func,
        queued: w.stats.queued,
        already_pending: w.stats.alreadyPending,
        sent_to_running_cpu: w.stats.sentToRunningCpu,
        runs_per_cpu: [...w.stats.runs],
      })),
    })),
    worker_pools: sys.wqs.pools().map((p) => ({
      id: p.id,
      cpu: p.cpu,
      nice: p.nice,
      workers: p.workers.length,
      idle: p.idle.length,
      nr_running: p.nrRunning,
      pending: p.worklist.length,
      created: p.created,
      destroyed: p.destroyed,
    })),
    tasklets: sys.tasklets.all.map((t) => ({
      name: t.name,
      scheduled: t.stats.scheduled,
      already_scheduled: t.stats.alreadyScheduled,
      scheduled_while_running: t.stats.scheduledWhileRunning,
      runs_per_cpu: t.stats.runs.slice(),
      busy_elsewhere: t.stats.busyElsewhere,
      disabled_requeues: t.stats.disabledRequeues,
    })),
    devices,
    threads: k.threads.map((t) => {
      const runtime = taskRuntime(k, t);
      return {
        pid: t.pid,
        comm: t.comm,
        cpu: t.cpu,
        state: STATE_NAMES[t.state] ?? "S",
        runtime_ns: runtime,
        voluntary_switches: t.nvcsw,
        involuntary_switches: t.nivcsw,
      };
    }),
    latency_ns: latency,
    memory: {
      model: k.mem.config.model,
      weakness: k.mem.config.weakness,
      window_ns: k.mem.config.window,
      loads: k.mem.counters.loads,
      loads_with_choice: k.mem.counters.choices,
      stale_loads: k.mem.counters.stale,
      stores: k.mem.counters.stores,
      fences: k.mem.counters.fences,
      corrupt: net.corruptReports.map((r) => ({
        seed: scenario.seed,
        packet: r.packet,
        device: deviceNames[r.dev] ?? `dev${r.dev}`,
        cpu: r.cpu,
        at_ns: r.at,
        delivered_ns: r.deliveredAt,
        first: r.first,
        second: r.second,
        missing: r.missing,
      })),
    },
    dmesg: k.dmesgLines(),
    dmesg_dropped: k.dmesgDropped,
    ...(sys.runtime !== null ? { runtime: sys.runtime.result() } : {}),
    expect: { ok: true, results: [] },
    invariants: { ok: violations.length === 0, violations },
  };
  if (first !== null) result.invariants.first = first;
  result.expect.results = scenario.expect.map((e) => evaluateExpect(e, lookup(result, e.metric)));
  result.expect.ok = result.expect.results.every((r) => r.ok);
  return result;
}

/** Follows a dotted path (`packets.dropped.total`, `cpus.0.idle_ns`) into the result. */
export function lookup(obj: unknown, path: string): number | null {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, part)) return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === "number" ? cur : null;
}

function evaluateExpect(e: { metric: string; min?: number | undefined; max?: number | undefined; eq?: number | undefined }, value: number | null): ExpectResult {
  const ok =
    value !== null &&
    (e.min === undefined || value >= e.min) &&
    (e.max === undefined || value <= e.max) &&
    (e.eq === undefined || value === e.eq);
  const r: ExpectResult = { metric: e.metric } as ExpectResult;
  if (e.min !== undefined) r.min = e.min;
  if (e.max !== undefined) r.max = e.max;
  if (e.eq !== undefined) r.eq = e.eq;
  r.value = value;
  r.ok = ok;
  return r;
}
