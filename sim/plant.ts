/**
 * Planted bugs (`irqsim run --plant NAME`, `irqsim fuzz --plant NAME`): deliberate mistakes
 * in the simulated kernel that prove its invariants and WARN checks can fail (ARCHITECTURE.md
 * section 8). Each is a cheap boolean test at the one place it plants; the kernel object
 * carries the flags, all false unless asked, and counts how often each planted bug fired
 * so a plant that never triggers in a scenario is reported rather than ignored.
 */

export const PLANTS = {
  "leak-skb": "the rx clean loop takes every 7th packet off the ring and never passes it on",
  "double-deliver": "recv() hands every 5th packet to the task twice",
  "skip-cpu-time": "the CPU forgets to account every 5th slice of softirq time in /proc/stat",
  "lost-work": "queue_work() marks every 3rd work item pending but puts it on no list, so it never runs",
  "stuck-softirq": "__do_softirq returns without clearing or running the pending bits, and ksoftirqd is never woken",
  "unbalanced-preempt": "net_rx_action leaves one preempt_disable() without its preempt_enable()",
} as const;

export type PlantName = keyof typeof PLANTS;
export const PLANT_NAMES = Object.keys(PLANTS) as PlantName[];

/** One flag per planted bug (property reads on the hot paths) and how often each fired. */
export class Plants {
  readonly leakSkb: boolean;
  readonly doubleDeliver: boolean;
  readonly skipCpuTime: boolean;
  readonly lostWork: boolean;
  readonly stuckSoftirq: boolean;
  readonly unbalancedPreempt: boolean;
  /** Times each planted bug fired (only planted ones appear). */
  readonly hits: Partial<Record<PlantName, number>> = {};

  constructor(readonly names: readonly PlantName[] = []) {
    const on = (n: PlantName): boolean => names.includes(n);
    this.leakSkb = on("leak-skb");
    this.doubleDeliver = on("double-deliver");
    this.skipCpuTime = on("skip-cpu-time");
    this.lostWork = on("lost-work");
    this.stuckSoftirq = on("stuck-softirq");
    this.unbalancedPreempt = on("unbalanced-preempt");
    for (const n of names) this.hits[n] = 0;
  }

  private readonly chances: Partial<Record<PlantName, number>> = {};

  /**
   * One chance for planted bug `name` to fire: true on every `every`-th chance (counted
   * per run, so deterministic), and the firing is counted.
   */
  fire(name: PlantName, every: number): boolean {
    const c = (this.chances[name] ?? 0) + 1;
    this.chances[name] = c;
    if (c % every !== 0) return false;
    this.hits[name] = (this.hits[name] ?? 0) + 1;
    return true;
  }
}

export const NO_PLANTS = new Plants();

export function isPlantName(s: string): s is PlantName {
  return Object.hasOwn(PLANTS, s);
}
