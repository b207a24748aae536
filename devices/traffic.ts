/**
 * Traffic generators: when the next packet arrives, and for replayed traffic its size and
 * flow. Constant spacing; Poisson arrivals; on/off bursts (Poisson while on, silent while
 * off); or a replay of a user's CSV trace. Random draws come from the device's own named
 * stream, so another device never shifts them.
 */
import type { RandomStream } from "../sim/rng.js";
import { NSEC_PER_SEC } from "../sim/time.js";

/** One packet of a replayed trace: time offset, bytes, flow id. */
export interface ReplayRecord {
  time: number;
  size: number;
  flow: number;
}

export type TrafficSpec =
  | { kind: "constant" | "poisson"; rate: number; start: number }
  | { kind: "onoff"; rate: number; on: number; off: number; start: number }
  | { kind: "replay"; records: ReplayRecord[]; loop: boolean; start: number }
  /** Closed loop: no arrivals of its own; the NIC sends when a reply comes back (devices/closed_loop.ts). */
  | { kind: "closed"; clients: number; think: number; start: number };

export interface Traffic {
  /** Absolute time of the next arrival, ns (integer); Infinity when the traffic has ended. */
  next(): number;
  /** For the arrival `next()` last returned: its size and flow, when the trace says. */
  size(): number | null;
  flow(): number | null;
  /**
   * The sender changes pace at `now`: gaps drawn after this use `rate` packets/s (the
   * arrival already scheduled keeps its time). False for traffic without a rate (replayed).
   */
  setRate?(rate: number, now: number): boolean;
}

export function createTraffic(spec: TrafficSpec, rng: RandomStream): Traffic {
  switch (spec.kind) {
    case "constant": {
      // The k-th arrival is at base + floor(k * period): no drift from rounding. A new
      // rate starts a new series from the last arrival handed out.
      let period = NSEC_PER_SEC / spec.rate;
      let base = spec.start;
      let n = 0;
      let last = spec.start;
      return {
        next: () => (last = base + Math.floor(n++ * period)),
        size: () => null,
        flow: () => null,
        setRate(rate: number, now: number) {
          period = NSEC_PER_SEC / rate;
          base = n === 0 ? Math.max(spec.start, now) : last;
          n = n === 0 ? 0 : 1;
          return true;
        },
      };
    }
    case "poisson": {
      let mean = NSEC_PER_SEC / spec.rate;
      let t = spec.start;
      return {
        next() {
          t += rng.exponentialNs(mean);
          return t;
        },
        size: () => null,
        flow: () => null,
        setRate(rate: number) {
          mean = NSEC_PER_SEC / rate;
          return true;
        },
      };
    }
    case "onoff": {
      // Poisson within each on-period; an arrival drawn past the end of the on-period
      // moves to the start of the next one (memorylessness makes that exact).
      let mean = NSEC_PER_SEC / spec.rate;
      const cycle = spec.on + spec.off;
      let t = spec.start;
      return {
        next() {
          t += rng.exponentialNs(mean);
          for (;;) {
            const phase = (t - spec.start) % cycle;
            if (phase < spec.on) return t;
            t += cycle - phase + rng.exponentialNs(mean) - 1;
          }
        },
        size: () => null,
        flow: () => null,
        setRate(rate: number) {
          mean = NSEC_PER_SEC / rate;
          return true;
        },
      };
    }
    case "closed":
      return { next: () => Infinity, size: () => null, flow: () => null };
    case "replay": {
      const recs = spec.records;
      const span = recs.length > 0 ? recs[recs.length - 1]!.time + 1 : 0;
      let i = -1;
      let lap = 0;
      return {
        next() {
          i++;
          if (i >= recs.length) {
            if (!spec.loop || recs.length === 0) return Infinity;
            i = 0;
            lap++;
          }
          return spec.start + lap * span + recs[i]!.time;
        },
        size: () => recs[i]?.size ?? null,
        flow: () => recs[i]?.flow ?? null,
      };
    }
  }
}
