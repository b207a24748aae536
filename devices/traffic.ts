/**
 * Traffic generators: when the next packet arrives. Constant spacing, or Poisson arrivals
 * drawn from the device's own named stream, so another device never shifts its draws.
 */
import type { RandomStream } from "../sim/rng.js";
import { NSEC_PER_SEC } from "../sim/time.js";

export interface TrafficSpec {
  kind: "constant" | "poisson";
  /** Packets per second. */
  rate: number;
  /** First arrival no earlier than this, ns. */
  start: number;
}

export interface Traffic {
  /** Absolute time of the next arrival, ns (integer). */
  next(): number;
}

export function createTraffic(spec: TrafficSpec, rng: RandomStream): Traffic {
  const period = NSEC_PER_SEC / spec.rate;
  if (spec.kind === "constant") {
    // The k-th arrival is at start + floor(k * period): no drift from rounding.
    let n = 0;
    return { next: () => spec.start + Math.floor(n++ * period) };
  }
  let t = spec.start;
  return {
    next() {
      t += rng.exponentialNs(period);
      return t;
    },
  };
}
