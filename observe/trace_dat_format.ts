/**
 * The event format descriptions of a trace.dat file, as `/sys/kernel/tracing/events/
 * <system>/<event>/format` prints them on x86_64 (kernel/trace/trace_events.c f_show():
 * `name:`, `ID:`, the common fields, a blank line, the event's fields, a blank line,
 * `print fmt:`), and the record layout they describe.
 *
 * Fields and print formats come from the kernel's TRACE_EVENT definitions:
 * include/trace/events/irq.h, napi.h, net.h (7.1.3 appends net_cookie, as observe/ftrace.ts
 * prints it), workqueue.h, sched.h, timer.h and arch/x86/include/asm/trace/irq_vectors.h.
 * Offsets follow the C layout of `struct trace_event_raw_<event>` on x86_64 (LP64: long
 * and pointers are 8 bytes, naturally aligned); `__data_loc` strings are appended after
 * the fixed fields with `(length << 16) | offset` in the 4-byte slot, length counting the
 * NUL (include/trace/trace_events.h __dynamic_array). Since 6.2 the kernel builds with
 * -funsigned-char, so `char` arrays print `signed:0`.
 */
import { SOFTIRQ_NAMES } from "../softirq/softirq.js";

/** One field: its C declaration as the format file prints it, size, signedness. */
export interface DatField {
  readonly decl: string;
  readonly name: string;
  readonly size: number;
  readonly signed: boolean;
  /** How a value is stored: a number, a fixed char array, or a __data_loc string. */
  readonly kind: "num" | "chars" | "loc";
  offset: number;
}

export interface DatEvent {
  readonly system: string;
  readonly name: string;
  readonly id: number;
  readonly fields: DatField[];
  readonly printFmt: string;
  /** Bytes of the fixed part of the record (common fields + event fields). */
  readonly fixedSize: number;
}

function field(decl: string, size: number, signed: boolean): DatField {
  const name = /([A-Za-z_0-9]+)(\[\d*\])?$/.exec(decl.replace(/^__data_loc char\[\] /, ""))![1]!;
  const kind = decl.startsWith("__data_loc") ? "loc" : /\[\d+\]$/.test(decl) ? "chars" : "num";
  return { decl, name, size, signed, kind, offset: 0 };
}

const int = (n: string): DatField => field(`int ${n}`, 4, true);
const uint = (n: string): DatField => field(`unsigned int ${n}`, 4, false);
const ptr = (n: string, type = "void *"): DatField => field(`${type} ${n}`, 8, false);
const ulong = (n: string): DatField => field(`unsigned long ${n}`, 8, false);
const str = (n: string): DatField => field(`__data_loc char[] ${n}`, 4, false);
const comm = (n: string): DatField => field(`char ${n}[16]`, 16, false);
const pid = (n: string): DatField => field(`pid_t ${n}`, 4, true);

/** include/linux/trace_events.h struct trace_entry. */
const COMMON: readonly DatField[] = [
  { ...field("unsigned short common_type", 2, false), offset: 0 },
  { ...field("unsigned char common_flags", 1, false), offset: 2 },
  { ...field("unsigned char common_preempt_count", 1, false), offset: 3 },
  { ...field("int common_pid", 4, true), offset: 4 },
];
const COMMON_SIZE = 8;

/** include/linux/sched.h task states as __trace_sched_switch_state() reports them. */
const TASK_STATES = "0x00000000 | 0x00000001 | 0x00000002 | 0x00000004 | 0x00000008 | 0x00000010 | 0x00000020 | 0x00000040";
const SCHED_SWITCH_FMT =
  `"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d next_prio=%d", ` +
  `REC->prev_comm, REC->prev_pid, REC->prev_prio, (REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1)) ? ` +
  `__print_flags(REC->prev_state & ((((${TASK_STATES}) + 1) << 1) - 1), "|", { 0x00000001, "S" }, { 0x00000002, "D" }, ` +
  `{ 0x00000004, "T" }, { 0x00000008, "t" }, { 0x00000010, "X" }, { 0x00000020, "Z" }, { 0x00000040, "P" }, { 0x00000080, "I" }) : "R", ` +
  `REC->prev_state & (((${TASK_STATES}) + 1) << 1) ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio`;

/** The prev_state values sched_switch records (TASK_REPORT_MAX = 0x100 marks a preemption). */
export const PREV_STATE: Record<string, number> = { R: 0, "R+": 0x100, S: 0x1, D: 0x2, X: 0x10, Z: 0x20 };

const SOFTIRQ_FMT = `"vec=%u [action=%s]", REC->vec, __print_symbolic(REC->vec, ${SOFTIRQ_NAMES.map((n, i) => `{ ${i}, "${n}" }`).join(", ")})`;

/** system, name, fields (after the common ones), print fmt. */
const EVENTS: [string, string, DatField[], string][] = [
  ["irq", "irq_handler_entry", [int("irq"), str("name")], `"irq=%d name=%s", REC->irq, __get_str(name)`],
  ["irq", "irq_handler_exit", [int("irq"), int("ret")], `"irq=%d ret=%s", REC->irq, REC->ret ? "handled" : "unhandled"`],
  ["irq", "softirq_raise", [uint("vec")], SOFTIRQ_FMT],
  ["irq", "softirq_entry", [uint("vec")], SOFTIRQ_FMT],
  ["irq", "softirq_exit", [uint("vec")], SOFTIRQ_FMT],
  ["irq", "tasklet_entry", [ptr("tasklet"), ptr("func")], `"tasklet=%ps function=%ps", REC->tasklet, REC->func`],
  ["irq", "tasklet_exit", [ptr("tasklet"), ptr("func")], `"tasklet=%ps function=%ps", REC->tasklet, REC->func`],
  [
    "napi",
    "napi_poll",
    [ptr("napi", "struct napi_struct *"), str("dev_name"), int("work"), int("budget")],
    `"napi poll on napi struct %p for device %s work %d budget %d", REC->napi, __get_str(dev_name), REC->work, REC->budget`,
  ],
  ...(["netif_rx", "netif_receive_skb"] as const).map(
    (n): [string, string, DatField[], string] => [
      "net",
      n,
      [ptr("skbaddr"), uint("len"), str("name"), field("u64 net_cookie", 8, false)],
      `"dev=%s skbaddr=%p len=%u net_cookie=%llu", __get_str(name), REC->skbaddr, REC->len, REC->net_cookie`,
    ],
  ),
  [
    "workqueue",
    "workqueue_queue_work",
    [ptr("work"), ptr("function"), str("workqueue"), int("req_cpu"), int("cpu")],
    `"work struct=%p function=%ps workqueue=%s req_cpu=%d cpu=%d", REC->work, REC->function, __get_str(workqueue), REC->req_cpu, REC->cpu`,
  ],
  ["workqueue", "workqueue_activate_work", [ptr("work"), ptr("function")], `"work struct %p function=%ps ", REC->work, REC->function`],
  ["workqueue", "workqueue_execute_start", [ptr("work"), ptr("function")], `"work struct %p: function %ps", REC->work, REC->function`],
  ["workqueue", "workqueue_execute_end", [ptr("work"), ptr("function")], `"work struct %p: function %ps", REC->work, REC->function`],
  [
    "sched",
    "sched_switch",
    [comm("prev_comm"), pid("prev_pid"), int("prev_prio"), field("long prev_state", 8, true), comm("next_comm"), pid("next_pid"), int("next_prio")],
    SCHED_SWITCH_FMT,
  ],
  [
    "sched",
    "sched_wakeup",
    [comm("comm"), pid("pid"), int("prio"), int("target_cpu")],
    `"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, REC->target_cpu`,
  ],
  ["irq_vectors", "local_timer_entry", [int("vector")], `"vector=%d", REC->vector`],
  ["irq_vectors", "local_timer_exit", [int("vector")], `"vector=%d", REC->vector`],
  [
    "timer",
    "timer_expire_entry",
    [ptr("timer"), ulong("now"), ptr("function"), ulong("baseclk")],
    `"timer=%p function=%ps now=%lu baseclk=%lu", REC->timer, REC->function, REC->now, REC->baseclk`,
  ],
  ["timer", "timer_expire_exit", [ptr("timer")], `"timer=%p", REC->timer`],
];

/**
 * Event ids: the kernel numbers events as it registers them (trace_event.c, from
 * __TRACE_LAST_TYPE up); any fixed numbering is as good for a reader, which takes the id
 * from the format file. These follow the order above.
 */
const FIRST_EVENT_ID = 300;

function layout(system: string, name: string, fields: DatField[], printFmt: string, id: number): DatEvent {
  let off = COMMON_SIZE;
  for (const f of fields) {
    const align = f.kind === "chars" ? 1 : f.size;
    off = Math.ceil(off / align) * align;
    f.offset = off;
    off += f.size;
  }
  return { system, name, id, fields, printFmt, fixedSize: off };
}

export const DAT_EVENTS: readonly DatEvent[] = EVENTS.map(([sys, name, fields, fmt], i) => layout(sys, name, fields, fmt, FIRST_EVENT_ID + i));

/** The `format` file text of one event, byte for byte as f_show() prints it. */
export function eventFormatText(e: DatEvent): string {
  const line = (f: DatField): string => `\tfield:${f.decl};\toffset:${f.offset};\tsize:${f.size};\tsigned:${f.signed ? 1 : 0};\n`;
  return `name: ${e.name}\nID: ${e.id}\nformat:\n${COMMON.map(line).join("")}\n${e.fields.map(line).join("")}\nprint fmt: ${e.printFmt}\n`;
}

/** The ring buffer page size and the data bytes it holds (kernel/trace/ring_buffer.c BUF_PAGE_SIZE). */
export const PAGE_SIZE = 4096;
export const PAGE_HEADER_SIZE = 16;
export const PAGE_DATA_SIZE = PAGE_SIZE - PAGE_HEADER_SIZE;

/** events/header_page on x86_64 (ring_buffer_print_page_header()). */
export const HEADER_PAGE =
  "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n" +
  "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n" +
  "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n" +
  `\tfield: char data;\toffset:${PAGE_HEADER_SIZE};\tsize:${PAGE_DATA_SIZE};\tsigned:1;\n`;

/** events/header_event (ring_buffer_print_entry_header()). */
export const HEADER_EVENT =
  "# compressed entry header\n" +
  "\ttype_len    :    5 bits\n" +
  "\ttime_delta  :   27 bits\n" +
  "\tarray       :   32 bits\n" +
  "\n" +
  "\tpadding     : type == 29\n" +
  "\ttime_extend : type == 30\n" +
  "\ttime_stamp : type == 31\n" +
  "\tdata max type_len  == 28\n";
