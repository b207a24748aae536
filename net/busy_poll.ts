/**
 * Busy polling (net/core/dev.c napi_busy_loop / __napi_busy_loop / busy_poll_stop,
 * include/net/busy_poll.h sk_busy_loop, SO_BUSY_POLL and net.core.busy_read): a task that
 * finds its socket empty polls the NAPI instance its packets come from itself, on its own
 * CPU time, instead of sleeping until NET_RX queues a packet and wakes it. It is the
 * kernel's Leader/Followers: no hand-off to a softirq or a thread, no wake-up, no context
 * switch -- and a CPU spent spinning while nothing arrives.
 *
 * The rules kept from the kernel:
 *  - Only a socket that has received from a NAPI instance can busy-poll (sk_napi_id >=
 *    MIN_NAPI_ID, set by sk_mark_napi_id); the first packet always arrives the usual way.
 *  - The task takes the instance only if it is idle (napi_state_start_busy_polling: no
 *    NAPI_STATE_SCHED, no other busy poller), setting SCHED and IN_BUSY_POLL; while it
 *    owns it, napi_complete_done() refuses (returns false), so the driver leaves its IRQ
 *    masked, and a device interrupt meanwhile only sets NAPI_STATE_MISSED.
 *  - Each turn polls at most BUSY_POLL_BUDGET (8) packets with BH disabled, preemption off
 *    for the whole loop; the loop ends when the socket has data (sk_busy_loop_end), when
 *    the time is up, or gives the CPU up on need_resched.
 *  - busy_poll_stop() clears MISSED and IN_BUSY_POLL and polls once more so the driver can
 *    complete and re-enable its IRQ; a full poll there reschedules the instance for NET_RX
 *    -- unless SO_PREFER_BUSY_POLL with irq_suspend_timeout or napi_defer_hard_irqs +
 *    gro_flush_timeout arms napi->timer instead and leaves the IRQ masked.
 *  - A poller that found NET_RX owning the instance and prefers busy polling sets
 *    NAPI_STATE_PREFER_BUSY_POLL, which makes __napi_poll() hand it back early.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { TP } from "../sim/trace.js";
import type { NetStack } from "./dev.js";
import { MIN_NAPI_ID, type NapiStruct } from "./napi.js";
import type { BusyLoop, Socket } from "./socket.js";

/** include/net/busy_poll.h: BUSY_POLL_BUDGET = 8 packets per napi_busy_loop poll. */
export const BUSY_POLL_BUDGET = 8;

export interface BusyPollSpec {
  /** sk->sk_ll_usec (SO_BUSY_POLL, or net.core.busy_read), ns. */
  timeout: number;
  /** SO_PREFER_BUSY_POLL (NAPI_F_PREFER_BUSY_POLL). */
  prefer: boolean;
}

/** sk_busy_loop() for a task's socket reads, as the hook recv() calls. */
export function busyLoop(net: NetStack, spec: BusyPollSpec): BusyLoop {
  return (k, sk) => skBusyLoop(k, net, sk, spec);
}

/** sk_busy_loop() -> napi_busy_loop(sk->sk_napi_id, sk_busy_loop_end, ...). */
export function* skBusyLoop(k: Kernel, net: NetStack, sk: Socket, spec: BusyPollSpec): Handler {
  const napi = sk.napi;
  if (napi === null || napi.id < MIN_NAPI_ID || spec.timeout <= 0) return;
  const start = k.now;
  // sk_busy_loop_end(): data queued, or sk_busy_loop_timeout().
  const loopEnd = (): boolean => sk.queue.length > 0 || k.now - start >= spec.timeout;
  for (;;) {
    // __napi_busy_loop: preempt_disable() for the whole loop (non-RT kernels).
    yield k.preemptDisable();
    let owned = false;
    let resched = false;
    for (;;) {
      yield k.localBhDisable();
      yield k.cpu(k.costs.busy_poll_loop);
      let work = 0;
      if (!owned) owned = startBusyPolling(napi, spec);
      if (owned) {
        yield k.cpu(k.costs.napi_poll);
        work = yield* net.callPoll(k, napi, BUSY_POLL_BUDGET);
        napi.busyPolls++;
        napi.polls++;
        napi.work += work;
        k.trace.emit(TP.napi_poll, k.smpProcessorId(), napi.dev, work, BUSY_POLL_BUDGET);
      }
      if (work > 0) napi.busyPollPackets += work; // LINUX_MIB_BUSYPOLLRXPACKETS
      yield k.localBhEnable();
      if (loopEnd()) break;
      if (k.thisCpu.needResched) {
        resched = true;
        break;
      }
      // cpu_relax(): the next turn's busy_poll_loop cost is the spin.
    }
    if (owned) yield* busyPollStop(k, net, napi, spec);
    yield k.preemptEnable();
    if (!resched) return;
    yield k.condResched();
    if (loopEnd()) return;
  }
}

/**
 * napi_state_start_busy_polling(): take an idle instance (SCHED | IN_BUSY_POLL). One that
 * NET_RX or a thread owns is left alone; a poller that prefers busy polling marks it.
 */
function startBusyPolling(napi: NapiStruct, spec: BusyPollSpec): boolean {
  if (napi.scheduled || napi.inBusyPoll) {
    if (spec.prefer) napi.preferBusyPoll = true;
    return false;
  }
  napi.scheduled = true;
  napi.inBusyPoll = true;
  napi.ownedBy = "busy_poll";
  return true;
}

/**
 * busy_poll_stop(): give the instance back. One more poll lets the driver complete and
 * unmask; if that poll used its whole budget, the instance goes to NET_RX (__napi_schedule)
 * unless a timer was armed to re-poll with the IRQ left masked (__busy_poll_stop).
 */
function* busyPollStop(k: Kernel, net: NetStack, napi: NapiStruct, spec: BusyPollSpec): Handler {
  napi.missed = false;
  napi.inBusyPoll = false;
  yield k.localBhDisable();
  let timeout = 0;
  if (spec.prefer) {
    timeout = napi.irqSuspendTimeout;
    if (timeout === 0) {
      napi.deferHardIrqsCount = napi.deferHardIrqs;
      if (napi.deferHardIrqsCount > 0) timeout = napi.groFlushTimeout;
    }
    if (timeout > 0) napi.hooks!.armTimer(napi, timeout);
  }
  yield k.cpu(k.costs.napi_poll);
  const rc = yield* net.callPoll(k, napi, BUSY_POLL_BUDGET);
  napi.polls++;
  napi.work += rc;
  k.trace.emit(TP.napi_poll, k.smpProcessorId(), napi.dev, rc, BUSY_POLL_BUDGET);
  if (rc === BUSY_POLL_BUDGET) {
    napi.ownedBy = null;
    if (timeout === 0) net.napiScheduleLocked(napi);
    else napi.scheduled = false;
  }
  yield k.localBhEnable();
}
