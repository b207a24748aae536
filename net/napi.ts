/**
 * NAPI (net/core/dev.c, include/linux/netdevice.h): a device that has interrupted masks its
 * IRQ and asks to be polled; NET_RX then calls its poll function with a quota of `weight`
 * packets until it finds less work than that, when the driver calls napi_complete_done()
 * and unmasks its IRQ. Under load the device is never interrupting: it is polled, and
 * excess packets drop cheaply at its ring instead of costing an interrupt each.
 *
 * Linux 5.x/6.x grew four answers to the cases where that is not enough, each in its own
 * file: threaded NAPI (net/napi_threaded.ts), napi_defer_hard_irqs with gro_flush_timeout
 * and irq_suspend_timeout (net/napi_defer.ts), and busy polling (net/busy_poll.ts). Their
 * state bits live here because napi_complete_done() reads them all.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import type { Thread } from "../sim/thread.js";

/** include/linux/netdevice.h: NAPI_POLL_WEIGHT = 64. */
export const NAPI_POLL_WEIGHT = 64;

/**
 * include/net/busy_poll.h MIN_NAPI_ID = NR_CPUS + 1: ids below are sender_cpu values.
 * NR_CPUS = 8192 as distributions configure it (CONFIG_NR_CPUS=8192), so the first device
 * NAPI instance is 8193 and its thread `napi/eth0-8193`.
 */
export const MIN_NAPI_ID = 8193;

/** What napi_complete_done() and the busy-poll and threaded paths need from the outside. */
export interface NapiHooks {
  /** __napi_schedule(): back on a poll list (or its thread woken) after NAPI_STATE_MISSED. */
  reschedule(napi: NapiStruct): void;
  /** hrtimer_start(&n->timer, timeout, HRTIMER_MODE_REL_PINNED) on the polling CPU. */
  armTimer(napi: NapiStruct, timeout: number): void;
}

export interface NapiStruct {
  readonly name: string;
  /** Device index for the trace (skb->dev), -1 for a CPU's backlog. */
  readonly dev: number;
  /** napi->napi_id (MIN_NAPI_ID and up for devices, 0 for the backlogs, which are not hashed). */
  readonly id: number;
  weight: number;
  /** NAPI_STATE_SCHED: on a poll list, being polled, or owned by a busy poller. */
  scheduled: boolean;
  /** NAPI_STATE_MISSED: napi_schedule() found it already scheduled; poll it once more. */
  missed: boolean;
  /** NAPI_STATE_IN_BUSY_POLL: a task's napi_busy_loop owns it (napi_complete_done refuses). */
  inBusyPoll: boolean;
  /** NAPI_STATE_PREFER_BUSY_POLL: a busy poller wanted it while NET_RX had it. */
  preferBusyPoll: boolean;
  /** NAPI_STATE_THREADED: polled by its own kthread `napi/<dev>-<id>` (net/napi_threaded.ts). */
  thread: Thread | null;
  /** NAPI_STATE_SCHED_THREADED: its thread was woken to poll it. */
  schedThreaded: boolean;
  /** Who holds NAPI_STATE_SCHED when no poll list does: its thread, or a busy poller. */
  ownedBy: "thread" | "busy_poll" | null;
  /** /sys/class/net/<dev>/napi_defer_hard_irqs: completions that leave the IRQ masked. */
  deferHardIrqs: number;
  /** /sys/class/net/<dev>/gro_flush_timeout, ns: the re-poll timer while IRQs are deferred. */
  groFlushTimeout: number;
  /** Netlink napi-set irq-suspend-timeout (6.13), ns: IRQs stay off while a busy poller is active. */
  irqSuspendTimeout: number;
  /** napi->defer_hard_irqs_count. */
  deferHardIrqsCount: number;
  /**
   * When napi_schedule() last set NAPI_STATE_SCHED, until net_rx_action first calls the
   * poll after that (then -1): one top half -> poll hand-off, for the latency breakdown.
   */
  scheduledAt: number;
  /** The driver's poll: process up to `budget` packets, return how many. */
  poll: (k: Kernel, napi: NapiStruct, budget: number) => Handler<number>;
  hooks: NapiHooks | null;
  /** Counters: polls, packets, polls that used the whole weight, completions. */
  polls: number;
  work: number;
  fullPolls: number;
  completes: number;
  /** napi_complete_done() returned false to keep the IRQ masked (defer or irq_suspend). */
  deferredCompletes: number;
  /** napi_complete_done() found NAPI_STATE_MISSED and rescheduled instead of completing. */
  missedReschedules: number;
  /** napi_watchdog(): the hrtimer fired and scheduled a poll. */
  timerPolls: number;
  /** Polls run by the NAPI thread, and by busy pollers (LINUX_MIB_BUSYPOLLRXPACKETS counts packets). */
  threadedPolls: number;
  busyPolls: number;
  busyPollPackets: number;
}

export function createNapi(name: string, dev: number, weight: number, poll: NapiStruct["poll"], id = 0): NapiStruct {
  return {
    name,
    dev,
    id,
    weight,
    scheduled: false,
    missed: false,
    inBusyPoll: false,
    preferBusyPoll: false,
    thread: null,
    schedThreaded: false,
    ownedBy: null,
    deferHardIrqs: 0,
    groFlushTimeout: 0,
    irqSuspendTimeout: 0,
    deferHardIrqsCount: 0,
    scheduledAt: -1,
    poll,
    hooks: null,
    polls: 0,
    work: 0,
    fullPolls: 0,
    completes: 0,
    deferredCompletes: 0,
    missedReschedules: 0,
    timerPolls: 0,
    threadedPolls: 0,
    busyPolls: 0,
    busyPollPackets: 0,
  };
}

/**
 * napi_complete_done() (net/core/dev.c): the poll found less work than its weight. Returns
 * true when the driver should re-enable its interrupt.
 *  - A busy poller owns the instance (NAPI_STATE_IN_BUSY_POLL): nothing changes, false.
 *  - Work done re-arms napi_defer_hard_irqs; while that count lasts (and gro_flush_timeout
 *    is set), or while a busy poller prefers the instance and irq_suspend_timeout is set,
 *    the answer is false and napi->timer is armed to poll again with the IRQ still masked.
 *  - NAPI_STATE_SCHED is cleared, unless NAPI_STATE_MISSED was set meanwhile: then the
 *    instance is rescheduled at once and the answer is false.
 */
export function napiCompleteDone(napi: NapiStruct, workDone: number): boolean {
  if (napi.inBusyPoll) return false;
  let timeout = 0;
  let ret = true;
  if (workDone > 0) napi.deferHardIrqsCount = napi.deferHardIrqs;
  if (napi.preferBusyPoll) {
    timeout = napi.irqSuspendTimeout;
    if (timeout > 0) ret = false;
  }
  if (ret && napi.deferHardIrqsCount > 0) {
    napi.deferHardIrqsCount--;
    timeout = napi.groFlushTimeout;
    if (timeout > 0) ret = false;
  }
  // The cmpxchg clears SCHED, MISSED, SCHED_THREADED and PREFER_BUSY_POLL together.
  napi.schedThreaded = false;
  napi.preferBusyPoll = false;
  napi.ownedBy = null;
  if (napi.missed) {
    // The cmpxchg loop keeps SCHED when MISSED was set; __napi_schedule() follows.
    napi.missed = false;
    napi.missedReschedules++;
    napi.hooks!.reschedule(napi);
    return false;
  }
  napi.scheduled = false;
  napi.completes++;
  if (timeout > 0) {
    napi.hooks!.armTimer(napi, timeout);
    if (!ret) napi.deferredCompletes++;
  }
  return ret;
}
