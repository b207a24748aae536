/**
 * The hand-off tax one layer above the kernel: handing a request from an event loop to a
 * parked worker costs a wake-up and a context switch, whatever the work; whether that is
 * 6% or 300% depends on the work. A worker that spins first makes the hand-off bimodal.
 * The costs are drawn from the seed's range (runtimes/pool.ts times the hand-off).
 */
import { round, usText, type Lesson } from "./lesson.js";
import { runtimeOf } from "../system/handoff_sweep.js";

const RATE = 10_000;
const SPIN_US = 20;

export const runtimeHandoffTax: Lesson = {
  name: "runtime-handoff-tax",
  title: "The hand-off tax of Half-Sync/Half-Async",
  summary: "loop -> queue -> parked worker: the same ~3 us is 6% of a 50 us task and 300% of a 1 us one; spinning makes it bimodal",
  setup(d) {
    const wakeup = d.pick("wakeup_ns", [1_000, 1_500, 2_000, 2_500, 3_000]);
    const cs = d.pick("context_switch_ns", [1_000, 1_500, 2_000, 2_500]);
    const enqueue = d.pick("enqueue_ns", [20, 30, 50]);
    const cacheline = d.pick("cacheline_ns", [30, 50, 80, 120]);
    const small = d.pick("small_us", [1, 2]);
    const big = d.pick("big_us", [60, 80, 100, 120]);
    const costs = [`costs.wakeup=${wakeup}ns`, `costs.context_switch=${cs}ns`, `runtime.costs.enqueue=${enqueue}ns`, `runtime.costs.cacheline=${cacheline}ns`];
    const run = (work: number, extra: string[] = [], sets = costs) => ({ scenario: "handoff-tax", duration: "20ms", sets: [...sets, `runtime.requests.0.work=${work}us`, ...extra] });
    // A parked worker: the wake-up (IPI + idle exit), the switch to it, then its dequeue,
    // which pulls the queue's cache line from the loop's core. A spinning one already runs:
    // it sees the store one cache-line transfer later and dequeues.
    const parked = wakeup + cs + enqueue + cacheline;
    const spinning = cacheline + enqueue;
    const pct = (work: number) => round((100 * parked) / (work * 1000), 1);
    return {
      text:
        `An event loop on CPU0 takes requests (Poisson, ${RATE.toLocaleString("en-US")}/s) and publishes each on a queue; one worker thread on\n` +
        `CPU1 takes it. A worker with nothing to do parks (a futex wait); publishing then wakes it. Costs here:\n` +
        `  wake-up (IPI + idle exit, costs.wakeup) ${usText(wakeup)}, context switch ${usText(cs)},\n` +
        `  one dequeue (runtime.costs.enqueue) ${enqueue} ns, a cache line moving between cores ${cacheline} ns.\n` +
        `The hand-off is measured from the request being visible in the queue to the worker starting it. Runs of 20 ms:\n` +
        `${big} us of work per request; ${small} us of work; ${small} us run inline on the loop; and ${small} us with a worker\n` +
        `that spins ${SPIN_US} us (onSpinWait) before parking: a spinner sees the store one cache-line transfer later.\n` +
        `Then the seed's own claim -- "a ~3 us hand-off is ~6% of a 50 us task and 300% of a 1 us task" -- with wake-up and\n` +
        `context switch at 1.5 us each: 50 us and 1 us of work.`,
      runs: {
        big: run(big),
        small: run(small),
        // Inline hands nothing over: the queue's costs do not apply (the schema refuses them).
        inline: run(small, ["runtime.mode=inline"], costs.slice(0, 2)),
        spin: run(small, ["runtime.mode=spin", `runtime.spin=${SPIN_US}us`]),
        claim50: run(50, [], []),
        claim1: run(1, [], []),
      },
      questions: [
        {
          text: "What does one hand-off to a parked worker cost, in us (mean)?",
          unit: "us",
          tolerance: { rel: 0.1 },
          derive: { estimate: round(parked / 1000, 2), text: `wake-up ${usText(wakeup)} + context switch ${usText(cs)} + dequeue ${enqueue} ns + the queue's cache line ${cacheline} ns = ${usText(parked)}` },
          answer: (r) => ({ value: round(runtimeOf(r.big!).latency_ns.handoff_parked!.mean / 1000, 2), why: "runtime.latency_ns.handoff_parked.mean: wake-up + context switch + dequeue (+ a cache-line transfer)" }),
        },
        {
          text: `With ${big} us of work per request, what is that hand-off as a percentage of the work?`,
          unit: "%",
          tolerance: { rel: 0.1, abs: 0.5 },
          derive: { estimate: pct(big), text: `${usText(parked)} / ${big} us = ${pct(big)}%: affordable` },
          answer: (r) => ({ value: runtimeOf(r.big!).handoff.overhead_pct, why: "runtime.handoff.overhead_pct = handoff_mean_ns / work_mean_ns" }),
        },
        {
          text: `With ${small} us of work per request, what is it as a percentage of the work?`,
          unit: "%",
          tolerance: { rel: 0.1 },
          derive: { estimate: pct(small), text: `the same ${usText(parked)}, a smaller denominator: ${usText(parked)} / ${small} us = ${pct(small)}%: the hand-off costs more than the work` },
          answer: (r) => ({ value: runtimeOf(r.small!).handoff.overhead_pct, why: "runtime.handoff.overhead_pct of the small run: the same hand-off, a smaller denominator" }),
        },
        {
          text: "With a spinning worker, what does a hand-off cost when the worker was still spinning, in ns (mean)?",
          unit: "ns",
          tolerance: { abs: 30 },
          derive: { estimate: spinning, text: `no wake-up, no switch: the cache line ${cacheline} ns + the dequeue ${enqueue} ns = ${spinning} ns (against ${usText(parked)} parked: bimodal)` },
          answer: (r) => ({ value: runtimeOf(r.spin!).latency_ns.handoff_spinning!.mean, why: "runtime.latency_ns.handoff_spinning.mean: one cache-line transfer + the dequeue, no wake-up" }),
        },
        {
          text: `For ${small} us requests, which gives the lower median response time?`,
          choices: ["the queue and a parked worker", "running the work inline on the loop"],
          conceptual: true,
          derive: { estimate: "b", text: `inline pays no hand-off; the queue pays ${usText(parked)} on top of ${small} us of work, and the loop is idle ${100 - (RATE * small) / 1e4}% of the time, so requests rarely wait for it` },
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
