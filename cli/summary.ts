/**
 * The human summary of a run: aligned tables of where CPU time went, what the interrupt
 * lines and softirqs did, who ran, how long packets took, and whether the run was sound.
 * It reads only the result object, exactly what `--json` prints.
 */
import { escapeControl } from "../sim/quote.js";
import type { ChalkInstance } from "chalk";
import type { BlockResult, NicResult, NoisyResult, UartResult } from "../system/devices.js";
import type { RunResult } from "../system/result.js";
import { formatNs } from "../sim/time.js";
import type { TraceReport } from "../observe/trace_export.js";
import { int, ns, pct, pps, renderTable } from "./table.js";
import { runtimeSection } from "./runtime_summary.js";

const KERNEL_ONLY_SECTIONS = new Set(["Packets", "Interrupts", "Softirqs (vectors that ran)", "Latency", "Memory"]);

export function renderSummary(r: RunResult & { trace?: TraceReport }, description: string, c: ChalkInstance): string {
  const lines: string[] = [];
  // A runtime scenario without devices has no packets, IRQ lines, softirqs or packet latencies: skip those sections.
  const skip = r.runtime !== undefined && r.irqs.length === 0 ? KERNEL_ONLY_SECTIONS : null;
  let skipping = false;
  const out = { push: (...ls: string[]): void => void (skipping || lines.push(...ls)) };
  const h = (title: string): void => {
    skipping = skip?.has(title) ?? false;
    out.push("", c.bold(title));
  };
  out.push(
    `${c.bold(`irqsim run ${r.scenario}`)}  seed ${c.cyan(String(r.seed))}  simulated ${formatNs(r.simulated_ns)}  ` +
      `${int(r.events)} events  fingerprint ${r.fingerprint}`,
  );
  out.push(c.dim(escapeControl(description)));
  if (r.stopped_by !== "duration") out.push(c.yellow(`stopped early (${r.stopped_by.replace("_", " ")}): results cover the time simulated so far`));
  if (r.runtime !== undefined) out.push(...runtimeSection(r.runtime, c));

  const p = r.packets;
  h("Packets");
  const dropDetail = Object.entries(p.dropped)
    .filter(([k, v]) => k !== "total" && v > 0)
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(", ");
  const dropped = p.dropped.total > 0 ? c.red(int(p.dropped.total)) + (dropDetail ? ` (${dropDetail})` : "") : "0";
  const corrupt = p.corrupt > 0 ? `  corrupt ${c.red(int(p.corrupt))}` : "";
  out.push(`  arrived ${int(p.arrived)}  delivered ${int(p.delivered)}${corrupt}  dropped ${dropped}  in flight ${int(p.in_flight)}`);
  out.push(`  offered ${pps(p.offered_pps)}  delivered ${pps(p.delivered_pps)}`);

  h("CPU time");
  out.push(
    ...renderTable(
      [
        { header: "cpu", align: "right" },
        { header: "hardirq", align: "right" },
        { header: "softirq", align: "right" },
        { header: "system", align: "right" },
        { header: "user", align: "right" },
        { header: "idle", align: "right" },
        { header: "ctx-switches", align: "right" },
      ],
      r.cpus.map((cpu) => {
        const t = r.simulated_ns;
        return [String(cpu.cpu), pct(cpu.hardirq_ns, t), pct(cpu.softirq_ns, t), pct(cpu.system_ns, t), pct(cpu.user_ns, t), pct(cpu.idle_ns, t), int(cpu.context_switches)];
      }),
    ),
  );

  h("Interrupts");
  out.push(
    ...renderTable(
      [
        { header: "irq", align: "right" },
        { header: "name" },
        ...r.cpus.map((cpu) => ({ header: `CPU${cpu.cpu}`, align: "right" as const })),
        { header: "asserts", align: "right" },
        { header: "merged", align: "right" },
        { header: "rate", align: "right" },
      ],
      r.irqs.map((l) => [
        String(l.irq),
        l.name + (l.masked ? " (masked)" : ""),
        ...l.per_cpu.map(int),
        int(l.asserts),
        int(l.merged),
        `${int(r.simulated_ns > 0 ? (l.total * 1e9) / r.simulated_ns : 0)}/s`,
      ]),
    ),
  );

  h("Softirqs (vectors that ran)");
  const vecs = Object.entries(r.softirqs).filter(([, v]) => v.per_cpu.some((n) => n > 0) || v.raised.some((n) => n > 0));
  out.push(
    ...renderTable(
      [{ header: "vector" }, ...r.cpus.map((cpu) => ({ header: `CPU${cpu.cpu}`, align: "right" as const })), { header: "raised", align: "right" }],
      vecs.map(([name, v]) => [name, ...v.per_cpu.map(int), int(v.raised.reduce((a, b) => a + b, 0))]),
    ),
  );
  out.push(
    ...renderTable(
      [
        { header: "cpu", align: "right" },
        { header: "__do_softirq at irq_exit", align: "right" },
        { header: "in ksoftirqd", align: "right" },
        { header: "deferred: restarts", align: "right" },
        { header: "time", align: "right" },
        { header: "resched", align: "right" },
        { header: "time_squeeze", align: "right" },
      ],
      r.ksoftirqd.map((s) => [
        String(s.cpu),
        int(s.runs_inline),
        int(s.runs_ksoftirqd),
        int(s.deferred.restart_limit),
        int(s.deferred.time_limit),
        int(s.deferred.need_resched),
        int(r.softnet[s.cpu]?.time_squeeze ?? 0),
      ]),
    ),
  );

  const nicDevs = Object.entries(r.devices).filter((e): e is [string, NicResult] => e[1].type === "nic");
  if (nicDevs.length > 0) {
    h("Devices");
    out.push(
      ...renderTable(
        [
          { header: "device" },
          { header: "mode" },
          { header: "rx packets", align: "right" },
          { header: "missed (ring full)", align: "right" },
          { header: "interrupts", align: "right" },
          { header: "masked", align: "right" },
          { header: "ring fill", align: "right" },
        ],
        nicDevs.map(([name, d]) => [name, d.mode, int(d.rx_packets), int(d.rx_missed), int(d.interrupts), pct(d.masked_ns, r.simulated_ns), int(d.ring_fill)]),
      ),
    );
    const multi = nicDevs.filter(([, d]) => d.queues.length > 1);
    if (multi.length > 0) {
      out.push(
        ...renderTable(
          [{ header: "queue" }, { header: "irq", align: "right" }, { header: "cpu", align: "right" }, { header: "rx packets", align: "right" }, { header: "missed", align: "right" }, { header: "interrupts", align: "right" }],
          multi.flatMap(([name, d]) => d.queues.map((q) => [`${name}-rx-${q.queue}`, String(q.irq), String(q.cpu), int(q.rx_packets), int(q.rx_missed), int(q.interrupts)])),
        ),
      );
    }
  }
  const blocks = Object.entries(r.devices).filter((e): e is [string, BlockResult] => e[1].type === "block");
  if (blocks.length > 0) {
    out.push(
      ...renderTable(
        [
          { header: "block device" },
          { header: "completed", align: "right" },
          { header: "in flight", align: "right" },
          { header: "max depth", align: "right" },
          { header: "interrupts", align: "right" },
          { header: "req p50", align: "right" },
          { header: "req p99", align: "right" },
        ],
        blocks.map(([name, d]) => [name, int(d.completed), int(d.in_flight), int(d.max_in_flight), int(d.interrupts), ns(d.request_latency_ns.p50), ns(d.request_latency_ns.p99)]),
      ),
    );
  }
  const uarts = Object.entries(r.devices).filter((e): e is [string, UartResult] => e[1].type === "uart");
  if (uarts.length > 0) {
    out.push(
      ...renderTable(
        [
          { header: "uart" },
          { header: "rx bytes", align: "right" },
          { header: "overruns", align: "right" },
          { header: "interrupts", align: "right" },
          { header: "max irq wait", align: "right" },
          { header: "to ldisc", align: "right" },
          { header: "flip lost", align: "right" },
          { header: "stale", align: "right" },
        ],
        uarts.map(([name, d]) => [
          name,
          int(d.rx_bytes),
          d.overruns > 0 ? c.red(int(d.overruns)) : "0",
          int(d.interrupts),
          ns(d.max_irq_latency_ns),
          int(d.flip.flushed),
          int(d.flip.overruns),
          d.flip.corrupt > 0 ? c.red(int(d.flip.corrupt)) : "0",
        ]),
      ),
    );
  }
  const noisyDevs = Object.entries(r.devices).filter((e): e is [string, NoisyResult] => e[1].type === "noisy");
  if (noisyDevs.length > 0) {
    out.push(
      ...renderTable(
        [{ header: "noisy device" }, { header: "interrupts", align: "right" }, { header: "handled", align: "right" }, { header: "unhandled", align: "right" }, { header: "line" }],
        noisyDevs.map(([name, d]) => [name, int(d.interrupts), int(d.handled), int(d.unhandled), d.line_disabled ? c.red("disabled (nobody cared)") : "enabled"]),
      ),
    );
  }

  if (r.napi.length > 0) {
    h("NAPI");
    out.push(
      ...renderTable(
        [
          { header: "instance" },
          { header: "weight", align: "right" },
          { header: "polls", align: "right" },
          { header: "packets", align: "right" },
          { header: "per poll", align: "right" },
          { header: "full polls", align: "right" },
          { header: "completions", align: "right" },
        ],
        r.napi.map((n) => [n.name, String(n.weight), int(n.polls), int(n.packets), n.polls > 0 ? (n.packets / n.polls).toFixed(1) : "-", int(n.full_polls), int(n.completions)]),
      ),
    );
  }

  if (r.tasklets.length > 0) {
    h("Tasklets");
    out.push(
      ...renderTable(
        [
          { header: "tasklet" },
          { header: "scheduled", align: "right" },
          { header: "merged", align: "right" },
          { header: "while running", align: "right" },
          ...r.cpus.map((c) => ({ header: `runs CPU${c.cpu}`, align: "right" as const })),
          { header: "busy elsewhere", align: "right" },
          { header: "disabled", align: "right" },
        ],
        r.tasklets.map((t) => [
          t.name,
          int(t.scheduled),
          int(t.already_scheduled),
          int(t.scheduled_while_running),
          ...t.runs_per_cpu.map(int),
          int(t.busy_elsewhere),
          int(t.disabled_requeues),
        ]),
      ),
    );
  }

  const wqs = r.workqueues.filter((w) => w.queued > 0 || w.total > 0);
  if (wqs.length > 0) {
    h("Workqueues (in the spirit of tools/workqueue/wq_monitor.py)");
    out.push(
      ...renderTable(
        [
          { header: "workqueue" },
          { header: "flags" },
          { header: "max_active", align: "right" },
          { header: "total", align: "right" },
          { header: "per s", align: "right" },
          { header: "in flight", align: "right" },
          { header: "CPU time", align: "right" },
          { header: "CPU-intensive", align: "right" },
          { header: "cm wakeups", align: "right" },
          { header: "mayday", align: "right" },
          { header: "rescued", align: "right" },
          { header: "queue->start p99", align: "right" },
          { header: "queue->end p99", align: "right" },
        ],
        wqs.map((w) => [
          w.name,
          w.flags.join(",") || "-",
          String(w.max_active),
          int(w.total),
          int(r.simulated_ns > 0 ? (w.total * 1e9) / r.simulated_ns : 0),
          int(w.in_flight),
          ns(w.cpu_time_ns),
          int(w.cpu_intensive),
          int(w.cm_wakeups),
          int(w.mayday),
          int(w.rescued),
          w.queue_to_start_ns.count > 0 ? ns(w.queue_to_start_ns.p99) : "-",
          w.queue_to_end_ns.count > 0 ? ns(w.queue_to_end_ns.p99) : "-",
        ]),
      ),
    );
    const pools = r.worker_pools.filter((p) => p.created > 1 || p.pending > 0);
    if (pools.length > 0) {
      out.push(
        ...renderTable(
          [
            { header: "pool" },
            { header: "workers", align: "right" },
            { header: "idle", align: "right" },
            { header: "nr_running", align: "right" },
            { header: "pending", align: "right" },
            { header: "created", align: "right" },
          ],
          pools.map((p) => [
            p.cpu >= 0 ? `cpu${p.cpu}${p.nice < 0 ? " highpri" : ""}` : `unbound${p.nice < 0 ? " highpri" : ""}`,
            int(p.workers),
            int(p.idle),
            int(p.nr_running),
            int(p.pending),
            int(p.created),
          ]),
        ),
      );
    }
  }

  // Kworkers that only started and went idle at boot would crowd the table.
  const idleKworker = (t: RunResult["threads"][number]): boolean => t.comm.startsWith("kworker/") && t.voluntary_switches <= 1 && t.involuntary_switches === 0;
  const shownThreads = r.threads.filter((t) => !idleKworker(t));
  const hidden = r.threads.length - shownThreads.length;
  h(hidden > 0 ? `Threads (${hidden} idle kworkers not shown)` : "Threads");
  out.push(
    ...renderTable(
      [
        { header: "pid", align: "right" },
        { header: "comm" },
        { header: "cpu", align: "right" },
        { header: "state" },
        { header: "cpu time", align: "right" },
        { header: "share", align: "right" },
        { header: "vol/invol switches", align: "right" },
      ],
      shownThreads.map((t) => [
        String(t.pid),
        t.comm,
        String(t.cpu),
        t.state,
        ns(t.runtime_ns),
        pct(t.runtime_ns, r.simulated_ns),
        `${int(t.voluntary_switches)}/${int(t.involuntary_switches)}`,
      ]),
    ),
  );

  h("Latency");
  out.push(
    ...renderTable(
      [
        { header: "stage" },
        { header: "count", align: "right" },
        { header: "p50", align: "right" },
        { header: "p90", align: "right" },
        { header: "p99", align: "right" },
        { header: "p99.9", align: "right" },
        { header: "max", align: "right" },
        { header: "what" },
      ],
      Object.entries(r.latency_ns).map(([name, l]) => [name, int(l.count), ns(l.p50), ns(l.p90), ns(l.p99), ns(l.p999), ns(l.max), c.dim(l.description)]),
    ),
  );

  h("Memory");
  out.push(...memorySection(r, c));

  if (r.dmesg.length > 0) {
    h("dmesg");
    const shown = r.dmesg.slice(0, 20);
    out.push(...shown.map((l) => `  ${c.yellow(l)}`));
    if (r.dmesg.length > shown.length) out.push(c.dim(`  ... ${r.dmesg.length - shown.length} more lines in --json`));
  }

  if (r.expect.results.length > 0) {
    h("Expectations");
    for (const e of r.expect.results) {
      const bound = [e.min !== undefined ? `>= ${e.min}` : "", e.max !== undefined ? `<= ${e.max}` : "", e.eq !== undefined ? `== ${e.eq}` : ""]
        .filter(Boolean)
        .join(", ");
      const mark = e.ok ? c.green("ok  ") : c.red("FAIL");
      out.push(`  ${mark} ${e.metric} = ${e.value === null ? "(no such metric)" : int(e.value)}  (expected ${bound})`);
    }
  }

  if (r.trace !== undefined) {
    h("Trace");
    out.push(`  ${traceLine(r.trace)}`);
  }

  h("Invariants");
  const requests = r.runtime !== undefined ? ", requests conserved, queues and pools within bounds" : "";
  if (r.invariants.ok) out.push(`  ${c.green("ok")}  packets conserved, every IRQ accounted for, CPU time sums to ${formatNs(r.simulated_ns)}${requests}`);
  else for (const v of r.invariants.violations) out.push(`  ${c.red("VIOLATED")} ${v}`);
  return lines.join("\n") + "\n";
}

/** One line on what `--trace` wrote: how much, of which part of the run, and what was left out. */
export function traceLine(t: TraceReport): string {
  const what = t.format === "ftrace" ? "ftrace lines" : "Chrome trace events";
  if (t.status === "removed") return `${t.file}: not written (the run stopped early; no partial file left)`;
  const to = t.window_ns.to === null ? "end" : formatNs(t.window_ns.to);
  const window = t.window_ns.from === 0 && t.window_ns.to === null ? "the whole run" : `window ${formatNs(t.window_ns.from)} .. ${to}`;
  const cut = t.dropped > 0 ? `, ${int(t.dropped)} more cut by --trace-limit ${int(t.limit)}` : "";
  const outside = t.outside_window > 0 ? `, ${int(t.outside_window)} outside the window` : "";
  return `wrote ${int(t.written)} ${what} to ${t.file} (${window}${cut}${outside})`;
}

/** The memory model line, then each corrupt delivery with the accesses behind it. */
function memorySection(r: RunResult, c: ChalkInstance): string[] {
  const m = r.memory;
  const model =
    m.model === "sc"
      ? "sc (sequentially consistent: every load sees the newest store)"
      : `lkmm (weakness ${m.weakness}, window ${formatNs(m.window_ns)}): ${int(m.loads_with_choice)} loads could see a stale value, ${int(m.stale_loads)} did`;
  const out = [`  model ${model}`, `  ${int(m.loads)} loads, ${int(m.stores)} stores, ${int(m.fences)} barriers`];
  if (r.packets.corrupt === 0) {
    out.push(`  ${c.green("ok")}  no corrupt deliveries`);
    return out;
  }
  const shown = m.corrupt.slice(0, 5);
  for (const x of shown) {
    out.push(
      `  ${c.red("CORRUPT")} packet ${x.packet} (${x.device}) seed ${x.seed}, ${x.cpu} at ${formatNs(x.at_ns)}, delivered at ${formatNs(x.delivered_ns)}`,
      `      ${x.first}`,
      `      ${x.second}`,
      `      missing: ${c.bold(x.missing)}`,
    );
  }
  const more = r.packets.corrupt - shown.length;
  if (more > 0) out.push(c.dim(`  ... ${int(more)} more corrupt deliveries (${m.corrupt.length} reported in --json)`));
  return out;
}
