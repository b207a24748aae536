import { afterEach, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { cleanup, render } from "ink-testing-library";
import { loadScenario } from "../system/scenario_files.js";
import { Simulation } from "../system/run.js";
import { SnapshotHistory } from "../observe/snapshot_sampler.js";
import type { Snapshot } from "../observe/snapshot.js";
import { App, type QuitReason } from "../tui/App.js";
import { CpuLanes } from "../tui/CpuLanes.js";
import { Dashboard } from "../tui/Dashboard.js";
import { planLayout, type PanelId } from "../tui/layout.js";
import { latencyPanelLines } from "../tui/LatencyPanel.js";
import { LiveRun } from "../tui/live_run.js";
import { WorkqueuePanel } from "../tui/WorkqueuePanel.js";
import { cli } from "./helpers/cli.js";

afterEach(() => cleanup());

const zeroLatency = (name: string) => ({ name, description: name, count: 0, p50: 0, p99: 0, p999: 0, max: 0, buckets: [] });

/** A known snapshot, written by hand: two CPUs, one in a top half, one running a task. */
function fixture(): Snapshot {
  return {
    scenario: "fixture",
    description: "a hand-written snapshot",
    seed: 7,
    time_ns: 1_234_567,
    duration_ns: 10_000_000,
    events: 4321,
    window_ns: 1_000_000,
    packets: { arrived: 60, delivered: 50, dropped: 4, in_flight: 6 },
    cpus: [
      {
        cpu: 0,
        context: { kind: "hardirq", label: "hardirq 24 nic0", irq: 24, vec: "", comm: "swapper/0", pid: 0 },
        preempt_count: 0x10000,
        irqs_disabled: true,
        nr_running: 0,
        context_switches: 3,
        strip: "..hHsS..",
        util_ns: { hardirq: 100_000, softirq: 200_000, system: 0, user: 0, idle: 700_000 },
      },
      {
        cpu: 1,
        context: { kind: "thread", label: "app", irq: -1, vec: "", comm: "app", pid: 9 },
        preempt_count: 0,
        irqs_disabled: false,
        nr_running: 1,
        context_switches: 12,
        strip: "uuUUkK..",
        util_ns: { hardirq: 0, softirq: 0, system: 300_000, user: 500_000, idle: 200_000 },
      },
    ],
    irqs: [{ irq: 24, name: "nic0", chip: "IR-PCI-MSI", affinity: [0], per_cpu: [61, 0], total: 61, rate_hz: 50_000, masked_by: "device", pending: true }],
    softirqs: {
      pending: [8, 0],
      pending_names: [["NET_RX"], []],
      running: ["", ""],
      vectors: [
        { vec: 1, name: "TIMER", per_cpu: [0, 0], rate_hz: 0, raised_hz: 0 },
        { vec: 3, name: "NET_RX", per_cpu: [40, 0], rate_hz: 40_000, raised_hz: 41_000 },
      ],
      ksoftirqd: [
        { cpu: 0, comm: "ksoftirqd/0", pid: 2, state: "runnable", runs_inline: 38, runs_ksoftirqd: 2, deferred: { restart_limit: 1, time_limit: 1, need_resched: 0 } },
        { cpu: 1, comm: "ksoftirqd/1", pid: 3, state: "sleeping", runs_inline: 0, runs_ksoftirqd: 0, deferred: { restart_limit: 0, time_limit: 0, need_resched: 0 } },
      ],
      tasklets: [],
    },
    napi: {
      cpus: [
        { cpu: 0, poll_list: ["nic0"], backlog: 3, last_budget_used: 300, budget: 300, time_squeeze: 5, processed: 50, dropped: 0 },
        { cpu: 1, poll_list: [], backlog: 0, last_budget_used: 0, budget: 300, time_squeeze: 0, processed: 0, dropped: 0 },
      ],
      instances: [{ name: "nic0", weight: 64, scheduled: true, polls: 9, packets: 500, full_polls: 7, completions: 2, last_work: 64 }],
    },
    workqueues: [],
    devices: [
      {
        name: "nic0",
        type: "nic",
        mode: "napi",
        irq: 24,
        queues: 1,
        ring_fill: 256,
        ring_size: 256,
        masked: true,
        rx_packets: 56,
        rx_rate_hz: 60_000,
        interrupts: 61,
        drops: { rx_ring_full: 4, cpu_backlog: 0, socket_rcvbuff: 0 },
      },
    ],
    latency: [
      { name: "irq_entry", description: "", count: 61, p50: 400, p99: 2_300, p999: 2_400, max: 2_400, buckets: [{ lo_ns: 256, hi_ns: 512, count: 50 }, { lo_ns: 512, hi_ns: 1024, count: 0 }, { lo_ns: 1024, hi_ns: 2048, count: 8 }, { lo_ns: 2048, hi_ns: 4096, count: 3 }] },
      zeroLatency("top_half_to_bh"),
      zeroLatency("bottom_half"),
      zeroLatency("deliver"),
    ],
    log: ["          <idle>-0       [000] d.h..     0.001234: irq_handler_entry: irq=24 name=nic0"],
    dmesg_lines: 0,
    dmesg: [],
    threads: [
      { pid: 2, comm: "ksoftirqd/0", cpu: 0, policy: "TS", prio: 0, state: "R", on_cpu: false, cpu_pct: 12.5, switches: 40, runtime_ns: 125_000 },
      { pid: 9, comm: "app", cpu: 1, policy: "TS", prio: 0, state: "R", on_cpu: true, cpu_pct: 80, switches: 12, runtime_ns: 800_000 },
      { pid: 5, comm: "irq/24-nic0", cpu: 0, policy: "FF", prio: 50, state: "S", on_cpu: false, cpu_pct: 0, switches: 1_234_567, runtime_ns: 0 },
    ],
    thread_window_ns: 1_000_000,
    peripherals: [],
    memory: { model: "lkmm", matters: false, loads_with_choice: 0, stale_loads: 0, stores: 0, fences: 0, corrupt: 0, first_corrupt: "" },
    series: null,
  };
}

const plainLines = (frame: string | undefined): string[] => (frame ?? "").split("\n");

function dash(snap: Snapshot, columns: number, rows: number, extra: Partial<{ focus: PanelId; help: boolean; notice: string }> = {}) {
  return render(
    <Dashboard snap={snap} columns={columns} rows={rows} focus={extra.focus ?? "cpus"} help={extra.help ?? false} state="running" speed={0.01} notice={extra.notice ?? ""} color={false} />,
  );
}

describe("frames for a known snapshot", () => {
  test("a 120x40 terminal shows every panel, the seed and the simulated time", () => {
    const frame = dash(fixture(), 120, 40).lastFrame()!;
    const lines = plainLines(frame);
    expect(lines[0]).toBe("fixture seed 7 t=1.234567 ms / 10.000 ms (12%)  ▶ running  0.01x = 10.00ms/s  4321 events  ? help");
    expect(lines[1]).toMatch(/^══▶CPUs ═+$/);
    expect(lines[2]).toMatch(/^cpu0  dh\. hardirq 24 nic0 +▕ +\.\.hHsS\.\. hi 10% si 20% sy  0% us  0% rq 0$/);
    expect(lines[3]).toMatch(/^cpu1  \.\.\. app +▕ +uuUUkK\.\. hi  0% si  0% sy 30% us 50% rq 1$/);
    for (const title of ["IRQs", "Softirqs", "NAPI / softnet", "Devices", "Threads (%CPU over the last 1.00ms)", "Latency", "dmesg", "Event log (ftrace)"]) expect(frame).toContain(`── ${title} `);
    expect(frame).toMatch(/24\* +nic0 +50\.0k +61 +0 +device/);
    expect(frame).toMatch(/NET_RX +40\.0k +41\.0k +40 +0/);
    expect(frame).not.toMatch(/TIMER/); // vectors that never ran stay out
    expect(frame).toMatch(/0 +NET_RX +runnable +38\/2 +1\/1\/0/);
    expect(frame).toMatch(/0 +nic0 +3 +300\/300 +5 +0/);
    expect(frame).toContain("nic0       w64 SCHED last 64 polls 9 full 7 done 2");
    expect(frame).toMatch(/nic0 +napi +\[█+\] 256\/256 +rx 60\.0k\/s masked/);
    expect(frame).toContain("drops rx_ring_full 4 cpu_backlog 0 socket_rcvbuff 0");
    // A 59-column panel leaves room for the last two log2 buckets after the stage names.
    expect(frame).toMatch(/irq_entry +400ns +2\.3us +2\.4us +█▄ 1\.0us\.\.4\.1us/);
    expect(frame).toMatch(/bottom_half +no samples yet/);
    // Panels with nothing to say for this run give their rows to the others.
    expect(frame).not.toContain("Workqueues");
    expect(frame).not.toContain("Memory ordering");
    // top's order: busiest first; the one on a CPU marked R*; columns apart at any count.
    expect(frame).toMatch(/ {4}9 app +1 TS +0 R\* +80\.0 +12 /);
    expect(frame).toMatch(/ {4}2 ksoftirqd\/0 +0 TS +0 R +12\.5 +40 /);
    expect(frame).toMatch(/ {4}5 irq\/24-nic0 +0 FF +50 S +0\.0 +1\.23M /);
    expect(frame.indexOf(" app ")).toBeLessThan(frame.indexOf(" ksoftirqd/0 "));
    expect(frame).toContain("the kernel log is empty");
    expect(frame).toContain("irq_handler_entry: irq=24 name=nic0");
    expect(lines[lines.length - 1]).toBe("space pause · n step · +/- speed · tab focus · ramcbf steer · ? help · q quit");
    // The frame never fills the terminal (a full frame would scroll and flicker).
    expect(lines.length).toBeLessThanOrEqual(39);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(120);
  });

  test("a small terminal (40x12): narrower lines, fewer panels, seed and time still there", () => {
    const lines = plainLines(dash(fixture(), 40, 12).lastFrame());
    expect(lines[0]).toMatch(/^fixture seed 7 t=1\.234567 ms/);
    expect(lines.length).toBeLessThanOrEqual(11);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(lines.some((l) => l.startsWith("cpu0  dh. hardirq 24 nic0"))).toBe(true);
    expect(lines.some((l) => l.startsWith("cpu1  ... app"))).toBe(true);
    expect(lines.join("\n")).not.toContain("Softirqs");
  });

  test("a focused panel is kept on a short terminal, and shown focused", () => {
    const frame = dash(fixture(), 80, 12, { focus: "latency" }).lastFrame()!;
    expect(frame).toContain("══▶Latency ═");
    expect(frame).toContain("── CPUs ─");
    expect(frame).not.toContain("IRQs");
  });

  test("the help overlay and a notice keep the status line", () => {
    const lines = plainLines(dash(fixture(), 100, 30, { help: true, notice: "#12 at 0.001234 ms: cpu0 raises NET_RX" }).lastFrame());
    expect(lines[0]).toMatch(/^fixture seed 7 t=1\.234567 ms/);
    expect(lines[1]).toBe("Keys");
    expect(lines.join("\n")).toContain("space    pause / resume");
    expect(lines[lines.length - 1]).toBe("#12 at 0.001234 ms: cpu0 raises NET_RX");
  });

  test("components take a plain snapshot: CPU lanes alone, workqueues with pools", () => {
    const lanes = render(<CpuLanes snap={fixture()} width={60} height={3} color={false} />).lastFrame()!;
    expect(plainLines(lanes)).toHaveLength(3);
    const snap = fixture();
    snap.workqueues = [
      {
        name: "rx_wq",
        flags: ["WQ_MEM_RECLAIM"],
        max_active: 4,
        pending: 3,
        in_flight: 2,
        executed: 100,
        rate_hz: 20_000,
        pools: [{ pool: "0", cpu: 0, workers: 5, idle: 2, nr_running: 1, pending: 3, in_flight: 2 }],
      },
    ];
    const wq = render(<WorkqueuePanel snap={snap} width={80} height={6} color={false} />).lastFrame()!;
    expect(wq).toMatch(/rx_wq +3 +2 +20\.0k +4 +WQ_MEM_RECLAIM/);
    expect(wq).toContain("pool 0      workers 5 idle 2 nr_running 1 pend 3 run 2");
  });

  test("the latency panel names every stage in full, in stage order, columns aligned", () => {
    const lines = latencyPanelLines(fixture(), 80).map((l) => l.map((seg) => seg.text).join(""));
    expect(lines[0]).toMatch(/^stage {10}     p50     p99   p99\.9  histogram/);
    expect(lines.slice(1).map((l) => l.split(" ")[0])).toEqual(["irq_entry", "top_half_to_bh", "bottom_half", "deliver"]);
    expect(lines[1]).toMatch(/^irq_entry {6}   400ns/);
    expect(lines[2]).toBe("top_half_to_bh no samples yet");
  });

  test("the layout never uses more rows than it has", () => {
    const natural = { cpus: 9, irqs: 4, softirqs: 8, napi: 5, workqueues: 2, devices: 3, latency: 5, log: 41 } as Record<PanelId, number>;
    for (const width of [30, 80, 100, 160]) {
      for (let rows = 0; rows < 60; rows++) {
        const plan = planLayout(natural, width, rows, "napi");
        expect(plan.rows.reduce((a, r) => a + r.height, 0)).toBeLessThanOrEqual(rows);
        for (const r of plan.rows) expect(r.panels.reduce((a, p) => a + p.width, 0) + 2 * (r.panels.length - 1)).toBe(width);
      }
    }
  });
});

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

function liveApp() {
  const { scenario } = loadScenario("nic-basic");
  const sim = new Simulation(scenario);
  // A frozen clock: nothing runs unless a key says so.
  const run = new LiveRun(sim, new SnapshotHistory(sim.sys), { speed: 0.01, clock: () => 0 });
  const quits: QuitReason[] = [];
  const app = render(<App run={run} color={false} columns={110} rows={36} onQuit={(r) => quits.push(r)} />);
  return { sim, run, app, quits };
}

describe("keys", () => {
  test("space pauses and resumes; . steps one event, n to the next meaningful one, each explained", async () => {
    const { sim, run, app } = liveApp();
    await tick();
    expect(app.lastFrame()).toContain("▶ running");
    app.stdin.write(" ");
    await tick();
    expect(run.paused).toBe(true);
    expect(app.lastFrame()).toContain("❚❚ PAUSED");
    expect(app.lastFrame()).toContain("paused: n steps one event, space resumes");
    app.stdin.write(".");
    await tick();
    expect(sim.sys.k.engine.fired).toBe(1);
    expect(app.lastFrame()).toMatch(/^#1 at \d+\.\d{6} ms: .+$/m);
    expect(app.lastFrame()).toContain(" 1 events");
    app.stdin.write("n");
    await tick();
    const fired = sim.sys.k.engine.fired;
    expect(fired).toBeGreaterThan(1);
    expect(app.lastFrame()).toMatch(new RegExp(`^#${fired} at `, "m"));
    expect(app.lastFrame()).not.toContain("nothing visible changed");
    app.stdin.write(" ");
    await tick();
    expect(run.paused).toBe(false);
    expect(app.lastFrame()).toContain("▶ running");
  });

  test("+ and - change the speed shown on the status line", async () => {
    const { run, app } = liveApp();
    await tick();
    app.stdin.write("+");
    await tick();
    expect(run.speed).toBe(0.02);
    expect(app.lastFrame()).toContain("0.02x");
    app.stdin.write("-");
    app.stdin.write("-");
    await tick();
    expect(run.speed).toBe(0.005);
    expect(app.lastFrame()).toContain("speed 0.005x = 5.00ms/s (simulated time per real second)");
  });

  test("tab moves the focus, ? toggles help, f arms the fault", async () => {
    const { app } = liveApp();
    await tick();
    expect(app.lastFrame()).toContain("══▶CPUs");
    app.stdin.write("\t");
    await tick();
    expect(app.lastFrame()).toContain("══▶Charts");
    expect(app.lastFrame()).toContain("── CPUs");
    app.stdin.write("?");
    await tick();
    expect(app.lastFrame()).toContain("space    pause / resume");
    app.stdin.write("?");
    await tick();
    expect(app.lastFrame()).not.toContain("space    pause / resume");
    app.stdin.write("f");
    await tick();
    expect(app.lastFrame()).toMatch(/0\.000001 ms: a burst of 256 packets on nic0 \(traffic_burst, recorded\)/);
  });

  test("w writes the ftrace text of the last 10 ms to a file named for the run", async () => {
    const { scenario } = loadScenario("nic-basic");
    const sim = new Simulation(scenario);
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys), { speed: 0.01, clock: () => 0 });
    const files: [string, string][] = [];
    const app = render(<App run={run} color={false} columns={110} rows={36} writeFile={(p, t) => files.push([p, t])} />);
    await tick();
    while (sim.runUntil(15_000_000, 1 << 20) === "budget");
    app.stdin.write("w");
    await tick();
    expect(files).toHaveLength(1);
    const [file, text] = files[0]!;
    expect(file).toBe("nic-basic-seed1-15000000ns.trace.txt");
    expect(text.startsWith("# tracer: nop\n")).toBe(true);
    const times = [...text.matchAll(/ (\d+\.\d{6}): /g)].map((m) => Number(m[1]));
    expect(times.length).toBeGreaterThan(100);
    // Only the last 10 ms: nothing before 5 ms of the 15 ms run.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(0.005);
    expect(app.lastFrame()).toMatch(/wrote nic-basic-seed1-15000000ns\.trace\.txt: the ftrace text of the last 10\.00ms \(\d+ lines\)/);
  });

  test("/ filters the event log by CPU, IRQ or event name; [ scrolls back; esc clears", async () => {
    const { sim, app } = liveApp();
    await tick();
    while (sim.runUntil(3_000_000, 1 << 20) === "budget");
    app.stdin.write("/");
    await tick();
    expect(app.lastFrame()).toContain("filter the event log");
    for (const ch of "irq24 entry") app.stdin.write(ch);
    app.stdin.write("\r");
    await tick();
    const log = (f: string): string[] => f.split("\n").filter((l) => /\[\d{3}\] .{5} +\d+\.\d{6}: /.test(l));
    let lines = log(app.lastFrame()!);
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l).toMatch(/irq_handler_entry: irq=24 name=nic0/);
    expect(app.lastFrame()).toMatch(/event log "irq24 entry": \d+ lines in the last 10\.00ms/);
    const newest = lines[lines.length - 1];
    app.stdin.write("[");
    await tick();
    lines = log(app.lastFrame()!);
    expect(lines[lines.length - 1]).not.toBe(newest);
    expect(app.lastFrame()).toMatch(/\d+ back; \[ \] scroll/);
    app.stdin.write("\x1b");
    await tick();
    expect(app.lastFrame()).toContain("event log: filter and scroll cleared");
  });

  test("the help scrolls when it does not fit (80x24): every key and the strip legend are reachable", async () => {
    const { scenario } = loadScenario("nic-basic");
    const sim = new Simulation(scenario);
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys), { speed: 0.01, clock: () => 0 });
    const app = render(<App run={run} color={false} columns={80} rows={24} />);
    await tick();
    app.stdin.write("?");
    await tick();
    expect(app.lastFrame()).toContain("space    pause / resume");
    expect(app.lastFrame()).toContain("help: [ ] (or up/down) scroll");
    let seen = app.lastFrame()!;
    for (let i = 0; i < 4; i++) {
      app.stdin.write("]");
      await tick();
      seen += app.lastFrame()!;
    }
    for (const key of ["n        step to the next meaningful", "S W D B", "r / R", "m / M", "c / C", "/        filter", "[ / ]", "w        write", "q        quit"]) expect(seen).toContain(key);
    expect(seen).toContain("lower case (h s k u)");
  });

  test("q quits; Ctrl-C quits as an interrupt", async () => {
    const a = liveApp();
    await tick();
    a.app.stdin.write("q");
    await tick();
    expect(a.quits).toEqual(["quit"]);
    const b = liveApp();
    await tick();
    b.app.stdin.write("\x03");
    await tick();
    expect(b.quits).toEqual(["interrupt"]);
  });

  test("running, the simulation advances with the clock and the frame follows", async () => {
    const { scenario } = loadScenario("nic-basic");
    const sim = new Simulation(scenario);
    let now = 0;
    const run = new LiveRun(sim, new SnapshotHistory(sim.sys), { speed: 0.01, clock: () => now });
    const app = render(<App run={run} color={false} columns={110} rows={36} frameMs={10} />);
    now = 200; // 200 ms at 0.01x: 2 ms simulated
    await tick(60);
    expect(sim.now).toBe(2_000_000);
    expect(app.lastFrame()).toContain("t=2.000000 ms");
  });
});


describe("irqsim dashboard", () => {
  test("--plain prints a snapshot every 10 ms of simulated time, the same each run", async () => {
    const a = await cli(["dashboard", "nic-basic", "--plain", "--duration", "30ms"]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe("");
    const heads = a.stdout.split("\n").filter((l) => l.startsWith("=== "));
    expect(heads.map((h) => / t=(\S+) ms/.exec(h)![1])).toEqual(["10.000000", "20.000000", "30.000000"]);
    expect(heads[0]).toMatch(/^=== nic-basic seed 1 t=10\.000000 ms \/ 30\.000 ms +\d+ events +window 10\.000 ms/);
    for (const section of ["--- CPUs", "--- IRQs", "--- Softirqs", "--- NAPI / softnet", "--- Workqueues", "--- Devices", "--- Latency", "--- Event log (ftrace)"]) {
      expect(a.stdout).toContain(section);
    }
    expect(a.stdout).not.toMatch(/\x1b\[/);
    const b = await cli(["dashboard", "nic-basic", "--plain", "--duration", "30ms"]);
    expect(b.stdout).toBe(a.stdout);
  });

  test("--plain --every and --seed", async () => {
    const r = await cli(["dashboard", "nic-basic", "--plain", "--every", "2ms", "--duration", "5ms", "--seed", "9"]);
    expect(r.code).toBe(0);
    const heads = r.stdout.split("\n").filter((l) => l.startsWith("=== "));
    expect(heads.map((h) => / t=(\S+) ms/.exec(h)![1])).toEqual(["2.000000", "4.000000", "5.000000"]);
    expect(heads[0]).toContain("seed 9");
  });

  test("without a terminal: one line and exit 2, no hanging", async () => {
    const r = await cli(["dashboard", "nic-basic"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^irqsim: dashboard needs an interactive terminal \(stdout is not a terminal\); use --plain .*\n$/);
  });

  test("bad input: one line and exit 2", async () => {
    for (const args of [
      ["dashboard", "nic-basic", "--speed", "fast"],
      ["dashboard", "nic-basic", "--speed", "0"],
      ["dashboard", "nic-basic", "--every", "10ms"],
      ["dashboard", "nic-basic", "--plain", "--every", "soon"],
      ["dashboard", "no-such-scenario", "--plain"],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/^irqsim: [^\n]+\n$/);
    }
  });

  test("a real process with pipes exits 2 at once", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "cli/bin.ts", "dashboard", "nic-basic"], { encoding: "utf8", timeout: 20_000, stdio: ["pipe", "pipe", "pipe"] });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^irqsim: dashboard needs an interactive terminal/m);
  });
});
