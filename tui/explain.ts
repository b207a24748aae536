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

/** Why each drop reason happens, in the kernel's terms. */
const DROP_WHY: Record<string, string> = {
  rx_ring_full: "the NIC found no free rx descriptor: the driver's bottom half has not cleaned and refilled the ring fast enough (rx_missed_errors)",
  cpu_backlog: "netif_rx found the CPU's input_pkt_queue over netdev_max_backlog: process_backlog in NET_RX is behind",
  socket_rcvbuff: "the socket's receive queue is over sk_rcvbuf: the reading task is not keeping up",
};

/**
 * Why a trace point happened, in kernel terms (the mechanism behind it), or "" when the
 * sentence already says it. `ctx` is the CPU's context label after the event.
 */
export function whyOf(sys: System, r: TraceRecord, ctx: string): string {
  const { a, b, c } = r;
  switch (r.tp) {
    case TP.irq_handler_entry:
      return `the device asserted the line and cpu${r.cpu} (in its smp_affinity) had IRQs on: a hardirq preempts whatever ran there`;
    case TP.irq_latch:
      return "local IRQs are disabled on that CPU (local_irq_disable, or it is already in a hardirq): the interrupt waits, pending, until they are enabled";
    case TP.irq_handler_exit:
      return b === 0
        ? "no handler on the line found its device asking: note_interrupt() counts it as unhandled (99,900 of 100,000 and the line is disabled: \"nobody cared\")"
        : b === 2
          ? "the primary handler defers the rest to the IRQ thread (IRQ_WAKE_THREAD); with IRQF_ONESHOT the line stays masked until the thread finishes"
          : "";
    case TP.softirq_raise:
      return "the top half marks the vector pending in __softirq_pending; it runs at irq_exit() or in ksoftirqd";
    case TP.softirq_entry:
      return ctx.includes(" in ksoftirqd")
        ? "in ksoftirqd: handle_softirqs() at irq_exit hit its limit (10 restarts or 2 ms) or need_resched, so the rest runs as a normal SCHED_OTHER thread"
        : "at irq_exit() (or local_bh_enable): pending softirqs run on the way out of the interrupt, with interrupts on but BH disabled";
    case TP.sched_wakeup: {
      const comm = threadName(sys, a, b);
      if (comm.startsWith("ksoftirqd")) return "softirq work is left over after handle_softirqs' restart/time limit (wakeup_softirqd)";
      if (comm.startsWith("irq/")) return "its top half returned IRQ_WAKE_THREAD";
      if (comm.startsWith("kworker")) return "work was queued on its pool and no worker was running (kick_pool), or concurrency management replaces a worker that went to sleep";
      return "what it slept on happened (data on its socket, its request completed, a timer expired)";
    }
    case TP.sched_switch:
      return c === 0 ? "preempted: a thread with a higher priority or less vruntime became runnable" : c === 2 ? "" : "it blocked (waiting for data, I/O or a lock), so the scheduler picked the next runnable thread";
    case TP.pkt_drop:
      return DROP_WHY[sys.k.trace.names("drop_reason")[c] ?? ""] ?? "";
    case TP.napi_poll:
      return b >= c
        ? "it used its whole weight: the instance stays on the poll list and net_rx_action polls it again (within the 300-packet / 2-jiffy budget)"
        : "less than its weight: napi_complete_done() takes it off the poll list and the driver unmasks the device's interrupt";
    case TP.printk: {
      const text = sys.k.dmesg[a]?.text ?? "";
      if (/sleeping function called from invalid context|scheduling while atomic/.test(text)) return "a blocking call (msleep, mutex_lock) in atomic context: a hardirq or softirq cannot sleep, only a thread can";
      if (/nobody cared/.test(text)) return "the line kept interrupting with no handler claiming it: note_interrupt() disables it";
      return "";
    }
    case TP.workqueue_execute_start:
      return "a kworker of the pool took the item off the worklist; it runs in process context and may sleep";
    case TP.workqueue_activate_work:
      return "the pool_workqueue is under max_active: the item moves from the inactive list to the worklist";
    case TP.netif_receive_skb:
      return "the bottom half hands the packet to the protocol layer (__netif_receive_skb)";
    default:
      return "";
  }
}

/** Trace points a person steps to: anything but bookkeeping a step would only repeat. */
export function isMeaningful(r: TraceRecord): boolean {
  return r.tp !== TP.softirq_exit && r.tp !== TP.tasklet_exit && r.tp !== TP.workqueue_execute_end && r.tp !== TP.irq_handler_exit;
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
  const firstWhy = records.map((r) => whyOf(sys, r, after[r.cpu]?.label ?? "")).find((w) => w !== "");
  const why = firstWhy === undefined ? "" : ` -- why: ${firstWhy}`;
  return `#${event} at ${fmtTime(time)}: ${what}${why}${changes.length > 0 ? " | " + changes.join(", ") : ""}`;
}
