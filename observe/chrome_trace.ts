/**
 * Chrome Trace Event JSON (the object form: `{"displayTimeUnit": ..., "traceEvents": [...]}`,
 * as described in Google's "Trace Event Format" document), which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. ARCHITECTURE.md section 7: one track per CPU context
 * and per thread, and flow arrows from each IRQ to the bottom half that finished its work.
 *
 * Layout:
 *  - one process per CPU ("CPU n") with one track of nested B/E slices: the running
 *    thread (from sched_switch; idle shows as a gap) <- softirq vectors, tasklets, timers
 *    and work items <- hardirq handlers. A slice is what the CPU was executing, innermost
 *    last, exactly the kernel's context stack;
 *  - the counter "softirq pending" per CPU (the __softirq_pending mask);
 *  - process "threads": a track per thread with "Running" and "Runnable" slices (runnable =
 *    woken or preempted, waiting for its CPU: scheduling latency made visible);
 *  - process "devices": a counter per NIC, rx ring fill (descriptors holding packets),
 *    sampled when a packet arrives and when a driver returns descriptors;
 *  - flows (ph "s" -> "f", bp "e") from an IRQ handler to the slice that did its deferred
 *    work: the NET_RX (or tasklet) slice that ran netif_receive_skb for a packet the handler
 *    took or a NAPI poll it scheduled, the work item it queued, the IRQ thread it woke.
 *
 * Timestamps are microseconds with three decimals (ns precision), written as exact
 * decimal text from integer nanoseconds, so the file is byte-identical for a given seed.
 * Memory is bounded by what is open at once (context stacks, flows in flight), never by
 * the length of the run: events stream to a TraceFile.
 *
 * Over 450 lines because it is one streaming writer: a dispatch table over every trace
 * point that shares the open-slice stacks and flows in flight; split apart, each half
 * would need the other's private state.
 */
import type { System } from "../system/boot.js";
import { TP_NAMES, type TracePoint } from "../sim/trace.js";
import type { Thread } from "../sim/thread.js";
import type { TraceFile } from "./trace_file.js";
import type { TraceWindow } from "./trace_window.js";
import type { TraceCounts } from "./ftrace.js";

/** include/linux/irqreturn.h. */
const IRQ_WAKE_THREAD = 2;

/**
 * Track ids. Perfetto keys threads by tid across processes, so CPU tracks get ids no
 * simulated pid reaches (PID_MAX_DEFAULT is 32768); thread tracks use the real pid.
 */
export const CPU_PID_BASE = 100_000;
export const THREADS_PID = 1;
export const DEVICES_PID = 99_000;
export const WORKQUEUES_PID = 99_001;

const PENDING = 0; // not written: before the window opened (written at its start) or after it closed
const WRITTEN = 1;
const DROPPED = 2; // refused by --trace-limit

interface Slice {
  readonly name: string;
  readonly cat: string;
  readonly args: string;
  state: number;
}

interface Track {
  readonly pid: number;
  readonly tid: number;
  readonly stack: Slice[];
}

interface Flow {
  readonly id: number;
  /** Perfetto matches v1 flow events by (id, cat, name): both ends carry this name. */
  readonly name: string;
  /** The start was written (and room for the end reserved). */
  written: boolean;
  done: boolean;
}

/** The handler running on a CPU: which device it serves and the flow it started. */
interface HandlerCtx {
  readonly name: string;
  readonly dev: number;
  flow: Flow | null;
}

/** `ts` in microseconds with ns precision, from integer ns: "1234.567". */
export function chromeTs(ns: number): string {
  return `${Math.floor(ns / 1000)}.${String(ns % 1000).padStart(3, "0")}`;
}

const q = (s: string): string => JSON.stringify(s);

export class ChromeTraceWriter {
  readonly counts: TraceCounts = { written: 0, dropped: 0, outside_window: 0 };
  private readonly detach: () => void;
  private phase = 0; // 0 before the window, 1 inside, 2 after
  private truncated = false;
  /** E events owed to written B events: reserved so the file always balances. */
  private reserved = 0;
  private sep = "";
  private readonly cpuTracks: Track[];
  private readonly threadTracks = new Map<number, Track>();
  private readonly counters = new Map<string, { pid: number; name: string; key: string; value: number }>();
  private readonly handlers: (HandlerCtx | null)[];
  /**
   * A handler that returned IRQ_WAKE_THREAD: its slice's "E" waits for the next event,
   * so that the flow to the IRQ thread (irq_thread_wake comes right after
   * irq_handler_exit) can start inside the slice.
   */
  private wakeExit: { cpu: number; t: number; args: string } | null = null;
  private readonly irqThreadWakeTp: number;
  private nextFlow = 1;
  private readonly pktFlows = new Map<number, Flow>();
  private readonly devFlows = new Map<number, Flow>();
  private readonly vecFlows = new Map<number, Flow>();
  private readonly workFlows = new Map<number, Flow>();
  private readonly threadFlows = new Map<number, Flow>();
  private readonly nicByAction = new Map<number, number>();
  private readonly byPid = new Map<number, Thread>();
  private readonly dispatch: ((t: number, cpu: number, a: number, b: number, c: number) => void)[];

  constructor(
    private readonly sys: System,
    private readonly file: TraceFile,
    private readonly window: TraceWindow,
    private readonly limit: number,
  ) {
    const k = sys.k;
    file.write(`{"displayTimeUnit":"ns","traceEvents":[\n`);
    this.cpuTracks = k.cpus.map((c) => {
      const pid = CPU_PID_BASE + c.id;
      this.meta(`{"name":"process_name","ph":"M","pid":${pid},"args":{"name":${q(`CPU ${c.id}`)}}}`);
      this.meta(`{"name":"process_sort_index","ph":"M","pid":${pid},"args":{"sort_index":${c.id}}}`);
      this.meta(`{"name":"thread_name","ph":"M","pid":${pid},"tid":${pid},"args":{"name":"hardirq / softirq / task"}}`);
      return { pid, tid: pid, stack: [] };
    });
    this.meta(`{"name":"process_name","ph":"M","pid":${THREADS_PID},"args":{"name":"threads"}}`);
    this.meta(`{"name":"process_sort_index","ph":"M","pid":${THREADS_PID},"args":{"sort_index":${k.cpus.length}}}`);
    this.meta(`{"name":"process_name","ph":"M","pid":${DEVICES_PID},"args":{"name":"devices"}}`);
    this.meta(`{"name":"process_sort_index","ph":"M","pid":${DEVICES_PID},"args":{"sort_index":${k.cpus.length + 1}}}`);
    this.handlers = k.cpus.map(() => null);
    this.irqThreadWakeTp = TP_NAMES.indexOf("irq_thread_wake");

    // What is already running when tracing starts (boot woke every kthread).
    this.advanceWindow(k.now);
    for (const cpu of k.cpus) if (!cpu.curr.idle) this.begin(this.cpuTracks[cpu.id]!, this.threadSlice(cpu.curr.pid, cpu.id));
    for (const t of k.threads) {
      if (k.cpus[t.cpu]?.curr === t) this.begin(this.threadTrack(t.pid), runningSlice(t.cpu));
      else if (t.queued) this.begin(this.threadTrack(t.pid), runnableSlice());
    }
    for (const cpu of k.cpus) this.counter(CPU_PID_BASE + cpu.id, "softirq pending", "mask", cpu.softirqPending);
    this.sampleRings();

    this.dispatch = this.buildDispatch();
    const d = this.dispatch;
    this.detach = k.trace.on((tp: TracePoint, time, cpu, a, b, c) => {
      const f = d[tp];
      if (f === undefined) return;
      if (this.wakeExit !== null && tp !== this.irqThreadWakeTp) this.flushWakeExit();
      this.advanceWindow(time);
      f(time, cpu, a, b, c);
    });
  }

  /** Stops listening, closes what is open at the end of the window, renames the file. */
  finish(endNs: number): TraceCounts {
    this.detach();
    this.flushWakeExit();
    const end = Math.min(endNs, this.window.to);
    if (this.phase === 0 && this.window.from <= end) this.openWindow(this.window.from);
    if (this.phase === 1) this.closeWindow(end);
    this.file.write(`\n],"otherData":{"irqsim":"trace","scenario":${q(this.sys.scenario.name)},"seed":${this.sys.scenario.seed},` +
      `"window_ns":[${this.window.from},${Number.isFinite(this.window.to) ? this.window.to : "null"}],"limit":${this.limit},` +
      `"events_written":${this.counts.written},"events_dropped":${this.counts.dropped},"events_outside_window":${this.counts.outside_window}}}\n`);
    this.file.commit();
    return this.counts;
  }

  abort(): void {
    this.detach();
    this.file.abort();
  }

  // --- what each trace point does ------------------------------------------------------

  private buildDispatch(): ((t: number, cpu: number, a: number, b: number, c: number) => void)[] {
    const sys = this.sys;
    const k = sys.k;
    const trace = k.trace;
    const softirqNames = trace.names("softirq");
    const ct = (cpu: number): Track | undefined => this.cpuTracks[cpu];
    const on: Record<string, (t: number, cpu: number, a: number, b: number, c: number) => void> = {
      sched_switch: (t, cpu, prev, next, state) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        // schedule() runs at process level: whatever is open is the previous thread.
        while (tr.stack.length > 0) this.end(tr, t);
        if (next !== 0) this.begin(tr, this.threadSlice(next, cpu));
        if (prev !== 0) {
          const pt = this.threadTrack(prev);
          while (pt.stack.length > 0) this.end(pt, t);
          if (state === 0) this.begin(pt, runnableSlice());
        }
        if (next !== 0) {
          const nt = this.threadTrack(next);
          while (nt.stack.length > 0) this.end(nt, t);
          this.begin(nt, runningSlice(cpu));
          const f = this.threadFlows.get(next);
          if (f !== undefined) {
            this.threadFlows.delete(next);
            this.finishFlow(f, tr, t);
          }
        }
      },
      sched_wakeup: (t, cpu, pid, target) => {
        const th = this.threadTrack(pid);
        if (th.stack.length === 0) this.begin(th, runnableSlice());
        const tr = ct(cpu);
        if (tr !== undefined) this.instant(tr, t, `wakeup ${this.comm(pid)}`, "sched", `{"pid":${pid},"target_cpu":${target}}`);
      },
      irq_handler_entry: (_t, cpu, irq, idx) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const name = this.actionName(irq, idx);
        const label = `irq ${irq}: ${name}`;
        this.handlers[cpu] = { name: label, dev: this.nicOfAction(irq, idx), flow: null };
        this.begin(tr, { name: label, cat: "hardirq", args: `{"irq":${irq},"name":${q(name)}}`, state: PENDING });
      },
      irq_handler_exit: (t, cpu, _irq, ret) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const args = `{"ret":${q(ret !== 0 ? "handled" : "unhandled")}}`;
        const h = this.handlers[cpu];
        if (h !== null && h !== undefined && h.dev >= 0) this.sampleRing(h.dev);
        // IRQ_WAKE_THREAD (include/linux/irqreturn.h): __irq_wake_thread() follows.
        if (ret === IRQ_WAKE_THREAD) {
          this.wakeExit = { cpu, t, args };
          return;
        }
        this.end(tr, t, args);
        this.handlers[cpu] = null;
      },
      local_timer_entry: (_t, cpu) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.handlers[cpu] = { name: "local_timer", dev: -1, flow: null };
        this.begin(tr, { name: "local_timer (LOC)", cat: "hardirq", args: `{"vector":236}`, state: PENDING });
      },
      local_timer_exit: (t, cpu) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.end(tr, t);
        this.handlers[cpu] = null;
      },
      softirq_raise: (t, cpu, vec) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.instant(tr, t, `raise ${softirqNames[vec] ?? vec}`, "softirq", `{"vec":${vec}}`);
        this.counter(tr.pid, "softirq pending", "mask", k.cpus[cpu]!.softirqPending);
        const h = this.handlers[cpu];
        if (h === null || h === undefined) return;
        // One flow per device (or vector) in flight: an earlier hand-off not yet served
        // is where this one will be served too.
        const waiting = h.dev >= 0 ? this.devFlows : this.vecFlows;
        const key = h.dev >= 0 ? h.dev : cpu * 32 + vec;
        if (waiting.has(key)) return;
        waiting.set(key, this.handlerFlow(h, tr, t, softirqNames[vec] ?? `softirq ${vec}`));
      },
      softirq_entry: (t, cpu, vec) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.counter(tr.pid, "softirq pending", "mask", k.cpus[cpu]!.softirqPending);
        this.begin(tr, { name: softirqNames[vec] ?? `softirq ${vec}`, cat: "softirq", args: `{"vec":${vec}}`, state: PENDING });
        const f = this.vecFlows.get(cpu * 32 + vec);
        if (f !== undefined) {
          this.vecFlows.delete(cpu * 32 + vec);
          this.finishFlow(f, tr, t);
        }
      },
      softirq_exit: (t, cpu) => {
        const tr = ct(cpu);
        if (tr !== undefined) this.end(tr, t);
      },
      tasklet_entry: (_t, cpu, id) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const name = String(trace.object("tasklet", id)?.name ?? `tasklet${id}`);
        this.begin(tr, { name, cat: "tasklet", args: `{"tasklet":${q(name)}}`, state: PENDING });
      },
      tasklet_exit: (t, cpu) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.end(tr, t);
        this.sampleRings();
      },
      timer_expire_entry: (_t, cpu, id) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const name = String(trace.object("timer", id)?.name ?? `timer${id}`);
        this.begin(tr, { name, cat: "timer", args: `{"timer":${q(name)}}`, state: PENDING });
      },
      timer_expire_exit: (t, cpu) => {
        const tr = ct(cpu);
        if (tr !== undefined) this.end(tr, t);
      },
      napi_poll: (t, cpu, dev, work, budget) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const name = dev < 0 ? `backlog/${cpu}` : this.devName(dev);
        this.instant(tr, t, `napi_poll ${name}`, "net", `{"work":${work},"budget":${budget}}`);
        if (dev < 0) return;
        this.sampleRing(dev);
        const f = this.devFlows.get(dev);
        if (f !== undefined) {
          this.devFlows.delete(dev);
          this.finishFlow(f, tr, t);
        }
      },
      netif_rx: (t, cpu, pkt, dev) => {
        const h = this.handlers[cpu];
        const tr = ct(cpu);
        if (h === null || h === undefined || tr === undefined) return;
        this.pktFlows.set(dev * 4294967296 + pkt, this.handlerFlow(h, tr, t, "NET_RX"));
      },
      netif_receive_skb: (t, cpu, pkt, dev) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const key = dev * 4294967296 + pkt;
        let f = this.pktFlows.get(key);
        if (f !== undefined) this.pktFlows.delete(key);
        else {
          f = this.devFlows.get(dev);
          if (f !== undefined) this.devFlows.delete(dev);
        }
        if (f !== undefined) {
          if (this.devFlows.get(dev) === f) this.devFlows.delete(dev);
          this.finishFlow(f, tr, t);
        }
      },
      pkt_arrive: (_t, _cpu, dev) => this.sampleRing(dev),
      workqueue_queue_work: (t, cpu, work, reqCpu, poolCpu) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        this.instant(tr, t, `queue_work ${this.workName(work)}`, "workqueue", `{"req_cpu":${reqCpu},"cpu":${poolCpu}}`);
        const h = this.handlers[cpu];
        if (h !== null && h !== undefined && !this.workFlows.has(work)) this.workFlows.set(work, this.handlerFlow(h, tr, t, this.workName(work)));
      },
      workqueue_execute_start: (t, cpu, work) => {
        const tr = ct(cpu);
        if (tr === undefined) return;
        const o = trace.object("work", work);
        const wq = o?.workqueue;
        this.begin(tr, {
          name: this.workName(work),
          cat: "workqueue",
          args: wq === undefined ? `{"work":${work}}` : `{"work":${work},"workqueue":${q(String(wq))}}`,
          state: PENDING,
        });
        const f = this.workFlows.get(work);
        if (f !== undefined) {
          this.workFlows.delete(work);
          this.finishFlow(f, tr, t);
        }
      },
      workqueue_execute_end: (t, cpu) => {
        const tr = ct(cpu);
        if (tr !== undefined) this.end(tr, t);
      },
      workqueue_nr_running: (_t, _cpu, pool, n) => this.counter(WORKQUEUES_PID, `pool ${pool} nr_running`, "nr_running", n),
      irq_thread_wake: (t, cpu, _irq, pid) => {
        const w = this.wakeExit;
        const h = this.handlers[cpu];
        const tr = ct(cpu);
        if (w !== null && w.cpu === cpu && h !== null && h !== undefined && tr !== undefined) {
          // A thread already on a CPU runs its function again without a switch: no
          // visible hand-off. Otherwise the flow ends where it is next switched in.
          const th = this.thread(pid);
          const running = th !== undefined && k.cpus[th.cpu]?.curr === th;
          if (!running && !this.threadFlows.has(pid)) this.threadFlows.set(pid, this.handlerFlow(h, tr, t, this.comm(pid)));
        }
        this.flushWakeExit();
      },
    };
    return TP_NAMES.map((n) => on[n]) as ((t: number, cpu: number, a: number, b: number, c: number) => void)[];
  }

  private flushWakeExit(): void {
    const w = this.wakeExit;
    if (w === null) return;
    this.wakeExit = null;
    const tr = this.cpuTracks[w.cpu];
    if (tr !== undefined) this.end(tr, w.t, w.args);
    this.handlers[w.cpu] = null;
  }

  // --- names -----------------------------------------------------------------------------

  private actionName(irq: number, idx: number): string {
    try {
      const actions = this.sys.k.irq.desc(irq).actions;
      return (actions[idx] ?? actions[0])?.name ?? `irq${irq}`;
    } catch {
      return `irq${irq}`;
    }
  }

  /**
   * The index in sys.nics of the NIC whose driver registered action `idx` of `irq`, or -1:
   * a NIC's actions carry one of its receive queues as dev_id.
   */
  private nicOfAction(irq: number, idx: number): number {
    const key = irq * 64 + idx;
    let dev = this.nicByAction.get(key);
    if (dev === undefined) {
      let owner: unknown = null;
      try {
        owner = this.sys.k.irq.desc(irq).actions[idx]?.dev ?? null;
      } catch {
        owner = null;
      }
      dev = this.sys.nics.findIndex((n) => n.queues.some((q) => q === owner));
      this.nicByAction.set(key, dev);
    }
    return dev;
  }

  private devName(dev: number): string {
    return String(this.sys.k.trace.object("dev", dev)?.name ?? `dev${dev}`);
  }

  private workName(work: number): string {
    const o = this.sys.k.trace.object("work", work);
    return String(o?.function ?? o?.func ?? `work${work}`);
  }

  private thread(pid: number): Thread | undefined {
    let t = this.byPid.get(pid);
    if (t === undefined) {
      // Threads appear during a run (kworkers): refresh the index on a miss.
      for (const th of this.sys.k.threads) this.byPid.set(th.pid, th);
      t = this.byPid.get(pid);
    }
    return t;
  }

  private comm(pid: number): string {
    return this.thread(pid)?.comm ?? `pid ${pid}`;
  }

  private threadSlice(pid: number, cpu: number): Slice {
    const t = this.thread(pid);
    const comm = t?.comm ?? `pid ${pid}`;
    return { name: comm, cat: "task", args: `{"pid":${pid},"prio":${t?.prio ?? 120},"cpu":${cpu}}`, state: PENDING };
  }

  private threadTrack(pid: number): Track {
    let tr = this.threadTracks.get(pid);
    if (tr === undefined) {
      tr = { pid: THREADS_PID, tid: pid, stack: [] };
      this.threadTracks.set(pid, tr);
      this.meta(`{"name":"thread_name","ph":"M","pid":${THREADS_PID},"tid":${pid},"args":{"name":${q(this.comm(pid))}}}`);
      this.meta(`{"name":"thread_sort_index","ph":"M","pid":${THREADS_PID},"tid":${pid},"args":{"sort_index":${pid}}}`);
    }
    return tr;
  }

  // --- counters ------------------------------------------------------------------------

  private sampleRings(): void {
    for (let i = 0; i < this.sys.nics.length; i++) this.sampleRing(i);
  }

  private sampleRing(dev: number): void {
    const nic = this.sys.nics[dev];
    if (nic !== undefined) this.counter(DEVICES_PID, `${nic.spec.name} rx ring fill`, "descriptors", nic.ringFill);
  }

  /** A counter sample, written only when the value changed (and again at the window's start). */
  private counter(pid: number, name: string, key: string, value: number): void {
    const id = `${pid}:${name}`;
    let c = this.counters.get(id);
    if (c === undefined) {
      c = { pid, name, key, value: Number.NaN };
      this.counters.set(id, c);
      if (pid === WORKQUEUES_PID && ![...this.counters.values()].some((o) => o !== c && o.pid === WORKQUEUES_PID)) {
        this.meta(`{"name":"process_name","ph":"M","pid":${WORKQUEUES_PID},"args":{"name":"workqueues"}}`);
        this.meta(`{"name":"process_sort_index","ph":"M","pid":${WORKQUEUES_PID},"args":{"sort_index":${this.sys.k.cpus.length + 2}}}`);
      }
    }
    if (c.value === value) return;
    c.value = value;
    this.point(this.sys.k.now, () => `{"name":${q(name)},"ph":"C","ts":${chromeTs(this.sys.k.now)},"pid":${pid},"args":{${q(key)}:${value}}}`);
  }

  // --- flows -----------------------------------------------------------------------------

  /**
   * The flow out of handler `h`, started at its first hand-off. The start ("s") is
   * written right away, inside the handler's slice: on equal timestamps Perfetto takes
   * events in file order, so an "s" written after the slice's "E" would bind elsewhere.
   * Its end is named after the bottom half the handler's device hands work to.
   */
  private handlerFlow(h: HandlerCtx, tr: Track, t: number, to: string): Flow {
    if (h.flow !== null) return h.flow;
    const f: Flow = { id: this.nextFlow++, name: `${h.name} -> ${to}`, written: false, done: false };
    h.flow = f;
    if (this.phase !== 1) this.counts.outside_window++;
    else if (!this.canWrite(2)) this.counts.dropped++;
    else {
      f.written = true;
      this.reserved++; // its "f"
      this.write(`{"name":${q(f.name)},"cat":"flow","ph":"s","id":${f.id},"ts":${chromeTs(t)},"pid":${tr.pid},"tid":${tr.tid}}`);
    }
    return f;
  }

  /** The flow's end ("f", bound to the enclosing slice: the bottom half doing the work). */
  private finishFlow(f: Flow, tr: Track, t: number): void {
    if (f.done) return;
    f.done = true;
    if (!f.written) {
      if (this.phase === 1 && this.truncated) this.counts.dropped++;
      else this.counts.outside_window++;
      return;
    }
    this.reserved--;
    if (this.phase !== 1) {
      this.counts.outside_window++;
      return;
    }
    this.write(`{"name":${q(f.name)},"cat":"flow","ph":"f","bp":"e","id":${f.id},"ts":${chromeTs(t)},"pid":${tr.pid},"tid":${tr.tid}}`);
  }

  // --- slices, the window and the limit -------------------------------------------------

  private advanceWindow(time: number): void {
    if (this.phase === 0 && time >= this.window.from) this.openWindow(this.window.from);
    if (this.phase === 1 && time >= this.window.to) this.closeWindow(this.window.to);
  }

  /** Slices open at the window's start are cut there; counters restart with their value. */
  private openWindow(at: number): void {
    this.phase = 1;
    for (const tr of this.allTracks()) for (const s of tr.stack) if (s.state === PENDING) this.writeBegin(tr, s, at);
    for (const c of this.counters.values()) {
      if (Number.isNaN(c.value)) continue;
      this.point(at, () => `{"name":${q(c.name)},"ph":"C","ts":${chromeTs(at)},"pid":${c.pid},"args":{${q(c.key)}:${c.value}}}`);
    }
  }

  /** Slices still open at the window's end are closed there. */
  private closeWindow(at: number): void {
    for (const tr of this.allTracks()) {
      for (let i = tr.stack.length - 1; i >= 0; i--) {
        const s = tr.stack[i]!;
        if (s.state === WRITTEN) {
          this.write(`{"ph":"E","ts":${chromeTs(at)},"pid":${tr.pid},"tid":${tr.tid}}`);
          this.reserved--;
        }
        s.state = PENDING;
      }
    }
    this.phase = 2;
  }

  private allTracks(): Track[] {
    return [...this.cpuTracks, ...[...this.threadTracks.entries()].sort((x, y) => x[0] - y[0]).map(([, tr]) => tr)];
  }

  private begin(tr: Track, s: Slice): void {
    tr.stack.push(s);
    if (this.phase === 1) this.writeBegin(tr, s, this.sys.k.now);
    else this.counts.outside_window++;
  }

  private writeBegin(tr: Track, s: Slice, at: number): void {
    if (!this.canWrite(2)) {
      s.state = DROPPED;
      this.counts.dropped++;
      return;
    }
    s.state = WRITTEN;
    this.reserved++;
    this.write(`{"name":${q(s.name)},"cat":${q(s.cat)},"ph":"B","ts":${chromeTs(at)},"pid":${tr.pid},"tid":${tr.tid},"args":${s.args}}`);
  }

  private end(tr: Track, t: number, args = ""): void {
    const s = tr.stack.pop();
    if (s === undefined) return;
    if (s.state === WRITTEN) {
      this.reserved--;
      this.write(`{"ph":"E","ts":${chromeTs(t)},"pid":${tr.pid},"tid":${tr.tid}${args === "" ? "" : `,"args":${args}`}}`);
    } else if (this.phase === 1) this.counts.dropped++;
    else this.counts.outside_window++;
  }

  private instant(tr: Track, t: number, name: string, cat: string, args: string): void {
    this.point(t, () => `{"name":${q(name)},"cat":${q(cat)},"ph":"i","s":"t","ts":${chromeTs(t)},"pid":${tr.pid},"tid":${tr.tid},"args":${args}}`);
  }

  /** A single event at `t`: written if inside the window and under the limit. */
  private point(t: number, json: () => string): void {
    if (this.phase !== 1 || t < this.window.from || t >= this.window.to) {
      this.counts.outside_window++;
      return;
    }
    if (!this.canWrite(1)) {
      this.counts.dropped++;
      return;
    }
    this.write(json());
  }

  /** Room for `n` more events plus the E events already owed? Once refused, always refused. */
  private canWrite(n: number): boolean {
    if (this.truncated) return false;
    if (this.counts.written + this.reserved + n > this.limit) {
      this.truncated = true;
      return false;
    }
    return true;
  }

  private write(json: string): void {
    this.file.write(this.sep + json);
    this.sep = ",\n";
    this.counts.written++;
  }

  /** Metadata (names, sort order): not trace events, not counted, never cut. */
  private meta(json: string): void {
    this.file.write(this.sep + json);
    this.sep = ",\n";
  }
}

function runnableSlice(): Slice {
  return { name: "Runnable", cat: "sched", args: "{}", state: PENDING };
}

function runningSlice(cpu: number): Slice {
  return { name: "Running", cat: "sched", args: `{"cpu":${cpu}}`, state: PENDING };
}
