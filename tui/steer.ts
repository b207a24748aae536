/**
 * Steering a run live, reproducibly: each key turns one knob an operator has on a real
 * machine (the sender's rate, /proc/irq/N/smp_affinity_list, workqueue max_active,
 * `ethtool -C`, a driver with or without its barriers, a burst) and becomes a scenario
 * fault at a simulated instant, injected through Simulation.inject -- the same path a
 * `faults:` entry takes at boot. The faults are kept, so `--record` can write the scenario
 * plus them and `irqsim run` replays the session event for event.
 *
 * Why a change lands at `settle()`'s instant and not "now": events are ordered by (time,
 * sequence number), and boot schedules a file's faults before anything else, so in a
 * replay a fault is the first event of its instant. Live, it must be too: settle() first
 * fires every event due at or before now + 1 ns, until the next event lies beyond now + 1;
 * then at = now + 1 holds no other event, in the live run and in its replay alike. The
 * NIC's mode (irq, napi, ...) is not a knob: the driver picks it at probe time.
 */
import type { Simulation } from "../system/run.js";
import type { FaultSpec } from "../system/scenario.js";
import { fmtCount, fmtNs, fmtTime } from "./format.js";

/** rx-usecs steps `c`/`C` move through (ethtool -C rx-usecs), ns. */
export const COALESCE_STEPS_NS: readonly number[] = [0, 10_000, 25_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

interface NicKnobs {
  name: string;
  /** null: replayed traffic, no rate to change. */
  rate: number | null;
  rxUsecs: number;
  rxFrames: number;
  barriers: boolean;
  /** The IRQ of each receive queue. */
  irqs: number[];
}

interface WqKnobs {
  name: string;
  maxActive: number;
  ordered: boolean;
}

/** The knobs of one run and the faults the keys have injected into it, in order. */
export class Steering {
  readonly faults: FaultSpec[] = [];
  private readonly nics: NicKnobs[] = [];
  private readonly wqs: WqKnobs[] = [];
  /** Each IRQ's CPU list as the keys left it. */
  private readonly affinity = new Map<number, number[]>();
  private readonly cpus: number;

  constructor(private readonly sim: Simulation) {
    const s = sim.scenario;
    this.cpus = s.cpus;
    for (const [name, dev] of Object.entries(s.devices)) {
      if (dev.type === "nic") {
        const irqs = Array.from({ length: dev.queues }, (_, q) => dev.irq + q);
        irqs.forEach((irq, q) => this.affinity.set(irq, [dev.affinity[q % dev.affinity.length]!]));
        this.nics.push({
          name,
          rate: "rate" in dev.traffic ? dev.traffic.rate : null,
          rxUsecs: dev.coalesce.rx_usecs,
          rxFrames: dev.coalesce.rx_frames,
          barriers: dev.barriers,
          irqs,
        });
      } else if (dev.type !== "hrtimer") this.affinity.set(dev.irq, dev.affinity.slice());
    }
    for (const f of s.faults) if (f.kind === "set_affinity") this.affinity.set(f.irq, f.cpus.slice());
    for (const [name, wq] of Object.entries(s.workqueues)) {
      const ordered = wq.flags.includes("ordered");
      this.wqs.push({ name, maxActive: ordered ? 1 : wq.max_active === 0 ? 256 : Math.min(wq.max_active, 512), ordered });
    }
  }

  /**
   * Fires what is due up to now + 1 ns (see the header) and returns the instant a change
   * made now lands at, or null when the run is over.
   */
  settle(): number | null {
    const sim = this.sim;
    for (;;) {
      if (sim.finished) return null;
      const next = sim.peek();
      if (next === null) return sim.now + 1 <= sim.scenario.duration ? sim.now + 1 : null;
      if (next > sim.now + 1) return sim.now + 1;
      sim.runUntil(next, 1 << 16);
    }
  }

  /** Injects what `make` builds at the settled instant; `what` (called after) says what changed. */
  private apply(make: (at: number) => FaultSpec[], what: () => string): string {
    const at = this.settle();
    if (at === null) return "the run is over: nothing changed";
    const faults = make(at);
    for (const f of faults) {
      this.sim.inject(f);
      this.faults.push(f);
    }
    return `${fmtTime(at)}: ${what()} (${faults.map((f) => f.kind).join(", ")}, recorded)`;
  }

  /** `r` / `R`: every NIC's sender twice / half as fast. */
  scaleRate(factor: number): string {
    const nics = this.nics.filter((n) => n.rate !== null);
    if (nics.length === 0) return "no NIC with a traffic rate to change (replayed traffic keeps its file's times)";
    const parts: string[] = [];
    return this.apply(
      (at) =>
        nics.map((n) => {
          const rate = Math.min(100_000_000, Math.max(1, Math.round(n.rate! * factor)));
          parts.push(`${n.name} ${fmtCount(n.rate!)} -> ${fmtCount(rate)} pkt/s`);
          n.rate = rate;
          return { kind: "set_rate", device: n.name, at, rate };
        }),
      () => `traffic ${parts.join(", ")}`,
    );
  }

  /** `a`: every NIC queue's IRQ to the next CPU (smp_affinity_list), round the machine. */
  rotateAffinity(): string {
    const irqs = this.nics.flatMap((n) => n.irqs);
    if (irqs.length === 0) return "no NIC whose IRQ affinity to change";
    if (this.cpus === 1) return "one CPU: there is nowhere else for the IRQ to go";
    const parts: string[] = [];
    return this.apply(
      (at) =>
        irqs.map((irq) => {
          const cpu = ((this.affinity.get(irq)?.[0] ?? 0) + 1) % this.cpus;
          this.affinity.set(irq, [cpu]);
          parts.push(`irq ${irq} -> CPU${cpu}`);
          return { kind: "set_affinity", irq, at, cpus: [cpu] };
        }),
      () => `smp_affinity_list ${parts.join(", ")}`,
    );
  }

  /** `m` / `M`: every (unordered) workqueue's max_active doubled / halved. */
  scaleMaxActive(factor: number): string {
    const wqs = this.wqs.filter((w) => !w.ordered);
    if (wqs.length === 0) return this.wqs.length > 0 ? "only ordered workqueues: max_active stays 1" : "no workqueue whose max_active to change";
    const parts: string[] = [];
    return this.apply(
      (at) =>
        wqs.map((w) => {
          const max = Math.min(512, Math.max(1, factor > 1 ? w.maxActive * 2 : Math.floor(w.maxActive / 2)));
          parts.push(`${w.name} ${w.maxActive} -> ${max}`);
          w.maxActive = max;
          return { kind: "set_max_active", workqueue: w.name, at, max_active: max };
        }),
      () => `max_active ${parts.join(", ")}`,
    );
  }

  /** `b`: every NIC driver with its dma_rmb()/wmb() removed, or put back. */
  toggleBarriers(): string {
    if (this.nics.length === 0) return "no NIC driver whose barriers to change";
    const parts: string[] = [];
    return this.apply(
      (at) =>
        this.nics.map((n) => {
          n.barriers = !n.barriers;
          parts.push(`${n.name} ${n.barriers ? "with" : "WITHOUT"} dma_rmb()/wmb()`);
          return { kind: "set_barriers", device: n.name, at, barriers: n.barriers };
        }),
      () => `${parts.join(", ")}`,
    );
  }

  /** `c` / `C`: every NIC's rx-usecs one step up / down (ethtool -C, adaptive-rx off). */
  stepCoalesce(dir: 1 | -1): string {
    if (this.nics.length === 0) return "no NIC whose coalescing to change";
    const parts: string[] = [];
    return this.apply(
      (at) =>
        this.nics.map((n) => {
          const steps = COALESCE_STEPS_NS;
          const to = dir > 0 ? (steps.find((s) => s > n.rxUsecs) ?? steps[steps.length - 1]!) : ([...steps].reverse().find((s) => s < n.rxUsecs) ?? 0);
          parts.push(`${n.name} rx-usecs ${fmtNs(n.rxUsecs)} -> ${fmtNs(to)}`);
          n.rxUsecs = to;
          return { kind: "set_coalesce", device: n.name, at, rx_usecs: to, rx_frames: n.rxFrames };
        }),
      () => `ethtool -C ${parts.join(", ")}`,
    );
  }

  /** `f`: a burst on every NIC, as many packets as its rings hold. */
  burst(): string {
    const devs = Object.entries(this.sim.scenario.devices).flatMap(([name, d]) => (d.type === "nic" ? [{ name, packets: d.ring_size * d.queues }] : []));
    if (devs.length === 0) return "no NIC to send a burst to";
    return this.apply(
      (at) => devs.map((d) => ({ kind: "traffic_burst", device: d.name, at, packets: d.packets })),
      () => `a burst of ${devs.map((d) => `${d.packets} packets on ${d.name}`).join(", ")}`,
    );
  }

  /** The latest instant any recorded fault lands at (0 without faults). */
  get lastFaultAt(): number {
    return this.faults.reduce((m, f) => Math.max(m, f.at), 0);
  }
}
