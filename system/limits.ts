/**
 * Work budget (issue 10, part 5; issue 16): before a run starts, estimate how many events it
 * will take and refuse (exit 2) anything above EVENT_BUDGET unless --force. The estimate is
 * deliberately simple and a little pessimistic: ~20 events per packet (arrival, IRQ,
 * softirq, protocol, socket, wake-up, recv), ~6 per other interrupt, plus timer ticks and
 * scheduler slices. At irqsim's ~5-10 M events/s, 200 M events is roughly half a minute.
 *
 * An estimate can be fooled, so the budget is also ENFORCED as the run goes: Simulation
 * counts events slice by slice and stops a run that passes the budget (BudgetExceeded,
 * exit 2), whatever the estimate said.
 *
 * A NAPI NIC offered more than its CPUs can take is the exception to ~20 per packet: its
 * vectors stay masked, and what the CPUs cannot poll drops at the ring, costing only its
 * arrival event. So only the packets the CPUs serving its queues can process -- each costs
 * at least nic_desc_copy + net_rx_protocol -- count EVENTS_PER_PACKET; the rest count one
 * each (line-rate: ~1.7 events per offered packet measured, ~5 estimated).
 */
import { InputError } from "../sim/input_error.js";
import { resolveCosts } from "../sim/costs.js";
import { readReplayFile } from "./replay_file.js";
import type { Scenario } from "./scenario.js";
import { formatNs } from "../sim/time.js";

export const EVENT_BUDGET = 200_000_000;
export const EVENTS_PER_PACKET = 20;
export const EVENTS_PER_IRQ = 6;
export const EVENTS_PER_TICK = 3;

/** Packets per second a replayed trace offers: its records over its span, repeated if it loops. */
function replayRate(file: string, loop: boolean, field: string, durationNs: number): number {
  const recs = readReplayFile(file, field);
  // Records all at t=0 span 1 ns: looping them is a packet storm, and the estimate says so.
  const span = recs[recs.length - 1]!.time + 1;
  const sec = durationNs / 1e9;
  if (!loop) return recs.length / sec;
  return (recs.length * 1e9) / span;
}

/**
 * The events a run does inside single events, which an event count (--max-events) does not
 * bound: a traffic burst puts all its packets on the wire in one event.
 */
export function burstEvents(s: Scenario): number {
  let events = 0;
  for (const f of s.faults) if (f.kind === "traffic_burst") events += f.packets * EVENTS_PER_PACKET;
  return events;
}

/** Expected events of one run of `scenario` (an estimate, not a bound). */
export function estimateEvents(s: Scenario): number {
  const sec = s.duration / 1e9;
  let events = s.cpus * s.kernel.hz * sec * EVENTS_PER_TICK;
  for (const [name, dev] of Object.entries(s.devices)) {
    switch (dev.type) {
      case "nic": {
        // A replayed trace counts at its own rate (replay_file.ts reads it once). A closed
        // loop sends at most one packet per client per think time (and a few us of service).
        const t = dev.traffic;
        const rate = t.kind === "replay" ? replayRate(t.file, t.loop, `devices.${name}.traffic.file`, s.duration) : t.kind === "closed" ? t.clients * (1e9 / Math.max(t.think, 1000)) : t.rate;
        const polled = dev.mode === "napi" ? Math.min(rate, napiCapacity(s, dev.affinity, dev.queues)) : rate;
        events += ((polled + dev.tx_rate) * EVENTS_PER_PACKET + (rate - polled)) * sec;
        break;
      }
      case "noisy":
        events += dev.rate * sec * EVENTS_PER_IRQ;
        break;
      case "uart":
        events += (dev.baud / 10 / dev.trigger) * sec * EVENTS_PER_IRQ;
        break;
      case "block":
        events += (dev.queue_depth / (dev.service / 1e9)) * sec * EVENTS_PER_IRQ;
        break;
      case "hrtimer":
        events += (s.duration / dev.period) * EVENTS_PER_TICK;
        break;
    }
  }
  // Two or more runnable tasks on a CPU switch every sched_slice (sim/sched.ts): with a
  // tiny slice that is an event every few ns, however quiet the devices are.
  const perCpu = new Map<number, number>();
  for (const t of Object.values(s.tasks)) {
    perCpu.set(t.cpu, (perCpu.get(t.cpu) ?? 0) + 1);
    // An irqs-off task wakes, disables interrupts and sleeps again every `every`.
    if (t.type === "irqs-off") events += (s.duration / t.every) * EVENTS_PER_TICK;
  }
  const slice = resolveCosts(s.costs).sched_slice;
  for (const n of perCpu.values()) if (n >= 2) events += (s.duration / slice) * EVENTS_PER_TICK;
  events += burstEvents(s);
  return Math.ceil(events);
}

/** Packets per second the CPUs serving `queues` queues can poll at most (one CPU per queue at best). */
function napiCapacity(s: Scenario, affinity: readonly number[], queues: number): number {
  const cpus = new Set(Array.from({ length: queues }, (_, q) => affinity[q % affinity.length]!)).size;
  const costs = resolveCosts(s.costs);
  return (cpus * 1e9) / (costs.nic_desc_copy + costs.net_rx_protocol);
}

function millions(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} million`;
}

/**
 * Throws an InputError (exit 2) when the estimate is over budget and not forced. With
 * `maxEvents` the event count bounds the run, except for work done inside single events.
 */
export function checkBudget(s: Scenario, force: boolean | undefined, what = "this run", maxEvents?: number): void {
  if (force) return;
  const est = maxEvents === undefined ? estimateEvents(s) : Math.min(estimateEvents(s), maxEvents + burstEvents(s));
  if (est > EVENT_BUDGET) {
    throw new InputError(
      `${what} would take about ${millions(est)} events, over the budget of ${millions(EVENT_BUDGET)} (shorten --duration or lower the rates, or pass --force to run it anyway)`,
    );
  }
}

/** A run passed the event budget while running (the estimate was fooled): exit 2. */
export class BudgetExceeded extends InputError {
  constructor(what: string, simulatedNs: number, durationNs: number, budget: number) {
    super(
      `${what}: stopped after ${millions(budget)} events (the work budget) at ${formatNs(simulatedNs)} of ${formatNs(durationNs)} simulated (shorten --duration or lower the rates, or pass --force to run it anyway)`,
    );
  }
}
