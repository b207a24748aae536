/**
 * The scenario schema's building blocks and its devices (system/scenario.ts assembles the
 * whole): durations with units, CPU ids, traffic kinds, and one schema per device type
 * (NIC, noisy, UART, block, hrtimer).
 */
import { z } from "zod";
import { hasUnit, MAX_DURATION_NS, NSEC_PER_USEC, parseDurationNs, unitHint } from "../sim/time.js";

// ---------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------

const DURATION_HINT = "expected a duration such as 500us, 100ms or 2s";

/**
 * A duration field: `500us`-style text or an integer number of ns, output as integer ns.
 * The range checks live in the transform (not in a piped z.number()) so that every
 * duration complaint mentions what a duration looks like, not just "a number".
 */
export function duration(min: "zero" | "positive") {
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
export const cpuId = z.int().min(0).max(63);

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
export const DEFAULT_NAPI_WEIGHT = 64;

export const NicDeviceSchema = z.strictObject({
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

/**
 * A misbehaving device that raises its interrupt line without (mostly) having a reason: its
 * handler finds nothing to do and returns IRQ_NONE, which the spurious-IRQ detector counts.
 */
export const NoisyDeviceSchema = z.strictObject({
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
export const DeviceSchema = z.discriminatedUnion("type", [NicDeviceSchema, NoisyDeviceSchema, UartDeviceSchema, BlockDeviceSchema, HrtimerDeviceSchema]);
