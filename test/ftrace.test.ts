import { afterAll, describe, expect, test } from "vitest";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { TP } from "../sim/trace.js";
import { HARDIRQ_OFFSET, SOFTIRQ_DISABLE_OFFSET, SOFTIRQ_OFFSET } from "../sim/preempt.js";
import {
  createFtraceFormatter,
  ftraceHeader,
  ftraceTimestamp,
  FtraceWriter,
  hashedPointer,
  latencyFlags,
} from "../observe/ftrace.js";
import { TraceFile } from "../observe/trace_file.js";
import { TraceExport } from "../observe/trace_export.js";
import { parseTraceWindow, WHOLE_RUN } from "../observe/trace_window.js";
import { runWithTrace } from "./helpers/trace.js";
import { InputError } from "../sim/input_error.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-ftrace-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small, regular run: constant arrivals, 10 kpps. */
const tiny = (extra: string[] = []) =>
  loadScenario("nic-basic", { sets: ["duration=2ms", "devices.nic0.traffic.kind=constant", "devices.nic0.traffic.rate=10000", ...extra] }).scenario;

function runTrace(file: string, opts: { window?: string; limit?: number; sets?: string[] } = {}) {
  const { report, sim } = runWithTrace(tiny(opts.sets), file, "ftrace", opts);
  return { report, text: readFileSync(file, "utf8"), sim };
}

/** trace_print_context() + "%s: " + TP_printk text. */
const LINE = /^ {0,15}\S{1,16}-\d+ {0,7} \[\d{3}\] [Ddb.][NnBLblp.][ZzHhs.][0-9a-f.][0-9a-f.] {1,5}\d{1,5}\.\d{6}: [a-z_]+: .*$/;

const HEADER_2_OF_3_P2 =
  "# tracer: nop\n" +
  "#\n" +
  "# entries-in-buffer/entries-written: 2/3   #P:2\n" +
  "#\n" +
  "#                                _-----=> irqs-off/BH-disabled\n" +
  "#                               / _----=> need-resched\n" +
  "#                              | / _---=> hardirq/softirq\n" +
  "#                              || / _--=> preempt-depth\n" +
  "#                              ||| / _-=> migrate-disable\n" +
  "#                              |||| /     delay\n" +
  "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n" +
  "#              | |         |   |||||     |         |\n";

describe("ftrace format pieces (kernel/trace/trace.c, trace_output.c)", () => {
  test("header is print_event_info + print_func_help_header_irq, byte for byte", () => {
    expect(ftraceHeader(2, 3, 2)).toBe(HEADER_2_OF_3_P2);
  });

  test("timestamp: ' %5lu.%06lu' of ns2usecs(), which rounds to the nearest microsecond", () => {
    expect(ftraceTimestamp(0)).toBe("    0.000000");
    expect(ftraceTimestamp(1_499)).toBe("    0.000001");
    expect(ftraceTimestamp(1_500)).toBe("    0.000002");
    expect(ftraceTimestamp(1_234_567_890_123)).toBe(" 1234.567890");
    expect(ftraceTimestamp(123_456_789_999_499)).toBe("123456.789999");
  });

  test("%p: 16 hex digits, the upper 32 bits zero (hashed, masked), stable and distinct", () => {
    const p = hashedPointer("skb", 0, 1);
    expect(p).toMatch(/^00000000[0-9a-f]{8}$/);
    expect(hashedPointer("skb", 0, 1)).toBe(p);
    expect(hashedPointer("skb", 0, 2)).not.toBe(p);
    expect(hashedPointer("work", 0, 1)).not.toBe(p);
  });

  test("irq-info flags follow trace_print_lat_fmt()", () => {
    const sim = new Simulation(tiny());
    const cpu = sim.sys.k.cpus[0]!;
    cpu.needResched = false;
    sim.sys.k.engine.cancel(cpu.kickEvent); // boot's wake-ups may have left a resched IPI in flight
    expect(latencyFlags(cpu)).toBe(".....");
    cpu.irqsDisabled = true;
    cpu.preemptCount = HARDIRQ_OFFSET;
    expect(latencyFlags(cpu)).toBe("d.h..");
    cpu.irqsDisabled = false;
    cpu.preemptCount = SOFTIRQ_OFFSET;
    expect(latencyFlags(cpu)).toBe("..s..");
    cpu.preemptCount = SOFTIRQ_DISABLE_OFFSET;
    cpu.irqsDisabled = true;
    expect(latencyFlags(cpu)).toBe("D....");
    cpu.irqsDisabled = false;
    expect(latencyFlags(cpu)).toBe("b....");
    cpu.preemptCount = HARDIRQ_OFFSET + SOFTIRQ_OFFSET + 2;
    expect(latencyFlags(cpu)).toBe("..H2.");
    cpu.preemptCount = 0x11;
    expect(latencyFlags(cpu)).toBe("...f."); // min(pc & 0xff, 0xf)
    cpu.preemptCount = 0;
    cpu.needResched = true; // set by this CPU: TIF_NEED_RESCHED and PREEMPT_NEED_RESCHED
    expect(latencyFlags(cpu)).toBe(".N...");
    sim.sys.k.engine.after(cpu.kickEvent, 1000); // a remote resched IPI not yet landed
    expect(latencyFlags(cpu)).toBe(".n...");
    expect(latencyFlags(cpu, 2, true, true)).toBe("d..2."); // sched_switch under rq lock
  });
});

describe("ftrace lines", () => {
  test("every line has the kernel's shape, and known events print exactly", () => {
    const sim = new Simulation(tiny());
    const sys = sim.sys;
    const fmt = createFtraceFormatter(sys);
    const lines: string[] = [];
    const seen = new Map<number, string>();
    sys.k.trace.on((tp, t, cpu, a, b, c) => {
      const line = fmt(tp, t, cpu, a, b, c);
      if (line === null) return;
      lines.push(line);
      if (seen.has(tp)) return;
      // The same event, formatted by hand from the kernel's TP_printk layouts.
      const k = sys.k;
      const cur = k.cpus[cpu]!.curr;
      const who = (cur.idle ? "<idle>" : cur.comm).padStart(16);
      const pre = `${who}-${String(cur.pid).padEnd(7)} [${String(cpu).padStart(3, "0")}] `;
      const flags = latencyFlags(k.cpus[cpu]!);
      const ts = ftraceTimestamp(t);
      const expected: Record<number, () => string> = {
        [TP.irq_handler_entry]: () => `${pre}${flags} ${ts}: irq_handler_entry: irq=24 name=nic0`,
        [TP.irq_handler_exit]: () => `${pre}${flags} ${ts}: irq_handler_exit: irq=24 ret=handled`,
        [TP.softirq_raise]: () => `${pre}${flags} ${ts}: softirq_raise: vec=3 [action=NET_RX]`,
        [TP.softirq_entry]: () => `${pre}${flags} ${ts}: softirq_entry: vec=3 [action=NET_RX]`,
        [TP.softirq_exit]: () => `${pre}${flags} ${ts}: softirq_exit: vec=3 [action=NET_RX]`,
        [TP.netif_receive_skb]: () =>
          `${pre}${flags} ${ts}: netif_receive_skb: dev=nic0 skbaddr=${hashedPointer("skb", b, a)} len=1500 net_cookie=7`,
        [TP.napi_poll]: () =>
          `${pre}${flags} ${ts}: napi_poll: napi poll on napi struct ${hashedPointer("backlog", cpu)} for device (no_device) work ${b} budget 64`,
      };
      const e = expected[tp];
      if (e !== undefined) {
        seen.set(tp, line);
        expect(line).toBe(e());
      }
    });
    while (!sim.advance(1 << 20));
    expect(lines.length).toBeGreaterThan(50);
    for (const l of lines) expect(l).toMatch(LINE);
    expect([...seen.keys()].sort((x, y) => x - y)).toEqual(
      [TP.irq_handler_entry, TP.irq_handler_exit, TP.softirq_raise, TP.softirq_entry, TP.softirq_exit, TP.napi_poll, TP.netif_receive_skb].sort((x, y) => x - y),
    );
    // In a hardirq handler: IRQs off, hardirq context.
    expect(seen.get(TP.irq_handler_entry)).toMatch(/\] d.h\.\. /);
    // A softirq at irq_exit: IRQs back on, serving a softirq.
    expect(seen.get(TP.softirq_entry)).toMatch(/\] \..s\.\. /);
    // sched_switch is traced under the rq lock with IRQs off (kernel/sched/core.c __schedule).
    expect(lines.find((l) => l.includes(": sched_switch: "))).toMatch(/\] d\.\.2\. /);
    // Non-kernel trace points (pkt_arrive, irq_assert, printk) are not ftrace events.
    expect(lines.some((l) => /pkt_arrive|irq_assert|irq_latch|pkt_deliver/.test(l))).toBe(false);
  });

  test("sched_switch prev_state: R+ when preempted, R for the idle task, S when sleeping", () => {
    const sim = new Simulation(tiny());
    const k = sim.sys.k;
    k.cpus[0]!.needResched = false;
    const fmt = createFtraceFormatter(sim.sys);
    const kso = k.threads.find((t) => t.comm === "ksoftirqd/0")!;
    const app = k.threads.find((t) => t.comm === "app")!;
    const body = (line: string | null) => line!.slice(line!.indexOf("sched_switch: "));
    expect(body(fmt(TP.sched_switch, 0, 0, app.pid, kso.pid, 0))).toBe(
      `sched_switch: prev_comm=app prev_pid=${app.pid} prev_prio=120 prev_state=R+ ==> next_comm=ksoftirqd/0 next_pid=${kso.pid} next_prio=120`,
    );
    expect(body(fmt(TP.sched_switch, 0, 0, 0, app.pid, 0))).toBe(
      `sched_switch: prev_comm=swapper/0 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=app next_pid=${app.pid} next_prio=120`,
    );
    expect(body(fmt(TP.sched_switch, 0, 0, app.pid, 0, 1))).toBe(
      `sched_switch: prev_comm=app prev_pid=${app.pid} prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120`,
    );
    const wake = fmt(TP.sched_wakeup, 0, 0, app.pid, 1, 0)!;
    expect(wake.slice(wake.indexOf("sched_wakeup: "))).toBe(`sched_wakeup: comm=app pid=${app.pid} prio=120 target_cpu=001`);
    expect(wake).toMatch(/\] d\.\.3\. /); // try_to_wake_up: preempt guard, pi_lock irqsave, rq lock
  });

  test("workqueue, tasklet and timer events from a synthetic trace use the kernel's layouts", () => {
    const sim = new Simulation(tiny());
    const k = sim.sys.k;
    k.cpus[0]!.needResched = false;
    k.trace.registerObject("work", 7, { function: "my_work_fn", workqueue: "events" });
    k.trace.registerObject("tasklet", 3, { name: "my_tasklet" });
    const fmt = createFtraceFormatter(sim.sys);
    const pre = "          <idle>-0       [000] .....     0.000002: ";
    const w = hashedPointer("work", 7);
    expect(fmt(TP.workqueue_queue_work, 1_500, 0, 7, -1, 0)).toBe(
      `${pre}workqueue_queue_work: work struct=${w} function=my_work_fn workqueue=events req_cpu=8192 cpu=0`,
    );
    expect(fmt(TP.workqueue_queue_work, 1_500, 0, 7, 1, 1)).toBe(
      `${pre}workqueue_queue_work: work struct=${w} function=my_work_fn workqueue=events req_cpu=1 cpu=1`,
    );
    // include/trace/events/workqueue.h: "work struct %p function=%ps " (trailing space).
    expect(fmt(TP.workqueue_activate_work, 1_500, 0, 7, 0, 0)).toBe(`${pre}workqueue_activate_work: work struct ${w} function=my_work_fn `);
    expect(fmt(TP.workqueue_execute_start, 1_500, 0, 7, 0, 0)).toBe(`${pre}workqueue_execute_start: work struct ${w}: function my_work_fn`);
    expect(fmt(TP.workqueue_execute_end, 1_500, 0, 7, 0, 0)).toBe(`${pre}workqueue_execute_end: work struct ${w}: function my_work_fn`);
    expect(fmt(TP.tasklet_entry, 1_500, 0, 3, 0, 0)).toBe(`${pre}tasklet_entry: tasklet=my_tasklet function=my_tasklet`);
    expect(fmt(TP.tasklet_exit, 1_500, 0, 3, 0, 0)).toBe(`${pre}tasklet_exit: tasklet=my_tasklet function=my_tasklet`);
    expect(fmt(TP.irq_handler_exit, 1_500, 0, 24, 0, 0)).toBe(`${pre}irq_handler_exit: irq=24 ret=unhandled`);
    // Not kernel tracepoints: ftrace has nothing to show.
    expect(fmt(TP.pkt_arrive, 1_500, 0, 0, 0, 0)).toBeNull();
    expect(fmt(TP.irq_assert, 1_500, 0, 24, 0, 0)).toBeNull();
    expect(fmt(TP.printk, 1_500, 0, 0, 0, 0)).toBeNull();
  });

  test("lines at the same instant come CPU by CPU, as __find_next_entry merges the buffers", () => {
    const sim = new Simulation(tiny());
    const k = sim.sys.k;
    const file = join(dir, "ties.txt");
    const w = new FtraceWriter(sim.sys, new TraceFile(file), WHOLE_RUN, 100);
    k.trace.emit(TP.softirq_raise, 1, 3);
    k.trace.emit(TP.softirq_raise, 0, 1);
    k.trace.emit(TP.softirq_raise, 1, 6);
    w.finish();
    const body = readFileSync(file, "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(body.map((l) => l.slice(l.indexOf("vec=")))).toEqual(["vec=1 [action=TIMER]", "vec=3 [action=NET_RX]", "vec=6 [action=TASKLET]"]);
  });
});

describe("ftrace file", () => {
  test("window and limit are honoured and the header counts what follows", () => {
    const all = runTrace(join(dir, "all.txt"));
    const win = runTrace(join(dir, "win.txt"), { window: "500us..1ms" });
    const lim = runTrace(join(dir, "lim.txt"), { window: "500us..1ms", limit: 10 });
    const body = (t: string) => t.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    const secs = (l: string) => Number(/ (\d+\.\d{6}): /.exec(l)![1]);

    const w = body(win.text);
    expect(w.length).toBe(win.report.written);
    expect(w.length).toBeGreaterThan(10);
    for (const l of w) {
      expect(secs(l)).toBeGreaterThanOrEqual(0.0005);
      expect(secs(l)).toBeLessThanOrEqual(0.001);
    }
    expect(win.report.outside_window).toBe(body(all.text).length - w.length);
    expect(win.text).toContain(`# entries-in-buffer/entries-written: ${w.length}/${w.length}   #P:2\n`);

    const l = body(lim.text);
    expect(l).toEqual(w.slice(0, 10));
    expect(lim.report).toMatchObject({ written: 10, dropped: w.length - 10, format: "ftrace", status: "written", unit: "lines" });
    expect(lim.text).toContain(`# entries-in-buffer/entries-written: 10/${w.length}   #P:2\n`);
    expect(lim.text.startsWith("# tracer: nop\n#\n")).toBe(true);
  });

  test("no temporary files are left, after a commit or an abort", () => {
    const sub = mkdtempSync(join(dir, "tmp-"));
    runTrace(join(sub, "a.txt"));
    const sim = new Simulation(tiny());
    const exp = new TraceExport(sim.sys, { file: join(sub, "b.txt"), format: "ftrace", window: WHOLE_RUN, limit: 1000 });
    sim.advance(1000);
    expect(readdirSync(sub).some((f) => f.includes("irqsim-tmp"))).toBe(true); // streaming, not buffered
    const r = exp.abort();
    expect(r.status).toBe("removed");
    expect(readdirSync(sub)).toEqual(["a.txt"]);
  });

  test("an unwritable place is one input error, and leaves nothing", () => {
    const sim = new Simulation(tiny());
    expect(() => new TraceExport(sim.sys, { file: join(dir, "no-such-dir", "t.txt"), format: "ftrace", window: WHOLE_RUN, limit: 10 })).toThrow(
      InputError,
    );
  });

  test("same seed => byte-identical trace file", () => {
    const a = runTrace(join(dir, "d1.txt"), { sets: ["devices.nic0.traffic.kind=poisson"] }).text;
    const b = runTrace(join(dir, "d2.txt"), { sets: ["devices.nic0.traffic.kind=poisson"] }).text;
    expect(a).toBe(b);
    const c = runTrace(join(dir, "d3.txt"), { sets: ["devices.nic0.traffic.kind=poisson", "seed=9"] }).text;
    expect(c).not.toBe(a);
  });
});

describe("--trace-window", () => {
  test("FROM..TO with either side optional; bad text is an input error naming the flag", () => {
    expect(parseTraceWindow("10ms..20ms")).toEqual({ from: 10_000_000, to: 20_000_000 });
    expect(parseTraceWindow("1.5ms..2ms")).toEqual({ from: 1_500_000, to: 2_000_000 });
    expect(parseTraceWindow("5ms..")).toEqual({ from: 5_000_000, to: Infinity });
    expect(parseTraceWindow("..1ms")).toEqual({ from: 0, to: 1_000_000 });
    expect(() => parseTraceWindow("10ms")).toThrow(/^--trace-window: expected FROM\.\.TO/);
    expect(() => parseTraceWindow("2ms..1ms")).toThrow(/TO must be after FROM/);
    expect(() => parseTraceWindow("abc..1ms")).toThrow(InputError);
  });
});

describe("irqsim run --trace", () => {
  async function cli(args: string[]) {
    const { main } = await import("../cli/main.js");
    let stdout = "";
    let stderr = "";
    const code = await main(args, {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      isTTY: false,
      stderrIsTTY: false,
      env: {},
    });
    return { code, stdout, stderr };
  }

  test("the summary and --json state what was written", async () => {
    const file = join(dir, "cli.txt");
    const r = await cli(["run", "nic-basic", "--duration", "3ms", "--trace", file, "--trace-format", "ftrace", "--trace-window", "0..2ms"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\nTrace\\n  wrote [\\d,]+ ftrace lines to ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(window 0 ns \\.\\. 2\\.000 ms, [\\d,]+ outside the window\\)\\n`));
    const j = await cli(["run", "nic-basic", "--duration", "3ms", "--trace", join(dir, "cli.json"), "--trace-limit", "500", "--json"]);
    const t = JSON.parse(j.stdout).trace;
    expect(t).toMatchObject({ file: join(dir, "cli.json"), format: "chrome", status: "written", unit: "events", window_ns: { from: 0, to: null }, limit: 500, written: 500 });
    expect(t.dropped).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, "cli.json"), "utf8")).traceEvents.length).toBeGreaterThan(500); // + metadata
  });

  test("bad trace flags: one line, exit 2", async () => {
    const a = await cli(["run", "nic-basic", "--trace", join(dir, "x.txt"), "--trace-window", "5ms"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^irqsim: --trace-window: expected FROM\.\.TO[^\n]*\n$/);
    const b = await cli(["run", "nic-basic", "--trace-limit", "10"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toBe("irqsim: --trace-limit: needs --trace FILE\n");
    const c = await cli(["run", "nic-basic", "--trace", join(dir, "nope", "x.txt")]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^irqsim: .*nope\/x\.txt: cannot write the trace \(ENOENT\)\n$/);
    const d = await cli(["run", "nic-basic", "--trace", join(dir, "x.txt"), "--trace-format", "perf"]);
    expect(d.code).toBe(2);
    expect(readdirSync(dir).filter((f) => f.startsWith("x.txt") || f.includes("irqsim-"))).toEqual([]);
  });
});
