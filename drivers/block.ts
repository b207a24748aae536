/**
 * A block device with a hardware queue (NVMe-like, block/blk-mq.c): a task submits
 * requests up to the queue depth; each is serviced by the device (an exponentially
 * distributed service time from the device's own stream, requests served in parallel as
 * flash channels do); a finished request goes onto the completion queue and the device
 * raises its interrupt. The top half (nvme_irq) reaps the completion queue and hands each
 * request to blk_mq_complete_request, which finishes it in the BLOCK softirq
 * (blk_done_softirq -> end the request -> wake the submitter).
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { IRQ_HANDLED, IRQ_NONE, type IrqDesc, type IrqReturn } from "../sim/irq.js";
import { createEvent } from "../sim/engine.js";
import { Latency } from "../sim/metrics.js";
import type { RandomStream } from "../sim/rng.js";
import { wakeUp } from "../sim/sched.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import { BLOCK_SOFTIRQ, type Softirq } from "../softirq/softirq.js";

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
  readonly counters = { submitted: 0, completed: 0, interrupts: 0, maxInFlight: 0 };
  readonly latency: Latency;
  inFlight = 0;
  /** Submitters sleep here for a free tag or for their request. */
  readonly wait: WaitQueue;
  /** The device's completion queue, reaped by the top half. */
  private readonly cq: Request[] = [];
  /** Per-CPU lists blk_done_softirq finishes. */
  private readonly done: Request[][];
  private readonly rng: RandomStream;
  private nextId = 0;

  constructor(
    k: Kernel,
    private readonly softirq: Softirq,
    readonly spec: BlockSpec,
  ) {
    this.desc = k.irq.setupLine(spec.irq, { chip: "IR-PCI-MSI", hwirq: 2_097_152 + spec.index, affinity: spec.affinity });
    k.irq.requestIrq(spec.irq, (kk) => this.intr(kk), 0, `${spec.name}q0`, this, "nvme_irq");
    k.trace.registerObject("dev", spec.index, { name: spec.name, irq: spec.irq });
    this.rng = k.rng.stream(`${spec.name}.service`);
    this.done = k.cpus.map(() => []);
    this.wait = createWaitQueue(`${spec.name}.wait`);
    this.latency = new Latency(`${spec.name}.request`, `${spec.name}: submit -> request completed`);
    softirq.openSoftirq(BLOCK_SOFTIRQ, (kk) => this.blockSoftirq(kk));
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
    this.counters.submitted++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.inFlight);
    yield k.cpu(k.costs.mmio_write); // ring the submission queue doorbell
    k.engine.schedule(
      createEvent(() => {
        this.cq.push(rq);
        this.counters.interrupts++;
        k.irq.assert(this.desc);
      }),
      k.now + this.rng.exponentialNs(this.spec.service),
    );
    while (!rq.done) yield k.wait(this.wait);
  }

  /** nvme_irq: reap the completion queue; finish each request in the BLOCK softirq. */
  private *intr(k: Kernel): Handler<IrqReturn> {
    yield k.cpu(k.costs.mmio_read);
    if (this.cq.length === 0) return IRQ_NONE;
    const cpu = k.smpProcessorId();
    while (this.cq.length > 0) {
      yield k.cpu(k.costs.nic_desc_copy);
      this.done[cpu]!.push(this.cq.shift()!);
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
      this.counters.completed++;
      this.latency.record(k.now - rq.submittedAt);
    }
    if (list.length > 0) wakeUp(k, this.wait);
  }
}
