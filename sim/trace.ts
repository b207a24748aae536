/**
 * The ordered event history of a run. Every kernel-visible step (an IRQ handler starting,
 * a softirq raised, a thread switched in, a packet arriving) is emitted here as a trace
 * point with integer arguments. Two things consume it:
 *  - the fingerprint: a 64-bit hash over (point, time, cpu, args) in emission order, so
 *    the same scenario + seed always yields the same fingerprint (ARCHITECTURE.md section 2);
 *  - listeners (trace exporters, the dashboard's event log), which resolve ids to names.
 * Names are the kernel's tracepoint names (include/trace/events/*.h).
 */

export const TP = {
  irq_handler_entry: 0, // a = irq, b = action index in the line's chain
  irq_handler_exit: 1, // a = irq, b = ret (IRQ_NONE 0 / IRQ_HANDLED 1 / IRQ_WAKE_THREAD 2), c = action index
  softirq_raise: 2, // a = vec
  softirq_entry: 3, // a = vec
  softirq_exit: 4, // a = vec
  sched_switch: 5, // a = prev pid, b = next pid, c = prev state (0 runnable, 1 sleeping, 2 dead)
  sched_wakeup: 6, // a = pid, b = target cpu
  irq_assert: 7, // a = irq (device asserted its line; not a kernel tracepoint)
  irq_latch: 8, // a = irq (held pending on a CPU with IRQs off)
  pkt_arrive: 9, // a = device index, b = packet id
  pkt_drop: 10, // a = device index, b = packet id, c = drop reason index
  pkt_deliver: 11, // a = task pid, b = packet id
  netif_rx: 12, // a = packet id, b = device index, c = len
  printk: 13, // a = dmesg line index
  napi_poll: 14, // a = device index (-1 backlog), b = work, c = budget (weight)
  netif_receive_skb: 15, // a = packet id, b = device index, c = len
  tasklet_entry: 16, // a = tasklet id
  tasklet_exit: 17, // a = tasklet id
  workqueue_queue_work: 18, // a = work id, b = req_cpu, c = cpu
  workqueue_activate_work: 19, // a = work id
  workqueue_execute_start: 20, // a = work id
  workqueue_execute_end: 21, // a = work id
  local_timer_entry: 22, // a = vector (the LOC descriptor's irq, negative)
  local_timer_exit: 23, // a = vector
  timer_expire_entry: 24, // a = timer id
  timer_expire_exit: 25, // a = timer id
  workqueue_nr_running: 26, // a = pool id, b = nr_running (not a kernel tracepoint)
  irq_thread_wake: 27, // a = irq, b = thread pid (not a kernel tracepoint)
} as const;

/**
 * Kinds of kernel objects that trace points refer to by id. Exporters look up names
 * (a device's name, a tasklet's function, a work item's workqueue) through
 * `Trace.object(kind, id)`; registering costs nothing on the hot path.
 */
export type TraceObjectKind = "dev" | "tasklet" | "work" | "timer";
export type TraceObjectInfo = Readonly<Record<string, string | number>>;

/**
 * Tables of names that trace arguments index (a softirq vector, a drop reason). The
 * subsystem that owns a table registers it at boot, so exporters and front-ends name
 * the numbers without importing the subsystem.
 */
export type TraceNameTable = "softirq" | "drop_reason";

export type TracePoint = (typeof TP)[keyof typeof TP];
export const TP_NAMES: readonly string[] = Object.keys(TP);

export type TraceListener = (tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number) => void;

/**
 * A latency a subsystem measured: where (`stage`, e.g. "irq_entry", "tasklet_start"), how
 * long, and the id of the object measured (an IRQ, a tasklet, a workqueue) or -1.
 */
export type MeasureListener = (stage: string, ns: number, id: number) => void;

const INV_TWO_32 = 1 / 4294967296;

export class Trace {
  /** Trace points emitted so far. */
  count = 0;
  private h1 = 0x811c9dc5;
  private h2 = 0x27d4eb2f;
  private readonly listeners: TraceListener[] = [];
  private readonly measureListeners: MeasureListener[] = [];
  private readonly objects = new Map<string, TraceObjectInfo>();
  private readonly nameTables = new Map<TraceNameTable, readonly string[]>();
  /** The words of the trace point being hashed (two murmur3-style 32-bit lanes). */
  private readonly words = new Float64Array(7);

  constructor(private readonly clock: { readonly now: number }) {}

  on(listener: TraceListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /**
   * Latencies travel beside the trace points, not as trace points: they are not in the
   * fingerprint. Whoever builds the run's latency stages listens here, in one place.
   */
  onMeasure(listener: MeasureListener): () => void {
    this.measureListeners.push(listener);
    return () => {
      const i = this.measureListeners.indexOf(listener);
      if (i >= 0) this.measureListeners.splice(i, 1);
    };
  }

  measure(stage: string, ns: number, id = -1): void {
    const ls = this.measureListeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(stage, ns, id);
  }

  registerObject(kind: TraceObjectKind, id: number, info: TraceObjectInfo): void {
    this.objects.set(`${kind}:${id}`, info);
  }

  object(kind: TraceObjectKind, id: number): TraceObjectInfo | undefined {
    return this.objects.get(`${kind}:${id}`);
  }

  registerNames(table: TraceNameTable, names: readonly string[]): void {
    this.nameTables.set(table, names);
  }

  /** A registered table of names; empty when no subsystem registered it (not booted). */
  names(table: TraceNameTable): readonly string[] {
    return this.nameTables.get(table) ?? [];
  }

  emit(tp: TracePoint, cpu: number, a = 0, b = 0, c = 0): void {
    const t = this.clock.now;
    this.count++;
    // The seven words go through a scratch array and one loop with both hash lanes in
    // locals: this runs for every trace point of every run, and a call per word showed in
    // profiles. t is a non-negative integer below 2^53: `>>> 0` is t mod 2^32, and
    // scaling by the power of two 2^-32 is exact (both cheaper than % and / on doubles).
    const w = this.words;
    w[0] = tp;
    w[1] = t >>> 0;
    w[2] = Math.floor(t * INV_TWO_32);
    w[3] = cpu;
    w[4] = a;
    w[5] = b;
    w[6] = c;
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < 7; i++) {
      const v = w[i]!;
      const k = v >>> 0;
      let h = h1 ^ Math.imul(k, 0xcc9e2d51);
      h1 = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
      h = h2 ^ Math.imul(k ^ (v < 0 ? 0xffffffff : 0), 0x1b873593);
      h2 = Math.imul((h << 15) | (h >>> 17), 0x85ebca6b) + 0x165667b1;
    }
    this.h1 = h1;
    this.h2 = h2;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(tp, t, cpu, a, b, c);
  }

  /** 16 hex digits; stable across machines and Node versions (integer math only). */
  fingerprint(): string {
    const a = fmix(this.h1 ^ this.count);
    const b = fmix(this.h2 ^ Math.imul(this.count, 0x9e3779b1));
    return hex8(a) + hex8(b);
  }
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, "0");
}
