/**
 * ftrace text, byte for byte as `cat /sys/kernel/tracing/trace` prints it on Linux 7.1.3
 * with the nop tracer and trace events enabled (the default `irq-info` option, no tgid):
 *
 *   # tracer: nop
 *   ...
 *             <idle>-0       [000] d.h..     0.000123: irq_handler_entry: irq=24 name=nic0
 *
 * Sources (Linux 7.1.3):
 *  - kernel/trace/trace.c: s_show() prints `# tracer: %s` and `#`; print_event_info() the
 *    entries line; print_func_help_header_irq() the flags legend and column header;
 *    __find_next_entry() merges the per-CPU buffers by timestamp, the lowest CPU first
 *    on a tie (`ts < next_ts`); ns2usecs() rounds to the nearest microsecond.
 *  - kernel/trace/trace_output.c: trace_print_context() (`%16s-%-7d `, `[%03d] `, the
 *    flags, ` %5lu.%06lu`, `: `), trace_print_lat_fmt() (the 5 flag characters),
 *    trace_raw_output_prep() (`%s: ` event name).
 *  - kernel/trace/trace.c tracing_gen_ctx_irq_test() and include/linux/trace_events.h
 *    tracing_gen_ctx_dec(): what the flags are made of (preempt depth = preempt_count &
 *    0xff as the caller had it; the tracepoint's own preempt_disable is subtracted).
 *  - kernel/trace/trace_sched_switch.c __trace_find_cmdline(): pid 0 prints `<idle>`.
 *  - lib/vsprintf.c ptr_to_id()/pointer_string(): `%p` prints a hashed value masked to
 *    32 bits on 64-bit kernels, as 16 zero-padded hex digits.
 *  - Event layouts (TP_printk): include/trace/events/irq.h, napi.h, net.h, sched.h,
 *    workqueue.h, timer.h; arch/x86/include/asm/trace/irq_vectors.h.
 *
 * This module sits at the composition level: it reads the System (thread names, device
 * names, IRQ actions, live CPU state) to fill in what the integer trace points leave out.
 */
import type { System } from "../system/boot.js";
import type { Cpu } from "../sim/cpu.js";
import type { Thread } from "../sim/thread.js";
import { TP_NAMES, type TracePoint } from "../sim/trace.js";
import { HARDIRQ_MASK, NMI_MASK, SOFTIRQ_OFFSET } from "../sim/preempt.js";
import { NSEC_PER_USEC } from "../sim/time.js";
import type { TraceFile } from "./trace_file.js";
import { TraceOrder, type TraceWindow } from "./trace_window.js";

export type FtraceFormatter = (tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number) => string | null;

/** include/linux/sched.h: TASK_COMM_LEN 16, so comm is at most 15 characters. */
const TASK_COMM_MAX = 15;
/** include/uapi/linux/nsfs.h NET_NS_INIT_ID: init_net's net_cookie (net_namespace.c setup_net). */
const INIT_NET_COOKIE = 7;
/** include/linux/workqueue.h WORK_CPU_UNBOUND = NR_CPUS; distro x86 configs use 8192. */
const WORK_CPU_UNBOUND_PRINTED = 8192;
/** include/trace/events/napi.h NO_DEV: the per-CPU backlog NAPI has no net_device. */
const NO_DEV = "(no_device)";
/** arch/x86/include/asm/irq_vectors.h: LOCAL_TIMER_VECTOR 0xec. */
const LOCAL_TIMER_VECTOR = 0xec;
/**
 * include/linux/jiffies.h INITIAL_JIFFIES = (unsigned long)(unsigned int)(-300*HZ): the
 * counter starts five minutes before its 32-bit wrap, so timer events print large `now=`.
 */
const initialJiffies = (hz: number): number => 4294967296 - 300 * hz;

/**
 * `%p` as trace output shows it: a stable pseudo-address derived from what the pointer
 * points at (kind + ids), masked to 32 bits and printed as 16 hex digits like the kernel's
 * hashed pointers. Deterministic: the same object prints the same value in every run.
 */
export function hashedPointer(kind: string, id: number, id2 = 0): string {
  let h = 0x9747b28c;
  for (let i = 0; i < kind.length; i++) h = Math.imul(h ^ kind.charCodeAt(i), 0x5bd1e995);
  h = Math.imul(h ^ (id >>> 0), 0xcc9e2d51);
  h = Math.imul(h ^ (Math.floor(id / 4294967296) >>> 0), 0x1b873593);
  h = Math.imul(h ^ (id2 >>> 0), 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return "00000000" + (h >>> 0).toString(16).padStart(8, "0");
}

/** ` %5lu.%06lu` after ns2usecs() (kernel/trace/trace.c: rounds to the nearest us). */
export function ftraceTimestamp(ns: number): string {
  const us = Math.floor((ns + 500) / NSEC_PER_USEC);
  const secs = Math.floor(us / 1_000_000);
  return `${String(secs).padStart(5)}.${String(us % 1_000_000).padStart(6, "0")}`;
}

/** `%03d`: at least three digits, zero-padded. */
function pad3(n: number): string {
  return n < 0 ? "-" + String(-n).padStart(2, "0") : String(n).padStart(3, "0");
}

function comm(t: Thread): string {
  return t.comm.slice(0, TASK_COMM_MAX);
}

/**
 * The five irq-info characters of trace_print_lat_fmt() from the CPU's live state:
 * irqs-off/BH-off (`D d b .`), need-resched (`N n .`), hardirq/softirq (`Z z H h s .`),
 * preempt depth (low nibble, `.` for 0), migrate-disable (`.`: nothing here disables it).
 *
 * `extraDepth`/`irqsOff` add what the kernel holds at a trace point that the simulator's
 * process-level state does not show (sched_switch runs under rq lock with IRQs off).
 * need-resched: x86 keeps TIF_NEED_RESCHED and an inverted PREEMPT_NEED_RESCHED bit in
 * preempt_count (arch/x86/include/asm/preempt.h); resched_curr() on the local CPU sets
 * both (`N`), a remote CPU sees only TIF_NEED_RESCHED (`n`) until the reschedule IPI
 * folds it in (scheduler_ipi -> preempt_fold_need_resched).
 */
export function latencyFlags(cpu: Cpu, extraDepth = 0, irqsOff = false, clearNeedResched = false): string {
  const pc = cpu.preemptCount;
  const off = irqsOff || cpu.irqsDisabled;
  // softirq_count() >> (SOFTIRQ_SHIFT + 1): local_bh_disable() adds 2 * SOFTIRQ_OFFSET.
  const bh = (pc & 0xfe00) !== 0;
  const hard = (pc & HARDIRQ_MASK) !== 0;
  const soft = (pc & SOFTIRQ_OFFSET) !== 0;
  const nmi = (pc & NMI_MASK) !== 0;
  const irqsOffChar = off && bh ? "D" : off ? "d" : bh ? "b" : ".";
  const need = clearNeedResched || !cpu.needResched ? "." : cpu.kickEvent.slot >= 0 ? "n" : "N";
  const hs = nmi && hard ? "Z" : nmi ? "z" : hard && soft ? "H" : hard ? "h" : soft ? "s" : ".";
  const depth = Math.min((pc & 0xff) + extraDepth, 0xf);
  return irqsOffChar + need + hs + (depth === 0 ? "." : depth.toString(16)) + ".";
}

type Fields = (time: number, cpu: number, a: number, b: number, c: number) => string | null;

/** How a line is prefixed: the running task, the CPU, the flags and the time. */
export interface Context {
  readonly extraDepth: number;
  readonly irqsOff: boolean;
  readonly clearNeedResched: boolean;
}
const PLAIN: Context = { extraDepth: 0, irqsOff: false, clearNeedResched: false };
/**
 * kernel/sched/core.c __schedule(): local_irq_disable(), rq_lock() (+1), under the
 * preempt_disable() of __schedule_loop() (+1); need_resched is cleared before
 * trace_sched_switch(). Real traces show `d..2.`.
 */
const SCHED_SWITCH: Context = { extraDepth: 2, irqsOff: true, clearNeedResched: false };
/**
 * kernel/sched/core.c try_to_wake_up(): guard(preempt) (+1), p->pi_lock irqsave (+1, IRQs
 * off), rq_lock (+1) in ttwu_queue() before ttwu_do_wakeup() traces it. (Wake-ups the
 * kernel queues to a remote CPU's wake list are traced there; here they are traced by the
 * waker.)
 */
const SCHED_WAKEUP: Context = { extraDepth: 3, irqsOff: true, clearNeedResched: false };

interface EventDef {
  readonly name: string;
  readonly ctx: Context;
  readonly fields: Fields;
}

/**
 * What the integer trace points leave out, looked up in the System when an event is
 * traced: thread by pid, device/action/work/tasklet/timer names. Shared by the ftrace text
 * and the trace.dat exporter (sim/trace_dat.ts) so both name things the same way.
 */
export interface FtraceNames {
  devName(dev: number): string;
  actionName(irq: number, i: number): string;
  thread(pid: number, cpu: number): Thread | undefined;
  workFn(id: number): string;
  workqueue(id: number): string;
  taskletName(id: number): string;
  taskletFunction(id: number): string;
  timerFunction(id: number): string;
  /** jiffies as the kernel counts them (from INITIAL_JIFFIES). */
  jiffies(): number;
}

export function ftraceNames(sys: System): FtraceNames {
  const k = sys.k;
  const trace = k.trace;
  const str = (v: string | number | undefined, dflt: string): string => (v === undefined ? dflt : String(v));
  const byPid = new Map<number, Thread>();
  return {
    devName: (dev) => str(trace.object("dev", dev)?.name, `dev${dev}`),
    actionName: (irq, i) => {
      try {
        const actions = k.irq.desc(irq).actions;
        return (actions[i] ?? actions[0])?.name ?? "";
      } catch {
        return "";
      }
    },
    thread: (pid, cpu) => {
      if (pid === 0) return k.cpus[cpu]?.idle;
      let t = byPid.get(pid);
      if (t === undefined) {
        // Threads appear during a run (kworkers): refresh the index on a miss.
        for (const th of k.threads) byPid.set(th.pid, th);
        t = byPid.get(pid);
      }
      return t;
    },
    workFn: (id) => {
      const o = trace.object("work", id);
      return str(o?.function ?? o?.func, `work${id}`);
    },
    workqueue: (id) => str(trace.object("work", id)?.workqueue, "(unknown)"),
    // TP_printk("tasklet=%ps function=%ps"): %ps prints symbols; a tasklet declared with
    // DECLARE_TASKLET(name, func) shows its own name. The simulator knows one name.
    taskletName: (id) => str(trace.object("tasklet", id)?.name, `tasklet${id}`),
    taskletFunction: (id) => {
      const o = trace.object("tasklet", id);
      return str(o?.function, str(o?.name, `tasklet${id}`));
    },
    timerFunction: (id) => str(trace.object("timer", id)?.name, `timer${id}`),
    jiffies: () => initialJiffies(k.hz) + k.jiffies,
  };
}

/** How `__trace_sched_switch_state()` reports the state the simulator passes as `c`. */
export function schedSwitchState(c: number, prev: Thread): "R" | "R+" | "S" | "X" | "Z" | "D" {
  // A preempted task is TASK_REPORT_MAX -> "R+"; the idle task leaves through
  // schedule_idle() (SM_IDLE, not a preemption) -> "R". A dead task: EXIT_ZOMBIE ("Z")
  // until its parent reaps it; kernel threads are reaped at once (kthreadd ignores
  // SIGCHLD) -> EXIT_DEAD ("X").
  return c === 0 ? (prev.idle ? "R" : "R+") : c === 1 ? "S" : c === 2 ? (prev.kernelThread ? "X" : "Z") : "D";
}

/** The numbers the kernel prints for `req_cpu` (WORK_CPU_UNBOUND for an unbound queue). */
export function workReqCpu(b: number): number {
  return b < 0 ? WORK_CPU_UNBOUND_PRINTED : b;
}

/** The line context (extra preempt depth, IRQs off) of the event named `name`. */
export function ftraceContext(name: string): Context {
  return name === "sched_switch" ? SCHED_SWITCH : name === "sched_wakeup" ? SCHED_WAKEUP : PLAIN;
}

export { INIT_NET_COOKIE, LOCAL_TIMER_VECTOR, NO_DEV, TASK_COMM_MAX };

/**
 * Which trace points ftrace shows and how: the kernel tracepoints. The simulator's own
 * points (pkt_arrive, irq_assert, irq_latch, printk, ...) are not in /sys/kernel/tracing.
 */
function eventDefs(sys: System): Map<string, EventDef> {
  const n = ftraceNames(sys);
  const softirqNames = sys.k.trace.names("softirq");
  const { devName, actionName, thread, workFn } = n;
  const skb = (a: number, b: number, c: number): string =>
    `dev=${devName(b)} skbaddr=${hashedPointer("skb", b, a)} len=${c} net_cookie=${INIT_NET_COOKIE}`;
  const softirq = (a: number): string => `vec=${a} [action=${softirqNames[a] ?? String(a)}]`;
  const tasklet = (a: number): string => `tasklet=${n.taskletName(a)} function=${n.taskletFunction(a)}`;
  const timer = (a: number): string => hashedPointer("timer", a);

  const defs: EventDef[] = [
    // include/trace/events/irq.h
    { name: "irq_handler_entry", ctx: PLAIN, fields: (_t, _cpu, a, b) => `irq=${a} name=${actionName(a, b)}` },
    { name: "irq_handler_exit", ctx: PLAIN, fields: (_t, _cpu, a, b) => `irq=${a} ret=${b !== 0 ? "handled" : "unhandled"}` },
    { name: "softirq_raise", ctx: PLAIN, fields: (_t, _cpu, a) => softirq(a) },
    { name: "softirq_entry", ctx: PLAIN, fields: (_t, _cpu, a) => softirq(a) },
    { name: "softirq_exit", ctx: PLAIN, fields: (_t, _cpu, a) => softirq(a) },
    { name: "tasklet_entry", ctx: PLAIN, fields: (_t, _cpu, a) => tasklet(a) },
    { name: "tasklet_exit", ctx: PLAIN, fields: (_t, _cpu, a) => tasklet(a) },
    // include/trace/events/napi.h; the backlog is one NAPI instance per CPU.
    {
      name: "napi_poll",
      ctx: PLAIN,
      fields: (_t, cpu, a, b, c) =>
        `napi poll on napi struct ${a < 0 ? hashedPointer("backlog", cpu) : hashedPointer("napi", a)} for device ${a < 0 ? NO_DEV : devName(a)} work ${b} budget ${c}`,
    },
    // include/trace/events/net.h net_dev_template (7.1.3 appends net_cookie).
    { name: "netif_rx", ctx: PLAIN, fields: (_t, _cpu, a, b, c) => skb(a, b, c) },
    { name: "netif_receive_skb", ctx: PLAIN, fields: (_t, _cpu, a, b, c) => skb(a, b, c) },
    // include/trace/events/workqueue.h
    {
      name: "workqueue_queue_work",
      ctx: PLAIN,
      fields: (_t, _cpu, a, b, c) =>
        `work struct=${hashedPointer("work", a)} function=${workFn(a)} workqueue=${n.workqueue(a)} req_cpu=${workReqCpu(b)} cpu=${c}`,
    },
    // Note the trailing space: TP_printk("work struct %p function=%ps ", ...).
    { name: "workqueue_activate_work", ctx: PLAIN, fields: (_t, _cpu, a) => `work struct ${hashedPointer("work", a)} function=${workFn(a)} ` },
    { name: "workqueue_execute_start", ctx: PLAIN, fields: (_t, _cpu, a) => `work struct ${hashedPointer("work", a)}: function ${workFn(a)}` },
    { name: "workqueue_execute_end", ctx: PLAIN, fields: (_t, _cpu, a) => `work struct ${hashedPointer("work", a)}: function ${workFn(a)}` },
    // include/trace/events/sched.h
    {
      name: "sched_switch",
      ctx: SCHED_SWITCH,
      fields: (_t, cpu, a, b, c) => {
        const prev = thread(a, cpu);
        const next = thread(b, cpu);
        if (prev === undefined || next === undefined) return null;
        const state = schedSwitchState(c, prev);
        return (
          `prev_comm=${comm(prev)} prev_pid=${prev.pid} prev_prio=${prev.prio} prev_state=${state} ==> ` +
          `next_comm=${comm(next)} next_pid=${next.pid} next_prio=${next.prio}`
        );
      },
    },
    {
      name: "sched_wakeup",
      ctx: SCHED_WAKEUP,
      fields: (_t, cpu, a, b) => {
        const t = thread(a, cpu);
        return t === undefined ? null : `comm=${comm(t)} pid=${t.pid} prio=${t.prio} target_cpu=${pad3(b)}`;
      },
    },
    // arch/x86/include/asm/trace/irq_vectors.h x86_irq_vector: the vector number.
    { name: "local_timer_entry", ctx: PLAIN, fields: () => `vector=${LOCAL_TIMER_VECTOR}` },
    { name: "local_timer_exit", ctx: PLAIN, fields: () => `vector=${LOCAL_TIMER_VECTOR}` },
    // include/trace/events/timer.h: now = jiffies, baseclk = the wheel's clock when it ran.
    {
      name: "timer_expire_entry",
      ctx: PLAIN,
      fields: (_t, _cpu, a) => {
        const j = n.jiffies();
        return `timer=${timer(a)} function=${n.timerFunction(a)} now=${j} baseclk=${j}`;
      },
    },
    { name: "timer_expire_exit", ctx: PLAIN, fields: (_t, _cpu, a) => `timer=${timer(a)}` },
  ];
  return new Map(defs.map((d) => [d.name, d]));
}

/** True for the trace points ftrace shows (kernel tracepoints), by id. */
export function ftraceEventMask(): boolean[] {
  const names = new Set(eventNames());
  return TP_NAMES.map((n) => names.has(n));
}

/** The kernel tracepoints ftrace shows, by name. */
export function eventNames(): string[] {
  return [
    "irq_handler_entry", "irq_handler_exit", "softirq_raise", "softirq_entry", "softirq_exit",
    "tasklet_entry", "tasklet_exit", "napi_poll", "netif_rx", "netif_receive_skb",
    "workqueue_queue_work", "workqueue_activate_work", "workqueue_execute_start", "workqueue_execute_end",
    "sched_switch", "sched_wakeup", "local_timer_entry", "local_timer_exit",
    "timer_expire_entry", "timer_expire_exit",
  ];
}

/**
 * Returns a function that formats one trace point as an ftrace line (no newline), or null
 * for points ftrace does not show. It reads the system's state when called, so call it
 * from a trace listener (synchronously at emission) to get the right task and flags.
 */
export function createFtraceFormatter(sys: System): FtraceFormatter {
  const defs = eventDefs(sys);
  const table: (EventDef | null)[] = TP_NAMES.map((n) => defs.get(n) ?? null);
  const cpus = sys.k.cpus;
  return (tp, time, cpu, a, b, c) => {
    const def = table[tp];
    const cp = cpus[cpu];
    if (def === undefined || def === null || cp === undefined) return null;
    const fields = def.fields(time, cpu, a, b, c);
    if (fields === null) return null;
    const t = cp.curr;
    const who = t.idle ? "<idle>" : comm(t);
    const ctx = def.ctx;
    return (
      `${who.padStart(16)}-${String(t.pid).padEnd(7)} [${pad3(cpu)}] ` +
      `${latencyFlags(cp, ctx.extraDepth, ctx.irqsOff, ctx.clearNeedResched)} ${ftraceTimestamp(time)}: ${def.name}: ${fields}`
    );
  };
}

/**
 * The header of /sys/kernel/tracing/trace for the nop tracer with irq-info on and
 * record-tgid off: s_show(), print_event_info(), print_func_help_header_irq().
 */
export function ftraceHeader(entries: number, total: number, cpus: number): string {
  const prec = "  "; // "%.*s" with prec 2 of the 12-space filler (no tgid column)
  return (
    "# tracer: nop\n" +
    "#\n" +
    `# entries-in-buffer/entries-written: ${entries}/${total}   #P:${cpus}\n` +
    "#\n" +
    `#                            ${prec}  _-----=> irqs-off/BH-disabled\n` +
    `#                            ${prec} / _----=> need-resched\n` +
    `#                            ${prec}| / _---=> hardirq/softirq\n` +
    `#                            ${prec}|| / _--=> preempt-depth\n` +
    `#                            ${prec}||| / _-=> migrate-disable\n` +
    `#                            ${prec}|||| /     delay\n` +
    `#           TASK-PID  ${"     TGID   ".slice(0, 2)} CPU#  |||||  TIMESTAMP  FUNCTION\n` +
    `#              | |    ${"       |    ".slice(0, 2)}   |   |||||     |         |\n`
  );
}

/** What a trace writer did: lines/events written, cut by the limit, outside the window. */
export interface TraceCounts {
  written: number;
  dropped: number;
  outside_window: number;
}

/**
 * Streams ftrace lines for the events in `window` into `file`, at most `limit` of them,
 * and writes the header (which counts them) at the end. Lines with the same timestamp are
 * ordered by CPU, as the kernel's merge of per-CPU buffers orders them.
 */
export class FtraceWriter {
  readonly counts: TraceCounts = { written: 0, dropped: 0, outside_window: 0 };
  private readonly format: FtraceFormatter;
  private readonly shown: boolean[];
  private readonly detach: () => void;
  private readonly order: TraceOrder<string>;

  constructor(
    private readonly sys: System,
    private readonly file: TraceFile,
    private readonly window: TraceWindow,
    limit: number,
  ) {
    this.format = createFtraceFormatter(sys);
    this.shown = ftraceEventMask();
    this.order = new TraceOrder(limit, this.counts, (line) => this.file.write(line + "\n"));
    this.detach = sys.k.trace.on((tp, time, cpu, a, b, c) => this.event(tp, time, cpu, a, b, c));
  }

  private event(tp: TracePoint, time: number, cpu: number, a: number, b: number, c: number): void {
    if (this.shown[tp] !== true || cpu < 0) return;
    if (time < this.window.from || time >= this.window.to) {
      this.counts.outside_window++;
      return;
    }
    const line = this.format(tp, time, cpu, a, b, c);
    if (line === null) return;
    this.order.push(time, cpu, line);
  }

  /** Stops listening, writes the header and renames the file into place. */
  finish(): TraceCounts {
    this.detach();
    this.order.flush();
    const c = this.counts;
    this.file.commit(ftraceHeader(c.written, c.written + c.dropped, this.sys.k.cpus.length));
    return c;
  }

  abort(): void {
    this.detach();
    this.file.abort();
  }
}
