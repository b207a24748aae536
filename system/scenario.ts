/**
 * Scenarios (DESIGN section 6): one zod schema is both the validator of the YAML files and
 * the source of the TypeScript types the simulator consumes. Every way input can be wrong
 * (missing file, bad YAML, a field out of range, a bad `--set`) ends as ONE line thrown as
 * an InputError naming where the bad value came from, the field path and what was expected.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Lexer, LineCounter, parseDocument, Parser, YAMLError } from "yaml";
import { firstBadKey, position } from "./yaml_keys.js";
import { didYouMean } from "./did_you_mean.js";
import { z } from "zod";
import { COST_KEYS, NONZERO_COSTS, type Costs } from "../sim/costs.js";
import { InputError } from "../sim/input_error.js";
import { readCheckedFile } from "./checked_read.js";
import { quote } from "../sim/quote.js";
import { hasUnit, MAX_DURATION_NS, NSEC_PER_MSEC, NSEC_PER_USEC, parseDurationNs, unitHint } from "../sim/time.js";
import { DEFAULT_MEMORY } from "../sim/memory.js";
import { checkRuntime, RuntimeSchema } from "../runtimes/schema.js";

/** A scenario is a small hand-written file; anything bigger is a mistake (or an attack). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** Collections inside collections; a real scenario needs about 5. */
const MAX_NESTING = 32;

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

const DURATION_HINT = "expected a duration such as 500us, 100ms or 2s";

/**
 * A duration field: `500us`-style text or an integer number of ns, output as integer ns.
 * The range checks live in the transform (not in a piped z.number()) so that every
 * duration complaint mentions what a duration looks like, not just "a number".
 */
function duration(min: "zero" | "positive") {
  const bound = min === "positive" ? "> 0" : ">= 0";
  return z
    .union([z.string(), z.number()], {
      // undefined falls through to the generic "required field is missing"
      error: (iss) => (iss.input === undefined ? undefined : DURATION_HINT),
    })
    .transform((value, ctx) => {
      const ns = parseDurationNs(value);
      const negative = typeof value === "number" ? value < 0 : /^\s*-/.test(value);
      // A bare number is ambiguous (ns? us? jiffies?): only 0 goes without a unit.
      if (!negative && ns !== undefined && ns !== 0 && !hasUnit(value)) {
        ctx.addIssue({ code: "custom", message: unitHint(value), input: value });
        return z.NEVER;
      }
      if (negative || (min === "positive" && ns === 0)) {
        ctx.addIssue({ code: "custom", message: `expected a duration ${bound} such as 500us, 100ms or 2s`, input: value });
        return z.NEVER;
      }
      if (ns === undefined) {
        ctx.addIssue({ code: "custom", message: DURATION_HINT, input: value });
        return z.NEVER;
      }
      if (ns > MAX_DURATION_NS) {
        ctx.addIssue({ code: "custom", message: "expected a duration of at most 1 day (86400s)", input: value });
        return z.NEVER;
      }
      return ns;
    });
}

/**
 * `ethtool -C rx-usecs`: a bare integer is microseconds, as ethtool takes it (the driver's
 * rx_coalesce_usecs); text with a unit (`50us`, `0.5ms`) is taken as written. Output: ns.
 */
function usecs() {
  return z
    .union([z.string(), z.number()], { error: (iss) => (iss.input === undefined ? undefined : "expected microseconds like ethtool -C rx-usecs (50) or a duration such as 50us") })
    .transform((value, ctx) => {
      const bare = typeof value === "number" ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
      const ns = bare !== undefined ? (Number.isSafeInteger(bare) ? bare * NSEC_PER_USEC : undefined) : parseDurationNs(value);
      if (ns === undefined || ns < 0 || ns > MAX_DURATION_NS) {
        ctx.addIssue({ code: "custom", message: "expected microseconds >= 0 like ethtool -C rx-usecs (50) or a duration such as 50us", input: value });
        return z.NEVER;
      }
      return ns;
    });
}

/** CPU ids are checked against `cpus` in the cross-field pass; 63 is the hard ceiling. */
const cpuId = z.int().min(0).max(63);

const trafficCommon = {
  /** bytes on the wire per packet */
  size: z.int().min(64).max(65_535).default(1500),
  /** when the first packet may arrive */
  start: duration("zero").default(0),
};

/** How packets arrive: evenly, Poisson, in on/off bursts, or replayed from a CSV file. */
const TrafficSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.enum(["constant", "poisson"]), /** packets per second */ rate: z.number().gt(0).lte(100_000_000), ...trafficCommon }),
  z.strictObject({
    kind: z.literal("onoff"),
    /** packets per second while on (Poisson) */
    rate: z.number().gt(0).lte(100_000_000),
    on: duration("positive"),
    off: duration("positive"),
    ...trafficCommon,
  }),
  z.strictObject({
    /**
     * Closed loop: `clients` clients each send a packet, wait until the application recv()s
     * it (the reply), think, and send the next (devices/closed_loop.ts).
     */
    kind: z.literal("closed"),
    clients: z.int().min(1).max(4096).default(1),
    think: duration("zero").default(0),
    ...trafficCommon,
  }),
  z.strictObject({
    kind: z.literal("replay"),
    /** CSV of time,size,flow per packet (time: ns or 10us-style), relative to the scenario file */
    file: z.string().min(1),
    /** start over when the file ends */
    loop: z.boolean().default(false),
    start: duration("zero").default(0),
  }),
]);
/** include/linux/netdevice.h NAPI_POLL_WEIGHT. */
const DEFAULT_NAPI_WEIGHT = 64;

const NicDeviceSchema = z.strictObject({
  type: z.literal("nic"),
  irq: z.int().min(1).max(1023),
  affinity: z
    .array(cpuId)
    .min(1)
    .default(() => [0])
    .superRefine((cpus, ctx) => {
      // Point at the first repeated element rather than the whole list; one pass and one
      // issue however long the list (300,000 repeats once overflowed the stack).
      const seen = new Set<number>();
      for (let i = 0; i < cpus.length; i++) {
        if (seen.has(cpus[i]!)) {
          ctx.addIssue({ code: "custom", path: [i], message: "expected distinct CPU ids (listed twice)", input: cpus[i] });
          return;
        }
        seen.add(cpus[i]!);
      }
    }),
  ring_size: z.int().min(8).max(4096).default(256),
  /** Receive queues (RSS): queue q gets irq + q and CPU affinity[q % len]. */
  queues: z.int().min(1).max(64).default(1),
  /** Distinct flows in the traffic (RSS spreads flows, not packets). */
  flows: z.int().min(1).max(1_000_000).default(1),
  /** ethtool -C: rx-usecs, rx-frames, adaptive-rx. */
  coalesce: z
    .strictObject({
      rx_usecs: usecs().default(0),
      rx_frames: z.int().min(0).max(65_535).default(0),
      adaptive_rx: z.boolean().default(false),
    })
    .default(() => ({ rx_usecs: 0, rx_frames: 0, adaptive_rx: false })),
  /** On a shared legacy INTx line (IRQF_SHARED) instead of its own MSI vector. */
  shared: z.boolean().default(false),
  /** Packets per second the host sends; each transmit completion interrupts (ICR TXDW). */
  tx_rate: z.number().min(0).max(100_000_000).default(0),
  /**
   * How the driver defers receive work: irq (interrupt per packet, netif_rx), napi (mask,
   * poll under weight and budget) or tasklet (mask, drain the ring in a tasklet).
   */
  mode: z.enum(["irq", "napi", "tasklet", "threaded", "workqueue"]).default("irq"),
  /** NAPI weight: the most packets one poll may take (NAPI_POLL_WEIGHT = 64). */
  weight: z.int().min(1).max(512).default(DEFAULT_NAPI_WEIGHT),
  /** Mode napi: /sys/class/net/<dev>/threaded, polls in kthread napi/<dev>-<id> (net/napi_threaded.ts). */
  napi_threaded: z.boolean().default(false),
  /** Mode napi: /sys/class/net/<dev>/napi_defer_hard_irqs, empty polls before the IRQ is re-enabled (net/napi_defer.ts). */
  napi_defer_hard_irqs: z.int().min(0).max(2_147_483_647).default(0),
  /** Mode napi: /sys/class/net/<dev>/gro_flush_timeout, the re-poll hrtimer while IRQs are deferred. */
  gro_flush_timeout: duration("zero").default(0),
  /** Mode napi (6.13): netlink irq-suspend-timeout, IRQs stay off while a prefer_busy_poll task polls. */
  irq_suspend_timeout: duration("zero").default(0),
  /** Mode tasklet: the tasklet's name; devices naming the same one share it. */
  tasklet: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "expected a tasklet name of lowercase letters, digits and '_'" }).optional(),
  /** Mode workqueue: the workqueue (under `workqueues:`) its per-packet work items go to. */
  workqueue: z.string().optional(),
  /** Modes workqueue/threaded: a sleep per packet in the deferred function (an I/O wait). */
  io_wait: duration("zero").default(0),
  /** Modes workqueue/threaded: hold the device's mutex around the I/O wait and delivery. */
  lock: z.boolean().default(false),
  /**
   * The driver's ordering on the descriptor ring: dma_rmb() between reading DD and the
   * descriptor/buffer, wmb() before the tail write. false plants the missing-barrier bug.
   */
  barriers: z.boolean().default(true),
  /** A driver bug to plant in the top half: msleep or mutex_lock in hardirq context. */
  bug: z.enum(["none", "msleep_in_irq", "mutex_in_irq"]).default("none"),
  traffic: TrafficSchema,
});

const WorkqueueSchema = z.strictObject({
  /** alloc_workqueue() flags. */
  flags: z.array(z.enum(["unbound", "highpri", "mem_reclaim", "cpu_intensive", "ordered", "bh"])).default(() => []),
  /** 0 = WQ_DFL_ACTIVE (256); the kernel clamps values above WQ_MAX_ACTIVE (512), with a warning. */
  max_active: z.int().min(0).max(1_000_000).default(0),
});

const FaultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    /** kthread creation takes until the window ends: new kworkers cannot be made in time. */
    kind: z.literal("worker_creation_stall"),
    at: duration("zero"),
    duration: duration("positive"),
  }),
  z.strictObject({
    /** Write /proc/irq/<irq>/smp_affinity_list: later interrupts go to the new CPUs. */
    kind: z.literal("set_affinity"),
    at: duration("zero"),
    irq: z.int().min(1).max(1023),
    cpus: z.array(cpuId).min(1),
  }),
  z.strictObject({
    /** `packets` extra packets arrive at once on `device`. */
    kind: z.literal("traffic_burst"),
    device: z.string(),
    at: duration("zero"),
    packets: z.int().min(1).max(1_000_000),
  }),
]);

/**
 * A misbehaving device that raises its interrupt line without (mostly) having a reason: its
 * handler finds nothing to do and returns IRQ_NONE, which the spurious-IRQ detector counts.
 */
const NoisyDeviceSchema = z.strictObject({
  type: z.literal("noisy"),
  irq: z.int().min(1).max(1023),
  affinity: z.array(cpuId).min(1).default(() => [0]),
  /** On a shared legacy line (IRQF_SHARED). */
  shared: z.boolean().default(false),
  /** Interrupts it raises per second (Poisson). */
  rate: z.number().gt(0).lte(10_000_000),
  /** Fraction of them with a real cause, for which its handler returns IRQ_HANDLED. */
  handled: z.number().min(0).max(1).default(0),
});

/** A 16550-style serial port receiving a steady byte stream. */
const UartDeviceSchema = z.strictObject({
  type: z.literal("uart"),
  irq: z.int().min(1).max(1023),
  affinity: z.array(cpuId).min(1).default(() => [0]),
  shared: z.literal(false).default(false),
  /** Line speed in bits per second. */
  baud: z.int().min(300).max(4_000_000).default(115_200),
  /** Receive FIFO trigger level (FCR). */
  trigger: z.literal([1, 4, 8, 14]).default(8),
  /**
   * A workqueue (under `workqueues:`) for flush_to_ldisc: the top half pushes the bytes into
   * the tty flip buffer and queues the flush there. Left out: bytes end at the top half.
   */
  workqueue: z.string().optional(),
  /** smp_store_release/smp_load_acquire on the flip buffer's indices (false: plain accesses). */
  barriers: z.boolean().default(true),
});

/** An NVMe-like block device: requests complete after a random service time, with an IRQ. */
const BlockDeviceSchema = z.strictObject({
  type: z.literal("block"),
  irq: z.int().min(1).max(1023),
  affinity: z.array(cpuId).min(1).default(() => [0]),
  shared: z.literal(false).default(false),
  /** Requests in flight at most (the hardware queue's tags). */
  queue_depth: z.int().min(1).max(4096).default(32),
  /** Mean device service time (exponential). */
  service: duration("positive").default(100 * NSEC_PER_USEC),
});

/**
 * A periodic hrtimer (a driver's polling timer, an audio period): expires every `period` on
 * its CPU; a hard one runs `work` in the timer interrupt, a soft one in HRTIMER_SOFTIRQ.
 * It has no IRQ line of its own (it rides the CPU's local timer, LOC).
 */
const HrtimerDeviceSchema = z.strictObject({
  type: z.literal("hrtimer"),
  cpu: cpuId.default(0),
  period: duration("positive"),
  soft: z.boolean().default(true),
  work: duration("zero").default(1000),
});

/** Devices, by `type`. */
const DeviceSchema = z.discriminatedUnion("type", [NicDeviceSchema, NoisyDeviceSchema, UartDeviceSchema, BlockDeviceSchema, HrtimerDeviceSchema]);

const SocketReaderTaskSchema = z.strictObject({
  type: z.literal("socket-reader"),
  /** the nic device whose packets this task reads */
  socket: z.string(),
  cpu: cpuId.default(0),
  nice: z.int().min(-20).max(19).default(0),
  /** user-mode work per packet after recv() returns */
  work_per_packet: duration("zero").default(NSEC_PER_USEC),
  /** packets taken per recv() call */
  batch: z.int().min(1).max(1024).default(1),
  /** SO_BUSY_POLL (net.core.busy_read): busy-poll the NAPI instance this long before sleeping (net/busy_poll.ts). */
  busy_poll: duration("zero").default(0),
  /** SO_PREFER_BUSY_POLL: ask NET_RX to leave the instance to this task (needs busy_poll). */
  prefer_busy_poll: z.boolean().default(false),
});

/**
 * A kernel thread that keeps local interrupts disabled for `hold` every `every` (a driver
 * polling hardware with spin_lock_irqsave held too long): interrupts on its CPU wait.
 */
const IrqsOffTaskSchema = z.strictObject({
  type: z.literal("irqs-off"),
  cpu: cpuId.default(0),
  nice: z.int().min(-20).max(19).default(0),
  every: duration("positive").default(10 * NSEC_PER_MSEC),
  hold: duration("positive").default(NSEC_PER_MSEC),
});

/** Threads issuing synchronous block I/O to a block device, like `fio --numjobs=N --iodepth=1`. */
const BlockIoTaskSchema = z.strictObject({
  type: z.literal("block-io"),
  device: z.string(),
  cpu: cpuId.default(0),
  nice: z.int().min(-20).max(19).default(0),
  /** Threads, each with one request outstanding. */
  jobs: z.int().min(1).max(256).default(1),
  /** User-mode work between requests. */
  think: duration("zero").default(0),
});

/** A CPU-bound user task: ordinary work for interrupts and kernel threads to compete with. */
const BusyTaskSchema = z.strictObject({
  type: z.literal("busy"),
  cpu: cpuId.default(0),
  nice: z.int().min(-20).max(19).default(0),
});

const TaskSchema = z.discriminatedUnion("type", [SocketReaderTaskSchema, BusyTaskSchema, IrqsOffTaskSchema, BlockIoTaskSchema]);

// Every cost key may be overridden, none must be; unknown keys are typos and rejected.
const costOverride = duration("zero").optional();
const CostsSchema = z
  .strictObject(Object.fromEntries(COST_KEYS.map((key) => [key, costOverride])) as Record<keyof Costs, typeof costOverride>)
  .superRefine((costs, ctx) => {
    for (const key of NONZERO_COSTS) {
      if (costs[key] === 0) ctx.addIssue({ code: "custom", path: [key], message: "expected a duration > 0 (it is paid on every turn of a loop that may spin)", input: 0 });
    }
  });

const ExpectSchema = z
  .strictObject({
    metric: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
      error: "expected a dotted path into the result such as packets.dropped.total",
    }),
    min: z.number().optional(),
    max: z.number().optional(),
    eq: z.number().optional(),
  })
  .superRefine((e, ctx) => {
    if (e.min === undefined && e.max === undefined && e.eq === undefined) {
      ctx.addIssue({ code: "custom", message: "expected at least one of min, max or eq", input: e });
    } else if (e.min !== undefined && e.max !== undefined && e.min > e.max) {
      ctx.addIssue({ code: "custom", path: ["max"], message: `expected max >= min (${e.min})`, input: e.max });
    }
  });

export const ScenarioSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, {
      error: "expected lowercase letters, digits and '-' such as nic-basic",
    }),
    description: z
      .string()
      .trim()
      .min(1)
      // `irqsim list` prints it on one line; a folded `>` block is fine (trimmed above)
      .refine((s) => !s.includes("\n"), { error: "expected a one-line description" }),
    seed: z.int().min(0).max(4_294_967_295).default(1),
    duration: duration("positive").default(100 * NSEC_PER_MSEC),
    cpus: z.int().min(1).max(64).default(1),
    kernel: z
      .strictObject({
        hz: z.literal([100, 250, 300, 1000]).default(1000),
        // The net.core sysctls (Documentation/admin-guide/sysctl/net.rst).
        netdev_budget: z.int().min(1).max(1_000_000).default(300),
        /** Default 2 * USEC_PER_SEC / HZ, i.e. two jiffies, when left out. */
        netdev_budget_usecs: z.int().min(1).max(10_000_000).optional(),
        netdev_max_backlog: z.int().min(1).max(10_000_000).default(1000),
        dev_weight: z.int().min(1).max(4096).default(64),
        /**
         * Linux 4.9 - 6.4: irq_exit leaves softirqs to ksoftirqd while it is runnable
         * ("softirq: Let ksoftirqd do its job"; reverted in 6.5). Default: current behaviour.
         */
        softirq_defer_to_ksoftirqd: z.boolean().default(false),
        /**
         * CONFIG_IRQ_TIME_ACCOUNTING, on in distribution kernels: hardirq time and softirq time
         * outside ksoftirqd are not charged to the interrupted task's runtime and vruntime.
         */
        irq_time_accounting: z.boolean().default(true),
        /** The threadirqs boot option: device handlers forced into irq/N-name threads (timers excepted). */
        threadirqs: z.boolean().default(false),
        /** nohz: NO_HZ_IDLE, the tick every jiffy on a CPU running a task, none while idle; periodic: every jiffy on every CPU. */
        tick: z.enum(["nohz", "periodic"]).default("nohz"),
        /**
         * lkmm: loads may return stale values wherever the Linux-kernel memory model allows
         * (sim/memory.ts); sc: sequential consistency, for comparison only.
         */
        memory: z.enum(["lkmm", "sc"]).default("lkmm"),
        /** lkmm: probability that a load which may return a stale value does. */
        memory_weakness: z.number().min(0).max(1).default(DEFAULT_MEMORY.weakness),
        /** lkmm: how long a store may stay invisible to a CPU not obliged to see it. */
        memory_window: duration("zero").default(DEFAULT_MEMORY.window),
      })
      .default(() => ({
        hz: 1000 as const,
        netdev_budget: 300,
        netdev_max_backlog: 1000,
        dev_weight: 64,
        softirq_defer_to_ksoftirqd: false,
        irq_time_accounting: true,
        threadirqs: false,
        tick: "nohz" as const,
        memory: "lkmm" as const,
        memory_weakness: DEFAULT_MEMORY.weakness,
        memory_window: DEFAULT_MEMORY.window,
      })),
    costs: CostsSchema.default(() => ({})),
    devices: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, {
          error: "expected a device name of lowercase letters, digits and '_' starting with a letter",
        }),
        DeviceSchema,
      )
      .default(() => ({})),
    tasks: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_-]*$/, {
          error: "expected a task name of lowercase letters, digits, '_' and '-' starting with a letter",
        }),
        TaskSchema,
      )
      .default(() => ({})),
    workqueues: z
      .record(z.string().regex(/^[a-z][a-z0-9_]*$/, { error: "expected a workqueue name of lowercase letters, digits and '_'" }), WorkqueueSchema)
      .default(() => ({})),
    faults: z.array(FaultSchema).default(() => []),
    expect: z.array(ExpectSchema).default(() => []),
    /** An event-loop runtime above the kernel (runtimes/schema.ts). */
    runtime: RuntimeSchema.optional(),
    /**
     * Named sets of `path=value` overrides, so one `--vary variant=a,b` compares
     * configurations that differ in several fields (applied before any --set).
     */
    variants: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, { error: "expected a variant name of lowercase letters, digits, '_' and '-'" }), z.array(z.string().regex(/^[A-Za-z0-9_.-]+=/, { error: "expected path=value such as devices.nic0.napi_threaded=true" })))
      .default(() => ({})),
    /** The variant in force (a key of variants), or none. */
    variant: z.string().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.runtime !== undefined) checkRuntime(s.runtime, s.cpus, (issue) => ctx.addIssue(issue));
    else if (Object.keys(s.devices).length === 0) ctx.addIssue({ code: "custom", path: ["devices"], message: "expected at least one device (or a runtime: section)", input: s.devices });
    // Cross-field rules. Zod runs this even after non-fatal issues (a number out of range,
    // an unknown key); such issues come first and only the first is reported.
    const irqOwner = new Map<number, { name: string; shared: boolean }>();
    for (const [name, dev] of Object.entries(s.devices)) {
      if (dev.type === "hrtimer") {
        if (dev.cpu >= s.cpus) ctx.addIssue({ code: "custom", path: ["devices", name, "cpu"], message: `expected a CPU id < cpus (${s.cpus})`, input: dev.cpu });
        continue;
      }
      dev.affinity.forEach((cpu, i) => {
        if (cpu >= s.cpus) {
          ctx.addIssue({ code: "custom", path: ["devices", name, "affinity", i], message: `expected a CPU id < cpus (${s.cpus})`, input: cpu });
        }
      });
      if (dev.type === "uart" && dev.workqueue === undefined && !dev.barriers) {
        ctx.addIssue({ code: "custom", path: ["devices", name, "barriers"], message: "does not apply without a workqueue (they order the tty flip buffer that flush_to_ldisc drains)", input: dev.barriers });
      }
      if (dev.type === "uart" && dev.workqueue !== undefined && !Object.hasOwn(s.workqueues, dev.workqueue)) {
        const known = Object.keys(s.workqueues).join(", ") || "none defined";
        ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: `expected the name of a workqueue under workqueues: (${known})`, input: dev.workqueue });
      } else if (dev.type === "uart" && dev.workqueue !== undefined && s.workqueues[dev.workqueue]!.flags.includes("bh")) {
        ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: "expected a workqueue without bh (flush_to_ldisc takes a mutex and may sleep)", input: dev.workqueue });
      }
      if (dev.type === "nic") {
        if (dev.mode === "workqueue" && (dev.workqueue === undefined || !Object.hasOwn(s.workqueues, dev.workqueue))) {
          const known = Object.keys(s.workqueues).join(", ") || "none defined";
          ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: `expected the name of a workqueue under workqueues: (${known})`, input: dev.workqueue });
        }
        const bhWq = dev.workqueue !== undefined && Object.hasOwn(s.workqueues, dev.workqueue) && s.workqueues[dev.workqueue]!.flags.includes("bh");
        if (dev.workqueue !== undefined && dev.mode === "tasklet") {
          // The tasklet conversion (6.9+): the device's tasklet becomes a work item on a BH workqueue.
          if (!bhWq) ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: "expected the name of a workqueue with flags [bh] (mode tasklet runs its work item from the TASKLET softirq)", input: dev.workqueue });
        } else if (dev.workqueue !== undefined && dev.mode !== "workqueue") {
          ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: "expected no workqueue unless mode is workqueue or tasklet", input: dev.workqueue });
        } else if (bhWq) {
          ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: "expected a workqueue without bh (mode workqueue's items may sleep; BH work runs in softirq context)", input: dev.workqueue });
        }
        if (dev.tasklet !== undefined && dev.mode !== "tasklet") {
          ctx.addIssue({ code: "custom", path: ["devices", name, "tasklet"], message: "expected no tasklet unless mode is tasklet", input: dev.tasklet });
        }
        // No silent knobs: a field the chosen mode never reads is refused, unless it is left
        // at its default (so one file can be swept across modes).
        const notFor = (field: string, input: unknown, only: string): void => {
          ctx.addIssue({ code: "custom", path: ["devices", name, field], message: `does not apply to mode ${dev.mode} (${only})`, input });
        };
        if (dev.weight !== DEFAULT_NAPI_WEIGHT && dev.mode !== "napi") notFor("weight", dev.weight, "the NAPI weight: mode napi only");
        const sleeps = dev.mode === "threaded" || dev.mode === "workqueue";
        if (dev.io_wait !== 0 && !sleeps) notFor("io_wait", dev.io_wait, "a sleep per packet in process context: modes threaded and workqueue only");
        if (dev.lock && !sleeps) notFor("lock", dev.lock, "the device mutex around the I/O wait: modes threaded and workqueue only");
        const co = dev.coalesce;
        const coalesceIssue = (field: string, input: unknown, why: string): void => {
          ctx.addIssue({ code: "custom", path: ["devices", name, "coalesce", field], message: `does not apply ${why}`, input });
        };
        if (co.adaptive_rx && co.rx_usecs !== 0) coalesceIssue("rx_usecs", co.rx_usecs, "with adaptive_rx: true (the driver picks the moderation itself)");
        else if (co.adaptive_rx && co.rx_frames !== 0) coalesceIssue("rx_frames", co.rx_frames, "with adaptive_rx: true (the driver picks the moderation itself)");
        else if (co.rx_frames !== 0 && co.rx_usecs === 0) coalesceIssue("rx_frames", co.rx_frames, "with rx_usecs 0 (rx-frames ends early a wait that rx-usecs starts)");
        napiKnobRules(name, dev, s.tasks, ctx);
        if (dev.shared && dev.queues > 1) {
          ctx.addIssue({ code: "custom", path: ["devices", name, "queues"], message: "expected 1 queue on a shared INTx line (multi-queue needs MSI-X)", input: dev.queues });
        }
      }
      // A line may carry several devices only if every one of them asked for IRQF_SHARED.
      const lines = dev.type === "nic" ? dev.queues : 1;
      for (let q = 0; q < lines; q++) {
        const irq = dev.irq + q;
        const owner = irqOwner.get(irq);
        if (owner !== undefined && !(owner.shared && dev.shared)) {
          const why = owner.shared || dev.shared ? "; both devices need shared: true to share it" : "";
          ctx.addIssue({ code: "custom", path: ["devices", name, "irq"], message: `expected a unique irq (${irq} is already used by ${owner.name}${why})`, input: dev.irq });
        } else if (owner === undefined) {
          irqOwner.set(irq, { name, shared: dev.shared });
        }
        if (irq > 1023) ctx.addIssue({ code: "custom", path: ["devices", name, "queues"], message: `expected irq + queues - 1 <= 1023`, input: lines });
      }
    }
    for (const [name, wq] of Object.entries(s.workqueues)) {
      // kernel/workqueue.c alloc_workqueue: WQ_BH allows only WQ_HIGHPRI (__WQ_BH_ALLOWS), and no max_active.
      if (wq.flags.includes("bh")) {
        const other = wq.flags.find((f) => f !== "bh" && f !== "highpri");
        if (other !== undefined) ctx.addIssue({ code: "custom", path: ["workqueues", name, "flags"], message: `expected only bh and highpri with bh (WQ_BH allows no ${other})`, input: wq.flags });
        if (wq.max_active !== 0) ctx.addIssue({ code: "custom", path: ["workqueues", name, "max_active"], message: "expected 0 with bh (BH workqueues have no max_active)", input: wq.max_active });
      }
    }
    // Devices sharing a tasklet share its work item too: they must agree on the workqueue.
    const taskletWq = new Map<string, string | undefined>();
    for (const [name, dev] of Object.entries(s.devices)) {
      if (dev.type !== "nic" || dev.mode !== "tasklet") continue;
      const t = dev.tasklet ?? `${name}_rx`;
      if (taskletWq.has(t) && taskletWq.get(t) !== dev.workqueue) {
        ctx.addIssue({ code: "custom", path: ["devices", name, "workqueue"], message: `expected the same workqueue as the other devices sharing tasklet ${t}`, input: dev.workqueue ?? null });
      }
      taskletWq.set(t, dev.workqueue);
    }
    if (s.variant !== undefined && !Object.hasOwn(s.variants, s.variant)) {
      ctx.addIssue({ code: "custom", path: ["variant"], message: `expected the name of a variant under variants: (${Object.keys(s.variants).join(", ") || "none defined"})`, input: s.variant });
    }
    const nics = Object.keys(s.devices).filter((name) => s.devices[name]!.type === "nic");
    s.faults.forEach((f, i) => {
      if (f.kind === "traffic_burst" && (!Object.hasOwn(s.devices, f.device) || s.devices[f.device]!.type !== "nic")) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "device"], message: `expected the name of a nic device (${nics.join(", ")})`, input: f.device });
      }
      if (f.kind === "set_affinity") {
        if (!irqOwner.has(f.irq)) ctx.addIssue({ code: "custom", path: ["faults", i, "irq"], message: `expected an irq some device uses (${[...irqOwner.keys()].join(", ")})`, input: f.irq });
        f.cpus.forEach((cpu, j) => {
          if (cpu >= s.cpus) ctx.addIssue({ code: "custom", path: ["faults", i, "cpus", j], message: `expected a CPU id < cpus (${s.cpus})`, input: cpu });
        });
      }
    });
    for (const [name, task] of Object.entries(s.tasks)) {
      if (task.cpu >= s.cpus) {
        ctx.addIssue({ code: "custom", path: ["tasks", name, "cpu"], message: `expected a CPU id < cpus (${s.cpus})`, input: task.cpu });
      }
      // Object.hasOwn: a socket named "constructor" must not find Object.prototype's.
      if (task.type === "block-io" && (!Object.hasOwn(s.devices, task.device) || s.devices[task.device]!.type !== "block")) {
        const blocks = Object.keys(s.devices).filter((n) => s.devices[n]!.type === "block");
        ctx.addIssue({ code: "custom", path: ["tasks", name, "device"], message: `expected the name of a block device (${blocks.join(", ") || "none defined"})`, input: task.device });
      }
      if (task.type === "socket-reader" && (!Object.hasOwn(s.devices, task.socket) || s.devices[task.socket]!.type !== "nic")) {
        const known = nics.length > 0 ? nics.join(", ") : "none defined";
        ctx.addIssue({ code: "custom", path: ["tasks", name, "socket"], message: `expected the name of a nic device (${known})`, input: task.socket });
      } else if (task.type === "socket-reader") {
        busyPollRules(name, task, s.devices[task.socket] as NicDevice, ctx);
      }
    }
  });

/**
 * The NAPI knobs apply to NAPI instances only, and only in the combinations where Linux
 * does something with them (a knob that changes nothing is rejected, not ignored).
 */
function napiKnobRules(name: string, dev: z.infer<typeof NicDeviceSchema>, tasks: Record<string, z.infer<typeof TaskSchema>>, ctx: z.RefinementCtx): void {
  const at = (field: string, message: string, input: unknown): void => ctx.addIssue({ code: "custom", path: ["devices", name, field], message, input });
  if (dev.mode !== "napi") {
    // Documentation/ABI/testing/sysfs-class-net: threaded, napi_defer_hard_irqs and
    // gro_flush_timeout act on a device's NAPI instances; other modes have none.
    if (dev.napi_threaded) at("napi_threaded", "expected false unless mode is napi (only NAPI instances have a poll thread)", true);
    if (dev.napi_defer_hard_irqs > 0) at("napi_defer_hard_irqs", "expected 0 unless mode is napi (it defers a NAPI instance's IRQ)", dev.napi_defer_hard_irqs);
    if (dev.gro_flush_timeout > 0) at("gro_flush_timeout", "expected 0 unless mode is napi (it times a NAPI instance's re-poll)", dev.gro_flush_timeout);
    if (dev.irq_suspend_timeout > 0) at("irq_suspend_timeout", "expected 0 unless mode is napi (it suspends a NAPI instance's IRQ)", dev.irq_suspend_timeout);
    return;
  }
  // napi_complete_done(): the deferral count only matters with a timeout to re-poll on,
  // and (there being no GRO here) the timeout only with a deferral count.
  if (dev.napi_defer_hard_irqs > 0 && dev.gro_flush_timeout === 0) at("gro_flush_timeout", "expected a duration > 0 with napi_defer_hard_irqs (without it the IRQ is re-enabled at once)", 0);
  if (dev.gro_flush_timeout > 0 && dev.napi_defer_hard_irqs === 0) at("napi_defer_hard_irqs", "expected a count > 0 with gro_flush_timeout (without it the timer is never armed)", 0);
  const prefer = Object.values(tasks).some((t) => t.type === "socket-reader" && t.socket === name && t.prefer_busy_poll);
  if (dev.irq_suspend_timeout > 0 && !prefer) at("irq_suspend_timeout", "expected 0 unless a task reading this device has prefer_busy_poll: true (IRQ suspension follows a preferring busy poller)", dev.irq_suspend_timeout);
}

/** Busy polling needs a NAPI device to poll; prefer_busy_poll needs busy polling. */
function busyPollRules(name: string, task: z.infer<typeof SocketReaderTaskSchema>, dev: z.infer<typeof NicDeviceSchema>, ctx: z.RefinementCtx): void {
  if (task.busy_poll > 0 && dev.mode !== "napi") {
    // sk_can_busy_loop() needs sk_napi_id, which only a NAPI poll sets (sk_mark_napi_id).
    ctx.addIssue({ code: "custom", path: ["tasks", name, "busy_poll"], message: `expected 0 unless ${task.socket} has mode napi (busy polling polls a NAPI instance)`, input: task.busy_poll });
  }
  if (task.prefer_busy_poll && task.busy_poll === 0) {
    ctx.addIssue({ code: "custom", path: ["tasks", name, "prefer_busy_poll"], message: "expected false unless busy_poll > 0 (SO_PREFER_BUSY_POLL acts on busy polling)", input: true });
  }
}

export type Scenario = z.infer<typeof ScenarioSchema>;
export type NicDevice = z.infer<typeof NicDeviceSchema>;
export type NoisyDevice = z.infer<typeof NoisyDeviceSchema>;
export type TaskSpec = z.infer<typeof TaskSchema>;
export type FaultSpec = z.infer<typeof FaultSchema>;

// ---------------------------------------------------------------------------------------
// Error messages
// ---------------------------------------------------------------------------------------

/**
 * Throws, making sure the message is one plain line whatever the user's input contained
 * (a file name or key with a newline or a terminal escape sequence in it).
 */
function fail(message: string): never {
  // eslint-disable-next-line no-control-regex
  throw new InputError(message.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, " "));
}

/** A value as it appears after "got": JSON, at most 40 characters. */
function show(value: unknown): string {
  let text: string;
  if (typeof value === "number" && !Number.isFinite(value)) {
    text = String(value); // JSON would say null for Infinity / NaN
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = "(a value that cannot be shown)";
    }
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function showPath(p: readonly PropertyKey[]): string {
  return p
    .map((seg) => (typeof seg === "string" && !/^[\w-]+$/.test(seg) ? show(seg) : String(seg)))
    .join(".");
}

/** Reads what the user wrote at `p`, without ever touching inherited properties. */
function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of p) {
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

function bound(kind: "min" | "max", inclusive: boolean | undefined, limit: number | bigint, origin: string) {
  const op = kind === "min" ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
  switch (origin) {
    case "string":
      if (kind === "min" && limit === 1) return "expected a non-empty string";
      return `expected ${kind === "min" ? "at least" : "at most"} ${limit} characters`;
    case "array":
    case "set":
      if (kind === "min" && limit === 1) return "expected a non-empty list";
      return `expected ${kind === "min" ? "at least" : "at most"} ${limit} items`;
    default:
      return `expected a number ${op} ${limit}`;
  }
}

/**
 * The "what was expected" part for zod's issue codes, used for every issue whose schema
 * did not bring its own message. "got ..." is appended later, from the user's input.
 */
const describeIssue: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "required field is missing";
      // z.int() says "number" when given a string; the user needs to know it is an integer.
      if (iss.inst instanceof z.ZodNumber && iss.inst.isInt) return "expected an integer";
      // YAML's 1e400 and .nan are numbers to JS, but not ones a simulation can use.
      if (typeof iss.input === "number" && iss.expected === "number") return "expected a finite number";
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case "too_small":
      return bound("min", iss.inclusive, iss.minimum, iss.origin);
    case "too_big":
      return bound("max", iss.inclusive, iss.maximum, iss.origin);
    case "invalid_value":
      return iss.values.length === 1
        ? `expected ${show(iss.values[0])}`
        : `expected one of: ${iss.values.map(String).join(", ")}`;
    case "invalid_union":
      if (iss.discriminator !== undefined && Array.isArray(iss.options)) {
        // Reported at path <device>.type, but iss.input is the whole device.
        const expected = `${iss.discriminator}: ${iss.options.map(String).join(", ")}`;
        const missing = isMapping(iss.input) && iss.input[iss.discriminator] === undefined;
        return missing ? `required field is missing (expected ${expected})` : `expected ${expected}`;
      }
      return "expected one of the allowed forms";
    case "unrecognized_keys": {
      const shape = iss.inst instanceof z.ZodObject ? Object.keys(iss.inst.shape) : [];
      return shape.length ? `unknown field (allowed: ${shape.join(", ")})` : "unknown field";
    }
    case "invalid_key":
      return iss.issues[0]?.message ?? "invalid key";
    case "invalid_format":
      return iss.pattern ? `expected text matching ${iss.pattern}` : `expected a ${iss.format}`;
    case "not_multiple_of":
      return `expected a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
};

/** One `--set path=value`, with the part of the tree it is responsible for. */
interface Override {
  arg: string;
  /**
   * Errors at or under this path are blamed on the --set: the path it set, or the first
   * object it had to create (a --set that invents `devices.nic1` owns its missing fields).
   */
  owns: string[];
}

function startsWith(p: readonly PropertyKey[], prefix: readonly string[]): boolean {
  return prefix.length <= p.length && prefix.every((seg, i) => String(p[i]) === seg);
}

function formatIssue(issue: z.core.$ZodIssue, raw: unknown, source: string, overrides: Override[]): string {
  let p = issue.path;
  let got: string | undefined;
  if (issue.code === "unrecognized_keys") {
    p = [...p, issue.keys[0]!]; // name the unknown key itself; its value is beside the point
  } else if (issue.code === "invalid_key") {
    got = show(p[p.length - 1]); // the offending thing is the key, not the value under it
  } else {
    const value = valueAt(raw, p);
    if (value !== undefined) got = show(value);
  }
  const blamed = [...overrides].reverse().find((o) => startsWith(p, o.owns));
  const where = blamed ? `--set ${blamed.arg}` : source;
  // A --set under devices.X / tasks.X that had to invent X, and X is incomplete: most
  // likely a typo for an existing one, so say that first.
  if (blamed && blamed.owns.length === 2 && (blamed.owns[0] === "devices" || blamed.owns[0] === "tasks") && issue.code !== "unrecognized_keys") {
    const kind = blamed.owns[0] === "devices" ? "device" : "task";
    const group = isMapping(raw) ? raw[blamed.owns[0]] : undefined;
    const others = isMapping(group) ? Object.keys(group).filter((k) => k !== blamed.owns[1]) : [];
    return `${where}: no ${kind} ${blamed.owns[1]}${didYouMean(blamed.owns[1]!, others)} (the scenario has: ${others.join(", ") || "none"}; to add one, --set all its required fields, ${showPath(p)} first)`;
  }
  const field = p.length ? `${showPath(p)}: ` : "";
  return `${where}: ${field}${issue.message}${got === undefined ? "" : `, got ${got}`}`;
}

/**
 * Unknown fields are reported before anything else: a misspelt `trafic:` also produces
 * "traffic: required field is missing", and the typo is the more useful of the two.
 */
function firstIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  return issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]!;
}

// ---------------------------------------------------------------------------------------
// YAML and --set
// ---------------------------------------------------------------------------------------

function firstLine(text: string): string {
  return text.split("\n", 1)[0]!.trim();
}

/**
 * yaml builds documents and JS values recursively, so `[[[[...` a few thousand deep
 * overflows the stack. That is not always a catchable RangeError: V8 can abort the whole
 * process when it runs out of stack while compiling a RegExp. yaml's CST parser is not
 * recursive and keeps the open collections on a public `stack`, so feed it the lexer's
 * tokens and stop as soon as that stack gets too deep, before composing anything.
 */
function tooDeep(text: string): boolean {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    for (const _ of parser.next(lexeme)); // drain: we only watch the depth
    if (parser.stack.length > MAX_NESTING) return true;
  }
  return false;
}

/**
 * Parses YAML text to plain JS, turning every parser complaint into one line. `withPos`:
 * prefix line:col (a file), or not (a --set value, where the position adds nothing).
 */
function parseYaml(text: string, where: string, withPos = true): unknown {
  let doc;
  const lines = new LineCounter();
  try {
    if (tooDeep(text)) fail(`${where}: YAML nested too deeply (over ${MAX_NESTING} levels), not a scenario`);
    // Duplicate and reserved keys are checked below in one pass (yaml_keys.ts): yaml's
    // own uniqueKeys check is quadratic in the size of a mapping.
    doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  } catch (err) {
    if (err instanceof InputError) throw err;
    fail(`${where}: YAML error: ${firstLine(err instanceof Error ? err.message : String(err))}`);
  }
  const err = doc.errors[0];
  if (err) {
    // yaml appends " at line L, column C:" and a code excerpt; we put the position in front.
    const msg = firstLine(err.message).replace(/ at line \d+, column \d+:?$/, "");
    const pos = err.linePos?.[0];
    fail(pos && withPos ? `${where}:${pos.line}:${pos.col}: ${msg}` : `${where}: ${msg}`);
  }
  const bad = firstBadKey(doc);
  if (bad !== null) fail(withPos ? `${where}:${position(lines, bad.offset)}: ${bad.message}` : `${where}: ${bad.message}`);
  try {
    // toJS enforces maxAliasCount (default 100): a "billion laughs" file fails here, fast.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const msg = e instanceof YAMLError || e instanceof Error ? e.message : String(e);
    fail(`${where}: YAML error: ${firstLine(msg)}`);
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const SET_USAGE = "expected path=value, e.g. --set devices.nic0.traffic.rate=200000";

/**
 * Applies one `--set a.b.c=value` to the raw (unvalidated) tree, so the value goes through
 * exactly the same validation as if it had been written in the file.
 */
function applySet(raw: Record<string, unknown>, arg: string): Override {
  const eq = arg.indexOf("=");
  const segs = eq > 0 ? arg.slice(0, eq).split(".") : [];
  if (segs.length === 0 || segs.some((s) => s.trim() === "")) fail(`--set '${arg}': ${SET_USAGE}`);
  if (segs.includes("__proto__")) fail(`--set '${arg}': '__proto__' is not a scenario field`);
  // A path deeper than any scenario's nesting is a mistake; refusing it keeps the walk
  // below (and validation after it) short whatever the length of the argument.
  if (segs.length > MAX_NESTING) fail(`--set '${shorten(arg)}': a path of ${segs.length} fields, deeper than any scenario field (at most ${MAX_NESTING})`);
  const value = parseYaml(arg.slice(eq + 1), `--set ${arg}`, false);

  let owns: string[] | undefined;
  let cur: Record<string, unknown> | unknown[] = raw;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const here = (): string[] => segs.slice(0, i + 1);
    let key: string | number = seg;
    if (Array.isArray(cur)) {
      // Lists can be indexed (expect.0.max=5) or appended to (index == length).
      if (!/^\d+$/.test(seg) || Number(seg) > cur.length) {
        fail(`--set ${arg}: cannot set '${here().join(".")}': '${segs.slice(0, i).join(".")}' is a list of ${cur.length} items`);
      }
      key = Number(seg);
    }
    const container = cur as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      break;
    }
    if (!Object.hasOwn(container, key) || container[key] === undefined) {
      // `expect.0.max=1` with no `expect:` yet means a list, anything else a mapping.
      container[key] = /^\d+$/.test(segs[i + 1]!) ? [] : {};
      owns ??= here();
    }
    const next = container[key];
    if (typeof next !== "object" || next === null) {
      fail(`--set ${arg}: cannot set '${segs.join(".")}': '${here().join(".")}' is ${show(next)}, not a mapping`);
    }
    // Copy on the way down: YAML aliases make shared objects, and a --set on one place
    // must not silently change the other places that alias it.
    container[key] = Array.isArray(next) ? [...next] : { ...next };
    cur = container[key] as Record<string, unknown> | unknown[];
  }
  return { arg, owns: owns ?? segs };
}

/**
 * `variant: name` selects `variants.name`, a list of `path=value` overrides applied to the
 * raw tree like --sets. Returns true if one was applied. A variant that does not exist or
 * is malformed is left for the schema to report.
 */
function applyVariant(raw: Record<string, unknown>, source: string): boolean {
  const name = raw.variant;
  const variants = raw.variants;
  if (typeof name !== "string" || !isMapping(variants) || !Object.hasOwn(variants, name)) return false;
  const sets = variants[name];
  if (!Array.isArray(sets) || !sets.every((v) => typeof v === "string" && /^[A-Za-z0-9_.-]+=/.test(v))) return false;
  for (const arg of sets as string[]) {
    if (arg.startsWith("variant=") || arg.startsWith("variants.")) fail(`${source}: variants.${name}: '${arg}': a variant cannot choose or change variants`);
    try {
      applySet(raw, arg);
    } catch (e) {
      if (e instanceof InputError) fail(`${source}: variants.${name}: ${e.message}`);
      throw e;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------

/**
 * The last file's parsed YAML: a sweep loads its scenario once per point (10,000 points
 * for a 100 x 100 --vary), and parsing the same text again each time made planning slow.
 */
let lastYaml: { text: string; source: string; value: unknown } | null = null;

function parsedYaml(text: string, source: string): unknown {
  if (lastYaml !== null && lastYaml.text === text && lastYaml.source === source) return lastYaml.value;
  const value = parseYaml(text, source);
  lastYaml = { text, source, value };
  return value;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Parses, applies `sets` in order, then validates once. `source` names the text in errors. */
export function parseScenarioText(text: string, source: string, sets: string[] = []): Scenario {
  if (Buffer.byteLength(text, "utf8") > MAX_SCENARIO_BYTES) fail(`${source}: larger than 1 MiB, not a scenario file`);
  const parsed = parsedYaml(text, source);
  if (!isMapping(parsed)) fail(`${source}: expected a YAML mapping with name, description and devices`);
  // A copy of the top level: applySet copies every mapping it descends into, so the
  // cached tree below is never changed.
  const raw = { ...parsed };
  let overrides = sets.map((arg) => applySet(raw, arg));
  if (applyVariant(raw, source)) overrides = sets.map((arg) => applySet(raw, arg)); // --set wins over the variant
  const result = ScenarioSchema.safeParse(raw, { error: describeIssue });
  if (!result.success) fail(formatIssue(firstIssue(result.error.issues), raw, source, overrides));
  return result.data;
}

let cachedRoot: string | undefined;

/**
 * The directory holding irqsim's package.json. Found by walking up because this file runs
 * both as source (system/scenario.ts) and compiled (dist/system/scenario.js).
 */
export function packageRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (pkg.name === "irqsim") return (cachedRoot = dir);
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) throw new Error(`irqsim: no package.json named irqsim above ${start}`);
  }
}

export function builtinScenarioDir(): string {
  return path.join(packageRoot(), "scenarios");
}

function builtinNames(): string[] {
  return fs
    .readdirSync(builtinScenarioDir())
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length))
    .sort();
}

/** A path if it looks like one, otherwise the name of a built-in scenario. */
export function resolveScenarioRef(ref: string): string {
  if (/[/\\]/.test(ref) || /\.ya?ml$/.test(ref)) return ref;
  const names = builtinNames();
  if (!names.includes(ref)) {
    fail(`unknown scenario '${ref}'${didYouMean(ref, names)} (built-in: ${names.join(", ")}; or give a path to a .yaml file)`);
  }
  return path.join(builtinScenarioDir(), `${ref}.yaml`);
}

function readScenarioFile(file: string, source: string): string {
  return readCheckedFile(file, { maxBytes: MAX_SCENARIO_BYTES, what: "a .yaml file", tooBigFor: "a scenario file", label: quote(source) });
}

/** Loads a built-in by name or a file by path, applying `--set` overrides before validation. */
export function loadScenario(ref: string, opts: { sets?: string[] } = {}): { scenario: Scenario; source: string } {
  const file = resolveScenarioRef(ref);
  const source = file === ref ? ref : `scenarios/${ref}.yaml`;
  const scenario = parseScenarioText(readScenarioFile(file, source), source, opts.sets ?? []);
  // Replay traces are named relative to the scenario file.
  for (const dev of Object.values(scenario.devices)) {
    if (dev.type === "nic" && dev.traffic.kind === "replay") dev.traffic.file = path.resolve(path.dirname(file), dev.traffic.file);
  }
  return { scenario, source };
}

/** Every built-in scenario, validated (a broken built-in is an InputError naming its file). */
export function listScenarios(): { name: string; description: string; path: string }[] {
  return builtinNames().map((base) => {
    const file = path.join(builtinScenarioDir(), `${base}.yaml`);
    const source = `scenarios/${base}.yaml`;
    const scenario = parseScenarioText(readScenarioFile(file, source), source);
    // Names are looked up by file name, so the two must agree.
    if (scenario.name !== base) fail(`${source}: name: expected '${base}' (the file name), got ${show(scenario.name)}`);
    return { name: scenario.name, description: scenario.description, path: file };
  });
}
