/**
 * Scenarios (ARCHITECTURE.md section 6): one zod schema is both the validator of the YAML files and
 * the source of the TypeScript types the simulator consumes. Every way input can be wrong
 * (missing file, bad YAML, a field out of range, a bad `--set`) ends as ONE line thrown as
 * an InputError naming where the bad value came from, the field path and what was expected.
 *
 * This file assembles the schema (tasks, faults, costs, expect, the cross-field checks);
 * the devices and building blocks are system/scenario_devices.ts, YAML, `--set` and
 * variants system/scenario_yaml.ts, files system/scenario_files.ts, the error lines
 * system/scenario_errors.ts.
 */
import { z } from "zod";
import { COST_KEYS, type Costs, NONZERO_COSTS } from "../sim/costs.js";
import { NSEC_PER_MSEC, NSEC_PER_USEC } from "../sim/time.js";
import { DEFAULT_MEMORY } from "../sim/memory.js";
import { checkRuntime, RuntimeSchema } from "../runtimes/schema.js";
import { cpuId, DEFAULT_NAPI_WEIGHT, DeviceSchema, duration, NicDeviceSchema, NoisyDeviceSchema } from "./scenario_devices.js";

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
  z.strictObject({
    /** The sender changes pace: `device`'s traffic runs at `rate` packets/s from the next arrival on (not for replayed traffic). */
    kind: z.literal("set_rate"),
    device: z.string(),
    at: duration("zero"),
    rate: z.number().gt(0).lte(100_000_000),
  }),
  z.strictObject({
    /** ethtool -C on `device`: new rx-usecs and rx-frames (adaptive-rx off) from the next packet on. */
    kind: z.literal("set_coalesce"),
    device: z.string(),
    at: duration("zero"),
    rx_usecs: duration("zero"),
    rx_frames: z.int().min(0).max(65_535),
  }),
  z.strictObject({
    /** A driver rebuilt with (true) or without (false) dma_rmb()/wmb() on `device`'s ring. */
    kind: z.literal("set_barriers"),
    device: z.string(),
    at: duration("zero"),
    barriers: z.boolean(),
  }),
  z.strictObject({
    /** workqueue_set_max_active(): `workqueue`'s limit on active items per pool (not for ordered ones). */
    kind: z.literal("set_max_active"),
    workqueue: z.string(),
    at: duration("zero"),
    max_active: z.int().min(1).max(512),
  }),
]);

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
      if ((f.kind === "traffic_burst" || f.kind === "set_rate" || f.kind === "set_coalesce" || f.kind === "set_barriers") && (!Object.hasOwn(s.devices, f.device) || s.devices[f.device]!.type !== "nic")) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "device"], message: `expected the name of a nic device (${nics.join(", ")})`, input: f.device });
      } else if (f.kind === "set_rate" && !("rate" in (s.devices[f.device] as { traffic: object }).traffic)) {
        ctx.addIssue({ code: "custom", path: ["faults", i, "device"], message: "expected a nic whose traffic has a rate (replayed traffic keeps the file's times)", input: f.device });
      }
      if (f.kind === "set_max_active") {
        const wq = Object.hasOwn(s.workqueues, f.workqueue) ? s.workqueues[f.workqueue] : undefined;
        if (wq === undefined) {
          ctx.addIssue({ code: "custom", path: ["faults", i, "workqueue"], message: `expected the name of a workqueue under workqueues: (${Object.keys(s.workqueues).join(", ") || "none defined"})`, input: f.workqueue });
        } else if (wq.flags.includes("ordered")) {
          ctx.addIssue({ code: "custom", path: ["faults", i, "workqueue"], message: "expected a workqueue that is not ordered (an ordered workqueue's max_active stays 1)", input: f.workqueue });
        }
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
