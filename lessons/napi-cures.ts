/** The NAPI dip (plain NAPI starving the reader between ~1.3x and 2x load) and Linux's cures for it. */
import { costOf, costTable, nic, round, thread, usText, type Lesson } from "./lesson.js";

const VARIANTS = ["napi", "threaded", "defer", "busy_poll"] as const;
/** The reader's own work per packet in scenarios/napi-cures.yaml. */
const WORK_NS = 2000;
const POLL = ["nic_desc_copy", "net_rx_protocol", "socket_enqueue", "napi_poll"] as const;
const APP = ["recv_syscall", "copy_per_kib"] as const;

export const napiCures: Lesson = {
  name: "napi-cures",
  title: "The NAPI dip and its cures",
  summary: "plain NAPI starves the reader near 2x load; threaded NAPI, deferred IRQs and busy polling answer it",
  setup(d) {
    const rate = d.pick("rate", [225_000, 262_500, 300_000]);
    const runs = Object.fromEntries(VARIANTS.map((v) => [v, { scenario: "napi-cures", duration: "30ms", sets: [`variant=${v}`, `devices.nic0.traffic.rate=${rate}`] }]));
    // Per delivered packet: the poll's share t (NAPI weight 64 amortizes napi_poll) and the
    // reader's a. With the excess dropped at the ring for free, the CPU delivers 1 / (t + a).
    const t = costOf("nic_desc_copy") + costOf("net_rx_protocol") + costOf("socket_enqueue") + costOf("napi_poll") / 64;
    const copy = Math.ceil((costOf("copy_per_kib") * 1500) / 1024);
    const a = costOf("recv_syscall") + copy + WORK_NS;
    const cap = 1e9 / (t + a);
    return {
      text:
        `One CPU takes the NIC's interrupts, runs NET_RX and the reader task (${usText(WORK_NS)} of work per packet); the NIC is\n` +
        `offered ${rate} packets/s for 30 ms, between 1.3x and 2x what the CPU can deliver. Four runs of the napi-cures scenario:\n` +
        `  napi       plain NAPI, polled by NET_RX at irq_exit (net/core/dev.c net_rx_action): the dip\n` +
        `  threaded   /sys/class/net/nic0/threaded = 1: polls in the SCHED_OTHER kthread napi/nic0-8193\n` +
        `  defer      napi_defer_hard_irqs = 2, gro_flush_timeout = 20us: napi_complete_done leaves the IRQ masked\n` +
        `             and an hrtimer (napi_watchdog) schedules the next poll\n` +
        `  busy_poll  the reader sets SO_BUSY_POLL 50us + SO_PREFER_BUSY_POLL (with the deferral at 200us) and polls\n` +
        `             the NAPI instance itself when its socket is empty (net/core/dev.c napi_busy_loop)\n` +
        costTable([...POLL, ...APP]) +
        `.\nPer packet the poll costs t = ${usText(round(t))} and the reader a = recv + copy + work = ${usText(a)}.`,
      runs,
      questions: [
        {
          text: "With threaded NAPI, how many packets per second reach the reader?",
          unit: "packets/s",
          tolerance: { rel: 0.15 },
          derive: { estimate: round(cap, -2), text: `the thread and the reader share the CPU, each paying its part per packet: 1 / (t + a) = ${round(cap, -2)}/s; the rest drops at the ring` },
          differs: "every wake-up of the thread costs two context switches, which the derivation leaves out",
          answer: (r) => ({ value: round(r.threaded!.packets.delivered_pps), why: "packets.delivered_pps of the threaded run" }),
        },
        {
          text: "With threaded NAPI, what percentage of the CPU did the thread napi/nic0-8193 use?",
          unit: "%",
          tolerance: { abs: 8 },
          derive: { estimate: round((100 * t) / (t + a), 1), text: `t / (t + a) = ${round((100 * t) / (t + a), 1)}% of the CPU goes to polling` },
          differs: "the thread's wake-ups and its context switches are charged to it too",
          answer: (r) => {
            const th = thread(r.threaded!, "napi/nic0-8193");
            return { value: round((100 * th.runtime_ns) / r.threaded!.simulated_ns, 1), why: `threads: napi/nic0-8193 runtime_ns ${th.runtime_ns} of ${r.threaded!.simulated_ns}` };
          },
        },
        {
          text: "With busy polling, how many packets per second reach the reader?",
          unit: "packets/s",
          tolerance: { rel: 0.15 },
          derive: { estimate: round(cap, -2), text: `the reader polls and processes every packet itself: 1 / (t + a) = ${round(cap, -2)}/s` },
          answer: (r) => ({ value: round(r.busy_poll!.packets.delivered_pps), why: "packets.delivered_pps of the busy_poll run" }),
        },
        {
          text: "With busy polling, how many packets per second are dropped at the NIC ring (rx_ring_full)?",
          unit: "packets/s",
          tolerance: { rel: 0.2 },
          derive: { estimate: round(rate - cap, -2), text: `what the reader does not take: ${rate} - ${round(cap, -2)} = ${round(rate - cap, -2)}/s` },
          answer: (r) => {
            const p = r.busy_poll!.packets;
            return { value: round(((p.dropped.rx_ring_full ?? 0) * 1e9) / r.busy_poll!.simulated_ns), why: `packets.dropped.rx_ring_full ${p.dropped.rx_ring_full ?? 0} over 30 ms` };
          },
        },
        {
          text: "How many interrupts did the NIC raise in the defer run?",
          unit: "interrupts",
          tolerance: { abs: 5 },
          conceptual: true,
          derive: { estimate: 1, text: "the first packet's: every later poll finds work, so napi_defer_hard_irqs is re-armed each time and the IRQ stays masked" },
          answer: (r) => ({ value: nic(r.defer!, "nic0").interrupts, why: `devices.nic0.interrupts: defer ${nic(r.defer!, "nic0").interrupts}, napi ${nic(r.napi!, "nic0").interrupts}` }),
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
