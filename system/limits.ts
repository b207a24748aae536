/**
 * Work budget (issue 10, part 5): before a run starts, estimate how many events it will
 * take and refuse (exit 2) anything above EVENT_BUDGET unless --force. The estimate is
 * deliberately simple and a little pessimistic: ~20 events per packet (arrival, IRQ,
 * softirq, protocol, socket, wake-up, recv), ~6 per other interrupt, plus timer ticks.
 * At irqsim's ~5-10 M events/s, 200 M events is roughly half a minute of wall time.
 */
import { InputError } from "../sim/input_error.js";
import type { Scenario } from "./scenario.js";

export const EVENT_BUDGET = 200_000_000;
export const EVENTS_PER_PACKET = 20;
export const EVENTS_PER_IRQ = 6;
export const EVENTS_PER_TICK = 3;

/** Expected events of one run of `scenario` (an estimate, not a bound). */
export function estimateEvents(s: Scenario): number {
  const sec = s.duration / 1e9;
  let events = s.cpus * s.kernel.hz * sec * EVENTS_PER_TICK;
  for (const dev of Object.values(s.devices)) {
    switch (dev.type) {
      case "nic": {
        // A replayed trace's rate is unknown before reading it; count it like 1 Mpps. A closed
        // loop sends at most one packet per client per think time (and a few us of service).
        const t = dev.traffic;
        const rate = t.kind === "replay" ? 1_000_000 : t.kind === "closed" ? t.clients * (1e9 / Math.max(t.think, 1000)) : t.rate;
        events += (rate + dev.tx_rate) * sec * EVENTS_PER_PACKET;
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
  for (const f of s.faults) if (f.kind === "traffic_burst") events += f.packets * EVENTS_PER_PACKET;
  return Math.ceil(events);
}

function millions(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} million`;
}

/** Throws an InputError (exit 2) when the estimate is over budget and not forced. */
export function checkBudget(s: Scenario, force: boolean | undefined, what = "this run"): void {
  if (force) return;
  const est = estimateEvents(s);
  if (est > EVENT_BUDGET) {
    throw new InputError(
      `${what} would take about ${millions(est)} events, over the budget of ${millions(EVENT_BUDGET)} (shorten --duration or lower the rates, or pass --force to run it anyway)`,
    );
  }
}
