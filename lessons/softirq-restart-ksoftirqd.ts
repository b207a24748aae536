/**
 * __do_softirq's restart and time limits, and when the work moves to ksoftirqd: four NAPI
 * instances on one CPU, so netdev_budget and the NAPI weight decide how much one pass takes.
 */
import { costOf, costTable, round, usText, type Lesson } from "./lesson.js";

const PER_PACKET = ["nic_desc_copy", "net_rx_protocol", "socket_enqueue"] as const;
const PER_POLL = ["napi_poll", "mmio_write"] as const;
const QUEUES = 4;
const RING = 256;
const PROTO = 1000;

export const softirqRestartKsoftirqd: Lesson = {
  name: "softirq-restart-ksoftirqd",
  title: "The softirq restart limit and ksoftirqd",
  summary: "__do_softirq gives up after 10 restarts / 2 ms / need_resched and wakes ksoftirqd/N",
  setup(d) {
    const rate = 1_500_000;
    const budget = d.pick("budget", [32, 64, 192, 300, 600]);
    const weight = d.pick("weight", [8, 16, 64]);
    const ms = 8;
    const over = { net_rx_protocol: PROTO };
    const pkt = PER_PACKET.reduce((a, k) => a + costOf(k, over), 0);
    const pollCost = PER_POLL.reduce((a, k) => a + costOf(k), 0);
    // net_rx_action polls each instance on its list once (weight packets: all are full), then stops.
    const polls = Math.min(QUEUES, Math.ceil(budget / weight));
    const pass = polls * weight;
    const passNs = pass * pkt + polls * pollCost + costOf("softirq_pass");
    const passes = (ms * 1e6) / passNs;
    const squeezed = budget <= QUEUES * weight;
    const tenPasses = 10 * passNs;
    const reason = tenPasses < 1e6 ? "a" : tenPasses > 2e6 ? "b" : "b";
    const restarts = tenPasses < 1e6 ? (ms * 1e6) / tenPasses : 0;
    return {
      text:
        `CPU0 takes all four rx queues of a NIC (IRQs 24..27, four NAPI instances of weight ${weight}, rings of ${RING}), flooded\n` +
        `at ${rate} packets/s in 64 flows for ${ms} ms: every poll finds a full weight of work. net.core.netdev_budget = ${budget}.\n` +
        `net_rx_action (net/core/dev.c) polls each instance on the poll list once, in turn, and stops early when the budget is\n` +
        `used up (time_squeeze); instances that used their whole weight go back on the list and NET_RX is raised again.\n` +
        `__do_softirq (kernel/softirq.c) loops while softirqs are pending, but stops after MAX_SOFTIRQ_RESTART (10) passes,\n` +
        `or when MAX_SOFTIRQ_TIME (2 ms = 2 jiffies at HZ 1000: 1 to 2 ms, depending on where in the tick it starts) has\n` +
        `passed, or when need_resched() is set, and wakes ksoftirqd/0, which runs the same loop with the same limits.\n` +
        `The reader task is on CPU3. ${costTable([...PER_PACKET, ...PER_POLL, "softirq_pass"], over)}.`,
      runs: {
        main: {
          scenario: "multiqueue",
          duration: `${ms}ms`,
          sets: ["devices.nic0.affinity=[0]", `devices.nic0.traffic.rate=${rate}`, `devices.nic0.weight=${weight}`, `kernel.netdev_budget=${budget}`, `costs.net_rx_protocol=${PROTO}ns`, "faults=[]"],
        },
      },
      questions: [
        {
          text: "How many packets does one net_rx_action (one pass of __do_softirq's loop) take?",
          unit: "packets",
          tolerance: { rel: 0.1 },
          derive: { estimate: pass, text: `min(4 instances, ceil(budget ${budget} / weight ${weight}) = ${Math.ceil(budget / weight)}) polls x ${weight} = ${pass}` },
          answer: (r) => {
            const s = r.main!.softirqs.NET_RX!.per_cpu[0]!;
            return { value: round(r.main!.softnet[0]!.processed / Math.max(1, s)), why: `softnet[0].processed ${r.main!.softnet[0]!.processed} / NET_RX runs on CPU0 ${s}` };
          },
        },
        {
          text: "Which limit most often made __do_softirq hand over to ksoftirqd?",
          choices: ["the restart limit (10 passes)", "the time limit (2 ms)", "need_resched()", "it never handed over"],
          derive: {
            estimate: reason,
            text: `a pass = ${pass} x ${usText(pkt)} + ${polls} x ${usText(pollCost)} + softirq_pass = ${usText(passNs)}; 10 passes = ${round(tenPasses / 1e6, 2)} ms, ${tenPasses < 1e6 ? "less than the 1-2 ms time limit: the restart limit comes first" : "more than the 1-2 ms time limit: time runs out first"}`,
          },
          answer: (r) => {
            const x = r.main!.ksoftirqd[0]!.deferred;
            const all = [x.restart_limit, x.time_limit, x.need_resched];
            const max = Math.max(...all);
            return { value: max === 0 ? "d" : "abc"[all.indexOf(max)]!, why: `ksoftirqd[0].deferred: restart_limit ${x.restart_limit}, time_limit ${x.time_limit}, need_resched ${x.need_resched}` };
          },
        },
        {
          text: "How many times did __do_softirq hand over because of the restart limit (deferred.restart_limit)?",
          unit: "times",
          tolerance: { rel: 0.2, abs: 2 },
          derive: { estimate: round(restarts), text: tenPasses < 1e6 ? `once every 10 passes: ${ms} ms / ${round(tenPasses / 1e6, 3)} ms = ${round(restarts)}` : "never: the time limit always comes first" },
          differs: "the first few ms go differently (the rings fill, need_resched while ksoftirqd starts)",
          answer: (r) => ({ value: r.main!.ksoftirqd[0]!.deferred.restart_limit, why: "ksoftirqd[0].deferred.restart_limit" }),
        },
        {
          text: "How many times did net_rx_action stop with its budget used up (time_squeeze)?",
          unit: "times",
          tolerance: { rel: 0.1, abs: 3 },
          derive: {
            estimate: squeezed ? round(passes) : 0,
            text: squeezed ? `every pass uses the budget (${budget} <= 4 x ${weight}): ${ms} ms / ${usText(passNs)} = ${round(passes)}` : `never: four full polls take ${QUEUES * weight} < ${budget}, the list runs out first`,
          },
          answer: (r) => ({ value: r.main!.softnet[0]!.time_squeeze, why: "softnet[0].time_squeeze (the third column of /proc/net/softnet_stat)" }),
        },
      ],
      expect: [
        { what: "under the flood, softirq work moved to ksoftirqd/0", holds: (r) => r.main!.ksoftirqd[0]!.runs_ksoftirqd > 0 },
        { what: "a limit of __do_softirq was hit", holds: (r) => r.main!.ksoftirqd[0]!.deferred.restart_limit + r.main!.ksoftirqd[0]!.deferred.time_limit > 0 },
      ],
    };
  },
};
