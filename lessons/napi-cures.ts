/** The NAPI dip (plain NAPI starving the reader between ~1.3x and 2x load) and Linux's cures for it. */
import { nic, pick, round, thread, type Lesson } from "./lesson.js";

const VARIANTS = ["napi", "threaded", "defer", "busy_poll"] as const;

export const napiCures: Lesson = {
  name: "napi-cures",
  title: "The NAPI dip and its cures",
  summary: "plain NAPI starves the reader near 2x load; threaded NAPI, deferred IRQs and busy polling answer it",
  setup(seed) {
    const rate = pick(seed, "rate", [225_000, 262_500, 300_000]);
    const runs = Object.fromEntries(
      VARIANTS.map((v) => [v, { scenario: "napi-cures", duration: "30ms", sets: [`variant=${v}`, `devices.nic0.traffic.rate=${rate}`] }]),
    );
    return {
      text:
        `One CPU takes the NIC's interrupts, runs NET_RX and the reader task (2 us of work per packet); the NIC is offered\n` +
        `${rate} packets/s for 30 ms, between 1.3x and 2x what the CPU can deliver. Four runs of the napi-cures scenario:\n` +
        `  napi       plain NAPI, polled by NET_RX at irq_exit (net/core/dev.c net_rx_action)\n` +
        `  threaded   /sys/class/net/nic0/threaded = 1: polls in the SCHED_OTHER kthread napi/nic0-8193\n` +
        `  defer      napi_defer_hard_irqs = 2, gro_flush_timeout = 20us: napi_complete_done leaves the IRQ masked\n` +
        `             and an hrtimer (napi_watchdog) schedules the next poll\n` +
        `  busy_poll  the reader sets SO_BUSY_POLL 50us + SO_PREFER_BUSY_POLL (with the deferral at 200us) and polls\n` +
        `             the NAPI instance itself when its socket is empty (net/core/dev.c napi_busy_loop)`,
      runs,
      questions: [
        {
          text: "With plain NAPI, how many packets per second reached the reader (delivered_pps)?",
          unit: "packets/s",
          tolerance: { rel: 0.25, abs: 3000 },
          answer: (r) => ({ value: round(r.napi!.packets.delivered_pps), why: "packets.delivered_pps of the napi run" }),
        },
        {
          text: "With plain NAPI, what percentage of the packets that arrived was dropped at the full socket, after NET_RX had done their protocol processing?",
          unit: "%",
          tolerance: { abs: 5 },
          answer: (r) => {
            const p = r.napi!.packets;
            return { value: round((100 * (p.dropped.socket_rcvbuff ?? 0)) / Math.max(1, p.arrived)), why: `packets.dropped.socket_rcvbuff ${p.dropped.socket_rcvbuff ?? 0} of packets.arrived ${p.arrived} (at the ring: ${p.dropped.rx_ring_full ?? 0})` };
          },
        },
        {
          text: "With threaded NAPI, what percentage of the CPU did the thread napi/nic0-8193 use?",
          unit: "%",
          tolerance: { abs: 8 },
          answer: (r) => {
            const t = thread(r.threaded!, "napi/nic0-8193");
            return { value: round((100 * t.runtime_ns) / r.threaded!.simulated_ns), why: `threads: napi/nic0-8193 runtime_ns ${t.runtime_ns} of ${r.threaded!.simulated_ns}` };
          },
        },
        {
          text: "How many interrupts did the NIC raise in the defer run?",
          unit: "interrupts",
          tolerance: { abs: 5 },
          answer: (r) => ({ value: nic(r.defer!, "nic0").interrupts, why: `devices.nic0.interrupts: defer ${nic(r.defer!, "nic0").interrupts}, napi ${nic(r.napi!, "nic0").interrupts}` }),
        },
        {
          text: "Which run delivered the most packets?",
          choices: ["napi", "threaded", "defer", "busy_poll"],
          answer: (r) => {
            const pps = VARIANTS.map((v) => r[v]!.packets.delivered_pps);
            const best = pps.indexOf(Math.max(...pps));
            return { value: "abcd"[best]!, why: `delivered_pps: ${VARIANTS.map((v, i) => `${v} ${round(pps[i]!)}`).join(", ")}` };
          },
        },
      ],
      expect: [
        { what: "threaded NAPI delivers at least twice what plain NAPI delivers", holds: (r) => r.threaded!.packets.delivered_pps >= 2 * r.napi!.packets.delivered_pps },
        { what: "busy polling delivers at least twice what plain NAPI delivers", holds: (r) => r.busy_poll!.packets.delivered_pps >= 2 * r.napi!.packets.delivered_pps },
        { what: "deferred IRQs take under 1% of plain NAPI's interrupts", holds: (r) => 100 * nic(r.defer!, "nic0").interrupts < nic(r.napi!, "nic0").interrupts },
        { what: "with threaded NAPI no NET_RX softirq runs", holds: (r) => r.threaded!.softirqs.NET_RX!.per_cpu.every((n) => n === 0) },
      ],
    };
  },
};
