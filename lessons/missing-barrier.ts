/**
 * A missing barrier: a NAPI driver without dma_rmb() after reading DD and without wmb()
 * before the tail write delivers stale packets under the Linux-kernel memory model, never
 * with the barriers, and never under SC -- where the bug hides.
 */
import { MAX_CORRUPT_REPORTS } from "../net/dev.js";
import type { RunResult } from "../system/run.js";
import { pick, type Lesson } from "./lesson.js";

const RMB = "dma_rmb() after reading DD";
const WMB = "wmb() before writel(tail)";

/** The barrier a report names as missing, as a choice letter: a dma_rmb, b wmb. */
function which(missing: string): "a" | "b" | null {
  if (missing === RMB) return "a";
  if (missing === WMB) return "b";
  return null;
}

/** Which barriers a run's reports name: a only dma_rmb, b only wmb, c both, d none reported. */
function named(r: RunResult): { letter: string; rmb: number; wmb: number } {
  const rmb = r.memory.corrupt.filter((c) => c.missing === RMB).length;
  const wmb = r.memory.corrupt.filter((c) => c.missing === WMB).length;
  const letter = rmb > 0 && wmb > 0 ? "c" : rmb > 0 ? "a" : wmb > 0 ? "b" : "d";
  return { letter, rmb, wmb };
}

export const missingBarrier: Lesson = {
  name: "missing-barrier",
  title: "A missing barrier (dma_rmb/wmb on an rx ring)",
  summary: "a NIC driver without dma_rmb()/wmb() delivers stale packets under the LKMM, never under SC",
  setup(seed) {
    const rate = pick(seed, "rate", [100_000, 150_000, 200_000]);
    const ring = pick(seed, "ring", [32, 64, 256]);
    const flood = pick(seed, "flood", [300_000, 400_000]);
    const common = [`devices.nic0.ring_size=${ring}`];
    const buggy = [`devices.nic0.traffic.rate=${rate}`, ...common, "devices.nic0.barriers=false"];
    return {
      text:
        `nic0 (NAPI, IRQ 24 on CPU0, an rx ring of ${ring} descriptors) receives ${rate} packets/s (Poisson) for 20 ms; a reader on\n` +
        `CPU1 checks every payload. For each packet the device DMAs the data into the buffer, then writes the descriptor\n` +
        `back with DD set. e1000_clean_rx_irq (drivers/net/ethernet/intel/e1000e/netdev.c) reads DD, then dma_rmb(), then\n` +
        `the length and the data; e1000_alloc_rx_buffers writes the new buffer addresses, wmb(), then the tail register.\n` +
        `This driver leaves both barriers out (Documentation/memory-barriers.txt, CPU MEMORY BARRIERS: dma_rmb()/dma_wmb()).\n` +
        `Memory model: the LKMM (weakness 0.25: a load the model allows to be stale is stale a quarter of the time;\n` +
        `window 500 ns). Then the same driver with the barriers, the same driver under --memory sc, and the buggy driver\n` +
        `flooded with ${flood} packets/s, more than CPU0 can poll: the ring fills.`,
      runs: {
        buggy: { scenario: "missing-barrier", duration: "20ms", sets: buggy },
        fixed: { scenario: "missing-barrier", duration: "20ms", sets: [`devices.nic0.traffic.rate=${rate}`, ...common, "devices.nic0.barriers=true"] },
        sc: { scenario: "missing-barrier", duration: "20ms", sets: [...buggy, "kernel.memory=sc"] },
        flood: { scenario: "missing-barrier", duration: "20ms", sets: [`devices.nic0.traffic.rate=${flood}`, ...common, "devices.nic0.barriers=false"] },
      },
      questions: [
        {
          text: `Without the barriers, under the LKMM, how many packets are delivered corrupt (of about ${Math.round(rate * 0.02)})?`,
          unit: "packets",
          tolerance: { rel: 0.3, abs: 3 },
          answer: (r) => ({ value: r.buggy!.packets.corrupt, why: `packets.corrupt of run buggy (${r.buggy!.memory.stale_loads} of ${r.buggy!.memory.loads_with_choice} loads that were allowed to be stale were)` }),
        },
        {
          text: "Which barrier does the first corrupt report (memory.corrupt[0]) name as missing?",
          choices: ["dma_rmb() after reading DD: the CPU read the buffer before the DD bit", "wmb() before writel(tail): the device fetched a descriptor before its new buffer address", "none: no packet was corrupt"],
          answer: (r) => {
            const first = r.buggy!.memory.corrupt[0];
            if (first === undefined) return { value: "c", why: "memory.corrupt is empty" };
            return { value: which(first.missing) ?? "c", why: `memory.corrupt[0]: packet ${first.packet} on ${first.cpu}: ${first.first}; ${first.second}` };
          },
        },
        {
          text: "The same driver with dma_rmb() and wmb() (devices.nic0.barriers=true): how many corrupt packets?",
          unit: "packets",
          tolerance: { abs: 0 },
          answer: (r) => ({ value: r.fixed!.packets.corrupt, why: "packets.corrupt of run fixed: the barriers forbid both reorderings" }),
        },
        {
          text: "The driver without barriers again, under --memory sc (sequential consistency): how many corrupt packets?",
          unit: "packets",
          tolerance: { abs: 0 },
          answer: (r) => ({ value: r.sc!.packets.corrupt, why: `packets.corrupt of run sc (memory.stale_loads ${r.sc!.memory.stale_loads}): the bug hides, testing on a strongly ordered machine proves nothing` }),
        },
        {
          text: `Flooded at ${flood} packets/s (barriers still out, LKMM), how many packets are delivered corrupt?`,
          unit: "packets",
          tolerance: { rel: 0.3, abs: 3 },
          answer: (r) => ({ value: r.flood!.packets.corrupt, why: `packets.corrupt of run flood (${r.flood!.packets.dropped.rx_ring_full} dropped with the ring full): dma_rmb() matters when the driver catches up with the device, wmb() when the device catches up with the driver` }),
        },
        {
          text: `Which barriers do the flood run's reports (memory.corrupt[], the first ${MAX_CORRUPT_REPORTS}) name as missing?`,
          choices: ["only dma_rmb() after reading DD", "only wmb() before writel(tail)", "both", "none: no packet was corrupt"],
          answer: (r) => {
            const n = named(r.flood!);
            return { value: n.letter, why: `memory.corrupt[] of run flood: ${n.rmb} name ${RMB}, ${n.wmb} name ${WMB}` };
          },
        },
      ],
      expect: [
        { what: "without the barriers, the LKMM run delivers corrupt packets", holds: (r) => r.buggy!.packets.corrupt > 0 },
        { what: "with dma_rmb() and wmb(), no packet is corrupt", holds: (r) => r.fixed!.packets.corrupt === 0 && r.fixed!.memory.corrupt.length === 0 },
        { what: "under SC the buggy driver corrupts nothing and no load is stale: the bug hides", holds: (r) => r.sc!.packets.corrupt === 0 && r.sc!.memory.stale_loads === 0 },
        {
          what: "every corrupt report names its seed, CPU, the two reordered accesses and a missing barrier",
          holds: (r) =>
            [r.buggy!, r.flood!].every((x) => x.memory.corrupt.length === Math.min(x.packets.corrupt, MAX_CORRUPT_REPORTS) && x.memory.corrupt.every((c) => c.seed === x.seed && c.cpu !== "" && c.first !== "" && c.second !== "" && which(c.missing) !== null)),
        },
      ],
    };
  },
};
