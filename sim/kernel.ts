/**
 * The simulated kernel: the clock, the CPUs, the threads, the IRQ controller, the log.
 * Handlers receive it as `k` and call its ops (`yield k.cpu(400)`); subsystems keep their
 * own state beside it and register hooks where the core must call into them (ARCHITECTURE.md
 * section 1: `irq_exit` runs pending softirqs through `hooks.doSoftirq`).
 */
import { Engine } from "./engine.js";
import { Rng } from "./rng.js";
import { Trace, TP } from "./trace.js";
import type { Costs } from "./costs.js";
import { Cpu } from "./cpu.js";
import { IrqController } from "./irq.js";
import { createThread, TASK_INTERRUPTIBLE, type Thread, type ThreadSpec } from "./thread.js";
import { createFrame, FRAME_PROCESS } from "./frame.js";
import { wakeUpProcess } from "./sched.js";
import type { Handler } from "./ops.js";
import {
  OP_BH_DISABLE,
  OP_BH_ENABLE,
  OP_COND_RESCHED,
  OP_CPU,
  OP_IRQ_DISABLE,
  OP_IRQ_ENABLE,
  OP_PREEMPT_DISABLE,
  OP_PREEMPT_ENABLE,
  OP_SCHEDULE,
  OP_SLEEP,
  OP_USER,
  OP_WAIT,
  type Op,
} from "./ops.js";
import type { WaitQueue } from "./waitqueue.js";
import { DEFAULT_MEMORY, Memory, type MemoryConfig } from "./memory.js";
import { printkTimestamp, type SleepingFunction } from "./printk.js";
import { nsToJiffiesFloor } from "./time.js";
import { NO_PLANTS, type Plants } from "./plant.js";
import type { KernelWarning } from "./warn.js";

/** 1 << CONFIG_LOG_BUF_SHIFT (17, the x86 defconfig): 128 KiB of kernel log. */
export const LOG_BUF_LEN = 1 << 17;
/** `[    0.000000] ` plus a newline. */
const PRINTK_PREFIX_LEN = 16;

export interface KernelHooks {
  /** handle_softirqs() as a generator, registered by softirq/ at boot. */
  doSoftirq: ((cpu: Cpu) => Handler) | null;
  /**
   * invoke_softirq()'s choice at irq_exit: true to run pending softirqs now, false to
   * leave them to a running ksoftirqd (see softirq/softirq.ts).
   */
  invokeSoftirqNow: ((cpu: Cpu) => boolean) | null;
  /** wq_worker_sleeping(): a thread is about to block (workqueue/ registers it). */
  threadSleeping: ((t: Thread) => void) | null;
  /** wq_worker_running(): a thread that had blocked runs again. */
  threadRunning: ((t: Thread) => void) | null;
}

export interface KernelConfig {
  seed: number;
  cpus: number;
  hz: number;
  costs: Costs;
  /** The memory model (default: LKMM, DEFAULT_MEMORY). */
  memory?: MemoryConfig;
  /** DMA-capable devices that will register as memory agents (default 8). */
  dmaAgents?: number;
  /** Planted bugs (`--plant`); none by default. */
  plants?: Plants;
  /** CONFIG_IRQ_TIME_ACCOUNTING: IRQ time is not charged to the interrupted task (default off here; scenarios default on). */
  irqTimeAccounting?: boolean;
}

export interface LogLine {
  ns: number;
  text: string;
}

export class Kernel {
  readonly engine = new Engine();
  readonly rng: Rng;
  readonly trace: Trace;
  readonly costs: Costs;
  /** CONFIG_HZ: the jiffy length is NSEC_PER_SEC / hz. */
  readonly hz: number;
  /** CONFIG_IRQ_TIME_ACCOUNTING (sim/cpu.ts irqtimeNow, sim/sched.ts execDelta). */
  readonly irqTimeAccounting: boolean;
  readonly cpus: Cpu[] = [];
  readonly threads: Thread[] = [];
  readonly irq: IrqController;
  /** Shared memory under the weak model; agents 0..cpus-1 are the CPUs. */
  readonly mem: Memory;
  readonly hooks: KernelHooks = { doSoftirq: null, invokeSoftirqNow: null, threadSleeping: null, threadRunning: null };
  /** The kernel log (dmesg), one entry per line, oldest first. */
  readonly dmesg: LogLine[] = [];
  /** Lines overwritten because the log buffer was full. */
  dmesgDropped = 0;
  private dmesgBytes = 0;
  /** __might_resched's rate limit is one static for the whole kernel (prev_jiffy). */
  lastMightReschedNs: number | null = null;
  /** The CPU whose handler is executing right now (smp_processor_id), null between events. */
  current: Cpu | null = null;
  /** Op argument scratch slots; see sim/ops.ts. */
  opNs = 0;
  opObj: unknown = null;
  opSite: SleepingFunction = "wait_for_completion";
  /** Planted bugs for this run (sim/plant.ts): all off unless `--plant` asked. */
  readonly plants: Plants;
  /** The first WARN check that failed (sim/warn.ts), null while none has. */
  warning: KernelWarning | null = null;
  /** Next pid; 1 is init in Linux, so kernel threads here start at 2 like kthreadd. */
  private nextPid = 2;

  constructor(cfg: KernelConfig) {
    this.rng = new Rng(cfg.seed);
    this.plants = cfg.plants ?? NO_PLANTS;
    this.trace = new Trace(this.engine);
    this.costs = cfg.costs;
    this.hz = cfg.hz;
    this.irqTimeAccounting = cfg.irqTimeAccounting ?? false;
    this.irq = new IrqController(this);
    for (let i = 0; i < cfg.cpus; i++) this.cpus.push(new Cpu(this, i));
    // One staleness stream per memory agent (memory.CPU0, memory.nic0, ...): adding a
    // device never changes the draws another agent's loads see (ARCHITECTURE.md section 2).
    this.mem = new Memory(this.engine, cfg.memory ?? DEFAULT_MEMORY, (agent) => this.rng.stream(`memory.${agent}`), cfg.cpus + (cfg.dmaAgents ?? 8));
    for (let i = 0; i < cfg.cpus; i++) this.mem.addAgent(`CPU${i}`, false);
  }

  get now(): number {
    return this.engine.now;
  }

  /**
   * jiffies since boot (INITIAL_JIFFIES offset left out: only differences matter here),
   * in exact integer arithmetic: whole seconds times HZ plus the jiffies of the rest, so
   * no product exceeds 2^53 for any duration the schema allows (a day is 8.64e13 ns).
   */
  get jiffies(): number {
    return nsToJiffiesFloor(this.engine.now, this.hz);
  }

  /**
   * WARN: a kernel consistency check failed. The first one is kept (with the event being
   * handled and the CPU), its lines go to dmesg as the kernel prints them, and the run
   * stops after this event.
   */
  warn(rule: string, message: string, cpu = this.current?.id ?? -1): void {
    if (this.warning !== null) return;
    this.warning = { rule, message, event: this.engine.fired + 1, ns: this.engine.now, cpu };
    this.printk("------------[ cut here ]------------");
    for (const line of message.split("\n")) this.printk(line);
    this.engine.stop();
  }

  /** The CPU running the calling handler (smp_processor_id()). */
  get thisCpu(): Cpu {
    const c = this.current;
    if (c === null) throw new Error("smp_processor_id() called outside any CPU context");
    return c;
  }

  smpProcessorId(): number {
    return this.thisCpu.id;
  }

  /** printk: appends one line to the kernel log with the kernel's timestamp prefix. */
  printk(text: string): void {
    this.dmesg.push({ ns: this.engine.now, text });
    // The log is a ring of LOG_BUF_LEN bytes: the oldest lines give way.
    this.dmesgBytes += text.length + PRINTK_PREFIX_LEN;
    while (this.dmesgBytes > LOG_BUF_LEN && this.dmesg.length > 1) {
      this.dmesgBytes -= this.dmesg.shift()!.text.length + PRINTK_PREFIX_LEN;
      this.dmesgDropped++;
    }
    this.trace.emit(TP.printk, this.current?.id ?? -1, this.dmesg.length - 1);
  }

  /** dmesg as the kernel prints it: `[    0.001234] text`. */
  dmesgLines(): string[] {
    return this.dmesg.map((l) => printkTimestamp(l.ns) + l.text);
  }

  /**
   * Creates a thread (kthread_create / fork) bound to `spec.cpu`; it becomes runnable at
   * once and runs when its CPU's scheduler picks it.
   */
  spawn(spec: Omit<ThreadSpec, "pid">, body: (self: Thread) => Handler<unknown>): Thread {
    const frame = createFrame(FRAME_PROCESS, null);
    const t = createThread({ ...spec, pid: this.nextPid++ }, frame, (th) => wakeUpProcess(this, th));
    frame.gen = body(t);
    t.state = TASK_INTERRUPTIBLE; // until the first wake-up puts it on a run queue
    this.threads.push(t);
    wakeUpProcess(this, t);
    return t;
  }

  // --- ops: each returns the token the CPU acts on (see sim/ops.ts) ---

  /** Consume `ns` of CPU time in the current (kernel) context. */
  cpu(ns: number): Op {
    this.opNs = ns;
    return OP_CPU;
  }
  /** Consume `ns` of user-mode CPU time (user tasks only). */
  user(ns: number): Op {
    this.opNs = ns;
    return OP_USER;
  }
  /** Sleep for `ns` (schedule_timeout / msleep). Illegal in atomic context. */
  sleep(ns: number): Op {
    this.opNs = ns;
    return OP_SLEEP;
  }
  /**
   * Sleep on `wq` until woken (wait_event). Illegal in atomic context; `site` names the
   * sleeping primitive whose might_sleep() report the kernel would print.
   */
  wait(wq: WaitQueue, site: SleepingFunction = "wait_for_completion"): Op {
    this.opObj = wq;
    this.opSite = site;
    return OP_WAIT;
  }
  /** set_current_state(TASK_INTERRUPTIBLE); schedule(): sleep until wake_up_process. */
  schedule(): Op {
    return OP_SCHEDULE;
  }
  localIrqDisable(): Op {
    return OP_IRQ_DISABLE;
  }
  localIrqEnable(): Op {
    return OP_IRQ_ENABLE;
  }
  localBhDisable(): Op {
    return OP_BH_DISABLE;
  }
  localBhEnable(): Op {
    return OP_BH_ENABLE;
  }
  preemptDisable(): Op {
    return OP_PREEMPT_DISABLE;
  }
  preemptEnable(): Op {
    return OP_PREEMPT_ENABLE;
  }
  condResched(): Op {
    return OP_COND_RESCHED;
  }
}
