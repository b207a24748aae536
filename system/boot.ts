/**
 * Composition: builds a kernel from a validated scenario (ARCHITECTURE.md section 1). This is the
 * one place that knows every subsystem; the core never imports upward.
 */
import type { Scenario } from "./scenario.js";
import { Kernel } from "../sim/kernel.js";
import type { Plants } from "../sim/plant.js";
import { resolveCosts } from "../sim/costs.js";
import type { Memory } from "../sim/memory.js";
import { Latency } from "../sim/metrics.js";
import { Softirq } from "../softirq/softirq.js";
import { NetStack, netdevBudgetUsecs } from "../net/dev.js";
import { Tasklets } from "../softirq/tasklet.js";
import { Timers, type HrTimer } from "../softirq/timer.js";
import { Workqueues, type Workqueue } from "../workqueue/workqueue.js";
import { scheduleFault } from "./faults.js";
import { blockProjection, hrtimerProjection, nicProjection, noisyProjection, uartProjection, type DeviceProjection } from "./devices.js";
import { createSocket, type Socket } from "../net/socket.js";
import { socketReader } from "../net/socket_reader.js";
import { Nic } from "../drivers/nic.js";
import { napiKthreadCreate } from "../net/napi_threaded.js";
import { napiTimerSetup } from "../net/napi_defer.js";
import { busyLoop } from "../net/busy_poll.js";
import { BhWorkqueues, type BhWorkqueue } from "../workqueue/bh.js";
import { forceIrqThreads } from "../sim/irq_thread.js";
import { MIN_NAPI_ID } from "../net/napi.js";
import { NoisyDevice } from "../drivers/noisy.js";
import { Uart } from "../drivers/uart.js";
import { BlockDevice } from "../drivers/block.js";
import { readReplayFile } from "./replay_file.js";
import type { Thread } from "../sim/thread.js";
import { bootRuntime } from "../runtimes/runtime.js";
import type { RuntimeSystem } from "../runtimes/system.js";

export interface System {
  readonly scenario: Scenario;
  readonly k: Kernel;
  readonly mem: Memory;
  readonly softirq: Softirq;
  readonly tasklets: Tasklets;
  readonly timers: Timers;
  readonly wqs: Workqueues;
  /** BH workqueues (WQ_BH), when the scenario declares any. */
  readonly bh: BhWorkqueues | null;
  readonly net: NetStack;
  readonly nics: Nic[];
  readonly noisy: NoisyDevice[];
  readonly uarts: Uart[];
  readonly blocks: BlockDevice[];
  readonly hrtimers: HrTimer[];
  /** Every scenario device's projection, in the scenario's order. */
  readonly devices: DeviceProjection[];
  readonly sockets: Socket[];
  readonly tasks: { name: string; thread: Thread }[];
  /** The event-loop runtime above the kernel, if the scenario has one (runtimes/). */
  readonly runtime: RuntimeSystem | null;
  /** Latency breakdown, in the order a packet meets each stage. */
  readonly latency: {
    irq_entry: Latency;
    top_half_to_bh: Latency;
    bottom_half: Latency;
    deliver: Latency;
  };
}

export function boot(scenario: Scenario, plants?: Plants): System {
  const k = new Kernel({
    ...(plants === undefined ? {} : { plants }),
    seed: scenario.seed,
    cpus: scenario.cpus,
    hz: scenario.kernel.hz,
    irqTimeAccounting: scenario.kernel.irq_time_accounting,
    costs: resolveCosts(scenario.costs),
    memory: { model: scenario.kernel.memory, weakness: scenario.kernel.memory_weakness, window: scenario.kernel.memory_window },
    // One DMA agent per NIC queue (each queue's engine writes its own ring).
    dmaAgents: Object.values(scenario.devices).reduce((n, d) => n + (d.type === "nic" ? d.queues : 0), 0),
  });
  const mem = k.mem;
  const latency = {
    irq_entry: new Latency("irq_entry", "IRQ assert -> top-half entry"),
    top_half_to_bh: new Latency("top_half_to_bh", "top half schedules NAPI (NET_RX), a tasklet, the irq thread or work -> it starts"),
    bottom_half: new Latency("bottom_half", "packet arrival -> protocol processing starts (softirq, irq thread or kworker)"),
    deliver: new Latency("deliver", "packet arrival -> recv() returns it to the task"),
  };
  const softirq = new Softirq(k, scenario.kernel.softirq_defer_to_ksoftirqd);
  const tasklets = new Tasklets(k, softirq);
  const timers = new Timers(k, softirq, scenario.kernel.tick === "periodic");
  if (scenario.kernel.threadirqs) forceIrqThreads(k);
  const wqs = new Workqueues(k, timers);
  const kc = scenario.kernel;
  const net = new NetStack(k, softirq, {
    netdevBudget: kc.netdev_budget,
    netdevBudgetUsecs: kc.netdev_budget_usecs ?? netdevBudgetUsecs(kc.hz),
    netdevMaxBacklog: kc.netdev_max_backlog,
    devWeight: kc.dev_weight,
  });

  const nics: Nic[] = [];
  const sockets: Socket[] = [];
  // Object key order is the YAML's order: deterministic for a given file.
  const noisy: NoisyDevice[] = [];
  const uarts: Uart[] = [];
  const blocks: BlockDevice[] = [];
  const hrtimers: HrTimer[] = [];
  // napi_hash_add(): ids in the order the instances are added, from MIN_NAPI_ID.
  let napiId = MIN_NAPI_ID;
  const devices: DeviceProjection[] = [];
  Object.entries(scenario.devices).forEach(([name, dev], index) => {
    if (dev.type === "hrtimer") {
      const { period, work } = dev;
      const t = timers.createHrtimer(name, dev.cpu, dev.soft, function* (kk, self) {
        if (work > 0) yield kk.cpu(work);
        return self.fired * period + period; // HRTIMER_RESTART at the next period boundary
      });
      timers.startHrtimer(t, period);
      hrtimers.push(t);
      devices.push(hrtimerProjection(t));
      return;
    }
    if (dev.type === "block") {
      const b = new BlockDevice(k, softirq, { name, index, irq: dev.irq, affinity: dev.affinity, queueDepth: dev.queue_depth, service: dev.service });
      blocks.push(b);
      devices.push(blockProjection(b));
      return;
    }
    if (dev.type === "uart") {
      const u = new Uart(k, { name, index, irq: dev.irq, affinity: dev.affinity, baud: dev.baud, trigger: dev.trigger, barriers: dev.barriers });
      uarts.push(u);
      devices.push(uartProjection(u));
      return;
    }
    if (dev.type === "noisy") {
      const d = new NoisyDevice(k, { name, index, irq: dev.irq, affinity: dev.affinity, shared: dev.shared, rate: dev.rate, handled: dev.handled });
      noisy.push(d);
      devices.push(noisyProjection(d));
      return;
    }
    const sk = createSocket(mem, `${name}.sock`);
    sockets.push(sk);
    net.sockets[index] = sk;
    net.skbs.addOwner(sk.owner);
    const t = dev.traffic;
    const nic = new Nic(k, mem, net, {
      name,
      index,
      irq: dev.irq,
      affinity: dev.affinity,
      ringSize: dev.ring_size,
      packetSize: t.kind === "replay" ? 1500 : t.size,
      mode: dev.mode,
      weight: dev.weight,
      napiIdBase: napiId,
      queues: dev.queues,
      flows: dev.flows,
      coalesce: { rxUsecs: dev.coalesce.rx_usecs, rxFrames: dev.coalesce.rx_frames, adaptive: dev.coalesce.adaptive_rx },
      shared: dev.shared,
      txRate: dev.tx_rate,
      ioWait: dev.io_wait,
      lock: dev.lock,
      bug: dev.bug,
      barriers: dev.barriers,
      traffic:
        t.kind === "replay"
          ? { kind: "replay", records: readReplayFile(t.file, `devices.${name}.traffic.file`), loop: t.loop, start: t.start }
          : t.kind === "onoff"
            ? { kind: "onoff", rate: t.rate, on: t.on, off: t.off, start: t.start }
            : t.kind === "closed"
              ? { kind: "closed", clients: t.clients, think: t.think, start: t.start }
              : { kind: t.kind, rate: t.rate, start: t.start },
    });
    nics.push(nic);
    devices.push(nicProjection(nic));
    if (dev.mode !== "napi") return;
    napiId += dev.queues;
    for (const q of nics[nics.length - 1]!.queues) {
      const napi = q.napi!;
      const defer = { deferHardIrqs: dev.napi_defer_hard_irqs, groFlushTimeout: dev.gro_flush_timeout, irqSuspendTimeout: dev.irq_suspend_timeout };
      napiTimerSetup(k, net, timers, napi, q.desc.affinity[0]!, defer);
      if (dev.napi_threaded) napiKthreadCreate(k, net, napi, name);
    }
  });

  // Workqueues the scenario declares, then the devices that queue work on them.
  const workqueues = new Map<string, Workqueue>();
  const bhWorkqueues = new Map<string, BhWorkqueue>();
  const anyBh = Object.values(scenario.workqueues).some((w) => w.flags.includes("bh"));
  const bh = anyBh ? new BhWorkqueues(k, softirq) : null;
  for (const [name, spec] of Object.entries(scenario.workqueues)) {
    const f = new Set(spec.flags);
    if (f.has("bh")) {
      bhWorkqueues.set(name, bh!.allocBhWorkqueue(name, f.has("highpri")));
      continue;
    }
    const flags = { unbound: f.has("unbound"), highpri: f.has("highpri"), memReclaim: f.has("mem_reclaim"), cpuIntensive: f.has("cpu_intensive") };
    workqueues.set(name, f.has("ordered") ? wqs.allocOrderedWorkqueue(name, flags) : wqs.allocWorkqueue(name, flags, spec.max_active));
  }
  const rxWorkqueues = new Set<Workqueue>();
  for (const nic of nics) {
    const d = scenario.devices[nic.spec.name]!;
    const wqName = d.type === "nic" ? d.workqueue : undefined;
    if (wqName === undefined || bhWorkqueues.has(wqName)) continue;
    nic.useWorkqueue(wqs, workqueues.get(wqName)!);
    // Only mode workqueue queues work from the top half (one item per packet).
    if (nic.spec.mode === "workqueue") rxWorkqueues.add(workqueues.get(wqName)!);
  }
  for (const u of uarts) {
    const d = scenario.devices[u.spec.name]!;
    if (d.type === "uart" && d.workqueue !== undefined) u.useFlipBuffer(wqs, workqueues.get(d.workqueue)!);
  }
  // The run's latency stages, from the measurements every subsystem reports to the trace
  // (one listener). top_half_to_bh counts once per hand-off: tasklet_schedule -> the
  // tasklet runs (only NIC tasklets exist), IRQ_WAKE_THREAD -> the thread function starts,
  // napi_schedule -> the first poll, queue_work of a NIC's rx work item -> it starts.
  const rxWqIds = new Set([...rxWorkqueues].map((wq) => wqs.workqueues.indexOf(wq)));
  k.trace.onMeasure((stage, ns, id) => {
    switch (stage) {
      case "irq_entry":
        latency.irq_entry.record(ns);
        break;
      case "tasklet_start":
      case "irq_thread_start":
      case "napi_poll_start":
      case "bh_work_start":
        latency.top_half_to_bh.record(ns);
        break;
      case "work_start":
        if (rxWqIds.has(id)) latency.top_half_to_bh.record(ns);
        break;
      case "netif_receive_skb":
        latency.bottom_half.record(ns);
        break;
      case "recv":
        latency.deliver.record(ns);
        break;
    }
  });
  for (const fault of scenario.faults) scheduleFault({ k, wqs, nics }, fault);

  // Mode tasklet: one tasklet per name, draining every device that names it.
  const byTasklet = new Map<string, Nic[]>();
  for (const nic of nics) {
    if (nic.spec.mode !== "tasklet") continue;
    const d = scenario.devices[nic.spec.name]!;
    const name = (d.type === "nic" ? d.tasklet : undefined) ?? `${nic.spec.name}_rx`;
    byTasklet.set(name, [...(byTasklet.get(name) ?? []), nic]);
  }
  for (const [name, members] of byTasklet) {
    const drain = function* (kk: Kernel) {
      for (const nic of members) yield* nic.taskletRx(kk);
    };
    // With a BH workqueue the tasklet is converted to a work item on it (6.9+).
    const d = scenario.devices[members[0]!.spec.name]!;
    const bhWq = d.type === "nic" && d.workqueue !== undefined ? bhWorkqueues.get(d.workqueue) : undefined;
    if (bhWq !== undefined) {
      const work = bh!.initWork(bhWq, name, drain);
      for (const nic of members) nic.useBhWork(() => bh!.queueWork(bhWq, work));
      continue;
    }
    const t = tasklets.create(name, drain);
    for (const nic of members) nic.useTasklet(tasklets, t);
  }

  const deviceIndex = new Map(Object.keys(scenario.devices).map((n, i) => [n, i]));
  const tasks: { name: string; thread: Thread }[] = [];
  for (const [name, task] of Object.entries(scenario.tasks)) {
    if (task.type === "block-io") {
      const dev = blocks.find((b) => b.spec.name === task.device)!;
      const think = task.think;
      for (let j = 0; j < task.jobs; j++) {
        const thread = k.spawn({ comm: task.jobs > 1 ? `${name}.${j}` : name, cpu: task.cpu, kernelThread: false, nice: task.nice }, function* () {
          for (;;) {
            yield* dev.submitAndWait(k);
            if (think > 0) yield k.user(think);
          }
        });
        tasks.push({ name, thread });
      }
      continue;
    }
    if (task.type === "irqs-off") {
      const { every, hold } = task;
      const thread = k.spawn({ comm: name, cpu: task.cpu, kernelThread: true, nice: task.nice }, function* () {
        for (;;) {
          yield k.localIrqDisable();
          yield k.cpu(hold);
          yield k.localIrqEnable();
          yield k.sleep(Math.max(1, every - hold));
        }
      });
      tasks.push({ name, thread });
      continue;
    }
    if (task.type === "busy") {
      // A user-mode spinner, in 1 ms chunks so the scheduler sees it often.
      const thread = k.spawn({ comm: name, cpu: task.cpu, kernelThread: false, nice: task.nice }, function* () {
        for (;;) yield k.user(1_000_000);
      });
      tasks.push({ name, thread });
      continue;
    }
    const sk = net.sockets[deviceIndex.get(task.socket)!]!; // indexed by device index, like deviceIndex
    // A closed-loop client hears its reply when the application has the packet.
    const source = nics.find((n) => n.spec.name === task.socket);
    const thread = k.spawn({ comm: name, cpu: task.cpu, kernelThread: false, nice: task.nice }, (self) =>
      socketReader(k, net, self, {
        socket: sk,
        batch: task.batch,
        workPerPacket: task.work_per_packet,
        onDeliver: () => source?.reply(),
        busyLoop: task.busy_poll > 0 ? busyLoop(net, { timeout: task.busy_poll, prefer: task.prefer_busy_poll }) : null,
      }),
    );
    tasks.push({ name, thread });
  }
  const runtime = scenario.runtime === undefined ? null : bootRuntime(k, scenario.runtime, scenario.cpus);
  return { scenario, k, mem, softirq, tasklets, timers, wqs, bh, net, nics, noisy, uarts, blocks, hrtimers, devices, sockets, tasks, latency, runtime };
}
