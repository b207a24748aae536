/**
 * `irqsim explain <scenario>`: what a scenario shows, the kernel rules and constants in play
 * (with the kernel files they come from), what to look at in the output, and what to try
 * next. Built-ins have a hand-written explanation; any other scenario gets one assembled
 * from its devices, modes and tasks.
 *
 * Over 450 lines because most of it is data: the table of about forty kernel rules, each
 * with the kernel file it comes from, which reads best in one place.
 */
import { escapeControl, quote as quoteText } from "../sim/quote.js";
import type { Command } from "commander";
import { MAX_CORRUPT_REPORTS } from "../net/dev.js";
import { loadScenario } from "../system/scenario_files.js";
import type { Scenario } from "../system/scenario.js";
import { makeChalk } from "./output.js";
import { handoffLines, mappingLines, RUNTIME_BUILTIN, RUNTIME_RULES, runtimeGenericText } from "./explain_runtimes.js";
import { handoffTaxSweep, mappingTable, type HandoffRow, type MappingColumn } from "../system/handoff_sweep.js";
import type { CommandContext } from "./options.js";

/** A kernel rule or constant, and where in the kernel it lives. */
export interface Rule {
  rule: string;
  where: string;
}

/** A variation to try: `--set`s for `irqsim run`, or a sweep's `--vary`s. */
export interface TryNext {
  what: string;
  sets?: string[];
  vary?: string[];
  /** other flags for the command, e.g. --proc interrupts */
  flags?: string[];
  /**
   * What `what` claims, in a form the tests run (test/explain_claims.test.ts): the variation
   * against the scenario as it is (or, for a sweep, its last values against its first).
   */
  claims?: Claim[];
}

/** A claim about a variation's result, checked by running it (seed 1, `ms` of simulated time). */
export interface Claim {
  /**
   * a dotted path into `irqsim run --json`, as in a scenario's expect: block; or
   * `dmesg:TEXT` (dmesg lines containing TEXT) or `corrupt:TEXT` (corrupt reports naming TEXT missing)
   */
  metric: string;
  /** higher/lower/same (within 2%): than the comparison run; zero/above_zero: in the variation itself */
  is: "higher" | "lower" | "same" | "zero" | "above_zero";
  /** the comparison run's --set overrides (default: the scenario as it is) */
  than?: string[];
  /** simulated time for the check (default 20) */
  ms?: number;
}

export interface Explanation {
  scenario: string;
  source: string;
  description: string;
  shows: string;
  rules: Rule[];
  look_at: string[];
  try_next: (TryNext & { command: string })[];
  /** Runtime scenarios: the kernel next to each runtime, hand-off costs from runs. */
  mapping?: MappingColumn[];
  /** handoff-tax: every hand-off mode at 1, 5 and 50 us of work, from runs. */
  handoff_sweep?: HandoffRow[];
}

/** Rules by concept; scenarios (built-in or not) name the concepts in play. */
const RULES: Record<string, Rule[]> = {
  ...RUNTIME_RULES,
  hardirq: [
    { rule: "Top halves run with local interrupts off and never nest; a line asserted meanwhile latches as pending", where: "kernel/irq/handle.c handle_irq_event, kernel/irq/chip.c handle_edge_irq" },
    { rule: "irq_exit() runs pending softirqs on the same CPU unless already in interrupt context", where: "kernel/softirq.c irq_exit_rcu -> invoke_softirq" },
  ],
  softirq: [
    { rule: "__do_softirq restarts at most MAX_SOFTIRQ_RESTART (10) times and for at most MAX_SOFTIRQ_TIME (2 ms), and stops on need_resched(); the rest goes to ksoftirqd/N", where: "kernel/softirq.c __do_softirq" },
    { rule: "NET_RX processes at most netdev_budget (300) packets or netdev_budget_usecs (2 jiffies) per net_rx_action; running out counts a time_squeeze", where: "net/core/dev.c net_rx_action, /proc/net/softnet_stat" },
  ],
  netif_rx: [
    { rule: "netif_rx queues each skb on the per-CPU backlog, at most netdev_max_backlog (1000), then drops (cpu_backlog)", where: "net/core/dev.c enqueue_to_backlog" },
    { rule: "The backlog is drained as a NAPI instance of weight dev_weight (64)", where: "net/core/dev.c process_backlog" },
  ],
  napi: [
    { rule: "napi_schedule masks the device's interrupt and puts the instance on the CPU's poll list; a poll takes at most its weight (NAPI_POLL_WEIGHT 64) packets", where: "net/core/dev.c napi_schedule, include/linux/netdevice.h NAPI_POLL_WEIGHT" },
    { rule: "A poll that used less than its weight calls napi_complete_done and unmasks the device; a full poll stays on the list", where: "net/core/dev.c napi_complete_done, __napi_poll" },
  ],
  bh_workqueue: [
    { rule: "A WQ_BH workqueue (system_bh_wq, 6.9+) runs its work items in softirq context from TASKLET_SOFTIRQ (HI_SOFTIRQ for WQ_HIGHPRI) on per-CPU BH pools: no kworkers, no concurrency management, no max_active", where: "kernel/workqueue.c bh_worker, workqueue_softirq_action, alloc_workqueue (__WQ_BH_ALLOWS)" },
    { rule: "A work item still running on another CPU's pool is queued to that pool and runs there next: never concurrent, and the queueing CPU does not spin as a tasklet's would", where: "kernel/workqueue.c __queue_work, find_worker_executing_work" },
    { rule: "bh_worker runs at most BH_WORKER_RESTARTS (10) items or BH_WORKER_JIFFIES (2 ms) per softirq pass, then kicks the pool again", where: "kernel/workqueue.c bh_worker, kick_bh_pool" },
  ],
  napi_threaded: [
    { rule: "With /sys/class/net/<dev>/threaded = 1 each NAPI instance has a kthread napi/<dev>-<napi_id> (SCHED_OTHER, nice 0); ____napi_schedule sets NAPI_STATE_SCHED_THREADED and wakes it instead of raising NET_RX", where: "net/core/dev.c napi_kthread_create, ____napi_schedule" },
    { rule: "The thread polls with BH disabled in process context and cond_resched()s between full polls: the scheduler shares the CPU between it and the tasks", where: "net/core/dev.c napi_threaded_poll_loop" },
  ],
  napi_defer: [
    { rule: "napi_complete_done re-arms napi_defer_hard_irqs after a poll with work; while the count lasts it returns false (the driver keeps its IRQ masked) and arms napi->timer for gro_flush_timeout", where: "net/core/dev.c napi_complete_done, Documentation/networking/napi.rst" },
    { rule: "napi_watchdog, an hrtimer in the local timer interrupt, takes NAPI_STATE_SCHED and schedules the poll again", where: "net/core/dev.c napi_watchdog" },
  ],
  busy_poll: [
    { rule: "recv() on an empty socket with SO_BUSY_POLL polls the socket's NAPI instance (sk_napi_id) itself, BUSY_POLL_BUDGET (8) packets a turn, preemption off, until data arrives or the time is up", where: "net/core/dev.c __napi_busy_loop, include/net/busy_poll.h, net/ipv4/udp.c __skb_recv_udp" },
    { rule: "The poller only takes an instance nobody holds (no NAPI_STATE_SCHED); while it owns it, napi_complete_done refuses and IRQs stay masked; busy_poll_stop polls once more to let the driver complete", where: "net/core/dev.c napi_state_start_busy_polling, busy_poll_stop" },
    { rule: "SO_PREFER_BUSY_POLL marks an instance NET_RX holds (NAPI_STATE_PREFER_BUSY_POLL) so __napi_poll hands it back, and with napi_defer_hard_irqs + gro_flush_timeout leaves the IRQ masked when the poller stops", where: "net/core/dev.c __napi_poll, busy_poll_stop (commit 7fd3253a7de6)" },
  ],
  tasklet: [
    { rule: "tasklet_schedule sets TASKLET_STATE_SCHED: scheduling an already scheduled tasklet merges", where: "kernel/softirq.c __tasklet_schedule_common" },
    { rule: "tasklet_action takes TASKLET_STATE_RUN with a trylock; if another CPU runs it, it is requeued and TASKLET_SOFTIRQ raised again: a tasklet never runs on two CPUs at once", where: "kernel/softirq.c tasklet_action_common, tasklet_trylock" },
  ],
  threaded: [
    { rule: "request_threaded_irq: the primary handler returns IRQ_WAKE_THREAD and irq/N-name (SCHED_FIFO, priority 50) runs the thread function", where: "kernel/irq/manage.c request_threaded_irq, irq_thread, setup_irq_thread" },
    { rule: "IRQF_ONESHOT keeps the line masked until the thread function returns", where: "kernel/irq/manage.c irq_finalize_oneshot" },
    { rule: "With threadirqs every handler requested without IRQF_NO_THREAD (timers keep theirs) runs in an irq/N-name thread behind the default primary, BH and IRQs disabled around it; softirqs it raises run at the thread's local_bh_enable", where: "kernel/irq/manage.c irq_setup_forced_threading, irq_forced_thread_fn" },
    { rule: "On a one-shot-safe chip (MSI) the kernel drops IRQF_ONESHOT: the line is never masked and wake-ups while the thread is pending merge (IRQTF_RUNTHREAD)", where: "kernel/irq/manage.c __setup_irq (IRQCHIP_ONESHOT_SAFE), __irq_wake_thread" },
  ],
  workqueue: [
    { rule: "Concurrency management: each per-CPU pool tracks nr_running; when a running worker sleeps with work pending, another worker is woken (or created)", where: "kernel/workqueue.c wq_worker_sleeping, Documentation/core-api/workqueue.rst" },
    { rule: "max_active bounds the work items of one workqueue in progress per pool (WQ_DFL_ACTIVE 256, WQ_MAX_ACTIVE 512); the rest wait on the inactive list; ordered workqueues run one at a time", where: "kernel/workqueue.c pwq_tryinc_nr_active, include/linux/workqueue.h" },
  ],
  sleep_in_atomic: [
    { rule: "Sleeping in atomic context: schedule() with preempt_count != 0 prints \"BUG: scheduling while atomic\"", where: "kernel/sched/core.c __schedule_bug" },
    { rule: "might_sleep() (mutex_lock) prints \"BUG: sleeping function called from invalid context\", at most once a second", where: "kernel/sched/core.c __might_resched, kernel/locking/mutex.c" },
  ],
  spurious: [
    { rule: "note_interrupt counts interrupts per line in windows of 100,000; more than 99,900 unhandled (IRQ_NONE) and the line is disabled: \"nobody cared\"", where: "kernel/irq/spurious.c note_interrupt, __report_bad_irq" },
  ],
  coalescing: [
    { rule: "Interrupt moderation: the NIC delays its interrupt up to rx-usecs after the first packet, or until rx-frames packets are pending; adaptive-rx adjusts it to the load", where: "ethtool -C, include/uapi/linux/ethtool.h struct ethtool_coalesce, drivers/net/ethernet/intel/e1000e (ITR)" },
  ],
  rss: [
    { rule: "RSS: the NIC hashes each flow (Toeplitz) into an indirection table that picks the rx queue; each queue has its own MSI-X vector, ring and NAPI instance", where: "Documentation/networking/scaling.rst, ethtool -X" },
    { rule: "Writing /proc/irq/N/smp_affinity_list moves the line's later interrupts to the new CPUs", where: "kernel/irq/proc.c, kernel/irq/manage.c irq_set_affinity" },
  ],
  uart: [
    { rule: "A 16550 raises its interrupt at the FIFO trigger level; bytes arriving when the 16-byte FIFO is full are lost (overrun, \"oe:\" in /proc/tty/driver/serial)", where: "drivers/tty/serial/8250/8250_port.c serial8250_handle_irq" },
  ],
  irqs_off: [
    { rule: "local_irq_save / spin_lock_irqsave keep interrupts off on this CPU: an assert is latched and delivered only when they are re-enabled", where: "include/linux/irqflags.h, kernel/locking/spinlock.c" },
  ],
  block: [
    { rule: "Block completions: the device's IRQ reaps the completion queue and BLOCK_SOFTIRQ ends the requests and wakes waiters; queue_depth tags bound requests in flight", where: "block/blk-mq.c blk_mq_complete_request, block/blk-mq-tag.c" },
  ],
  hrtimer: [
    { rule: "hrtimers expire from the local timer interrupt (hard) or HRTIMER_SOFTIRQ (soft)", where: "kernel/time/hrtimer.c hrtimer_interrupt, hrtimer_run_softirq" },
  ],
  barriers: [
    { rule: "Device memory is read in the order the device wrote it only with a barrier: read the descriptor's DD bit, dma_rmb(), and only then its length and buffer; without it a weakly ordered CPU may satisfy the buffer read first and see the previous packet", where: "Documentation/memory-barriers.txt (CPU MEMORY BARRIERS: dma_rmb(), dma_wmb()), drivers/net/ethernet/intel/e1000e/netdev.c e1000_clean_rx_irq" },
    { rule: "Descriptors are handed back with the new buffer addresses written, wmb(), then writel() of the tail register (the doorbell); writel_relaxed() with no wmb() lets the device fetch a descriptor before its new address", where: "drivers/net/ethernet/intel/e1000e/netdev.c e1000_alloc_rx_buffers, Documentation/memory-barriers.txt (KERNEL I/O BARRIER EFFECTS)" },
    { rule: "The Linux-kernel memory model (LKMM) allows both reorderings for unordered accesses; sequential consistency never shows them, and neither does x86 for these accesses (TSO: its dma_rmb() and dma_wmb() are only compiler barriers), so a missing barrier passes every test there", where: "tools/memory-model/linux-kernel.cat, arch/x86/include/asm/barrier.h" },
  ],
  scheduler: [
    { rule: "Ordinary tasks share a CPU fairly (CFS-like); SCHED_FIFO threads preempt them at once; softirqs and hardirqs preempt both", where: "kernel/sched/fair.c, kernel/sched/rt.c" },
  ],
};

interface BuiltinText {
  shows: string;
  concepts: string[];
  look_at: string[];
  try_next: TryNext[];
}

const BUILTIN: Record<string, BuiltinText> = {
  ...RUNTIME_BUILTIN,
  "nic-basic": {
    shows: "The classic split of interrupt work: the NIC's top half on CPU0 acks the device, pulls descriptors and raises NET_RX; the softirq does the protocol work at irq_exit on the same CPU; a reader task on CPU1 drains the socket.",
    concepts: ["hardirq", "softirq", "netif_rx", "scheduler"],
    look_at: [
      "CPU time: CPU0's hardirq vs softirq columns, CPU1's system + user (the reader)",
      "Interrupts: per-CPU counts of IRQ 24 and 'merged' (asserts that landed on one already pending)",
      "Latency: irq_entry (assert -> top half), top_half_to_bh (raise -> NET_RX poll starts), bottom_half, deliver (arrival -> recv())",
      "--proc softnet_stat and --proc softirqs for the kernel's own views",
    ],
    try_next: [
      { what: "four times the load: about four times the softirq time on CPU0 (it still keeps up: no drops)", sets: ["devices.nic0.traffic.rate=200000"], claims: [{ metric: "cpus.0.softirq_ns", is: "higher" }, { metric: "packets.dropped.total", is: "zero" }] },
      { what: "NAPI instead of an interrupt per packet: fewer interrupts", sets: ["devices.nic0.mode=napi"], claims: [{ metric: "irqs.0.total", is: "lower" }] },
      { what: "the reader on the interrupt's CPU: it now competes with the softirq", sets: ["tasks.app.cpu=0"], claims: [{ metric: "latency_ns.deliver.p99", is: "higher" }] },
      { what: "a load sweep in both modes: more load, more softirq time", vary: ["devices.nic0.mode=irq,napi", "devices.nic0.traffic.rate=50000,100000,200000,400000"], claims: [{ metric: "cpus.0.softirq_ns", is: "higher" }] },
    ],
  },
  livelock: {
    shows: "Receive livelock (Mogul & Ramakrishnan 1996): on one CPU, interrupt-per-packet receive spends the CPU taking packets in that the application never gets to read, so delivered throughput collapses under overload. NAPI masks the NIC; far past saturation (4x) its polls always find a full weight, excess drops at the ring for free, overflow goes to ksoftirqd and throughput is back near its peak. Between about 1.3x and 2x it dips instead: each poll finds a few packets, completes and unmasks, NET_RX runs at every irq_exit and the reader starves (napi-cures shows Linux's answers).",
    concepts: ["hardirq", "softirq", "netif_rx", "napi", "scheduler"],
    look_at: [
      "Packets: delivered pps vs offered pps, drops by reason (rx_ring_full is cheap, cpu_backlog and socket_rcvbuff are paid-for work thrown away)",
      "CPU time: user share of CPU0 (the application) as the load grows",
      "Softirqs: runs at irq_exit vs in ksoftirqd, and why it deferred; NAPI full polls and time_squeeze",
    ],
    try_next: [
      { what: "overload with an interrupt per packet: delivered throughput collapses", sets: ["devices.nic0.traffic.rate=300000"], claims: [{ metric: "packets.delivered", is: "lower" }] },
      { what: "the same overload under NAPI: it delivers more than interrupt-per-packet does", sets: ["devices.nic0.mode=napi", "devices.nic0.traffic.rate=300000"], claims: [{ metric: "packets.delivered", is: "higher", than: ["devices.nic0.traffic.rate=300000"] }] },
      { what: "the classic curve: delivered vs offered in both modes (add --plot)", vary: ["devices.nic0.mode=irq,napi", "devices.nic0.traffic.rate=50000,100000,200000,300000,450000,600000"], claims: [{ metric: "packets.dropped.total", is: "higher" }, { metric: "packets.dropped.rx_ring_full", is: "above_zero" }] },
      { what: "the NAPI dip: NET_RX inline at every irq_exit starves the reader", vary: ["devices.nic0.mode=napi", "devices.nic0.traffic.rate=150000,225000,300000,450000"], claims: [{ metric: "packets.dropped.rx_ring_full", is: "above_zero" }] },
    ],
  },
  "napi-cures": {
    shows: "The NAPI dip and Linux 5.x/6.x's answers to it, on one CPU at 300 kpps. Plain NAPI: each poll finds a few packets and re-enables the IRQ, NET_RX runs inline at every irq_exit without reaching its limits, the reader gets ~5% of the CPU and packets die at the full socket (~25 kpps delivered). Threaded NAPI moves the polls into napi/nic0-8193, a SCHED_OTHER thread the scheduler shares with the reader; busy polling with SO_PREFER_BUSY_POLL lets the reader poll the NAPI instance itself. Both deliver over 6x more, dropping the excess at the ring. napi_defer_hard_irqs + gro_flush_timeout all but stops the interrupts but NET_RX still runs first, so it helps only ~2.5x; SO_BUSY_POLL alone never starts, because the socket is never empty.",
    concepts: ["hardirq", "softirq", "napi", "napi_threaded", "napi_defer", "busy_poll", "scheduler"],
    look_at: [
      "Sweep columns: delivered, drops at the ring vs the socket, irq/s, the CPU split (softirq vs system vs user) and p99 deliver per variant",
      "NAPI: polls, missed, deferred_completions, timer_polls, threaded_polls, busy_polls and busy_poll_packets (--json napi[])",
      "Threads: napi/nic0-8193's runtime beside app's (variant threaded); app's voluntary switches (none once it busy-polls)",
      "--trace ftrace: napi_poll from napi/nic0-8193 with flags b.... (BH disabled, process context) vs ..s.. in NET_RX",
    ],
    try_next: [
      { what: "every variant through the dip (1.3x to 2x) and past it", vary: ["variant=napi,threaded,defer,busy_poll,busy_read", "devices.nic0.traffic.rate=150000,225000,300000,450000"], claims: [{ metric: "packets.dropped.rx_ring_full", is: "above_zero" }] },
      { what: "threaded NAPI at the bottom of the dip: it delivers more", sets: ["variant=threaded"], claims: [{ metric: "packets.delivered", is: "higher" }] },
      { what: "busy polling with a flush timeout shorter than the reader's processing: NET_RX takes the instance back", sets: ["variant=busy_poll", "devices.nic0.gro_flush_timeout=50us"], claims: [{ metric: "packets.delivered", is: "lower", than: ["variant=busy_poll"] }] },
      { what: "deferred IRQs against plain NAPI as the load grows: interrupts vanish, the dip stays", vary: ["variant=napi,defer", "devices.nic0.traffic.rate=150000,225000,300000,450000"], claims: [{ metric: "devices.nic0.interrupts", is: "lower" }] },
    ],
  },
  "tasklet-serial": {
    shows: "One tasklet shared by two NIC ports interrupting two CPUs: it is never concurrent with itself. Schedules while it is pending merge, a schedule while it runs makes it run again, and a CPU that finds it running elsewhere requeues it and spins through softirq restarts and ksoftirqd.",
    concepts: ["hardirq", "softirq", "tasklet"],
    look_at: [
      "Tasklets: scheduled, already_scheduled (merged), scheduled_while_running, busy_elsewhere, runs per CPU",
      "Softirqs: ksoftirqd deferrals by restart limit on the CPU that keeps finding the tasklet busy",
      "CPU time: softirq time spent spinning on the requeued tasklet",
    ],
    try_next: [
      { what: "more traffic on port 1: more contention", sets: ["devices.nic1.traffic.rate=120000"], claims: [{ metric: "tasklets.0.busy_elsewhere", is: "higher" }] },
      { what: "give port 1 its own tasklet: no cross-CPU requeues", sets: ["devices.nic1.tasklet=port1_rx"], claims: [{ metric: "tasklets.0.busy_elsewhere", is: "zero" }, { metric: "tasklets.1.busy_elsewhere", is: "zero" }] },
      { what: "contention as the load grows", vary: ["devices.nic0.traffic.rate=20000,60000,120000"], claims: [{ metric: "tasklets.0.busy_elsewhere", is: "higher" }] },
    ],
  },
  "bh-workqueue": {
    shows: "The tasklet-serial case ported to a BH workqueue (6.9+): one work item drains both ports from TASKLET_SOFTIRQ on whichever CPU queued it. It never runs on two CPUs at once, like the tasklet, but a CPU that finds it running elsewhere queues it to that CPU's pool and is done, where the tasklet is requeued and re-raised until the other CPU finishes: a fraction of the TASKLET softirq runs and no restart-limit deferrals to ksoftirqd.",
    concepts: ["hardirq", "softirq", "tasklet", "bh_workqueue"],
    look_at: [
      "BH workqueues (--json bh_workqueues): queued, already_pending, sent_to_running_cpu, runs per CPU",
      "Softirqs: TASKLET runs per CPU here vs in tasklet-serial; ksoftirqd deferrals by restart limit (none here)",
      "--trace ftrace: workqueue_execute_start with the ..s.. flags of softirq context, in whatever task was interrupted",
    ],
    try_next: [
      { what: "the softirq counts to set against `irqsim run tasklet-serial --proc softirqs`", flags: ["--proc", "softirqs"] },
      { what: "a WQ_HIGHPRI BH workqueue: the item runs from HI_SOFTIRQ", sets: ["workqueues.events_bh.flags=[bh, highpri]"], claims: [{ metric: "softirqs.HI.per_cpu.0", is: "above_zero" }] },
      { what: "more traffic on port 1: more hand-overs", sets: ["devices.nic1.traffic.rate=120000"], claims: [{ metric: "bh_workqueues.0.works.0.sent_to_running_cpu", is: "higher" }] },
    ],
  },
  "workqueue-rx": {
    shows: "Per-packet work items that sleep (an I/O wait) on a per-CPU workqueue. Concurrency management wakes or creates another kworker whenever a running one sleeps with work pending, so the CPU keeps working; max_active=1, an ordered workqueue or a mutex held across the sleep serialize the items and throughput drops to ~1 / io_wait.",
    concepts: ["hardirq", "workqueue", "scheduler"],
    look_at: [
      "Workqueues: total, in flight, cm wakeups, queue->start and queue->end latency",
      "Worker pools: workers, idle and nr_running of CPU0's normal pool (kworker/0:N)",
      "Threads: the kworker/0:N threads and their voluntary switches (one per sleep)",
    ],
    try_next: [
      { what: "no concurrency: one item at a time, fewer completed", sets: ["workqueues.rx_wq.max_active=1"], claims: [{ metric: "workqueues.0.total", is: "lower" }] },
      { what: "an ordered workqueue: one at a time too, fewer completed", sets: ["workqueues.rx_wq.flags=[ordered]"], claims: [{ metric: "workqueues.0.total", is: "lower" }] },
      { what: "a mutex around the I/O wait: the items serialize on it, fewer completed", sets: ["devices.nic0.lock=true"], claims: [{ metric: "workqueues.0.total", is: "lower" }] },
      { what: "max_active against throughput: more in flight, more completed", vary: ["workqueues.rx_wq.max_active=1,2,4,16,0"], claims: [{ metric: "workqueues.0.total", is: "higher" }] },
    ],
  },
  "threaded-irq": {
    shows: "request_threaded_irq with IRQF_ONESHOT on a level-triggered INTx line: the primary handler only acks and wakes irq/24-nic0, a SCHED_FIFO thread that drains the ring in process context, preempting the CPU hog at once; the line stays masked until the thread is done, so asserts meanwhile are merged. On an MSI vector the kernel drops ONESHOT and never masks.",
    concepts: ["hardirq", "threaded", "scheduler"],
    look_at: [
      "Threads: irq/24-nic0 runtime, hog's involuntary switches (each one a preemption by the FIFO thread)",
      "Interrupts: 'merged' asserts, held while ONESHOT kept the line masked",
      "Latency: top_half_to_bh (IRQ_WAKE_THREAD -> the thread starts) and bottom_half (arrival -> it processes the packet), despite the busy CPU",
    ],
    try_next: [
      { what: "nice -20 does not help the hog against SCHED_FIFO", sets: ["tasks.hog.nice=-20"], claims: [{ metric: "latency_ns.bottom_half.p99", is: "same" }, { metric: "threads.1.involuntary_switches", is: "same" }] },
      { what: "compare with a softirq bottom half: the hog is no longer switched out, NET_RX runs on its stack", sets: ["devices.nic0.mode=napi"], claims: [{ metric: "cpus.0.softirq_ns", is: "above_zero" }, { metric: "cpus.0.context_switches", is: "lower" }] },
      { what: "an MSI vector: IRQCHIP_ONESHOT_SAFE, never masked, fewer merged asserts", sets: ["devices.nic0.shared=false"], claims: [{ metric: "irqs.0.merged", is: "lower" }] },
    ],
  },
  "sleep-in-atomic": {
    shows: "Two buggy top halves sleep in hardirq context: msleep() trips schedule()'s \"BUG: scheduling while atomic\", mutex_lock() trips might_sleep()'s \"BUG: sleeping function called from invalid context\" (ratelimited). Moving the sleeping part to a workqueue fixes it.",
    concepts: ["hardirq", "sleep_in_atomic", "workqueue"],
    look_at: [
      "dmesg: the BUG lines, preempt_count 0x00010001 (HARDIRQ_OFFSET + schedule()'s own preempt_disable), in_atomic()/irqs_disabled()",
      "The count of scheduling-while-atomic lines against nic0's interrupts",
    ],
    try_next: [
      { what: "fix nic1: take the mutex in a work item instead; its might_sleep report is gone", sets: ["devices.nic1.bug=none", "devices.nic1.mode=workqueue", "devices.nic1.workqueue=events", "devices.nic1.lock=true"], claims: [{ metric: "dmesg:sleeping function called from invalid context", is: "zero" }, { metric: "dmesg:scheduling while atomic", is: "above_zero" }] },
      { what: "fix nic0 too: no scheduling-while-atomic reports", sets: ["devices.nic0.bug=none"], claims: [{ metric: "dmesg:scheduling while atomic", is: "zero" }] },
      { what: "more interrupts: more reports (the might_sleep one stays ratelimited)", sets: ["devices.nic0.traffic.rate=5000", "devices.nic1.traffic.rate=5000"], claims: [{ metric: "dmesg:scheduling while atomic", is: "higher" }, { metric: "dmesg:sleeping function called from invalid context", is: "same" }] },
    ],
  },
  "spurious-irq": {
    shows: "A device that interrupts for nothing: its handler returns IRQ_NONE, the kernel's stuck-interrupt detector counts 99,900 unhandled of 100,000, prints \"irq 19: nobody cared\" and disables the line for good, while the NIC on its own line keeps working.",
    concepts: ["hardirq", "spurious", "napi"],
    look_at: [
      "dmesg: 'nobody cared', the handlers list, 'Disabling IRQ #19', and its timestamp",
      "Interrupts: IRQ 19's unhandled count and masked flag",
      "CPU time: CPU1's hardirq share before vs after the line is disabled",
    ],
    try_next: [
      { what: "1% handled: under the 99,900 threshold, the line stays enabled", sets: ["devices.sensor0.handled=0.01"], claims: [{ metric: "devices.sensor0.line_disabled", is: "zero", ms: 300 }] },
      { what: "a slower storm: it takes longer to reach 100,000 (still enabled at 300 ms, when the default storm is long disabled)", sets: ["devices.sensor0.rate=300000"], claims: [{ metric: "devices.sensor0.line_disabled", is: "lower", ms: 300 }] },
      { what: "where the threshold lies: disabled at 0 handled, not at 1%", vary: ["devices.sensor0.handled=0,0.0005,0.001,0.002,0.01"], claims: [{ metric: "devices.sensor0.line_disabled", is: "lower", ms: 300 }] },
    ],
  },
  coalescing: {
    shows: "Interrupt moderation as ethtool -C sets it: rx-usecs holds the interrupt after the first pending packet, rx-frames fires after that many packets, adaptive-rx picks a rate from the load. Fewer interrupts, each carrying more packets, and less hardirq time -- paid for in latency.",
    concepts: ["hardirq", "softirq", "netif_rx", "coalescing"],
    look_at: [
      "Interrupts: IRQ 24's total against packets received (packets per interrupt)",
      "CPU time: CPU0's hardirq share",
      "Latency: p99 of deliver (arrival -> recv())",
    ],
    try_next: [
      { what: "rx-usecs 50: fewer interrupts", sets: ["devices.nic0.coalesce.rx_usecs=50us"], claims: [{ metric: "irqs.0.total", is: "lower" }] },
      { what: "rx-usecs 200: fewer interrupts still, more latency", sets: ["devices.nic0.coalesce.rx_usecs=200us"], claims: [{ metric: "irqs.0.total", is: "lower", than: ["devices.nic0.coalesce.rx_usecs=50us"] }, { metric: "latency_ns.deliver.p50", is: "higher", than: ["devices.nic0.coalesce.rx_usecs=50us"] }] },
      { what: "rx-frames 32 with a 500 us cap: fewer interrupts", sets: ["devices.nic0.coalesce.rx_frames=32", "devices.nic0.coalesce.rx_usecs=500us"], claims: [{ metric: "irqs.0.total", is: "lower" }] },
      { what: "adaptive-rx (e1000 dynamic ITR): fewer interrupts", sets: ["devices.nic0.coalesce.adaptive_rx=true"], claims: [{ metric: "irqs.0.total", is: "lower" }] },
      { what: "the latency/interrupt trade-off", vary: ["devices.nic0.coalesce.rx_usecs=0,20us,50us,100us,200us"], claims: [{ metric: "irqs.0.total", is: "lower" }, { metric: "latency_ns.deliver.p50", is: "higher" }] },
    ],
  },
  multiqueue: {
    shows: "Receive-side scaling: four rx queues, each with its own MSI-X vector, ring and NAPI instance, spread 64 flows over four CPUs (one flow always lands on one queue). At 50 ms queue 3's affinity moves to CPU0, as irqbalance would.",
    concepts: ["hardirq", "softirq", "napi", "rss"],
    look_at: [
      "Interrupts / --proc interrupts: IRQs 24..27 per CPU, and IRQ 27's counts on both CPU3 and CPU0",
      "Devices: per-queue rx_packets",
      "CPU time: softirq time per CPU",
    ],
    try_next: [
      { what: "one flow: one queue, one CPU does everything", sets: ["devices.nic0.flows=1"], claims: [{ metric: "devices.nic0.queues.0.rx_packets", is: "zero" }, { metric: "devices.nic0.queues.1.rx_packets", is: "zero" }, { metric: "devices.nic0.queues.2.rx_packets", is: "zero" }, { metric: "devices.nic0.queues.3.rx_packets", is: "above_zero" }] },
      { what: "the /proc/interrupts view after the affinity change", flags: ["--proc", "interrupts"] },
      { what: "how many flows it takes to use every queue", vary: ["devices.nic0.flows=1,2,4,8,64"], claims: [{ metric: "devices.nic0.queues.0.rx_packets", is: "above_zero" }, { metric: "devices.nic0.queues.1.rx_packets", is: "above_zero" }, { metric: "devices.nic0.queues.2.rx_packets", is: "above_zero" }, { metric: "devices.nic0.queues.3.rx_packets", is: "above_zero" }] },
    ],
  },
  "uart-overrun": {
    shows: "A 16550 UART at 115200 baud must be drained within ~700 us of its trigger level; a driver thread that keeps interrupts off for 2 ms every 20 ms delays the top half past that, the FIFO fills and bytes are lost (overruns).",
    concepts: ["hardirq", "uart", "irqs_off"],
    look_at: [
      "Devices: ttys0 rx_bytes, overruns, max IRQ latency",
      "Latency: irq_entry (assert -> top half), dominated by the irqs-off windows",
    ],
    try_next: [
      { what: "hold interrupts off for 500 us only: no overruns", sets: ["tasks.slowdrv.hold=500us"], claims: [{ metric: "devices.ttys0.overruns", is: "zero", ms: 100 }] },
      { what: "trigger level 14: less slack, more overruns", sets: ["devices.ttys0.trigger=14"], claims: [{ metric: "devices.ttys0.overruns", is: "higher", ms: 100 }] },
      { what: "overruns against the irqs-off window: the longer, the more", vary: ["tasks.slowdrv.hold=200us,500us,1ms,2ms,5ms"], claims: [{ metric: "devices.ttys0.overruns", is: "higher", ms: 100 }] },
    ],
  },
  "missing-barrier": {
    shows: "A NAPI driver that forgot its memory barriers on the rx descriptor ring: no dma_rmb() between reading the DD bit and reading the buffer, no wmb() before the tail write. Under the Linux-kernel memory model a few packets are delivered with stale data -- when the driver catches up with the device (dma_rmb) or, with the ring full, the device with the driver (wmb) -- each reported with the seed, the CPU and the two reordered accesses. With the barriers there are none; under SC there are none either: the bug hides.",
    concepts: ["hardirq", "softirq", "napi", "barriers"],
    look_at: [
      "Packets: corrupt (delivered with the wrong payload; the reader checks every one)",
      "Memory: loads that could legally be stale and those that were, and each CORRUPT report: packet, CPU, the first and second access, the missing barrier",
      `--json: packets.corrupt and memory.corrupt[] (seed, cpu, first, second, missing) for the first ${MAX_CORRUPT_REPORTS}`,
    ],
    try_next: [
      { what: "the fix: dma_rmb() after DD and wmb() before the tail write; no corrupt packet on any seed", sets: ["devices.nic0.barriers=true"], claims: [{ metric: "packets.corrupt", is: "zero" }] },
      { what: "sequential consistency: the same buggy driver corrupts nothing (the bug hides)", flags: ["--memory", "sc"], claims: [{ metric: "packets.corrupt", is: "zero" }, { metric: "memory.stale_loads", is: "zero" }] },
      { what: "flood a small ring: the device catches up with the driver and the missing wmb() shows too", sets: ["devices.nic0.traffic.rate=400000", "devices.nic0.ring_size=32"], claims: [{ metric: "corrupt:wmb() before writel(tail)", is: "above_zero" }] },
      { what: "a wider reorder window: more corrupt packets", sets: ["kernel.memory_window=2us"], claims: [{ metric: "packets.corrupt", is: "higher" }] },
      { what: "corrupt packets against the load, with and without the barriers (none with them)", vary: ["devices.nic0.barriers=false,true", "devices.nic0.traffic.rate=50000,100000,200000,400000"], flags: ["--plot", "--y", "packets.corrupt"], claims: [{ metric: "packets.corrupt", is: "zero" }] },
    ],
  },
  "block-io": {
    shows: "Synchronous block I/O: four threads each keep one read outstanding; completions raise the device's IRQ, the top half reaps the completion queue and BLOCK_SOFTIRQ ends the requests and wakes the threads.",
    concepts: ["hardirq", "block", "scheduler"],
    look_at: ["Devices: nvme0 completed, max in flight, request latency", "Softirqs: BLOCK per CPU"],
    try_next: [
      { what: "more threads than tags: requests queue in front of the device", sets: ["tasks.fio.jobs=64", "devices.nvme0.queue_depth=16"], claims: [{ metric: "devices.nvme0.request_latency_ns.p50", is: "higher" }] },
      { what: "a slower device: fewer completions", sets: ["devices.nvme0.service=500us"], claims: [{ metric: "devices.nvme0.completed", is: "lower" }] },
      { what: "throughput against jobs: more jobs, more completions", vary: ["tasks.fio.jobs=1,2,4,8,16"], claims: [{ metric: "devices.nvme0.completed", is: "higher" }] },
    ],
  },
  "coordinated-omission": {
    shows: "One system, two ways of measuring it. A driver thread keeps CPU0's interrupts off for 1 ms every 10 ms, so packets that arrive then wait. An open-loop (Poisson) generator keeps sending through the stalls and its p99 shows the wait; a closed-loop client that waits for each reply stops sending during a stall, so one request per stall waits and the p99 looks healthy: coordinated omission.",
    concepts: ["hardirq", "softirq", "netif_rx", "irqs_off", "scheduler"],
    look_at: ["Latency: deliver p50, p99, p99.9 and max (HDR histogram)", "Packets: delivered (the closed loop sends fewer during stalls)"],
    try_next: [
      {
        what: "the same system measured by a closed loop (one client, 20 us think time): its p99 hides the stalls",
        sets: ["devices.nic0.traffic={kind: closed, clients: 1, think: 20us}"],
        claims: [{ metric: "latency_ns.deliver.p99", is: "lower" }],
      },
      { what: "no stalls: the open loop's p99 falls to an ordinary packet's", sets: ["tasks.slowdrv.hold=1ns"], claims: [{ metric: "latency_ns.deliver.p99", is: "lower" }] },
      { what: "the p99 against the stall length: the open loop sees every one", vary: ["tasks.slowdrv.hold=100us,300us,1ms"], claims: [{ metric: "latency_ns.deliver.p99", is: "higher" }] },
    ],
  },
};

/** The concepts a scenario's devices, modes and tasks bring in (for scenarios without a hand-written text). */
function conceptsOf(s: Scenario): string[] {
  const out = new Set<string>(Object.keys(s.devices).length > 0 ? ["hardirq"] : []);
  if (s.runtime !== undefined) out.add("event_loop");
  for (const dev of Object.values(s.devices)) {
    if (dev.type === "nic") {
      if (dev.mode === "irq") out.add("softirq").add("netif_rx");
      if (dev.mode === "napi") out.add("softirq").add("napi");
      if (dev.napi_threaded) out.add("napi_threaded");
      if (dev.napi_defer_hard_irqs > 0) out.add("napi_defer");
      if (dev.mode === "tasklet") out.add("softirq").add("tasklet");
      if (dev.mode === "threaded") out.add("threaded");
      if (dev.mode === "workqueue") out.add("workqueue");
      if (dev.bug !== "none") out.add("sleep_in_atomic");
      if (dev.coalesce.rx_usecs > 0 || dev.coalesce.rx_frames > 0 || dev.coalesce.adaptive_rx) out.add("coalescing");
      if (dev.queues > 1) out.add("rss");
      if (!dev.barriers) out.add("barriers");
    } else if (dev.type === "noisy") out.add("spurious");
    else if (dev.type === "uart") out.add("uart");
    else if (dev.type === "block") out.add("block").add("softirq");
    else out.add("hrtimer");
  }
  for (const t of Object.values(s.tasks)) {
    if (t.type === "irqs-off") out.add("irqs_off");
    else out.add("scheduler");
    if (t.type === "socket-reader" && t.busy_poll > 0) out.add("busy_poll");
  }
  if (s.faults.some((f) => f.kind === "set_affinity")) out.add("rss");
  if (Object.values(s.workqueues).some((w) => w.flags.includes("bh"))) out.add("bh_workqueue");
  return [...out];
}

function genericText(s: Scenario): BuiltinText {
  if (s.runtime !== undefined) return runtimeGenericText({ ...s, runtime: s.runtime });
  const devs = Object.entries(s.devices).map(([name, d]) => {
    if (d.type === "nic") return `${name} (NIC, IRQ ${d.irq}${d.queues > 1 ? `..${d.irq + d.queues - 1}` : ""}, mode ${d.mode}, ${"rate" in d.traffic ? `${d.traffic.rate} pkt/s` : "replayed traffic"})`;
    if (d.type === "hrtimer") return `${name} (${d.soft ? "soft" : "hard"} hrtimer every ${d.period} ns on CPU${d.cpu})`;
    return `${name} (${d.type}, IRQ ${d.irq})`;
  });
  const look = ["CPU time per CPU: hardirq, softirq, system, user, idle", "Interrupts per line and CPU (--proc interrupts)"];
  const tryNext: TryNext[] = [];
  for (const [name, d] of Object.entries(s.devices)) {
    if (d.type !== "nic") continue;
    look.push(`Packets: delivered vs offered and drops by reason for ${name}`);
    if ("rate" in d.traffic) {
      const r = d.traffic.rate;
      tryNext.push({ what: `twice the load on ${name}`, sets: [`devices.${name}.traffic.rate=${r * 2}`] });
      // Modes tasklet and workqueue need a tasklet/workqueue name, which the others forbid.
      if (d.mode === "tasklet" || d.mode === "workqueue") tryNext.push({ what: `${name}'s load`, vary: [`devices.${name}.traffic.rate=${r},${r * 2},${r * 4}`] });
      else tryNext.push({ what: `${name}'s load in the bottom-half modes that need no extra setup`, vary: [`devices.${name}.mode=irq,napi,threaded`, `devices.${name}.traffic.rate=${r},${r * 2},${r * 4}`] });
    }
    if (d.mode !== "napi" && d.mode !== "workqueue" && d.mode !== "tasklet") tryNext.push({ what: `NAPI on ${name}`, sets: [`devices.${name}.mode=napi`] });
    break;
  }
  if (s.workqueues !== undefined && Object.keys(s.workqueues).length > 0) {
    const wq = Object.keys(s.workqueues)[0]!;
    look.push("Workqueues: cm wakeups, workers per pool, queue->start latency");
    tryNext.push({ what: `no concurrency on ${wq}`, sets: [`workqueues.${wq}.max_active=1`] });
  }
  look.push("Latency: irq_entry, top_half_to_bh, bottom_half, deliver (p50/p99)", "dmesg for kernel reports");
  if (tryNext.length === 0) tryNext.push({ what: "another seed: the same scenario, different random draws", flags: ["--seed", String(s.seed + 1)] });
  return { shows: `${s.description}. Devices: ${devs.join(", ")}; ${s.cpus} CPU(s), ${Object.keys(s.tasks).length} task(s).`, concepts: conceptsOf(s), look_at: look, try_next: tryNext };
}

function quote(s: string): string {
  return /[\[\] '"]/.test(s) ? `'${s}'` : s;
}

/** The command line for a variation. */
export function tryCommand(ref: string, t: TryNext): string {
  const flags = (t.flags ?? []).map((f) => ` ${quote(f)}`).join("");
  if (t.vary !== undefined) return `irqsim sweep ${quote(ref)}${t.vary.map((v) => ` --vary ${quote(v)}`).join("")}${flags}`;
  return `irqsim run ${quote(ref)}${(t.sets ?? []).map((s) => ` --set ${quote(s)}`).join("")}${flags}`;
}

export function explainScenario(ref: string): Explanation {
  const { scenario, source } = loadScenario(ref);
  const builtin = source === `scenarios/${ref}.yaml` ? BUILTIN[ref] : undefined;
  const text = builtin ?? genericText(scenario);
  const rules = text.concepts.flatMap((c) => RULES[c] ?? []);
  return {
    scenario: scenario.name,
    source,
    description: scenario.description,
    shows: text.shows,
    rules,
    look_at: text.look_at,
    try_next: text.try_next.map((t) => ({ ...t, command: tryCommand(ref, t) })),
    ...(scenario.runtime !== undefined ? { mapping: mappingTable() } : {}),
    ...(scenario.runtime?.kind === "handoff" && builtin !== undefined ? { handoff_sweep: handoffTaxSweep() } : {}),
  };
}

/** The built-in explanations' variations, for tests: each must load. */
export function builtinVariations(): { scenario: string; try: TryNext }[] {
  return Object.entries(BUILTIN).flatMap(([scenario, b]) => b.try_next.map((t) => ({ scenario, try: t })));
}

export function registerExplain(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  program
    .command("explain")
    .description("explain a scenario: what it shows, the kernel rules in play, what to look at, what to try next")
    .argument("<scenario>", "built-in scenario name (see `irqsim list`) or path to a .yaml file")
    .option("--json", "print JSON")
    .action((ref: string, flags: { json?: boolean }) => {
      const e = explainScenario(ref);
      if (flags.json) {
        io.stdout(JSON.stringify(e, null, 2) + "\n");
        return;
      }
      const c = makeChalk(io);
      const lines: string[] = [`${c.bold(e.scenario)} ${c.dim(`(${quoteText(e.source)})`)}: ${escapeControl(e.description)}`, "", c.bold("What it shows"), wrap(e.shows, "  "), ""];
      lines.push(c.bold("Kernel rules and constants in play"));
      for (const r of e.rules) lines.push(wrap(`- ${r.rule}`, "  ", "    "), c.dim(`    ${r.where}`));
      lines.push("", c.bold("What to look at in the output"));
      for (const l of e.look_at) lines.push(wrap(`- ${l}`, "  ", "    "));
      lines.push("", c.bold("Try next"));
      for (const t of e.try_next) lines.push(`  - ${t.what}:`, `      ${t.command}`);
      if (e.handoff_sweep !== undefined) lines.push("", c.bold("The hand-off tax, measured (handoff-tax, 20 ms per point)"), ...handoffLines(e.handoff_sweep));
      if (e.mapping !== undefined) lines.push("", c.bold("The same pattern in the kernel and in the runtimes (hand-off costs from runs)"), ...mappingLines(e.mapping));
      io.stdout(lines.join("\n") + "\n");
    });
}

/** Wraps text at 100 columns with a first-line and a continuation indent. */
function wrap(text: string, first: string, rest = first): string {
  const out: string[] = [];
  let line = first;
  for (const word of text.split(/\s+/)) {
    if (line.trim() !== "" && line.length + 1 + word.length > 100) {
      out.push(line);
      line = rest + word;
    } else line = line.trim() === "" ? line + word : `${line} ${word}`;
  }
  out.push(line);
  return out.join("\n");
}
