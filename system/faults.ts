/**
 * Faults: things that happen to a running system at a given simulated time -- a burst of
 * packets, an IRQ's affinity rewritten, kworker creation stalling, and the knobs an
 * operator turns while it runs (the sender's rate, `ethtool -C`, a workqueue's max_active,
 * a driver with or without its barriers). A scenario lists them
 * under `faults:` (boot schedules them) and a front-end injects them while it runs
 * (Simulation.inject, the dashboard's fault key); both go through here, so a fault typed
 * at the keyboard is the same event a scenario file would have scheduled.
 */
import { createEvent } from "../sim/engine.js";
import type { Kernel } from "../sim/kernel.js";
import type { Workqueues } from "../workqueue/workqueue.js";
import type { Nic } from "../drivers/nic.js";
import type { FaultSpec } from "./scenario.js";

/** What a fault needs of the system (boot calls this before the System is assembled). */
export interface FaultTarget {
  readonly k: Kernel;
  readonly wqs: Workqueues;
  readonly nics: readonly Nic[];
}

/** Schedules `fault` at `fault.at` (>= now). Devices and IRQs are checked by the scenario schema or the caller. */
export function scheduleFault(sys: FaultTarget, fault: FaultSpec): void {
  const k = sys.k;
  if (fault.kind === "worker_creation_stall") sys.wqs.stalls.push({ at: fault.at, duration: fault.duration });
  else if (fault.kind === "set_affinity") {
    const desc = k.irq.desc(fault.irq);
    k.engine.schedule(createEvent(() => k.irq.setAffinity(desc, fault.cpus)), fault.at);
  } else if (fault.kind === "set_max_active") {
    const wq = sys.wqs.workqueues.find((w) => w.name === fault.workqueue);
    if (wq === undefined) throw new Error(`set_max_active: no workqueue named ${fault.workqueue}`);
    k.engine.schedule(createEvent(() => sys.wqs.setMaxActive(wq, fault.max_active)), fault.at);
  } else {
    const nic = sys.nics.find((n) => n.spec.name === fault.device);
    if (nic === undefined) throw new Error(`${fault.kind}: no NIC named ${fault.device}`);
    const apply = (): void => {
      if (fault.kind === "traffic_burst") nic.injectBurst(fault.packets);
      else if (fault.kind === "set_rate") nic.setTrafficRate(fault.rate);
      else if (fault.kind === "set_coalesce") nic.setCoalesce(fault.rx_usecs, fault.rx_frames);
      else nic.setBarriers(fault.barriers);
    };
    k.engine.schedule(createEvent(apply), fault.at);
  }
}
