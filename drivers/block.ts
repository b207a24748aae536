/**
 * The driver of a block device with a hardware queue (NVMe-like, block/blk-mq.c): a task
 * submits requests up to the queue depth; the device (devices/nvme_hw.ts) services each
 * and posts it to its completion queue with an interrupt. The top half (nvme_irq) reaps the completion queue and hands each
 * request to blk_mq_complete_request, which finishes it in the BLOCK softirq
 * (blk_done_softirq -> end the request -> wake the submitter).
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { Latency } from "../sim/metrics.js";
import { wakeUp } from "../sim/sched.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import { BLOCK_SOFTIRQ, type Softirq } from "../softirq/softirq.js";
import { NvmeQueue } from "../devices/nvme_hw.js";

export interface BlockSpec {
  name: string;
  index: number;
  irq: number;
  affinity: number[];
  /** Hardware queue depth: requests in flight at most. */
  queueDepth: number;
  /** Mean device service time, ns. */
  service: number;
}

interface Request {
  readonly id: number;
  readonly submittedAt: number;
  done: boolean;
}

export class BlockDevice {
  readonly desc: IrqDesc;
  /** The device's queue pair (devices/nvme_hw.ts). */
  readonly hw: NvmeQueue<Request>;
  private readonly drv = { submitted: 0, completed: 0, maxInFlight: 0 };
  readonly latency: Latency;
  inFlight = 0;
  /** Submitters sleep here for a free tag or for their request. */
  readonly wait: WaitQueue;
  /** Per-CPU lists blk_done_softirq finishes. */
  private readonly done: Request[][];
  private nextId = 0;

  constructor(
    k: Kernel,
    private readonly softirq: Softirq,
    readonly spec: BlockSpec,
  ) {
    this.desc = k.irq.setupLine(spec.irq, { chip: "IR-PCI-MSI", hwirq: 2_097_152 + spec.index, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), 0, `${spec.name}q0`, this, "nvme_irq");
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.hw = new NvmeQueue<Request>(k, spec.service, k.rng.stream(`${spec.name}.service`), this.desc);
    this.done = k.cpus.map(() => []);
    this.wait = createWaitQueue(`${spec.name}.wait`);
    this.latency = new Latency(`${spec.name}.request`, `${spec.name}: submit -> request completed`);
    softirq.openSoftirq(BLOCK_SOFTIRQ, (kk) => this.blockSoftirq(kk));
  }

  /** The driver's counters and the device's interrupts, as the result reports them. */
  get counters(): { submitted: number; completed: number; interrupts: number; maxInFlight: number } {
    const d = this.drv;
    return { submitted: d.submitted, completed: d.completed, interrupts: this.hw.interrupts, maxInFlight: d.maxInFlight };
  }

  /**
   * submit_bio -> blk_mq_submit_bio for one request: waits for a free tag (queue depth),
   * then for its completion (io_schedule). Returns after the request completed.
   */
  *submitAndWait(k: Kernel): Handler {
    // Latency as the task sees it: from the call, including any wait for a free tag.
    const start = k.now;
    while (this.inFlight >= this.spec.queueDepth) yield k.wait(this.wait);
    const rq: Request = { id: this.nextId++, submittedAt: start, done: false };
    this.inFlight++;
    this.drv.submitted++;
    this.drv.maxInFlight = Math.max(this.drv.maxInFlight, this.inFlight);
    yield k.cpu(k.costs.mmio_write); // ring the submission queue doorbell
    this.hw.submit(rq);
    while (!rq.done) yield k.wait(this.wait);
  }

  /** nvme_irq: reap the completion queue; finish each request in the BLOCK softirq. */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    if (this.hw.pending === 0) return IRQ_NONE;
    const cpu = k.smpProcessorId();
    while (this.hw.pending > 0) {
      yield k.cpu(k.costs.nic_desc_copy);
      this.done[cpu]!.push(this.hw.reap());
    }
    this.softirq.raiseSoftirq(BLOCK_SOFTIRQ);
    return IRQ_HANDLED;
  }

  /** blk_done_softirq -> blk_mq_end_request: account, free the tag, wake the submitter. */
  private *blockSoftirq(k: Kernel): Handler {
    const list = this.done[k.smpProcessorId()]!.splice(0);
    for (const rq of list) {
      yield k.cpu(k.costs.block_complete);
      rq.done = true;
      this.inFlight--;
      this.drv.completed++;
      this.latency.record(k.now - rq.submittedAt);
    }
    if (list.length > 0) wakeUp(k, this.wait);
  }
}
