/**
 * `run --trace FILE --trace-format dat`: a trace-cmd trace.dat that the real trace-cmd
 * reads back as the same events, CPUs, timestamps and fields as irqsim's ftrace text of
 * the same run and window. The comparison needs the `trace-cmd` binary (Debian package
 * trace-cmd; .ci/run installs it where apt can): without it those tests are skipped and
 * say why.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { loadScenario } from "../system/scenario_files.js";
import { encodeRecord, entryFlags } from "../observe/trace_dat.js";
import { DAT_EVENTS, eventFormatText } from "../observe/trace_dat_format.js";
import { runWithTrace } from "./helpers/trace.js";

const dir = mkdtempSync(join(tmpdir(), "irqsim-dat-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const traceCmd = spawnSync("trace-cmd", ["--version"], { encoding: "utf8" });
const haveTraceCmd = traceCmd.error === undefined;
if (!haveTraceCmd) console.warn("trace_dat.test: skipping the trace-cmd comparisons: `trace-cmd` is not installed (apt-get install -y trace-cmd)");

interface Line {
  comm: string;
  pid: number;
  cpu: number;
  ts: string;
  event: string;
  fields: string;
}

/** libtraceevent prints `%p` as 0x<hex>; the kernel as 16 zero-padded hex digits. */
const samePointers = (s: string): string => s.replace(/\b0x([0-9a-f]+)\b/g, (_m, h: string) => h.padStart(16, "0"));

function parseFtrace(text: string): { line: Line; flags: string }[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const m = /^\s*(.+)-(\d+)\s+\[(\d{3})\] (\S{5}) +(\d+\.\d{6}): (\w+): (.*)$/.exec(l);
      if (m === null) throw new Error(`not an ftrace line: ${l}`);
      return { line: { comm: m[1]!, pid: Number(m[2]), cpu: Number(m[3]), ts: m[5]!, event: m[6]!, fields: m[7]! }, flags: m[4]! };
    });
}

function parseReport(text: string): Line[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !/^cpus=\d+$/.test(l))
    .map((l) => {
      const m = /^\s*(.+)-(\d+)\s+\[(\d{3})\]\s+(\d+\.\d{6}): (\w+):\s+(.*)$/.exec(l);
      if (m === null) throw new Error(`not a trace-cmd report line: ${l}`);
      return { comm: m[1]!, pid: Number(m[2]), cpu: Number(m[3]), ts: m[4]!, event: m[5]!, fields: samePointers(m[6]!) };
    });
}

/** `trace-cmd report -l`: `comm-pid  <cpu><5 flags>  ts: ...`; the flags alone. */
function parseReportFlags(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => l !== "" && !/^cpus=\d+$/.test(l))
    .map((l) => /^\s*.+-\d+\s+\d+(\S{5})\s+\d+\.\d{6}: /.exec(l)![1]!);
}

function report(file: string, ...args: string[]): string {
  const r = spawnSync("trace-cmd", ["report", ...args, file], { encoding: "utf8", maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/error|fail|warn|bad|unknown/i);
  return r.stdout;
}

/** Runs the scenario twice (text, dat) and compares what trace-cmd reads with the text. */
function compare(name: string, sets: string[], opts: { window?: string; limit?: number } = {}) {
  const { scenario } = loadScenario(name.endsWith(".yaml") ? join(dir, name) : name, { sets });
  name = name.replace(/\.yaml$/, "");
  const txt = join(dir, `${name}.txt`);
  const dat = join(dir, `${name}.dat`);
  const a = runWithTrace(structuredClone(scenario), txt, "ftrace", opts).report;
  const b = runWithTrace(structuredClone(scenario), dat, "dat", opts).report;
  expect(b.written).toBe(a.written);
  expect(b.dropped).toBe(a.dropped);
  expect(b.outside_window).toBe(a.outside_window);
  const expected = parseFtrace(readFileSync(txt, "utf8"));
  // -N: no plugins, so sched_switch/sched_wakeup print with the kernel's own print fmt.
  const got = parseReport(report(dat, "-N"));
  expect(got).toEqual(expected.map((e) => e.line));
  // The irq-info flags: libtraceevent prints need-resched as N whether or not the
  // PREEMPT_RESCHED bit is set too (ftrace's n/N), the other four as ftrace does.
  const flags = parseReportFlags(report(dat, "-N", "-l"));
  expect(flags).toEqual(expected.map((e) => e.flags.replace("n", "N")));
  return { events: new Set(expected.map((e) => e.line.event)), count: expected.length, dat, lines: got };
}

describe("trace.dat read back by trace-cmd", () => {
  test.skipIf(!haveTraceCmd)("workqueue-rx: queue/activate/execute, softirqs, sched events match the ftrace text", () => {
    const { events, count } = compare("workqueue-rx", ["duration=3ms"]);
    expect(count).toBeGreaterThan(300);
    for (const e of ["workqueue_queue_work", "workqueue_activate_work", "workqueue_execute_start", "workqueue_execute_end", "sched_switch", "sched_wakeup", "irq_handler_entry"]) {
      expect(events).toContain(e);
    }
  });

  test.skipIf(!haveTraceCmd)("tasklet-serial in a window with a limit: tasklets, and the same cut as the text", () => {
    const { events } = compare("tasklet-serial", ["duration=4ms"], { window: "1ms..3ms", limit: 400 });
    expect(events).toContain("tasklet_entry");
  });

  test.skipIf(!haveTraceCmd)("gaps over 2^27 ns (TIME_EXTEND events) keep the timestamps", () => {
    const { lines } = compare("nic-basic", ["duration=700ms", "devices.nic0.traffic.kind=constant", "devices.nic0.traffic.rate=4"]);
    const cpu0 = lines.filter((l) => l.cpu === 0).map((l) => Number(l.ts));
    const gaps = cpu0.slice(1).map((t, i) => t - cpu0[i]!);
    expect(Math.max(...gaps)).toBeGreaterThan(2 ** 27 / 1e9);
  });

  test.skipIf(!haveTraceCmd)("records over 112 bytes (a long device name) use the type_len 0 form", () => {
    const long = "nic_" + "x".repeat(100);
    const yaml = readFileSync("scenarios/nic-basic.yaml", "utf8").replace(/\bnic0\b/g, long);
    writeFileSync(join(dir, "long.yaml"), yaml);
    const { lines } = compare("long.yaml", ["duration=1ms"]);
    expect(lines.some((l) => l.event === "netif_receive_skb" && l.fields.startsWith(`dev=${long} `))).toBe(true);
  });

  test.skipIf(!haveTraceCmd)("the periodic tick: local_timer events", () => {
    const { events } = compare("nic-basic", ["duration=3ms", "kernel.tick=periodic"]);
    expect(events).toContain("local_timer_entry");
  });

  test.skipIf(!haveTraceCmd)("trace-cmd with its plugins (as KernelShark loads them) reads it too, and lists the tasks", () => {
    const { dat } = compare("nic-basic", ["duration=1ms"]);
    const out = report(dat);
    expect(out).toMatch(/^cpus=2\n/);
    expect(out).toMatch(/sched_switch: +swapper\/1:0 \[120\] R ==> /);
    const stat = spawnSync("trace-cmd", ["dump", "--cmd-lines", dat], { encoding: "utf8" });
    expect(stat.status, stat.stderr).toBe(0);
    expect(stat.stdout).toMatch(/\b\d+ ksoftirqd\/0\b/);
    expect(stat.stdout).toMatch(/\b\d+ app\b/);
    // The version-6 header trace-cmd itself reports.
    const info = execFileSync("trace-cmd", ["dump", "--summary", dat], { encoding: "utf8" });
    expect(info).toMatch(/\[Tracing meta data\]|version|6/i);
  });
});

describe("trace.dat pieces", () => {
  test("the file as trace-cmd.dat.v6(5) lays it out: header, formats, cmdlines, page-aligned per-CPU pages; same seed, same bytes", () => {
    const { scenario } = loadScenario("nic-basic", { sets: ["duration=2ms"] });
    const f1 = join(dir, "s1.dat");
    const f2 = join(dir, "s2.dat");
    const rep = runWithTrace(structuredClone(scenario), f1, "dat").report;
    runWithTrace(structuredClone(scenario), f2, "dat");
    const b = readFileSync(f1);
    expect(b.equals(readFileSync(f2))).toBe(true);
    expect([...b.subarray(0, 3)]).toEqual([0x17, 0x08, 0x44]);
    expect(b.toString("latin1", 3, 10)).toBe("tracing");
    expect(b.toString("latin1", 10, 12)).toBe("6\0");
    expect([b[12], b[13], b.readUInt32LE(14)]).toEqual([0, 8, 4096]); // little endian, 8-byte long, 4 KiB pages
    let at = 18;
    const str = (s: string): void => {
      expect(b.toString("latin1", at, at + s.length)).toBe(s);
      at += s.length;
    };
    const sized64 = (): string => {
      const n = Number(b.readBigUInt64LE(at));
      at += 8 + n;
      return b.toString("latin1", at - n, at);
    };
    str("header_page\0");
    expect(sized64()).toContain("field: local_t commit;");
    str("header_event\0");
    expect(sized64()).toContain("time_delta  :   27 bits");
    expect(b.readUInt32LE(at)).toBe(0); // no ftrace-internal formats
    at += 4;
    const systems = b.readUInt32LE(at);
    at += 4;
    const names: string[] = [];
    for (let i = 0; i < systems; i++) {
      const end = b.indexOf(0, at);
      names.push(b.toString("latin1", at, end));
      at = end + 1;
      const events = b.readUInt32LE(at);
      at += 4;
      for (let j = 0; j < events; j++) expect(sized64()).toMatch(/^name: \w+\nID: \d+\nformat:\n/);
    }
    expect(names).toEqual(["irq", "napi", "net", "workqueue", "sched", "irq_vectors", "timer"]);
    at += 4 + b.readUInt32LE(at); // kallsyms
    at += 4 + b.readUInt32LE(at); // printk formats
    expect(sized64()).toMatch(/^2 ksoftirqd\/0\n/m);
    expect(b.readUInt32LE(at)).toBe(2);
    at += 4;
    str("options  \0");
    expect(b.readUInt16LE(at)).toBe(0);
    at += 2;
    str("flyrecord\0");
    let pages = 0;
    for (let cpu = 0; cpu < 2; cpu++) {
      const off = Number(b.readBigUInt64LE(at + 16 * cpu));
      const size = Number(b.readBigUInt64LE(at + 16 * cpu + 8));
      expect(off % 4096).toBe(0);
      expect(size % 4096).toBe(0);
      expect(off + size).toBeLessThanOrEqual(b.length);
      for (let p = off; p < off + size; p += 4096) {
        expect(Number(b.readBigUInt64LE(p + 8))).toBeLessThanOrEqual(4080); // commit: data bytes in the page
        pages++;
      }
    }
    expect(pages).toBeGreaterThan(0);
    expect(rep.written).toBeGreaterThan(500);
  });

  test("event format text is what /sys/kernel/tracing/events/irq/irq_handler_entry/format prints (x86_64)", () => {
    const e = DAT_EVENTS.find((x) => x.name === "irq_handler_entry")!;
    expect(eventFormatText(e)).toBe(
      `name: irq_handler_entry\nID: ${e.id}\nformat:\n` +
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" +
        "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n" +
        "\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n\n" +
        'print fmt: "irq=%d name=%s", REC->irq, __get_str(name)\n',
    );
    // struct trace_event_raw_sched_switch on x86_64: prev_state is a long at 32, next_comm at 40.
    const sw = DAT_EVENTS.find((x) => x.name === "sched_switch")!;
    expect(sw.fields.map((f) => [f.name, f.offset, f.size])).toEqual([
      ["prev_comm", 8, 16], ["prev_pid", 24, 4], ["prev_prio", 28, 4], ["prev_state", 32, 8], ["next_comm", 40, 16], ["next_pid", 56, 4], ["next_prio", 60, 4],
    ]);
  });

  test("irq-info characters map to TRACE_FLAG_* bits and the preempt count", () => {
    expect(entryFlags("dnh..")).toEqual({ flags: 0x01 | 0x04 | 0x08, preemptCount: 0 });
    expect(entryFlags("DNH2.")).toEqual({ flags: 0x01 | 0x80 | 0x04 | 0x20 | 0x08 | 0x10, preemptCount: 2 });
    expect(entryFlags("b.s.1")).toEqual({ flags: 0x80 | 0x10, preemptCount: 0x10 });
    expect(entryFlags(".....")).toEqual({ flags: 0, preemptCount: 0 });
  });

  test("a record is struct trace_entry, the fields, then the __data_loc string, 4-byte padded", () => {
    const e = DAT_EVENTS.find((x) => x.name === "irq_handler_entry")!;
    const r = encodeRecord(e, 0x09, 0, 0, [24, "nic0"]);
    expect(r.length).toBe(24); // 16 fixed + "nic0\0" = 21 -> 24
    expect(r.readUInt16LE(0)).toBe(e.id);
    expect(r.readUInt8(2)).toBe(0x09);
    expect(r.readInt32LE(8)).toBe(24);
    expect(r.readUInt32LE(12)).toBe((5 << 16) | 16);
    expect(r.toString("latin1", 16, 20)).toBe("nic0");
  });
});
