/**
 * The hand-off tax one layer above the kernel: handing a request from an event loop to a
 * parked worker costs a wake-up and a context switch, whatever the work; whether that is
 * 6% or 300% depends on the work. A worker that spins first makes the hand-off bimodal.
 */
import { pick, round, type Lesson } from "./lesson.js";
import { runtimeOf } from "../system/handoff_sweep.js";

export const runtimeHandoffTax: Lesson = {
  name: "runtime-handoff-tax",
  title: "The hand-off tax of Half-Sync/Half-Async",
  summary: "loop -> queue -> parked worker: the same ~3 us is 6% of a 50 us task and 300% of a 1 us one; spinning makes it bimodal",
  setup(seed) {
    const wakeup = pick(seed, "wakeup", [1_000, 1_500, 2_000]);
    const cs = pick(seed, "cs", [1_000, 1_500, 2_000]);
    const small = pick(seed, "small", [1, 2]);
    const big = pick(seed, "big", [50, 60, 80]);
    const costs = [`costs.wakeup=${wakeup}`, `costs.context_switch=${cs}`];
    return {
      text:
        `An event loop on CPU0 takes requests (Poisson, 10,000/s) and publishes each on a queue; one worker thread on CPU1\n` +
        `takes it. A worker with nothing to do parks (a futex wait); publishing then wakes it: the wake-up (IPI + idle exit)\n` +
        `costs ${wakeup} ns and the context switch ${cs} ns here, and the dequeue a few tens of ns. The hand-off is measured from\n` +
        `the request being visible in the queue to the worker starting it. Runs of 20 ms: ${big} us of work per request,\n` +
        `${small} us of work, ${small} us run inline on the loop, and ${small} us with a worker that spins 20 us before parking.\n` +
        `Then the seed's own claim -- "a ~3 us hand-off is ~6% of a 50 us task and 300% of a 1 us task" -- with wake-up and\n` +
        `context switch at 1.5 us each: 50 us and 1 us of work.`,
      runs: {
        big: { scenario: "handoff-tax", duration: "20ms", sets: [...costs, `runtime.requests.0.work=${big}us`] },
        small: { scenario: "handoff-tax", duration: "20ms", sets: [...costs, `runtime.requests.0.work=${small}us`] },
        inline: { scenario: "handoff-tax", duration: "20ms", sets: [...costs, `runtime.requests.0.work=${small}us`, "runtime.mode=inline"] },
        spin: { scenario: "handoff-tax", duration: "20ms", sets: [...costs, `runtime.requests.0.work=${small}us`, "runtime.mode=spin"] },
        claim50: { scenario: "handoff-tax", duration: "20ms", sets: ["runtime.requests.0.work=50us"] },
        claim1: { scenario: "handoff-tax", duration: "20ms", sets: ["runtime.requests.0.work=1us"] },
      },
      questions: [
        {
          text: "What does one hand-off to a parked worker cost, in us (mean)?",
          unit: "us",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: round(runtimeOf(r.big!).latency_ns.handoff_parked!.mean / 1000, 2), why: "runtime.latency_ns.handoff_parked.mean: wake-up + context switch + dequeue (+ a cache-line transfer)" }),
        },
        {
          text: `With ${big} us of work per request, what is that hand-off as a percentage of the work?`,
          unit: "%",
          tolerance: { abs: 1 },
          answer: (r) => ({ value: runtimeOf(r.big!).handoff.overhead_pct, why: "runtime.handoff.overhead_pct = handoff_mean_ns / work_mean_ns" }),
        },
        {
          text: `With ${small} us of work per request, what is it as a percentage of the work?`,
          unit: "%",
          tolerance: { rel: 0.1 },
          answer: (r) => ({ value: runtimeOf(r.small!).handoff.overhead_pct, why: "runtime.handoff.overhead_pct of the small run: the same hand-off, a smaller denominator" }),
        },
        {
          text: "With a spinning worker, what does a hand-off cost when the worker was still spinning, in ns (mean)?",
          unit: "ns",
          tolerance: { abs: 30 },
          answer: (r) => ({ value: runtimeOf(r.spin!).latency_ns.handoff_spinning!.mean, why: "runtime.latency_ns.handoff_spinning.mean: one cache-line transfer + the dequeue, no wake-up" }),
        },
        {
          text: `For ${small} us requests, which gives the lower median response time?`,
          choices: ["the queue and a parked worker", "running the work inline on the loop"],
          answer: (r) => {
            const park = runtimeOf(r.small!).latency_ns.response!.p50;
            const inline = runtimeOf(r.inline!).latency_ns.response!.p50;
            return { value: inline < park ? "b" : "a", why: `runtime.latency_ns.response.p50: inline ${inline} ns vs queue ${park} ns` };
          },
        },
      ],
      expect: [
        {
          what: "the seed's claim: a ~3 us hand-off is 5-7% of 50 us of work and 250-350% of 1 us",
          holds: (r) => {
            const a = runtimeOf(r.claim50!).handoff.overhead_pct;
            const b = runtimeOf(r.claim1!).handoff.overhead_pct;
            return a >= 5 && a <= 7 && b >= 250 && b <= 350;
          },
        },
        { what: `the hand-off is under 10% of ${big} us of work`, holds: (r) => runtimeOf(r.big!).handoff.overhead_pct < 10 },
        { what: `the hand-off is over 100% of ${small} us of work: a net loss`, holds: (r) => runtimeOf(r.small!).handoff.overhead_pct > 100 },
        {
          what: "a spin-then-park worker's hand-off is bimodal: parked hand-offs cost over 10x the spinning ones",
          holds: (r) => {
            const l = runtimeOf(r.spin!).latency_ns;
            return l.handoff_parked!.count > 0 && l.handoff_spinning!.count > 0 && l.handoff_parked!.mean > 10 * l.handoff_spinning!.mean;
          },
        },
        { what: "inline work answers faster than the hand-off for small requests", holds: (r) => runtimeOf(r.inline!).latency_ns.response!.p50 < runtimeOf(r.small!).latency_ns.response!.p50 },
      ],
    };
  },
};
