/**
 * IRQ deferral for NAPI (net/core/dev.c napi_complete_done, napi_watchdog; Linux 5.6+
 * napi_defer_hard_irqs, 4.0+ gro_flush_timeout, 6.13 irq_suspend_timeout;
 * Documentation/networking/napi.rst "Software IRQ coalescing" and "IRQ suspension").
 *
 * With /sys/class/net/<dev>/napi_defer_hard_irqs = N and gro_flush_timeout = T, a poll
 * that completes having found work does not re-enable the device IRQ: napi_complete_done()
 * returns false and arms napi->timer, an hrtimer (HRTIMER_MODE_REL_PINNED, hard: it fires
 * in the local timer interrupt) T ns out. napi_watchdog() then schedules the instance again
 * with the IRQ still masked. Only after N polls in a row find nothing does the driver
 * unmask. Under load the device never interrupts: the CPU polls every T instead.
 *
 * irq_suspend_timeout does the same for as long as a busy poller prefers the instance
 * (NAPI_STATE_PREFER_BUSY_POLL), so an application that polls keeps the IRQ off entirely.
 */
import type { Kernel } from "../sim/kernel.js";
import type { HrTimer, Timers } from "../softirq/timer.js";
import type { NetStack } from "./dev.js";
import type { NapiStruct } from "./napi.js";

export interface NapiDeferSpec {
  deferHardIrqs: number;
  groFlushTimeout: number;
  irqSuspendTimeout: number;
}

/**
 * netif_napi_add(): hrtimer_init(&napi->timer) with napi_watchdog, on `cpu` (the CPU the
 * queue's IRQ targets, where its polls run), and the hooks napi_complete_done() uses. The
 * timer exists only if a timeout is configured (nothing else can arm it), so scenarios
 * without these knobs keep their timer ids.
 */
export function napiTimerSetup(k: Kernel, net: NetStack, timers: Timers, napi: NapiStruct, cpu: number, spec: NapiDeferSpec): HrTimer | null {
  napi.deferHardIrqs = spec.deferHardIrqs;
  napi.groFlushTimeout = spec.groFlushTimeout;
  napi.irqSuspendTimeout = spec.irqSuspendTimeout;
  const needed = spec.groFlushTimeout > 0 || spec.irqSuspendTimeout > 0;
  const timer = needed
    ? timers.createHrtimer(`${napi.name}.napi_watchdog`, cpu, false, function* (kk) {
        napiWatchdog(kk, net, napi);
        return -1; // HRTIMER_NORESTART
      })
    : null;
  napi.hooks = {
    reschedule: (n) => net.napiScheduleLocked(n),
    armTimer: (n, timeout) => {
      if (timer === null) throw new Error(`${n.name}: napi->timer armed with no timeout configured`);
      timers.startHrtimer(timer, k.now + timeout);
    },
  };
  return timer;
}

/**
 * napi_watchdog(): take NAPI_STATE_SCHED if nobody holds it (a relaxed napi_schedule_prep()
 * that sets no MISSED: this is not a device IRQ), drop PREFER_BUSY_POLL, and schedule.
 */
function napiWatchdog(k: Kernel, net: NetStack, napi: NapiStruct): void {
  if (napi.scheduled) return;
  napi.scheduled = true;
  napi.preferBusyPoll = false;
  napi.timerPolls++;
  k.mem.mb(k.smpProcessorId());
  net.napiScheduleLocked(napi);
}
