/**
 * A missing barrier: a NAPI driver without dma_rmb() after reading DD and without wmb()
 * before the tail write delivers stale packets under the Linux-kernel memory model, never
 * with the barriers, and never under SC -- where the bug hides.
 */
import { MAX_CORRUPT_REPORTS } from "../net/dev.js";
import { round, usText, type Lesson } from "./lesson.js";

const RMB = "dma_rmb() after reading DD";
const WMB = "wmb() before writel(tail)";
const WINDOW_NS = 500;
/** About 3 packets in 100 are read within the window at 50-200k packets/s (memory.loads_with_choice per packet). */
const RISK = 0.03;

function which(missing: string): "a" | "b" | null {
  if (missing === RMB) return "a";
  if (missing === WMB) return "b";
  return null;
}

export const missingBarrier: Lesson = {
  name: "missing-barrier",
  title: "A missing barrier (dma_rmb/wmb on an rx ring)",
  summary: "a NIC driver without dma_rmb()/wmb() delivers stale packets under the LKMM, never under SC",
  setup(d) {
    const rate = d.pick("rate", [50_000, 100_000, 150_000, 200_000]);
    const weakness = d.pick("weakness", [0.1, 0.25, 0.5]);
    const ms = 10;
    const common = [`kernel.memory_weakness=${weakness}`, `devices.nic0.traffic.rate=${rate}`];
    const buggy = [...common, "devices.nic0.barriers=false"];
    const packets = rate * ms * 1e-3;
    // The share of packets whose descriptor the driver reads within the window of the DMA is
    // stated in the setup (it depends on how the poll and the device interleave).
    const atRisk = packets * RISK;
    const corrupt = atRisk * weakness;
    return {
      text:
        `nic0 (NAPI, IRQ 24 on CPU0) receives ${rate} packets/s (Poisson) for ${ms} ms; a reader on CPU1 checks every payload.\n` +
        `For each packet the device DMAs the data into the buffer, then writes the descriptor back with DD set.\n` +
        `e1000_clean_rx_irq reads DD, then dma_rmb(), then the length and the data; e1000_alloc_rx_buffers writes the new\n` +
        `buffer addresses, wmb(), then the tail register. This driver leaves both barriers out (Documentation/memory-barriers.txt).\n` +
        `Memory model: the LKMM, weakness ${weakness} (a load that the model allows to be stale is stale with that probability)\n` +
        `and a window of ${usText(WINDOW_NS)} (a store older than that is visible to everyone). A load may be stale only when the\n` +
        `driver reads a descriptor within ${usText(WINDOW_NS)} of the device writing it: when a packet lands right behind the one\n` +
        `being polled, which happens to about ${RISK * 100} packets in 100 at these rates. Runs: without barriers (LKMM), with barriers (LKMM), without barriers under --memory sc.`,
      runs: {
        buggy: { scenario: "missing-barrier", duration: `${ms}ms`, sets: buggy },
        fixed: { scenario: "missing-barrier", duration: `${ms}ms`, sets: [...common, "devices.nic0.barriers=true"] },
        sc: { scenario: "missing-barrier", duration: `${ms}ms`, sets: [...buggy, "kernel.memory=sc"] },
      },
      questions: [
        {
          text: `Without the barriers, under the LKMM, how many packets are delivered corrupt (of about ${packets})?`,
          unit: "packets",
          tolerance: { rel: 0.5, sigmas: 3 },
          derive: {
            estimate: round(corrupt),
            text: `packets read within ${usText(WINDOW_NS)} of their DMA: ${packets} x ${RISK} = ${round(atRisk, 1)}; x weakness ${weakness} = ${round(corrupt, 1)} (a small count: ±3 sqrt(n))`,
          },
          differs: "only loads the model allows to be stale count, and bursts put several packets close together",
          answer: (r) => ({ value: r.buggy!.packets.corrupt, why: `packets.corrupt of run buggy (${r.buggy!.memory.stale_loads} of ${r.buggy!.memory.loads_with_choice} loads that were allowed to be stale were)` }),
        },
        {
          text: "Of the loads that were allowed to be stale (memory.loads_with_choice), what percentage were (memory.stale_loads)?",
          unit: "%",
          tolerance: { abs: 8 },
          derive: { estimate: round(weakness * 100), text: `that is the weakness: each such load is stale with probability ${weakness}` },
          answer: (r) => ({ value: round((100 * r.buggy!.memory.stale_loads) / Math.max(1, r.buggy!.memory.loads_with_choice), 1), why: `memory.stale_loads ${r.buggy!.memory.stale_loads} / loads_with_choice ${r.buggy!.memory.loads_with_choice}` }),
        },
        {
          text: "Which runs deliver corrupt packets?",
          choices: ["only the one without barriers under the LKMM", "also the one with barriers", "also the one under SC", "all three"],
          conceptual: true,
          derive: { estimate: "a", text: "dma_rmb()/wmb() forbid both reorderings, and SC forbids every reordering: only the buggy driver on a weak model corrupts. Testing on a strongly ordered machine proves nothing" },
          answer: (r) => {
            const f = r.fixed!.packets.corrupt > 0;
            const sc = r.sc!.packets.corrupt > 0;
            return { value: f && sc ? "d" : f ? "b" : sc ? "c" : "a", why: `packets.corrupt: buggy ${r.buggy!.packets.corrupt}, fixed ${r.fixed!.packets.corrupt}, sc ${r.sc!.packets.corrupt}` };
          },
        },
      ],
      expect: [
        { what: "with dma_rmb() and wmb(), no packet is corrupt", holds: (r) => r.fixed!.packets.corrupt === 0 && r.fixed!.memory.corrupt.length === 0 },
        { what: "under SC the buggy driver corrupts nothing and no load is stale: the bug hides", holds: (r) => r.sc!.packets.corrupt === 0 && r.sc!.memory.stale_loads === 0 },
        {
          what: "every corrupt report names its seed, CPU, the two reordered accesses and a missing barrier",
          holds: (r) => r.buggy!.memory.corrupt.length === Math.min(r.buggy!.packets.corrupt, MAX_CORRUPT_REPORTS) && r.buggy!.memory.corrupt.every((c) => c.seed === r.buggy!.seed && c.cpu !== "" && which(c.missing) !== null),
        },
      ],
    };
  },
};
