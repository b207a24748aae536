/**
 * Coordinated omission: the same stalling system measured by an open-loop (Poisson) generator
 * and by a closed-loop one that waits for each reply. The closed loop stops sending during a
 * stall, so the requests that would have waited are never made: its p99 hides the tail.
 */
import { costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const PATH = ["irq_entry", "mmio_read", "nic_top_half", "nic_desc_copy", "backlog_enqueue", "mmio_write", "softirq_pass", "napi_poll", "net_rx_protocol", "socket_enqueue", "wakeup", "context_switch"] as const;
const WORK_NS = 2000;

export const coordinatedOmission: Lesson = {
  name: "coordinated-omission",
  title: "Coordinated omission",
  summary: "open-loop vs closed-loop load on a stalling system: p99/p99.9 from HDR histograms, and what the closed loop hides",
  setup(d) {
    const rate = d.pick("rate", [10_000, 20_000, 40_000]);
    const hold = d.pick("hold_us", [100, 200, 500]);
    const every = d.pick("every_ms", [2, 5]);
    const think = d.pick("think_us", [10, 20, 50]);
    const ms = 20;
    const copy = Math.ceil((costOf("copy_per_kib") * 1500) / 1024);
    const b = (PATH.reduce((a, k) => a + costOf(k), 0) + copy) / 1000;
    const stalls = Math.ceil(ms / every);
    const f = (stalls * hold) / (ms * 1000);
    // After a stall the reader works through the backlog, one packet per recv + copy + work.
    const s = (costOf("recv_syscall") + copy + WORK_NS) / 1000;
    const rho = (rate * s) / 1e6;
    const openP99 = f > 0.01 ? b + hold - (0.01 * (1 - rho) * hold) / f : b;
    // The p99 is the k-th largest of the m stalled packets' waits (uniform over the stall):
    // a Beta(m - k + 1, k) order statistic, whose spread sets a fair tolerance.
    const m = (f * rate * ms) / 1000;
    const k = (0.01 * rate * ms) / 1000;
const spread = (kk: number) => (m > kk ? Math.sqrt((kk * (m - kk + 1)) / ((m + 1) ** 2 * (m + 2))) * hold * (1 - rho) : 0);
    const sd = spread(k);
    // The p99.9: the top 0.1%, at least the single longest wait.
    const k999 = Math.max(1, (0.001 * rate * ms) / 1000);
    const openP999 = f > 0.001 ? b + hold - ((k999 / Math.max(m, 1)) * (1 - rho) * hold) : b;
    const sd999 = spread(k999);
    const cycle = b + think;
    const requests = stalls + (ms * 1000 - stalls * hold) / cycle;
    const share = stalls / requests;
    // The client is thinking when a stall starts (its request takes only b); it sends u into
    // the stall, u anywhere in [0, think], and that request waits the rest.
    const stalled = b + hold - think / 2;
    const closedP99 = share > 0.01 ? stalled : b;
    const closedP999 = share > 0.001 ? stalled : b;
    const common = [`tasks.slowdrv.hold=${hold}us`, `tasks.slowdrv.every=${every}ms`];
    return {
      text:
        `A NIC on CPU0 (an interrupt per packet, NET_RX at irq_exit) and a reader on CPU1 that recv()s each packet and works\n` +
        `${usText(WORK_NS)} on it. A driver thread on CPU0 keeps interrupts disabled for ${hold} us every ${every} ms (${stalls} stalls in\n` +
        `the ${ms} ms run): a packet that arrives then waits until the stall ends. Latency = arrival -> recv() ("deliver", an HDR\n` +
        `histogram). Two generators measure the same system:\n` +
        `  open   -- Poisson, ${rate} packets/s, whatever happens;\n` +
        `  closed -- one client: send, wait for the reply (the recv()), think ${think} us, send again.\n` +
        `${costTable([...PATH, "copy_per_kib", "recv_syscall"])}.\n` +
        `Without a stall a packet takes b = top half + NET_RX + cross-CPU wake-up + switch + copy = ${round(b, 2)} us. A stall\n` +
        `catches a share f = ${stalls} x ${hold} us / ${ms} ms = ${round(f * 100, 1)}% of the open loop's packets; one that arrives u into a stall\n` +
        `waits the rest, and then for the packets ahead of it (the reader takes ${round(s, 2)} us each): b + ${hold} - u (1 - rate x ${round(s, 2)} us).`,
      runs: {
        open: { scenario: "coordinated-omission", duration: `${ms}ms`, sets: [...common, `devices.nic0.traffic.rate=${rate}`] },
        closed: { scenario: "coordinated-omission", duration: `${ms}ms`, sets: [...common, `devices.nic0.traffic={kind: closed, clients: 1, think: ${think}us}`] },
      },
      questions: [
        {
          text: "Open loop: what is the p99 of 'deliver', in us?",
          unit: "us",
          tolerance: { rel: 0.05, abs: round(3 + 2.5 * sd) },
          derive: {
            estimate: round(openP99, 1),
            text:
              f > 0.01
                ? `the top 1% are the packets that arrived in the first 1%/f = ${round((0.01 / f) * 100, 1)}% of a stall: b + ${hold} - ${round(0.01 / f, 3)} x ${hold} x (1 - ${round(rho, 3)}) = ${round(openP99, 1)}`
                : `stalls catch under 1% of the packets: the p99 is an ordinary packet's, b = ${round(b, 2)}`,
          },
          differs: `the p99 is the ${round(k)}-th longest of about ${round(m)} stalled packets, whose arrival times are random: it spreads by ±${round(sd)} us (one standard deviation)`,
          answer: (r) => ({ value: round(r.open!.latency_ns.deliver!.p99 / 1000, 1), why: "latency_ns.deliver.p99 of the open run" }),
        },
        {
          text: "Open loop: what is the p99.9 of 'deliver', in us?",
          unit: "us",
          tolerance: { rel: 0.05, abs: round(3 + 2.5 * sd999) },
          derive: {
            estimate: round(openP999, 1),
            text: `the top 0.1% is the ${round(k999, 1)} longest of about ${round(m)} stalled packets: b + ${hold} - ${round(k999, 1)}/${round(m)} x ${hold} x (1 - ${round(rho, 3)}) = ${round(openP999, 1)}`,
          },
          differs: `a handful of packets decide it: it spreads by ±${round(sd999)} us`,
          answer: (r) => ({ value: round(r.open!.latency_ns.deliver!.p999 / 1000, 1), why: "latency_ns.deliver.p999 of the open run" }),
        },
        {
          text: "Closed loop: how many requests did the client complete?",
          unit: "requests",
          tolerance: { rel: 0.03, abs: 5 },
          derive: { estimate: round(requests), text: `one per cycle of b + think = ${round(cycle, 2)} us, except during stalls, when it waits: (${ms} ms - ${stalls} x ${hold} us) / ${round(cycle, 2)} us + ${stalls} = ${round(requests)}` },
          answer: (r) => ({ value: r.closed!.packets.delivered, why: "packets.delivered of the closed run" }),
        },
        {
          text: "Closed loop: what is the p99 of 'deliver', in us?",
          unit: "us",
          tolerance: { rel: 0.05, abs: 3 + think / 2 },
          derive: {
            estimate: round(closedP99, 1),
            text: `one request per stall waits: the client is thinking when the stall starts and sends u into it (u anywhere in 0..${think} us), so it waits about b + ${hold} - ${think}/2 = ${round(stalled, 1)} us, ±${think / 2}; that is ${stalls} of ${round(requests)} = ${round(share * 100, 2)}% of the requests, ${share > 0.01 ? "over 1%: the p99 is a stalled one" : "under 1%: the p99 is b, the stalls are invisible"}`,
          },
          answer: (r) => ({ value: round(r.closed!.latency_ns.deliver!.p99 / 1000, 1), why: "latency_ns.deliver.p99 of the closed run" }),
        },
        {
          text: "Closed loop: what is the p99.9 of 'deliver', in us?",
          unit: "us",
          tolerance: { rel: 0.05, abs: 3 + think / 2 },
          derive: {
            estimate: round(closedP999, 1),
            text: `${round(share * 100, 2)}% of the requests were stalled: ${share > 0.001 ? `over 0.1%, so the p99.9 is one of them, about b + ${hold} - think/2 = ${round(stalled, 1)}` : "under 0.1%: even the p99.9 is b"}`,
          },
          answer: (r) => ({ value: round(r.closed!.latency_ns.deliver!.p999 / 1000, 1), why: "latency_ns.deliver.p999 of the closed run" }),
        },
        {
          text: "Which measurement reports the higher p99?",
          choices: ["the open loop", "the closed loop", "about the same (within a factor 1.5)"],
          derive: {
            estimate: closedP99 * 1.5 < openP99 ? "a" : openP99 * 1.5 < closedP99 ? "b" : "c",
            text: `open ${round(openP99, 1)} us against closed ${round(closedP99, 1)} us: the closed loop stops sending exactly when the system is slow, so the waits it would have seen are never measured${share > 0.01 ? " (here its few stalled requests still reach its p99)" : ""}`,
          },
          answer: (r) => {
            const o = r.open!.latency_ns.deliver!.p99;
            const c = r.closed!.latency_ns.deliver!.p99;
            return { value: o > 1.5 * c ? "a" : c > 1.5 * o ? "b" : "c", why: `p99: open ${usText(o)}, closed ${usText(c)}` };
          },
        },
      ],
      expect: [
        { what: "the closed loop never has more than its one request in flight", holds: (r) => r.closed!.packets.arrived - r.closed!.packets.delivered <= 1 },
        { what: "nothing is dropped", holds: (r) => r.open!.packets.dropped.total === 0 && r.closed!.packets.dropped.total === 0 },
      ],
    };
  },
};
