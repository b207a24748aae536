/**
 * No silent knobs (ARCHITECTURE.md section 8): for every field of the scenario schema and every NIC
 * mode, changing the field changes the run (its fingerprint; for a value only read from
 * memory, such as a stale byte, at least its --json result), or the schema refuses the
 * field for that mode with exit 2 and a line saying it does not apply. Each field is
 * varied from a small base scenario in which it can matter (a second queue for `flows`,
 * an I/O wait for `lock`); names that only label or link things (tasklet, workqueue,
 * socket, device, name, description) and `expect:` (read after the run) are not knobs.
 * Runs are 3 ms long: every field acts within the first few hundred packets. A runtime's
 * fields (runtimes/schema.ts) are varied the same way from a 5 ms base per kind, and for the
 * hand-off bench in each of its modes.
 */
import { describe, expect, test } from "vitest";
import { parseScenarioText } from "../system/scenario_yaml.js";
import { ScenarioSchema } from "../system/scenario.js";
import { runScenario } from "../system/run.js";
import { InputError } from "../sim/input_error.js";
import { COST_KEYS, DEFAULT_COSTS } from "../sim/costs.js";
import { cli } from "./helpers/cli.js";

const MODES = ["irq", "napi", "tasklet", "threaded", "workqueue"] as const;

/** One NIC in `mode` on CPU0 with a reader on CPU1 and a busy task sharing CPU0. */
function nicBase(mode: string): string {
  const extra = mode === "tasklet" ? "\n    tasklet: rx" : mode === "workqueue" ? "\n    workqueue: rx_wq\n    io_wait: 20us" : "";
  return `name: knobs
description: base for the no-silent-knobs test
duration: 3ms
cpus: 2
devices:
  nic0:
    type: nic
    irq: 24
    affinity: [0]
    mode: ${mode}${extra}
    traffic: { kind: poisson, rate: 120000, size: 1500 }
tasks:
  app: { type: socket-reader, socket: nic0, cpu: 1, work_per_packet: 2us }
  hog: { type: busy, cpu: 0 }
workqueues:
  rx_wq: { flags: [], max_active: 0 }
`;
}

type Outcome = { fingerprint: string; json: string } | { refused: string };

const seen = new Map<string, Outcome>();

/** Runs (or recalls: bases repeat) the scenario with `sets`. */
function outcome(text: string, sets: string[]): Outcome {
  const key = `${text}\0${sets.join("\0")}`;
  let o = seen.get(key);
  if (o !== undefined) return o;
  try {
    const r = runScenario(parseScenarioText(text, "knobs.yaml", sets));
    o = { fingerprint: r.fingerprint, json: JSON.stringify(r) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    o = { refused: e.message };
  }
  seen.set(key, o);
  return o;
}

/** The field changes the run, or is refused as not applying; else what went wrong. */
function knobProblem(text: string, base: string[], change: string | string[]): string | null {
  const changes = typeof change === "string" ? [change] : change;
  const a = outcome(text, base);
  if ("refused" in a) return `base ${base.join(" ")} refused: ${a.refused}`;
  const b = outcome(text, [...base, ...changes]);
  if ("refused" in b) return /does not apply/.test(b.refused) ? null : `--set ${changes.join(" ")} refused, but not as "does not apply": ${b.refused}`;
  // The event history changed; or (a value read from memory, say) only the result did.
  if (b.fingerprint !== a.fingerprint || b.json !== a.json) return null;
  return `--set ${changes.join(" ")} changed nothing (a silent knob)`;
}

/** NIC fields: the change to try, and extra base settings where the field needs them. */
const NIC_FIELDS: { change: string; base?: string[] }[] = [
  { change: "irq=40" },
  { change: "affinity=[1]" },
  { change: "ring_size=16", base: ["faults=[{kind: traffic_burst, device: nic0, at: 1ms, packets: 300}]"] },
  { change: "queues=2" },
  { change: "flows=8", base: ["devices.nic0.queues=2", "devices.nic0.affinity=[0,1]"] },
  { change: "coalesce.rx_usecs=50us" },
  { change: "coalesce.rx_frames=8" }, // refused: rx_usecs is 0
  { change: "coalesce.rx_frames=8", base: ["devices.nic0.coalesce.rx_usecs=200us"] },
  { change: "coalesce.adaptive_rx=true" },
  { change: "shared=true" },
  { change: "tx_rate=20000" },
  { change: "weight=8" },
  { change: "io_wait=50us" },
  // Two queues on one CPU: two handlers that contend for the device mutex across the wait.
  { change: "lock=true", base: ["devices.nic0.queues=2", "devices.nic0.flows=16"] },
  { change: "barriers=false" },
  { change: "bug=mutex_in_irq" },
  { change: "traffic.rate=60000" },
  { change: "traffic.size=64" },
  { change: "traffic.kind=constant" },
  { change: "traffic.start=500us" },
  { change: "traffic.on=200us", base: ["devices.nic0.traffic={kind: onoff, rate: 120000, on: 500us, off: 500us}"] },
  { change: "traffic.off=200us", base: ["devices.nic0.traffic={kind: onoff, rate: 120000, on: 500us, off: 500us}"] },
  // Closed loop (devices/closed_loop.ts): each client waits for the reader's recv().
  { change: "traffic.clients=8", base: ["devices.nic0.traffic={kind: closed, clients: 2, think: 20us}"] },
  { change: "traffic.think=50us", base: ["devices.nic0.traffic={kind: closed, clients: 2, think: 20us}"] },
  { change: "traffic.size=64", base: ["devices.nic0.traffic={kind: closed, clients: 2, think: 20us}"] },
  { change: "traffic.start=500us", base: ["devices.nic0.traffic={kind: closed, clients: 2, think: 20us}"] },
];

/**
 * Runtimes (runtimes/schema.ts): a small base per kind, 5 ms on 4 CPUs at a rate that keeps
 * the pool busy, so queueing, rejection, timeouts and the watchdogs all happen in the window.
 */
function runtimeBase(body: string): string {
  return `name: knobs-runtime
description: base for the no-silent-knobs test
duration: 5ms
cpus: 4
runtime:
${body}`;
}

/** Two request classes: a CPU-bound one longer than a hand-off, and a short one with an I/O wait. */
const TWO_CLASSES = `  arrivals: { kind: poisson, rate: 10000 }
  requests:
    - { name: crypto, weight: 1, callback: 5us, work: 150us }
    - { name: fs, weight: 3, callback: 5us, work: 10us, io: 100us }
`;

type RuntimeField = { change: string; base?: string[] };

/** What every kind but seed-pool has: arrivals, request classes, the boundary's costs (`netpoll`: the value to try, Go's base has it on). */
function requestFields(netpoll: boolean): RuntimeField[] {
  return [
    { change: "arrivals.kind=constant" },
    { change: "arrivals.rate=5000" },
    { change: "arrivals.start=1ms" },
    { change: "requests.0.weight=5" },
    { change: "requests.0.weight=3", base: ["runtime.requests=[{name: only, callback: 5us, work: 10us}]"] }, // refused: one class
    { change: "requests.0.callback=30us" },
    { change: "requests.0.work=50us" },
    { change: "requests.0.io=50us" },
    { change: "requests.0.copy=4096" },
    { change: "requests.0.on_loop=true" },
    { change: "requests.0.input=true" },
    { change: `requests.0.netpoll=${netpoll}` },
    { change: "requests.0.delay=1ms" },
    { change: "costs.enqueue=500ns" },
    { change: "costs.cacheline=500ns" },
    { change: "costs.thread_create=5us" },
  ];
}

/** What every event-loop runtime shares: the loop's CPU and the pool's CPUs, then the above. */
const LOOP_COMMON: RuntimeField[] = [{ change: "loop_cpu=1" }, { change: "pool_cpus=[3]" }, ...requestFields(true)];

const RUNTIME_CASES: Record<string, { base: string; common: boolean; modes?: string[]; fields: RuntimeField[] }> = {
  "seed-pool": {
    base: "  kind: seed-pool\n  max_workers: 2\n  threads: 4\n  hold: 1ms\n",
    common: false,
    fields: [
      { change: "max_workers=3" },
      { change: "threads=6" },
      { change: "hold=2ms" },
      { change: "retry=sleep" },
      { change: "max_tries=1" }, // refused: the code as written never retries
      { change: "max_tries=1", base: ["runtime.retry=sleep"] },
      { change: "work=100us" },
      { change: "costs.enqueue=1us" },
    ],
  },
  node: { base: `  kind: node\n  uv_threadpool_size: 2\n${TWO_CLASSES}`, common: true, fields: [{ change: "uv_threadpool_size=4" }, { change: "blocked_threshold=1us" }] },
  java: {
    base: `  kind: java\n  core_pool_size: 1\n  maximum_pool_size: 2\n  queue_capacity: 2\n${TWO_CLASSES}`,
    common: true,
    fields: [
      { change: "core_pool_size=2" },
      { change: "maximum_pool_size=4" },
      { change: "queue_capacity=0" },
      { change: "queue_capacity=8" },
      { change: "rejection=caller_runs" },
      { change: "rejection=discard" },
      { change: "rejection=discard_oldest" },
      { change: "blocked_thread_check=1us" },
    ],
  },
  asyncio: {
    base: `  kind: asyncio\n  max_workers: 2\n${TWO_CLASSES}`,
    common: true,
    fields: [{ change: "max_workers=4" }, { change: "timeout=100us" }, { change: "debug=true" }, { change: "slow_callback_duration=1us" }, { change: "slow_callback_duration=1us", base: ["runtime.debug=true"] }],
  },
  android: {
    // A third class blocks the main thread (a sync read), so input events can wait past a short timeout.
    base: `  kind: android\n  input_dispatch_timeout: 100us\n${TWO_CLASSES}    - { name: readSync, weight: 1, callback: 5us, io: 200us, on_loop: true }\n`,
    common: true,
    fields: [{ change: "handler_threads=2" }, { change: "input_dispatch_timeout=1s", base: ["runtime.requests.1.input=true"] }],
  },
  go: {
    base: `  kind: go
  gomaxprocs: 2
  arrivals: { kind: poisson, rate: 20000 }
  requests:
    - { name: http, weight: 3, callback: 5us, work: 30us, io: 200us, netpoll: true }
    - { name: file, weight: 1, callback: 5us, work: 20us, io: 100us }
`,
    common: false,
    fields: [
      { change: "gomaxprocs=1" },
      { change: "sysmon_tick=100us" },
      { change: "pool_cpus=[2,3]" },
      ...requestFields(false),
    ],
  },
  handoff: {
    base: `  kind: handoff\n  mode: park\n${TWO_CLASSES}`,
    common: true,
    modes: ["inline", "park", "spin", "batch", "shards", "leader_followers"],
    fields: [{ change: "workers=2" }, { change: "spin=5us" }, { change: "batch=4" }, { change: "batch_window=10us" }, { change: "producers=2" }],
  },
};
const RUNTIME_KINDS = Object.keys(RUNTIME_CASES);

/** runtime.requests.0.work=1us in kind java -> runtime<java>.requests[].work */
function runtimeLeaf(kind: string, change: string): string {
  return `runtime<${kind}>.${change.slice(0, change.indexOf("=")).replace(/^requests\.\d+\./, "requests[].")}`;
}

/**
 * Fields that are not knobs, and why: names and descriptions; links that name another
 * object (whose sharing and presence are tested where they act); values that cannot vary;
 * a replayed trace (its file's contents are the input, test/devices.test.ts); `expect:`,
 * read after the run.
 */
const NOT_KNOBS: Record<string, string> = {
  name: "a label",
  description: "a label",
  "devices.*<nic>.type": "the device type selects the schema",
  "devices.*<noisy>.type": "the device type selects the schema",
  "devices.*<uart>.type": "the device type selects the schema",
  "devices.*<block>.type": "the device type selects the schema",
  "devices.*<hrtimer>.type": "the device type selects the schema",
  "devices.*<nic>.tasklet": "a link: devices naming the same tasklet share it (test/tasklet.test.ts)",
  variants: "named sets of overrides; a variant is its overrides (test/napi_cures.test.ts)",
  variant: "picks one of variants (test/napi_cures.test.ts)",
  "variants.*": "a named set of overrides (test/napi_cures.test.ts)",
  "devices.*<nic>.workqueue": "a link to a workqueue under workqueues:",
  "devices.*<uart>.workqueue": "a link; its presence (the flip buffer) is tested with the UART's barriers",
  "devices.*<uart>.shared": "always false (z.literal)",
  "devices.*<block>.shared": "always false (z.literal)",
  "devices.*<nic>.traffic<replay>.kind": "replay: the file's contents are the traffic",
  "devices.*<nic>.traffic<replay>.file": "replay: the file's contents are the traffic",
  "devices.*<nic>.traffic<replay>.loop": "replay: the file's contents are the traffic",
  "devices.*<nic>.traffic<replay>.start": "replay: the file's contents are the traffic",
  "tasks.*<socket-reader>.type": "the task type selects the schema",
  "tasks.*<busy>.type": "the task type selects the schema",
  "tasks.*<irqs-off>.type": "the task type selects the schema",
  "tasks.*<block-io>.type": "the task type selects the schema",
  "tasks.*<socket-reader>.socket": "a link to a nic",
  "tasks.*<block-io>.device": "a link to a block device",
  ...Object.fromEntries(
    RUNTIME_KINDS.flatMap((k) => [
      [`runtime<${k}>.kind`, "the runtime kind selects the schema"],
      [`runtime<${k}>.requests[].name`, "a label (in reports and log lines)"],
    ]),
  ),
  "expect[].metric": "read after the run",
  "expect[].min": "read after the run",
  "expect[].max": "read after the run",
  "expect[].eq": "read after the run",
};

/** Every leaf field of the schema: devices.*<nic>.coalesce.rx_usecs, faults[]<set_affinity>.irq, ... */
function schemaLeaves(): string[] {
  type Node = { _zod: { def: Record<string, unknown> & { type: string } } };
  const unwrap = (n: Node): Node => {
    for (;;) {
      const d = n._zod.def;
      if (d.type === "default" || d.type === "optional" || d.type === "nullable" || d.type === "prefault") n = d.innerType as Node;
      else if (d.type === "pipe") n = d.in as Node;
      else return n;
    }
  };
  const out = new Set<string>();
  const walk = (n0: Node, prefix: string): void => {
    const n = unwrap(n0);
    const d = n._zod.def;
    if (d.type === "object") {
      for (const [k, v] of Object.entries(d.shape as Record<string, Node>)) walk(v, prefix === "" ? k : `${prefix}.${k}`);
    } else if (d.type === "union") {
      for (const o of d.options as Node[]) {
        const shape = unwrap(o)._zod.def.shape as Record<string, Node> | undefined;
        const tag = shape?.type ?? shape?.kind;
        const lit = tag === undefined ? undefined : (unwrap(tag)._zod.def.values as unknown[] | undefined)?.[0];
        walk(o, lit === undefined ? prefix : `${prefix}<${String(lit)}>`);
      }
    } else if (d.type === "record") walk(d.valueType as Node, `${prefix}.*`);
    else if (d.type === "array" && ["object", "union"].includes(unwrap(d.element as Node)._zod.def.type)) walk(d.element as Node, `${prefix}[]`);
    else out.add(prefix);
  };
  walk(ScenarioSchema as unknown as Node, "");
  return [...out];
}

describe("no silent knobs", () => {
  for (const mode of MODES) {
    test(`every NIC field in mode ${mode} changes the run or is refused as not applying`, () => {
      const text = nicBase(mode);
      const problems: string[] = [];
      for (const f of NIC_FIELDS) {
        const base = [...(f.base ?? [])];
        // lock needs something that sleeps while holding it.
        if (f.change === "lock=true" && mode === "threaded") base.push("devices.nic0.io_wait=20us");
        const p = knobProblem(text, base, `devices.nic0.${f.change}`);
        if (p !== null) problems.push(p);
      }
      expect(problems).toEqual([]);
    });
  }

  test("the schema says which fields do not apply, with exit 2", async () => {
    const r = await cli(["run", "nic-basic", "--set", "devices.nic0.weight=16"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("irqsim: --set devices.nic0.weight=16: devices.nic0.weight: does not apply to mode irq (the NAPI weight: mode napi only), got 16\n");
    for (const [set, why] of [
      ["devices.nic0.io_wait=10us", "does not apply to mode irq (a sleep per packet in process context: modes threaded and workqueue only)"],
      ["devices.nic0.lock=true", "does not apply to mode irq (the device mutex around the I/O wait: modes threaded and workqueue only)"],
    ] as const) {
      const x = await cli(["run", "nic-basic", "--set", set]);
      expect(x.code).toBe(2);
      expect(x.stderr).toContain(why);
    }
    // A field left at its default is fine in any mode, so one file sweeps across modes.
    expect((await cli(["run", "livelock", "--duration", "1ms", "--set", "devices.nic0.mode=irq"])).code).toBe(0);
  });

  /** Every other device type, every task type, the kernel and the costs, in one scenario. */
  const SINK = `name: knobs-sink
description: every device and task type at once
duration: 3ms
cpus: 4
kernel: { tick: periodic }
devices:
  nic0: { type: nic, irq: 24, affinity: [0], mode: irq, tx_rate: 20000, traffic: { kind: poisson, rate: 80000 } }
  nic1: { type: nic, irq: 25, affinity: [1], mode: napi, traffic: { kind: poisson, rate: 80000 } }
  nic2: { type: nic, irq: 26, affinity: [2], mode: tasklet, tasklet: rx, traffic: { kind: poisson, rate: 40000 } }
  nic3: { type: nic, irq: 27, affinity: [3], mode: workqueue, workqueue: rx_wq, io_wait: 20us, traffic: { kind: poisson, rate: 40000 } }
  noisy0: { type: noisy, irq: 30, affinity: [1], rate: 20000, handled: 0.5 }
  tty0: { type: uart, irq: 4, affinity: [2], baud: 921600, trigger: 8, workqueue: rx_wq }
  nvme0: { type: block, irq: 40, affinity: [3], queue_depth: 4, service: 50us }
  h0: { type: hrtimer, cpu: 0, period: 200us, soft: true, work: 2us }
tasks:
  app0: { type: socket-reader, socket: nic0, cpu: 0, work_per_packet: 2us, batch: 4 }
  app1: { type: socket-reader, socket: nic1, cpu: 1, work_per_packet: 2us }
  app2: { type: socket-reader, socket: nic2, cpu: 2 }
  app3: { type: socket-reader, socket: nic3, cpu: 3 }
  hog: { type: busy, cpu: 0 }
  off: { type: irqs-off, cpu: 1, every: 500us, hold: 50us }
  fio: { type: block-io, device: nvme0, cpu: 3, jobs: 4, think: 5us }
workqueues:
  rx_wq: { flags: [], max_active: 0 }
faults:
  - { kind: traffic_burst, device: nic0, at: 1ms, packets: 300 }
  - { kind: traffic_burst, device: nic1, at: 1ms, packets: 300 }
`;

  const SINK_FIELDS: (string | { change: string[]; base: string[] })[] = [
    "seed=2",
    "duration=2ms",
    "cpus=5",
    "kernel.hz=250",
    // net_rx_action polls each instance once per call: the budget only matters with two
    // instances on one CPU's poll list (the backlog of nic0 and nic1's NAPI on CPU0).
    { change: ["kernel.netdev_budget=8"], base: ["devices.nic1.affinity=[0]"] },
    { change: ["kernel.netdev_budget_usecs=20"], base: ["devices.nic1.affinity=[0]"] },
    "kernel.netdev_max_backlog=4",
    "kernel.dev_weight=2",
    "kernel.softirq_defer_to_ksoftirqd=true",
    "kernel.tick=nohz",
    "kernel.memory=sc",
    "kernel.memory_weakness=0.9",
    "kernel.memory_window=5us",
    "devices.noisy0.irq=31",
    "devices.tty0.irq=5",
    "devices.nvme0.irq=41",
    "devices.noisy0.rate=40000",
    "devices.noisy0.handled=1",
    // A shared line needs a partner: the NIC moves onto the noisy device's line with it.
    { change: ["devices.noisy0.shared=true", "devices.nic0.irq=30"], base: ["devices.nic0.shared=true"] },
    "devices.noisy0.affinity=[2]",
    "devices.tty0.baud=115200",
    "devices.tty0.trigger=1",
    "devices.tty0.affinity=[3]",
    "devices.nvme0.queue_depth=1",
    "devices.nvme0.service=200us",
    "devices.nvme0.affinity=[2]",
    "devices.h0.cpu=1",
    "devices.h0.period=50us",
    "devices.h0.soft=false",
    "devices.h0.work=10us",
    "tasks.app0.cpu=2",
    "tasks.app0.nice=10",
    "tasks.app0.work_per_packet=10us",
    "tasks.app0.batch=1",
    "tasks.hog.nice=-10",
    "tasks.hog.cpu=1",
    "tasks.off.every=200us",
    "tasks.off.hold=100us",
    { change: ["tasks.off.nice=5"], base: ["tasks.hog.cpu=1"] },
    "tasks.off.cpu=0",
    "tasks.fio.jobs=1",
    "tasks.fio.think=50us",
    "tasks.fio.nice=5",
    "tasks.fio.cpu=0",
    "workqueues.rx_wq.max_active=1",
    "workqueues.rx_wq.flags=[unbound]",
    "workqueues.rx_wq.flags=[highpri]",
    "workqueues.rx_wq.flags=[mem_reclaim]",
    "workqueues.rx_wq.flags=[cpu_intensive]",
    "workqueues.rx_wq.flags=[ordered]",
    "kernel.irq_time_accounting=false",
    "kernel.threadirqs=true",
    "devices.nic1.napi_threaded=true",
    { change: ["devices.nic1.napi_defer_hard_irqs=2", "devices.nic1.gro_flush_timeout=20us"], base: [] },
    "tasks.app1.busy_poll=50us",
    // SO_PREFER_BUSY_POLL matters when NET_RX holds the instance the reader wants (a loaded NIC).
    { change: ["tasks.app1.prefer_busy_poll=true"], base: ["tasks.app1.busy_poll=50us", "devices.nic1.traffic.rate=300000", "devices.nic1.napi_defer_hard_irqs=2", "devices.nic1.gro_flush_timeout=200us"] },
    { change: ["devices.nic1.irq_suspend_timeout=500us"], base: ["tasks.app1.busy_poll=50us", "tasks.app1.prefer_busy_poll=true"] },
    "faults=[{kind: worker_creation_stall, at: 0us, duration: 2ms}]",
    "faults=[{kind: set_affinity, at: 1ms, irq: 24, cpus: [3]}]",
    "faults=[{kind: traffic_burst, device: nic1, at: 1ms, packets: 50}]",
    // The dashboard's live changes (tui/steer.ts), each on top of the base's two bursts so
    // that only the new fault differs; refusals (replayed traffic, ordered workqueues) are
    // in test/dashboard_record.test.ts.
    ...[
      "{kind: set_rate, device: nic0, at: 1ms, rate: 20000}",
      "{kind: set_coalesce, device: nic1, at: 1ms, rx_usecs: 50us, rx_frames: 0}",
      "{kind: set_barriers, device: nic0, at: 1ms, barriers: false}",
      "{kind: set_max_active, workqueue: rx_wq, at: 1ms, max_active: 1}",
    ].map((f) => `faults=[${f}, {kind: traffic_burst, device: nic0, at: 1ms, packets: 300}, {kind: traffic_burst, device: nic1, at: 1ms, packets: 300}]`),
  ];

  test("every kernel, device, task, workqueue and fault field changes the run or is refused", () => {
    const problems = SINK_FIELDS.map((f) => (typeof f === "string" ? knobProblem(SINK, [], f) : knobProblem(SINK, f.base, f.change))).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  test("a UART's flip-buffer barriers matter where flush_to_ldisc runs on another CPU", () => {
    // Only a kworker on another CPU than the top half can read a stale byte (an unbound
    // workqueue while the top half's CPU is busy), and only within the memory window.
    const text = `name: knobs-uart
description: a flip buffer drained on another CPU
duration: 5ms
cpus: 2
kernel: { memory_window: 1ms, memory_weakness: 1 }
devices:
  tty0: { type: uart, irq: 4, affinity: [0], baud: 4000000, trigger: 1, workqueue: wq }
tasks:
  hog: { type: busy, cpu: 0 }
workqueues:
  wq: { flags: [unbound] }
`;
    expect(knobProblem(text, [], "devices.tty0.barriers=false")).toBeNull();
    // Without a workqueue there is no flip buffer: refused as not applying.
    const noWq = outcome(text.replace(", workqueue: wq", ""), ["devices.tty0.barriers=false"]);
    expect(noWq).toEqual({ refused: expect.stringMatching(/devices\.tty0\.barriers: does not apply without a workqueue/) });
  });

  test("the cases above cover every field of the schema (walked), or say why it is not a knob", () => {
    const sinkTypes: Record<string, string> = { nic0: "nic", nic1: "nic", nic2: "nic", nic3: "nic", noisy0: "noisy", tty0: "uart", nvme0: "block", h0: "hrtimer", app0: "socket-reader", app1: "socket-reader", hog: "busy", off: "irqs-off", fio: "block-io" };
    const covered = new Set<string>(["devices.*<uart>.barriers"]); // the UART test
    const field = (set: string): string => set.slice(0, set.indexOf("="));
    for (const f of NIC_FIELDS) {
      const closed = f.base?.some((b) => b.includes("kind: closed")) === true;
      const path = `devices.*<nic>.${field(f.change)}`;
      covered.add(closed ? path.replace(".traffic.", ".traffic<closed>.") : path.replace(/\.traffic\.(on|off)$/, ".traffic<onoff>.$1"));
    }
    covered.add("devices.*<nic>.mode"); // the five mode tests
    covered.add("runtime<handoff>.mode"); // the six mode tests
    for (const f of SINK_FIELDS) {
      for (const set of typeof f === "string" ? [f] : f.change) {
        const path = field(set);
        const m = /^(devices|tasks)\.([^.]+)\.(.*)$/.exec(path);
        if (m !== null) covered.add(`${m[1]}.*<${sinkTypes[m[2]!]}>.${m[3]}`);
        else if (path.startsWith("workqueues.rx_wq.")) covered.add(path.replace("rx_wq", "*"));
        else if (path === "faults") {
          // One fault of each kind, each with all its fields (a fault is varied as a whole).
          const kind = /kind: (\w+)/.exec(set)![1]!;
          for (const leaf of schemaLeaves()) if (leaf.startsWith(`faults[]<${kind}>.`)) covered.add(leaf);
        } else covered.add(path);
      }
    }
    for (const key of COST_KEYS) covered.add(`costs.${key}`);
    for (const [kind, c] of Object.entries(RUNTIME_CASES)) for (const f of [...c.fields, ...(c.common ? LOOP_COMMON : [])]) covered.add(runtimeLeaf(kind, f.change));
    // The traffic's other kinds share size/start/rate with the first; kind itself is varied.
    for (const k of ["kind", "rate", "size", "start"]) covered.add(`devices.*<nic>.traffic<onoff>.${k}`);
    covered.add("devices.*<nic>.traffic<closed>.kind");
    const missing = schemaLeaves().filter((leaf) => !covered.has(leaf) && !Object.hasOwn(NOT_KNOBS, leaf));
    expect(missing).toEqual([]);
  });

  for (const [kind, c] of Object.entries(RUNTIME_CASES)) {
    for (const mode of c.modes ?? [undefined]) {
      test(`every runtime ${kind}${mode === undefined ? "" : ` mode ${mode}`} field changes the run or is refused as not applying`, () => {
        const text = runtimeBase(c.base);
        const problems: string[] = [];
        for (const f of [...c.fields, ...(c.common ? LOOP_COMMON : [])]) {
          const base = [...(mode === undefined ? [] : [`runtime.mode=${mode}`]), ...(f.base ?? [])];
          const p = knobProblem(text, base, `runtime.${f.change}`);
          if (p !== null) problems.push(p);
        }
        expect(problems).toEqual([]);
      });
    }
  }

  test("every cost key changes the run", () => {
    const problems: string[] = [];
    for (const key of COST_KEYS) {
      const v = DEFAULT_COSTS[key];
      // The only timer_list timers are the workqueue's: a mayday timer 10 jiffies into a
      // worker-creation stall.
      const base = key === "timer_run" ? ["duration=12ms", "faults=[{kind: worker_creation_stall, at: 0us, duration: 20ms}]"] : key === "busy_poll_loop" ? ["tasks.app1.busy_poll=50us"] : [];
      // Three times the default, or (for a threshold that a short run never reaches) a tenth.
      const p = knobProblem(SINK, base, `costs.${key}=${v === 0 ? 1000 : v * 3}ns`) && knobProblem(SINK, base, `costs.${key}=${Math.max(1, Math.floor(v / 10))}ns`);
      if (p !== null) problems.push(p);
    }
    expect(problems).toEqual([]);
  });
});
