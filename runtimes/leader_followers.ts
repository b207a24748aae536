/**
 * Leader/Followers (POSA2), the no-hand-off baseline: a set of threads take turns waiting
 * on the event source. The leader takes one event, promotes a follower to be the next
 * leader (a wake-up, but off this request's path) and processes the event itself, so no
 * request ever crosses a queue to another thread. The cost it still pays is the leader's
 * own wake-up from the poller when an event arrives, like any loop's.
 */
import type { Kernel } from "../sim/kernel.js";
import { wakeUpProcess } from "../sim/sched.js";
import type { Thread } from "../sim/thread.js";
import { Latency } from "../sim/metrics.js";
import { startArrivals } from "./arrivals.js";
import type { Request } from "./request.js";
import { RUNTIME_MODELS, type RuntimeSpec } from "./schema.js";
import type { LoopRuntimeResult, RuntimeSystem } from "./system.js";

const EMPTY = { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };

export function bootLeaderFollowers(k: Kernel, spec: Extract<RuntimeSpec, { kind: "handoff" }>, cpus: number): RuntimeSystem {
  const pending: Request[] = [];
  const followers: Thread[] = [];
  const threads: Thread[] = [];
  let leader: Thread | null = null;
  let leaderWaiting = false;
  const st = { completed: 0, promotions: 0, parks: 0, workSum: 0, longest: 0, busy: 0 };
  const lag = new Latency("loop_lag", "arrival -> the leader starts on it");
  const service = new Latency("service", "the leader starts the work -> it ends (work + io)");
  const response = new Latency("response", "arrival -> the work is done (open-loop, HDR)");
  const cls = spec.requests;
  const cpuList = spec.pool_cpus ?? Array.from({ length: cpus }, (_, i) => i);
  for (let i = 0; i < spec.workers; i++) {
    const t = k.spawn({ comm: `lf-${i}`, cpu: cpuList[i % cpuList.length]!, kernelThread: false }, function* (self) {
      for (;;) {
        if (leader !== self) {
          followers.push(self);
          yield k.schedule();
          continue;
        }
        const r = pending.shift();
        if (r === undefined) {
          leaderWaiting = true;
          st.parks++;
          yield k.schedule();
          continue;
        }
        // Promote the next leader before processing: the hand-off is of leadership, not of work.
        const next = followers.shift() ?? null;
        leader = next;
        if (next !== null) {
          st.promotions++;
          wakeUpProcess(k, next);
        }
        lag.record(k.now - r.arrival);
        const c = cls[r.cls]!;
        const start = k.now;
        if (c.callback > 0) yield k.user(c.callback);
        if (c.work > 0) yield k.user(c.work);
        if (c.io > 0) yield k.sleep(c.io);
        service.record(k.now - start);
        st.workSum += c.work;
        response.record(k.now - r.arrival);
        st.completed++;
        if (leader === null) leader = self;
      }
    });
    threads.push(t);
  }
  leader = threads[0]!;
  const arrivals = startArrivals(k, spec.arrivals, cls, 1, (r) => {
    pending.push(r);
    if (leaderWaiting && leader !== null) {
      leaderWaiting = false;
      wakeUpProcess(k, leader);
    }
  });
  const sum = (l: Latency): LoopRuntimeResult["latency_ns"][string] => ({ description: l.description, ...l.summary() });
  return {
    check() {
      const v: string[] = [];
      const inFlight = arrivals.arrived() - st.completed;
      if (inFlight < pending.length || inFlight > pending.length + spec.workers) v.push(`leader/followers: ${inFlight} in flight but ${pending.length} pending and ${spec.workers} threads`);
      if (followers.length > spec.workers) v.push(`leader/followers: ${followers.length} followers > ${spec.workers} threads`);
      return v;
    },
    result(): LoopRuntimeResult {
      const n = arrivals.arrived();
      return {
        kind: "handoff",
        model: RUNTIME_MODELS.handoff!,
        mode: "leader_followers",
        requests: { arrived: n, completed: st.completed, in_flight: n - st.completed, on_loop: st.completed, caller_runs: 0, rejected: 0, discarded: 0, cancelled: 0, timed_out: 0, abandoned_completed: 0, abandoned_running: 0 },
        loops: threads.map((t) => ({ comm: t.comm, cpu: t.cpu, callbacks: 0, busy_ns: t.runtimeNs, longest_callback_ns: 0, max_ready: 0 })),
        queue: { capacity: null, max_depth: 0, enqueued: 0, contended: 0, lock_wait_ns: 0 },
        pool: { threads: spec.workers, max_threads: spec.workers, max_busy: 0, created: spec.workers, parks: st.parks, wakeups: st.promotions, spin_hits: 0, spin_ns: 0, batches: 0 },
        latency_ns: {
          loop_lag: sum(lag),
          queue_wait: { description: "no queue: the thread that takes the event runs it", ...EMPTY },
          handoff_parked: { description: "no hand-off", ...EMPTY },
          handoff_spinning: { description: "no hand-off", ...EMPTY },
          service: sum(service),
          response: sum(response),
        },
        handoff: { work_mean_ns: st.completed > 0 ? Math.round(st.workSum / st.completed) : 0, handoff_mean_ns: 0, overhead_pct: 0, wakeups_per_item: 0, copy_mean_ns: 0 },
        watchdog: { name: "none", threshold_ns: 0, reports: 0 },
        log: [],
        log_dropped: 0,
      };
    },
  };
}
