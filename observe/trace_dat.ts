/**
 * `run --trace FILE --trace-format dat`: a trace-cmd `trace.dat` file (version 6, the
 * format trace-cmd 3.x and KernelShark read; trace-cmd's Documentation/trace-cmd/
 * trace-cmd.dat.v6.5.txt), holding the same events as the ftrace text of the same window:
 *
 *   magic "\x17\x08\x44tracing", "6\0", endianness, sizeof(long), page size;
 *   header_page and header_event (the ring buffer's own layout descriptions);
 *   no ftrace-internal formats, then every event system irqsim emits with the format
 *   files (observe/trace_dat_format.ts); kallsyms (the functions `%ps` prints); printk
 *   formats (none); saved_cmdlines (the task list: pid and comm of every task); the
 *   CPU count; "flyrecord" and, per CPU, the offset and size of its ring-buffer pages.
 *
 * Each CPU's events go into 4096-byte ring-buffer pages as kernel/trace/ring_buffer.c
 * writes them: a page header (u64 timestamp of the page, u64 commit = data bytes used),
 * then events with a 32-bit header (type_len:5 = payload words, time_delta:27 = ns since
 * the previous event), a TIME_EXTEND event (type 30) before a delta that does not fit in
 * 27 bits. Records start with struct trace_entry (common_type, common_flags,
 * common_preempt_count, common_pid), whose flags are the irq-info characters the ftrace
 * text shows, in their TRACE_FLAG_* bits (include/linux/trace_events.h).
 *
 * Which events, in which order, and which are cut by --trace-limit: exactly as
 * FtraceWriter does it, so `trace-cmd report` and the ftrace text list the same events.
 */
import type { System } from "../system/boot.js";
import {
  eventNames,
  ftraceContext,
  ftraceNames,
  hashedPointer,
  INIT_NET_COOKIE,
  latencyFlags,
  LOCAL_TIMER_VECTOR,
  NO_DEV,
  schedSwitchState,
  TASK_COMM_MAX,
  workReqCpu,
  type FtraceNames,
  type TraceCounts,
} from "./ftrace.js";
import type { Thread } from "../sim/thread.js";
import { TP_NAMES, type TracePoint } from "../sim/trace.js";
import type { TraceFile } from "./trace_file.js";
import { TraceOrder, type TraceWindow } from "./trace_window.js";
import {
  DAT_EVENTS,
  eventFormatText,
  HEADER_EVENT,
  HEADER_PAGE,
  PAGE_DATA_SIZE,
  PAGE_HEADER_SIZE,
  PAGE_SIZE,
  PREV_STATE,
  type DatEvent,
} from "./trace_dat_format.js";

/** include/linux/trace_events.h enum trace_flag_type. */
const TRACE_FLAG_IRQS_OFF = 0x01;
const TRACE_FLAG_NEED_RESCHED = 0x04;
const TRACE_FLAG_HARDIRQ = 0x08;
const TRACE_FLAG_SOFTIRQ = 0x10;
const TRACE_FLAG_PREEMPT_RESCHED = 0x20;
const TRACE_FLAG_NMI = 0x40;
const TRACE_FLAG_BH_OFF = 0x80;

/** kernel/trace/ring_buffer.c: RINGBUF_TYPE_TIME_EXTEND, the 27-bit delta, the largest small event. */
const RINGBUF_TYPE_TIME_EXTEND = 30;
const TS_SHIFT = 27;
const TS_DELTA_LIMIT = 2 ** TS_SHIFT;
const RB_MAX_SMALL_DATA_WORDS = 28;

/** Where kallsyms places the functions `%ps` resolves: the x86_64 kernel text base. */
const KERNEL_TEXT = 0xffffffff81000000n;
const SYMBOL_STRIDE = 0x40n;

/**
 * The trace_entry flag bits and preempt count behind the five irq-info characters
 * (the inverse of trace_print_lat_fmt()).
 */
export function entryFlags(lat: string): { flags: number; preemptCount: number } {
  const [irq, need, ctx, depth, migrate] = lat;
  let flags = 0;
  if (irq === "D") flags |= TRACE_FLAG_IRQS_OFF | TRACE_FLAG_BH_OFF;
  else if (irq === "d") flags |= TRACE_FLAG_IRQS_OFF;
  else if (irq === "b") flags |= TRACE_FLAG_BH_OFF;
  if (need === "N") flags |= TRACE_FLAG_NEED_RESCHED | TRACE_FLAG_PREEMPT_RESCHED;
  else if (need === "n") flags |= TRACE_FLAG_NEED_RESCHED;
  else if (need === "p") flags |= TRACE_FLAG_PREEMPT_RESCHED;
  if (ctx === "Z") flags |= TRACE_FLAG_NMI | TRACE_FLAG_HARDIRQ;
  else if (ctx === "z") flags |= TRACE_FLAG_NMI;
  else if (ctx === "H") flags |= TRACE_FLAG_HARDIRQ | TRACE_FLAG_SOFTIRQ;
  else if (ctx === "h") flags |= TRACE_FLAG_HARDIRQ;
  else if (ctx === "s") flags |= TRACE_FLAG_SOFTIRQ;
  const hex = (c: string | undefined): number => (c === undefined || c === "." ? 0 : parseInt(c, 16));
  return { flags, preemptCount: hex(depth) | (hex(migrate) << 4) };
}

type Value = number | bigint | string;

/** One CPU's ring buffer: full pages, and the page being filled. */
class CpuBuffer {
  readonly pages: Buffer[] = [];
  private page: Buffer | null = null;
  private used = 0;
  private last = 0;

  add(time: number, payload: Buffer): void {
    const words = payload.length / 4;
    // Over 28 words: type_len 0 and the length (payload + this word) in array[0]
    // (ring_buffer.c rb_update_event()).
    const head = words > RB_MAX_SMALL_DATA_WORDS ? 8 : 4;
    let delta = time - this.last;
    let need = head + payload.length + (delta >= TS_DELTA_LIMIT ? 8 : 0);
    if (head + payload.length > PAGE_DATA_SIZE) throw new Error(`trace.dat: a record of ${payload.length} bytes does not fit in a ring-buffer page`);
    if (this.page === null || this.used + need > PAGE_DATA_SIZE) {
      this.newPage(time);
      delta = 0;
      need = head + payload.length;
    }
    const p = this.page!;
    let at = PAGE_HEADER_SIZE + this.used;
    if (delta >= TS_DELTA_LIMIT) {
      p.writeUInt32LE((RINGBUF_TYPE_TIME_EXTEND | ((delta % TS_DELTA_LIMIT) << 5)) >>> 0, at);
      p.writeUInt32LE(Math.floor(delta / TS_DELTA_LIMIT), at + 4);
      at += 8;
      delta = 0;
    }
    if (head === 4) p.writeUInt32LE((words | (delta << 5)) >>> 0, at);
    else {
      p.writeUInt32LE((delta << 5) >>> 0, at);
      p.writeUInt32LE(payload.length + 4, at + 4);
    }
    payload.copy(p, at + head);
    this.used += need;
    this.last = time;
    p.writeBigUInt64LE(BigInt(this.used), 8); // commit
  }

  private newPage(time: number): void {
    this.page = Buffer.alloc(PAGE_SIZE);
    this.page.writeBigUInt64LE(BigInt(time), 0);
    this.used = 0;
    this.last = time;
    this.pages.push(this.page);
  }
}

export class TraceDatWriter {
  readonly counts: TraceCounts = { written: 0, dropped: 0, outside_window: 0 };
  private readonly names: FtraceNames;
  private readonly byTp: (DatEvent | null)[];
  private readonly detach: () => void;
  private readonly cpus: CpuBuffer[];
  /** Functions and objects `%ps` prints, by name, with their made-up kernel addresses. */
  private readonly symbols = new Map<string, bigint>();
  /** Every task seen, for saved_cmdlines. */
  private readonly tasks = new Map<number, string>();
  private readonly order: TraceOrder<{ time: number; payload: Buffer }>;

  constructor(
    private readonly sys: System,
    private readonly file: TraceFile,
    private readonly window: TraceWindow,
    limit: number,
  ) {
    this.names = ftraceNames(sys);
    const shown = new Set(eventNames());
    const byName = new Map(DAT_EVENTS.map((e) => [e.name, e]));
    this.byTp = TP_NAMES.map((n) => (shown.has(n) ? (byName.get(n) ?? null) : null));
    this.cpus = sys.k.cpus.map(() => new CpuBuffer());
    this.order = new TraceOrder(limit, this.counts, (r, cpu) => this.cpus[cpu]!.add(r.time, r.payload));
    for (const t of sys.k.threads) this.task(t);
    this.detach = sys.k.trace.on((tp, time, cpu, a, b, c) => this.event(tp, time, cpu, a, b, c));
  }

  private task(t: Thread): string {
    const comm = t.comm.slice(0, TASK_COMM_MAX);
    if (!t.idle) this.tasks.set(t.pid, comm);
    return comm;
  }

  private sym(name: string): bigint {
    let addr = this.symbols.get(name);
    if (addr === undefined) {
      addr = KERNEL_TEXT + BigInt(this.symbols.size + 1) * SYMBOL_STRIDE;
      this.symbols.set(name, addr);
    }
    return addr;
  }

  /** The event's fields in format order, or null where the ftrace text shows no line. */
  private values(e: DatEvent, cpu: number, a: number, b: number, c: number): Value[] | null {
    const n = this.names;
    const p = (kind: string, id: number, id2 = 0): bigint => BigInt("0x" + hashedPointer(kind, id, id2));
    switch (e.name) {
      case "irq_handler_entry":
        return [a, n.actionName(a, b)];
      case "irq_handler_exit":
        return [a, b];
      case "softirq_raise":
      case "softirq_entry":
      case "softirq_exit":
        return [a];
      case "tasklet_entry":
      case "tasklet_exit":
        return [this.sym(n.taskletName(a)), this.sym(n.taskletFunction(a))];
      case "napi_poll":
        return [a < 0 ? p("backlog", cpu) : p("napi", a), a < 0 ? NO_DEV : n.devName(a), b, c];
      case "netif_rx":
      case "netif_receive_skb":
        return [p("skb", b, a), c, n.devName(b), INIT_NET_COOKIE];
      case "workqueue_queue_work":
        return [p("work", a), this.sym(n.workFn(a)), n.workqueue(a), workReqCpu(b), c];
      case "workqueue_activate_work":
      case "workqueue_execute_start":
      case "workqueue_execute_end":
        return [p("work", a), this.sym(n.workFn(a))];
      case "sched_switch": {
        const prev = n.thread(a, cpu);
        const next = n.thread(b, cpu);
        if (prev === undefined || next === undefined) return null;
        return [this.task(prev), prev.pid, prev.prio, PREV_STATE[schedSwitchState(c, prev)]!, this.task(next), next.pid, next.prio];
      }
      case "sched_wakeup": {
        const t = n.thread(a, cpu);
        return t === undefined ? null : [this.task(t), t.pid, t.prio, b];
      }
      case "local_timer_entry":
      case "local_timer_exit":
        return [LOCAL_TIMER_VECTOR];
      case "timer_expire_entry": {
        const j = n.jiffies();
        return [p("timer", a), j, this.sym(n.timerFunction(a)), j];
      }
      case "timer_expire_exit":
        return [p("timer", a)];
      default:
        return null;
    }
  }

  private event(tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number): void {
    const e = this.byTp[tp];
    if (e === undefined || e === null || cpu < 0) return;
    if (time < this.window.from || time >= this.window.to) {
      this.counts.outside_window++;
      return;
    }
    const cp = this.sys.k.cpus[cpu];
    if (cp === undefined) return;
    const vals = this.values(e, cpu, a, b, c);
    if (vals === null) return;
    const ctx = ftraceContext(e.name);
    const { flags, preemptCount } = entryFlags(latencyFlags(cp, ctx.extraDepth, ctx.irqsOff, ctx.clearNeedResched));
    this.task(cp.curr);
    this.order.push(time, cpu, { time, payload: encodeRecord(e, flags, preemptCount, cp.curr.pid, vals) });
  }

  /** Stops listening, writes the file and renames it into place. */
  finish(): TraceCounts {
    this.detach();
    this.order.flush();
    const head = this.header();
    // CPU data starts page-aligned after the header and the per-CPU offset/size table.
    const tableAt = head.length;
    let at = Math.ceil((tableAt + 16 * this.cpus.length) / PAGE_SIZE) * PAGE_SIZE;
    const table = Buffer.alloc(16 * this.cpus.length);
    this.cpus.forEach((cb, i) => {
      const size = cb.pages.length * PAGE_SIZE;
      table.writeBigUInt64LE(BigInt(at), 16 * i);
      table.writeBigUInt64LE(BigInt(size), 16 * i + 8);
      at += size;
    });
    this.file.writeBytes(head);
    this.file.writeBytes(table);
    this.file.writeBytes(Buffer.alloc(Math.ceil((tableAt + table.length) / PAGE_SIZE) * PAGE_SIZE - tableAt - table.length));
    for (const cb of this.cpus) for (const page of cb.pages) this.file.writeBytes(page);
    this.file.commit();
    return this.counts;
  }

  abort(): void {
    this.detach();
    this.file.abort();
  }

  /** Everything before the per-CPU table (trace-cmd.dat.v6.5.txt, in order). */
  private header(): Buffer {
    const parts: Buffer[] = [];
    const u8 = (v: number): void => void parts.push(Buffer.from([v]));
    const u16 = (v: number): void => {
      const b = Buffer.alloc(2);
      b.writeUInt16LE(v);
      parts.push(b);
    };
    const u32 = (v: number): void => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v);
      parts.push(b);
    };
    const u64 = (v: number): void => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      parts.push(b);
    };
    const text = (s: string): void => void parts.push(Buffer.from(s, "latin1"));
    const sized64 = (s: string): void => {
      u64(Buffer.byteLength(s, "latin1"));
      text(s);
    };
    const sized32 = (s: string): void => {
      u32(Buffer.byteLength(s, "latin1"));
      text(s);
    };

    parts.push(Buffer.from([0x17, 0x08, 0x44]));
    text("tracing");
    text("6\0");
    u8(0); // little endian
    u8(8); // sizeof(long) on x86_64
    u32(PAGE_SIZE);
    text("header_page\0");
    sized64(HEADER_PAGE);
    text("header_event\0");
    sized64(HEADER_EVENT);
    u32(0); // no ftrace-internal (function tracer) formats: the nop tracer with events
    const systems = [...new Set(DAT_EVENTS.map((e) => e.system))];
    u32(systems.length);
    for (const s of systems) {
      text(`${s}\0`);
      const events = DAT_EVENTS.filter((e) => e.system === s);
      u32(events.length);
      for (const e of events) sized64(eventFormatText(e));
    }
    // /proc/kallsyms: "address type name" per line.
    sized32([...this.symbols].map(([name, addr]) => `${addr.toString(16)} t ${name}\n`).join(""));
    sized32(""); // printk_formats: no trace_printk()
    // saved_cmdlines: "pid comm" per line; pid 0 is <idle> to every reader.
    sized64([...this.tasks].sort((x, y) => x[0] - y[0]).map(([pid, comm]) => `${pid} ${comm}\n`).join(""));
    u32(this.cpus.length);
    text("options  \0");
    u16(0); // no options
    text("flyrecord\0");
    return Buffer.concat(parts);
  }
}

/** struct trace_entry + the event's fields + its __data_loc strings, padded to 4 bytes. */
export function encodeRecord(e: DatEvent, flags: number, preemptCount: number, pid: number, vals: Value[]): Buffer {
  const strings: Buffer[] = [];
  let dyn = e.fixedSize;
  e.fields.forEach((f, i) => {
    if (f.kind !== "loc") return;
    const b = Buffer.from(`${String(vals[i])}\0`, "latin1");
    strings.push(b);
    dyn += b.length;
  });
  const rec = Buffer.alloc(Math.ceil(dyn / 4) * 4);
  rec.writeUInt16LE(e.id, 0);
  rec.writeUInt8(flags, 2);
  rec.writeUInt8(preemptCount, 3);
  rec.writeInt32LE(pid, 4);
  let strAt = e.fixedSize;
  let si = 0;
  e.fields.forEach((f, i) => {
    const v = vals[i]!;
    if (f.kind === "loc") {
      const b = strings[si++]!;
      rec.writeUInt32LE(((b.length << 16) | strAt) >>> 0, f.offset);
      b.copy(rec, strAt);
      strAt += b.length;
    } else if (f.kind === "chars") {
      rec.write(String(v).slice(0, f.size - 1), f.offset, "latin1");
    } else if (f.size === 8) {
      const big = typeof v === "bigint" ? v : BigInt(v as number);
      if (f.signed) rec.writeBigInt64LE(big, f.offset);
      else rec.writeBigUInt64LE(BigInt.asUintN(64, big), f.offset);
    } else if (f.signed) rec.writeInt32LE(Number(v), f.offset);
    else rec.writeUInt32LE(Number(v) >>> 0, f.offset);
  });
  return rec;
}
