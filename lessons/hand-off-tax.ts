/**
 * The hand-off tax: the same per-packet work done in NET_RX (no switch), in a threaded
 * handler's irq thread, or in a kworker. Handing work to a thread costs a wake-up and two
 * context switches; when the work is small that costs more than the work, and batching
 * (several packets per wake-up, as a busy thread takes what arrives meanwhile) wins it back.
 */
import type { RunResult } from "../system/result.js";
import { costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const RATE = 20_000;
const HARD_IRQ = ["irq_entry", "mmio_read", "nic_top_half", "nic_desc_copy", "backlog_enqueue", "mmio_write", "irq_exit"] as const;
const HARD_WQ = ["irq_entry", "mmio_read", "nic_top_half", "nic_desc_copy", "work_queue", "mmio_write", "irq_exit"] as const;
const PRIMARY = ["irq_entry", "mmio_read", "irq_exit"] as const;

const sum = (keys: readonly Parameters<typeof costOf>[0][]) => keys.reduce((a, k) => a + costOf(k), 0);

/** CPU0's busy time (everything but idle and user) per packet, in us. */
function perPacket(r: RunResult): number {
  const c = r.cpus[0]!;
  return (r.simulated_ns - c.idle_ns - c.user_ns) / Math.max(1, r.packets.arrived) / 1000;
}

export const handOffTax: Lesson = {
  name: "hand-off-tax",
  title: "The hand-off tax",
  summary: "the same per-packet work in NET_RX, an irq thread or a kworker: when the switch costs more than the work",
  setup(d) {
    const w = d.pick("work_us", [1, 2, 5, 10, 20]) * 1000;
    const ms = 10;
    const lam = RATE / 1e9;
    const sw = 2 * costOf("context_switch");
    const socket = costOf("socket_enqueue");
    const softirq = sum(HARD_IRQ) + costOf("softirq_pass") + costOf("napi_poll") + socket + w;
    // A thread woken on an idle CPU takes the packet and all that arrive while it works.
    const itemT = w + costOf("nic_desc_copy") + socket;
    const nT = 1 / (1 - lam * itemT);
    const threaded = sum(PRIMARY) + itemT + (sw + 2 * costOf("mmio_write")) / nT;
    const itemW = w + costOf("work_dispatch") + socket;
    const nW = 1 / (1 - lam * itemW);
    const wq = sum(HARD_WQ) + itemW + sw / nW;
    const tax = 100 * (1 - w / wq);
    const runs = (scenario: string, extra: string[]) => ({ scenario, duration: `${ms}ms`, sets: [`devices.nic0.traffic.rate=${RATE}`, `costs.net_rx_protocol=${w}ns`, ...extra] });
    return {
      text:
        `A NIC on CPU0 receives ${RATE} packets/s (Poisson) for ${ms} ms; each packet needs ${usText(w)} of protocol work\n` +
        `(net_rx_protocol). CPU0 has nothing else to do (the reader runs on CPU1). Three drivers do that work in three places:\n` +
        `  softirq   -- the top half queues the skb and raises NET_RX, which runs at irq_exit: no thread, no switch;\n` +
        `  threaded  -- request_threaded_irq: the primary handler wakes irq/24-nic0, which drains the ring;\n` +
        `  workqueue -- the top half queues one work item per packet; a kworker runs them.\n` +
        `Waking a thread on an idle CPU costs a switch to it and a switch back to idle: 2 x context_switch = ${usText(sw)}.\n` +
        `A thread that is already running takes packets that arrive meanwhile without another switch: with per-packet\n` +
        `time t in the thread, one wake-up handles n = 1 / (1 - rate x t) packets on average.\n` +
        costTable([...new Set<Parameters<typeof costOf>[0]>([...HARD_IRQ, ...HARD_WQ, "softirq_pass", "napi_poll", "socket_enqueue", "work_dispatch", "context_switch"])]) +
        "." +
        `\nCount CPU0's busy time (hardirq + softirq + system) per packet.`,
      runs: {
        softirq: runs("nic-basic", []),
        threaded: runs("nic-basic", ["devices.nic0.mode=threaded"]),
        workqueue: runs("workqueue-rx", ["devices.nic0.io_wait=0"]),
      },
      questions: [
        {
          text: "In the softirq run, how much CPU0 time did one packet cost, in us?",
          unit: "us",
          tolerance: { rel: 0.1 },
          derive: { estimate: round(softirq / 1000, 2), text: `top half ${usText(sum(HARD_IRQ))} + softirq_pass + napi_poll + socket_enqueue + the work ${usText(w)} = ${usText(softirq)}` },
          answer: (r) => ({ value: round(perPacket(r.softirq!), 2), why: "cpus[0] (simulated - idle - user) / packets.arrived, softirq run" }),
        },
        {
          text: "In the threaded run, how much CPU0 time did one packet cost, in us?",
          unit: "us",
          tolerance: { rel: 0.1 },
          derive: {
            estimate: round(threaded / 1000, 2),
            text: `primary ${usText(sum(PRIMARY))} + in the thread ${usText(itemT)} (work + nic_desc_copy + socket_enqueue) + (two switches + tail write + unmask = ${usText(sw + 2 * costOf("mmio_write"))}) / n (${round(nT, 2)}) = ${usText(threaded)}`,
          },
          answer: (r) => ({ value: round(perPacket(r.threaded!), 2), why: "cpus[0] (simulated - idle - user) / packets.arrived, threaded run" }),
        },
        {
          text: "In the workqueue run, how much CPU0 time did one packet cost, in us?",
          unit: "us",
          tolerance: { rel: 0.1 },
          derive: {
            estimate: round(wq / 1000, 2),
            text: `top half ${usText(sum(HARD_WQ))} (queue_work instead of netif_rx) + per item ${usText(itemW)} (work + work_dispatch + socket_enqueue) + two switches ${usText(sw)} / n (${round(nW, 2)}) = ${usText(wq)}`,
          },
          answer: (r) => ({ value: round(perPacket(r.workqueue!), 2), why: "cpus[0] (simulated - idle - user) / packets.arrived, workqueue run" }),
        },
        {
          text: "In the workqueue run, what percentage of CPU0's time per packet is not the work itself (the tax)?",
          unit: "%",
          tolerance: { abs: 5 },
          derive: { estimate: round(tax, 1), text: `1 - ${usText(w)} / ${usText(wq)} = ${round(tax, 1)}%: ${tax > 50 ? "the hand-off costs more than the work" : "the work dominates; the hand-off is affordable"}` },
          answer: (r) => ({ value: round(100 * (1 - w / 1000 / perPacket(r.workqueue!)), 1), why: "1 - work / (CPU0 busy per packet), workqueue run" }),
        },
        {
          text: "Which path starts the work soonest after the packet arrives (median of latency 'bottom_half')?",
          choices: ["softirq", "threaded", "workqueue"],
          conceptual: true,
          derive: { estimate: "a", text: "NET_RX runs at irq_exit on the same CPU, before any thread can be switched in; the irq thread needs one switch, the kworker a switch after queue_work" },
          answer: (r) => {
            const p = [r.softirq!, r.threaded!, r.workqueue!].map((x) => x.latency_ns.bottom_half!.p50);
            const best = p.indexOf(Math.min(...p));
            return { value: "abc"[best]!, why: `latency_ns.bottom_half.p50: ${p.map((x) => usText(x)).join(", ")}` };
          },
        },
      ],
      expect: [
        { what: "the threaded and workqueue paths cost more CPU per packet than NET_RX", holds: (r) => perPacket(r.threaded!) > perPacket(r.softirq!) && perPacket(r.workqueue!) > perPacket(r.softirq!) },
        { what: "nothing is dropped", holds: (r) => [r.softirq!, r.threaded!, r.workqueue!].every((x) => x.packets.dropped.total === 0) },
      ],
    };
  },
};
