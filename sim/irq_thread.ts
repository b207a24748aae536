/**
 * Threaded interrupt handlers (kernel/irq/manage.c request_threaded_irq, irq_thread): the
 * primary handler runs in hardirq context and returns IRQ_WAKE_THREAD; the thread
 * `irq/<irq>-<name>` (SCHED_FIFO, priority MAX_RT_PRIO / 2 = 50) then runs the thread
 * function in process context, where it may sleep. With IRQF_ONESHOT the line stays masked
 * from the hardirq until the thread function returns (irq_finalize_oneshot), so a level or
 * chatty device cannot interrupt again before its thread has dealt with it -- except on
 * chips that are one-shot safe (MSI), where the kernel drops the flag: there every assert
 * runs the primary handler, and wake-ups while the thread is pending merge (RUNTHREAD).
 */
import type { Kernel } from "./kernel.js";
import type { Handler } from "./ops.js";
import { IRQ_WAKE_THREAD, IRQF_ONESHOT, type IrqAction, type IrqDesc, type IrqHandler, type IrqReturn } from "./irq.js";
import { wakeUpProcess } from "./sched.js";
import { SCHED_FIFO, type Thread } from "./thread.js";
import { TP } from "./trace.js";

/** include/linux/sched/prio.h: MAX_RT_PRIO / 2. */
export const IRQ_THREAD_PRIO = 50;

/**
 * IRQCHIP_ONESHOT_SAFE (include/linux/irq.h): chips whose interrupts are one-shot by
 * nature. MSI is edge-like and raised by a message, so the PCI/MSI chips carry the flag
 * (drivers/pci/msi/irqdomain.c); the IO-APIC's level lines do not.
 */
export function oneshotSafe(desc: IrqDesc): boolean {
  return desc.chip.includes("MSI");
}

export interface IrqThread {
  readonly action: IrqAction;
  thread: Thread;
  /** IRQTF_RUNTHREAD: woken and not yet run. */
  runThread: boolean;
  /** When the hardirq set RUNTHREAD (IRQ_WAKE_THREAD), for the wake -> run latency. */
  wokenAt: number;
  /** Thread function runs, and wake-ups merged into a pending one. */
  runs: number;
  merged: number;
}

/** irq_default_primary_handler(): just wake the thread. */
function* defaultPrimary(): Handler<IrqReturn> {
  return IRQ_WAKE_THREAD;
}

/**
 * request_threaded_irq(). A null `handler` means the default primary, which the kernel
 * only accepts with IRQF_ONESHOT (otherwise a level interrupt would storm).
 */
export function requestThreadedIrq(
  k: Kernel,
  irq: number,
  handler: IrqHandler | null,
  threadFn: (k: Kernel, dev: unknown) => Handler<IrqReturn>,
  flags: number,
  name: string,
  dev: unknown,
): IrqThread {
  const desc = k.irq.desc(irq);
  // kernel/irq/manage.c __setup_irq: "Some irq chips like MSI based interrupts are per se
  // one shot safe": IRQF_ONESHOT is dropped there, and the line is never masked while the
  // thread runs. Only other chips need ONESHOT with the default primary handler.
  if (oneshotSafe(desc)) flags &= ~IRQF_ONESHOT;
  else if (handler === null && (flags & IRQF_ONESHOT) === 0) {
    throw new Error(`request_threaded_irq(${irq}, ${name}): no primary handler and no IRQF_ONESHOT (-EINVAL)`);
  }
  const action = k.irq.setupAction(irq, handler ?? defaultPrimary, flags, name, dev);
  const it: IrqThread = { action, thread: null as unknown as Thread, runThread: false, wokenAt: 0, runs: 0, merged: 0 };
  it.thread = k.spawn(
    { comm: `irq/${irq}-${name}`.slice(0, 15), cpu: desc.affinity[0]!, kernelThread: true, policy: SCHED_FIFO, rtPriority: IRQ_THREAD_PRIO },
    () => irqThread(k, desc, it, threadFn),
  );
  action.wakeThread = (kk, d) => {
    // __irq_wake_thread(): one pending run at most.
    if (it.runThread) {
      it.merged++;
      return;
    }
    it.runThread = true;
    it.wokenAt = kk.now;
    if ((flags & IRQF_ONESHOT) !== 0) kk.irq.disableIrq(d);
    kk.trace.emit(TP.irq_thread_wake, kk.current?.id ?? -1, d.irq, it.thread.pid);
    wakeUpProcess(kk, it.thread);
  };
  return it;
}

/** irq_thread(): wait for RUNTHREAD, run the thread function, unmask a ONESHOT line. */
function* irqThread(k: Kernel, desc: IrqDesc, it: IrqThread, threadFn: (k: Kernel, dev: unknown) => Handler<IrqReturn>): Handler {
  for (;;) {
    while (!it.runThread) yield k.schedule();
    it.runThread = false;
    it.runs++;
    k.trace.measure("irq_thread_start", k.now - it.wokenAt, desc.irq); // IRQ_WAKE_THREAD -> the thread function
    yield* threadFn(k, it.action.dev);
    if ((it.action.flags & IRQF_ONESHOT) !== 0) k.irq.enableIrq(desc); // irq_finalize_oneshot
  }
}

/**
 * `threadirqs` (kernel/irq/manage.c irq_setup_forced_threading, irq_forced_thread_fn):
 * every interrupt requested without IRQF_NO_THREAD (timers keep theirs) or IRQF_ONESHOT
 * gets a thread irq/N-name running its handler, with IRQF_ONESHOT, behind the default
 * primary. The handler runs with BH disabled and, on a non-RT kernel, IRQs disabled, as it
 * expects; softirqs it raises run at the local_bh_enable() in the thread.
 */
export function forceIrqThreads(k: Kernel): void {
  k.irq.forceThreading = (irq, handler, flags, name, dev) =>
    requestThreadedIrq(
      k,
      irq,
      null,
      function* (kk, d) {
        yield kk.localBhDisable();
        yield kk.localIrqDisable();
        const ret = yield* handler(kk, d);
        yield kk.localIrqEnable();
        yield kk.localBhEnable();
        return ret;
      },
      flags | IRQF_ONESHOT,
      name,
      dev,
    ).action;
}
