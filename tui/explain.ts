/**
 * One stepped event in one line of plain English: what each trace point it emitted means,
 * then how the CPUs' contexts changed. Names come from the running system (devices, IRQ
 * handlers, threads, tasklets, work functions).
 */
import type { System } from "../system/boot.js";
import type { CpuContext, TraceRecord } from "../observe/snapshot.js";
import { TP, TP_NAMES } from "../sim/trace.js";
import { fmtTime } from "./format.js";

function irqName(sys: System, irq: number): string {
  const d = sys.k.irq.lines().find((x) => x.irq === irq);
  return d === undefined ? `IRQ ${irq}` : `IRQ ${irq} (${d.actions.map((a) => a.name).join(",")})`;
}

function threadName(sys: System, pid: number, cpu: number): string {
  if (pid === 0) return `swapper/${cpu}`;
  return sys.k.threads.find((t) => t.pid === pid)?.comm ?? `pid ${pid}`;
}

function devName(sys: System, dev: number): string {
  if (dev < 0) return "the backlog";
  return String(sys.k.trace.object("dev", dev)?.name ?? `dev${dev}`);
}

function objName(sys: System, kind: "tasklet" | "work" | "timer", id: number): string {
  const o = sys.k.trace.object(kind, id);
  return String(o?.name ?? o?.function ?? `${kind} #${id}`);
}

const vec = (sys: System, v: number): string => sys.k.trace.names("softirq")[v] ?? `vector ${v}`;

/** One trace point as a short sentence. */
export function describeTracePoint(sys: System, r: TraceRecord): string {
  const { cpu, a, b, c } = r;
  const on = `cpu${cpu}`;
  switch (r.tp) {
    case TP.irq_assert:
      return `the device asserts ${irqName(sys, a)}`;
    case TP.irq_latch:
      return `${irqName(sys, a)} is latched on ${on} (IRQs are off there)`;
    case TP.irq_handler_entry:
      return `${on} runs the top half of ${irqName(sys, a)}`;
    case TP.irq_handler_exit:
      return `${on} leaves the top half of IRQ ${a} (${b === 0 ? "IRQ_NONE" : b === 2 ? "IRQ_WAKE_THREAD" : "IRQ_HANDLED"})`;
    case TP.softirq_raise:
      return `${on} raises ${vec(sys, a)}`;
    case TP.softirq_entry:
      return `${on} starts the ${vec(sys, a)} softirq action`;
    case TP.softirq_exit:
      return `${on} finishes ${vec(sys, a)}`;
    case TP.sched_switch:
      return `${on} switches from ${threadName(sys, a, cpu)} (${c === 0 ? "preempted" : c === 2 ? "exited" : "sleeping"}) to ${threadName(sys, b, cpu)}`;
    case TP.sched_wakeup:
      return `${threadName(sys, a, b)} wakes up, runnable on cpu${b}`;
    case TP.pkt_arrive:
      return `packet #${b} arrives at ${devName(sys, a)}`;
    case TP.pkt_drop:
      return `packet #${b} of ${devName(sys, a)} is dropped (${sys.k.trace.names("drop_reason")[c] ?? `reason ${c}`})`;
    case TP.pkt_deliver:
      return `${threadName(sys, a, cpu)} receives packet #${b} from its socket`;
    case TP.netif_rx:
      return `netif_rx queues packet #${a} on ${on}'s backlog`;
    case TP.netif_receive_skb:
      return `${on} does protocol processing for packet #${a}`;
    case TP.napi_poll:
      return `${on} polls ${devName(sys, a)}: ${b} of ${c} packets`;
    case TP.printk:
      return `kernel log: ${sys.k.dmesg[a]?.text ?? ""}`;
    case TP.tasklet_entry:
      return `${on} runs tasklet ${objName(sys, "tasklet", a)}`;
    case TP.tasklet_exit:
      return `${on} finishes tasklet ${objName(sys, "tasklet", a)}`;
    case TP.workqueue_queue_work:
      return `work ${objName(sys, "work", a)} is queued for cpu${c}`;
    case TP.workqueue_activate_work:
      return `work ${objName(sys, "work", a)} becomes active`;
    case TP.workqueue_execute_start:
      return `a kworker on ${on} starts ${objName(sys, "work", a)}`;
    case TP.workqueue_execute_end:
      return `a kworker on ${on} finishes ${objName(sys, "work", a)}`;
    default:
      return `${TP_NAMES[r.tp] ?? `trace point ${r.tp}`} on ${on} (${a}, ${b}, ${c})`;
  }
}

/**
 * `#1234 at 12.345678 ms: cpu0 runs the top half of IRQ 24 (nic0) | cpu0: idle -> hardirq 24 nic0`.
 * `event` is the number of the event that fired, `time` when it fired.
 */
export function explainStep(sys: System, event: number, time: number, records: TraceRecord[], before: CpuContext[], after: CpuContext[]): string {
  const parts = records.map((r) => describeTracePoint(sys, r));
  let what: string;
  if (parts.length <= 3) what = parts.join("; ");
  else {
    const rest = new Map<string, number>();
    for (const r of records.slice(2)) {
      const n = TP_NAMES[r.tp] ?? String(r.tp);
      rest.set(n, (rest.get(n) ?? 0) + 1);
    }
    what = `${parts.slice(0, 2).join("; ")}; and ${records.length - 2} more (${[...rest].map(([n, k]) => `${k} ${n}`).join(", ")})`;
  }
  const changes = after
    .map((ctx, i) => (before[i] !== undefined && before[i]!.label !== ctx.label ? `cpu${i}: ${before[i]!.label} -> ${ctx.label}` : ""))
    .filter((s) => s !== "");
  if (what === "" && changes.length === 0) what = "no trace point: a CPU's stretch of work ended or a timer fired; nothing visible changed";
  else if (what === "") what = "no trace point";
  return `#${event} at ${fmtTime(time)}: ${what}${changes.length > 0 ? " | " + changes.join(", ") : ""}`;
}
