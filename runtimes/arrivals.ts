/**
 * Open-loop arrivals: requests arrive at their own pace whatever the system does, so a
 * stalled loop shows up as latency instead of hiding it (no coordinated omission). The
 * inter-arrival gaps and the class of each request come from their own named streams.
 */
import type { Kernel } from "../sim/kernel.js";
import { createEvent } from "../sim/engine.js";
import { NSEC_PER_SEC } from "../sim/time.js";
import { createRequest, type Request } from "./request.js";
import type { RequestClass } from "./schema.js";

export interface ArrivalSpec {
  kind: "constant" | "poisson";
  rate: number;
  start: number;
}

export function startArrivals(k: Kernel, spec: ArrivalSpec, classes: readonly RequestClass[], loops: number, deliver: (r: Request) => void): { arrived: () => number } {
  const gaps = k.rng.stream("runtime.arrivals");
  const pick = k.rng.stream("runtime.classes");
  const mean = NSEC_PER_SEC / spec.rate;
  const total = classes.reduce((a, c) => a + c.weight, 0);
  let n = 0;
  let next = spec.start;
  const ev = createEvent(() => {
    let cls = 0;
    if (classes.length > 1) {
      let x = pick.int(total);
      while (x >= classes[cls]!.weight) x -= classes[cls++]!.weight;
    }
    const now = k.now;
    const r = createRequest(n, cls, now, now + classes[cls]!.delay, n % loops);
    n++;
    deliver(r);
    next = spec.kind === "constant" ? spec.start + Math.round((n * NSEC_PER_SEC) / spec.rate) : now + gaps.exponentialNs(mean);
    k.engine.schedule(ev, Math.max(next, now));
  });
  k.engine.schedule(ev, next);
  return { arrived: () => n };
}
