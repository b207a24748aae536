/**
 * What things cost, in integer nanoseconds. These are data, not truths: every value can be
 * overridden per scenario under `costs:`. Defaults are orders of magnitude from the
 * sources cited beside each one.
 */
export interface Costs {
  /** Interrupt entry: vectoring, register save, irq_enter (x86 entry+exit ~0.5-1 us). */
  irq_entry: number;
  /** Interrupt exit: irq_exit bookkeeping, EOI, register restore, iret. */
  irq_exit: number;
  /** One uncached MMIO read across PCIe (a posted write is far cheaper). ~0.5-1 us. */
  mmio_read: number;
  /** One posted MMIO write (e.g. the rx tail register). */
  mmio_write: number;
  /** Fixed part of a NIC top half (dispatch, bookkeeping) besides its MMIO accesses. */
  nic_top_half: number;
  /** Reading one completed rx descriptor and building an skb for it in the top half. */
  nic_desc_copy: number;
  /** Queueing one skb onto the per-CPU backlog (uncontended enqueue: 20-50 ns). */
  backlog_enqueue: number;
  /** Protocol processing of one packet in NET_RX (IP + UDP receive, socket lookup). */
  net_rx_protocol: number;
  /** Appending one skb to a socket receive queue and waking its reader. */
  socket_enqueue: number;
  /** Fixed kernel cost of one recv() system call (entry, lookup, exit). */
  recv_syscall: number;
  /** Copying 1 KiB to user space (a 4 KB copy costs hundreds of ns). */
  copy_per_kib: number;
  /** Context switch between two threads (1-5 us with cache effects). */
  context_switch: number;
  /** Cross-CPU wakeup: IPI and idle exit before the target CPU schedules (1-5 us). */
  wakeup: number;
  /**
   * Scheduler slice before a fair-class thread is preempted when others are runnable:
   * kernel/sched/fair.c sysctl_sched_base_slice = 750000 ns (EEVDF, Linux 6.6+).
   */
  sched_slice: number;
  /**
   * How far ahead in virtual runtime a running fair thread must be before a woken one
   * preempts it (the pre-6.6 sysctl_sched_wakeup_granularity default, 1 ms).
   */
  sched_wakeup_granularity: number;
  /** __do_softirq bookkeeping per pass (clear pending, enable/disable IRQs). */
  softirq_pass: number;
  /** napi_poll() bookkeeping around one call of a driver's poll function. */
  napi_poll: number;
  /** Running one tasklet: tasklet_action's list handling, trylock, state bits. */
  tasklet_run: number;
  /** The local APIC timer interrupt's handler (hrtimer_interrupt, tick bookkeeping). */
  timer_interrupt: number;
  /** Expiring one timer_list in the TIMER softirq (detach, call). */
  timer_run: number;
  /** queue_work(): test_and_set PENDING, pick the pool, insert, maybe wake a worker. */
  work_queue: number;
  /** process_one_work() bookkeeping around a work function. */
  work_dispatch: number;
  /** Creating a kworker (kthread_create via kthreadd, attach to the pool): tens of us. */
  worker_create: number;
  /** Freeing one transmitted skb (kfree_skb / napi_consume_skb). */
  skb_free: number;
  /** Ending one block request in the BLOCK softirq (blk_mq_end_request, accounting, wake-up). */
  block_complete: number;
  /**
   * One turn of napi_busy_loop() besides the poll itself: local_bh_disable/enable, the
   * NAPI state test, sk_busy_loop_end() and cpu_relax() (net/core/dev.c __napi_busy_loop).
   */
  busy_poll_loop: number;
}

export const DEFAULT_COSTS: Readonly<Costs> = Object.freeze({
  irq_entry: 400,
  irq_exit: 300,
  mmio_read: 500,
  mmio_write: 100,
  nic_top_half: 300,
  nic_desc_copy: 150,
  backlog_enqueue: 40,
  net_rx_protocol: 2_500,
  socket_enqueue: 50,
  recv_syscall: 800,
  copy_per_kib: 100,
  context_switch: 2_000,
  wakeup: 2_000,
  sched_slice: 750_000,
  sched_wakeup_granularity: 1_000_000,
  softirq_pass: 100,
  napi_poll: 100,
  tasklet_run: 50,
  timer_interrupt: 500,
  timer_run: 100,
  work_queue: 100,
  work_dispatch: 200,
  worker_create: 50_000,
  block_complete: 500,
  skb_free: 100,
  busy_poll_loop: 50,
});

/**
 * Costs paid on every turn of a loop that may spin (softirq restarts, a requeued tasklet,
 * NAPI repolls). Real CPUs always take time there; at 0 a spin would never end.
 */
export const NONZERO_COSTS: readonly (keyof Costs)[] = ["softirq_pass", "tasklet_run", "napi_poll", "work_dispatch", "sched_slice", "busy_poll_loop"];

export const COST_KEYS = Object.keys(DEFAULT_COSTS) as (keyof Costs)[];

export function resolveCosts(overrides: Partial<Costs> | undefined): Costs {
  return { ...DEFAULT_COSTS, ...(overrides ?? {}) };
}
