/**
 * The per-CPU timeline of `run --svg`/`--html`: what each CPU was doing in a window of the
 * run, lane by lane (hardirq, softirq, thread, idle), the moments devices asserted their
 * IRQ lines, and arrows for the hand-offs between contexts: a softirq raised in one
 * context to the softirq run that served it (kernel/softirq.c raise_softirq ->
 * handle_softirqs), and a wake-up to the moment the woken task got the CPU
 * (try_to_wake_up -> __schedule). A static picture of what the Chrome trace shows in
 * Perfetto, built from the same trace points.
 */
import type { System } from "../system/boot.js";
import { TP, type TracePoint } from "../sim/trace.js";
import { SOFTIRQ_NAMES } from "../softirq/softirq.js";

export type Lane = "hardirq" | "softirq" | "thread" | "idle";
export const LANES: readonly Lane[] = ["hardirq", "softirq", "thread", "idle"];

export interface Span {
  cpu: number;
  lane: Lane;
  start: number;
  end: number;
  label: string;
}

export interface IrqMark {
  irq: number;
  time: number;
}

export interface Handoff {
  kind: "softirq" | "wakeup";
  from: { time: number; cpu: number; lane: Lane };
  to: { time: number; cpu: number; lane: Lane };
  label: string;
}

export interface Timeline {
  from: number;
  to: number;
  cpus: number;
  spans: Span[];
  irqs: IrqMark[];
  handoffs: Handoff[];
  /** Items not drawn because the picture reached its size limit. */
  cut: number;
}

/** Past this many spans a picture is unreadable and the SVG large: the rest is counted, not drawn. */
export const MAX_ITEMS = 4000;

interface Open {
  start: number;
  label: string;
}

export class TimelineCollector {
  private readonly spans: Span[] = [];
  private readonly irqs: IrqMark[] = [];
  private readonly handoffs: Handoff[] = [];
  private cut = 0;
  private readonly hard: Open[][];
  private readonly soft: Open[][];
  private readonly task: (Open & { idle: boolean })[];
  /** Raised and not yet served: per CPU, per vector. */
  private readonly raised: Map<number, Handoff["from"]>[];
  /** Woken and not yet run: per pid. */
  private readonly woken = new Map<number, Handoff["from"]>();
  private readonly detach: () => void;

  constructor(
    private readonly sys: System,
    readonly from: number,
    readonly to: number,
  ) {
    const cpus = sys.k.cpus;
    this.hard = cpus.map(() => []);
    this.soft = cpus.map(() => []);
    this.raised = cpus.map(() => new Map());
    this.task = cpus.map((c) => ({ start: 0, label: c.curr.idle ? "idle" : c.curr.comm, idle: c.curr.idle }));
    this.detach = sys.k.trace.on((tp, t, cpu, a, b) => this.event(tp, t, cpu, a, b));
  }

  private push(s: Span): void {
    const start = Math.max(s.start, this.from);
    const end = Math.min(s.end, this.to);
    if (end <= start) return; // outside the window (or of no length): nothing to draw
    if (this.count() >= MAX_ITEMS) {
      this.cut++;
      return;
    }
    this.spans.push({ ...s, start, end });
  }

  private count(): number {
    return this.spans.length + this.irqs.length + this.handoffs.length;
  }

  private laneNow(cpu: number): Lane {
    if (this.hard[cpu]!.length > 0) return "hardirq";
    if (this.soft[cpu]!.length > 0) return "softirq";
    return this.task[cpu]!.idle ? "idle" : "thread";
  }

  private handoff(h: Handoff): void {
    if (h.from.time < this.from || h.to.time >= this.to) return;
    if (this.count() >= MAX_ITEMS) this.cut++;
    else this.handoffs.push(h);
  }

  private event(tp: TracePoint, t: number, cpu: number, a: number, b: number): void {
    if (t >= this.to) return;
    const desc = (irq: number): string => {
      try {
        return this.sys.k.irq.desc(irq).actions[b]?.name ?? `irq ${irq}`;
      } catch {
        return `irq ${irq}`;
      }
    };
    switch (tp) {
      case TP.irq_assert:
        if (t >= this.from) {
          if (this.count() >= MAX_ITEMS) this.cut++;
          else this.irqs.push({ irq: a, time: t });
        }
        return;
      case TP.irq_handler_entry:
      case TP.local_timer_entry:
        this.hard[cpu]?.push({ start: t, label: tp === TP.local_timer_entry ? "local timer" : `${desc(a)} (irq ${a})` });
        return;
      case TP.irq_handler_exit:
      case TP.local_timer_exit: {
        const o = this.hard[cpu]?.pop();
        if (o !== undefined) this.push({ cpu, lane: "hardirq", start: o.start, end: t, label: o.label });
        return;
      }
      case TP.softirq_raise: {
        const m = this.raised[cpu]!;
        if (!m.has(a)) m.set(a, { time: t, cpu, lane: this.laneNow(cpu) });
        return;
      }
      case TP.softirq_entry: {
        const name = SOFTIRQ_NAMES[a] ?? String(a);
        this.soft[cpu]?.push({ start: t, label: name });
        const from = this.raised[cpu]!.get(a);
        this.raised[cpu]!.delete(a);
        if (from !== undefined) this.handoff({ kind: "softirq", from, to: { time: t, cpu, lane: "softirq" }, label: `raise ${name}` });
        return;
      }
      case TP.softirq_exit: {
        const o = this.soft[cpu]?.pop();
        if (o !== undefined) this.push({ cpu, lane: "softirq", start: o.start, end: t, label: o.label });
        return;
      }
      case TP.sched_wakeup:
        if (!this.woken.has(a)) this.woken.set(a, { time: t, cpu, lane: this.laneNow(cpu) });
        return;
      case TP.sched_switch: {
        const cur = this.task[cpu];
        if (cur === undefined) return;
        this.push({ cpu, lane: cur.idle ? "idle" : "thread", start: cur.start, end: t, label: cur.label });
        const next = b === 0 ? undefined : this.sys.k.threads.find((th) => th.pid === b);
        this.task[cpu] = { start: t, label: next === undefined ? "idle" : next.comm, idle: next === undefined };
        const from = this.woken.get(b);
        this.woken.delete(b);
        if (from !== undefined && next !== undefined) this.handoff({ kind: "wakeup", from, to: { time: t, cpu, lane: "thread" }, label: `wake ${next.comm}` });
        return;
      }
      default:
        return;
    }
  }

  /** Stops listening; spans still open run to the end of the window (or of the run). */
  finish(endNs: number): Timeline {
    this.detach();
    const end = Math.min(endNs, this.to);
    this.sys.k.cpus.forEach((_, cpu) => {
      for (const o of this.hard[cpu]!) this.push({ cpu, lane: "hardirq", start: o.start, end, label: o.label });
      for (const o of this.soft[cpu]!) this.push({ cpu, lane: "softirq", start: o.start, end, label: o.label });
      const cur = this.task[cpu]!;
      this.push({ cpu, lane: cur.idle ? "idle" : "thread", start: cur.start, end, label: cur.label });
    });
    this.spans.sort((x, y) => x.cpu - y.cpu || x.start - y.start || LANES.indexOf(x.lane) - LANES.indexOf(y.lane));
    return { from: this.from, to: end, cpus: this.sys.k.cpus.length, spans: this.spans, irqs: this.irqs, handoffs: this.handoffs, cut: this.cut };
  }
}
