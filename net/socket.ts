/**
 * A datagram socket's receive side: sk_receive_queue limited by sk_rcvbuf, the wait
 * queue its reader sleeps on, and recv() for the reader task.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import { wakeUp } from "../sim/sched.js";
import { createWaitQueue, type WaitQueue } from "../sim/waitqueue.js";
import type { Location, Memory } from "../sim/memory.js";
import { truesize, type Skb } from "./skb.js";
import type { SkbOwner } from "./skb_owner.js";
import type { NapiStruct } from "./napi.js";

/** net.core.rmem_default: 212992 bytes of receive buffer per socket. */
export const RMEM_DEFAULT = 212_992;

export interface Socket {
  readonly name: string;
  readonly queue: Skb[];
  /** sk_rmem_alloc: truesize of queued skbs. */
  rmemAlloc: number;
  readonly rcvbuf: number;
  readonly wq: WaitQueue;
  /** sk_receive_queue as an skb owner, and recv() holding what it took off it. */
  readonly owner: SkbOwner;
  readonly recvOwner: SkbOwner;
  /** sk_receive_queue.lock: the queueing CPU and the reader meet here. */
  readonly lock: Location;
  /** sk->sk_napi_id: the NAPI instance that last delivered here (sk_mark_napi_id). */
  napi: NapiStruct | null;
}

/**
 * What a task's recv() does while the queue is empty before it sleeps: sk_busy_loop()
 * (net/busy_poll.ts), or nothing. Kept as a hook so the socket does not import the poller.
 */
export type BusyLoop = (k: Kernel, sk: Socket) => Handler;

export function createSocket(mem: Memory, name: string, rcvbuf = RMEM_DEFAULT): Socket {
  const queue: Skb[] = [];
  return {
    name,
    queue,
    rmemAlloc: 0,
    rcvbuf,
    wq: createWaitQueue(`${name}.sk_wq`),
    owner: { name: `${name} receive queue`, contents: () => queue },
    recvOwner: { name: `recv() on ${name}`, contents: null },
    lock: mem.alloc(`${name}.sk_receive_queue.lock`),
    napi: null,
  };
}

/**
 * sock_queue_rcv_skb(): refuse when the receive buffer is full (the caller drops with
 * SKB_DROP_REASON_SOCKET_RCVBUFF), otherwise queue and wake the reader (sk_data_ready).
 */
export function sockQueueRcvSkb(k: Kernel, sk: Socket, skb: Skb): boolean {
  const size = truesize(skb);
  if (sk.rmemAlloc + size > sk.rcvbuf) return false;
  sk.rmemAlloc += size;
  // The payload travels in memory: the skb's data written by this CPU, then published by
  // skb_queue_tail()'s spin_unlock (a release) to the reader's spin_lock (an acquire).
  const mem = k.mem;
  const cpu = k.smpProcessorId();
  const loc = mem.allocTemp(`${sk.name}.skb`);
  mem.write(loc, skb.data, cpu);
  skb.dataLoc = loc;
  mem.spinLock(sk.lock, cpu);
  sk.queue.push(skb);
  mem.spinUnlock(sk.lock, cpu);
  wakeUp(k, sk.wq);
  return true;
}

/**
 * recv() of up to `max` datagrams: sleep while the queue is empty, then dequeue (each
 * handed to `take` with recv()'s own owner) and copy each to user space. Returns the skbs
 * received. With `busyLoop` (SO_BUSY_POLL), each time the queue is found empty the task
 * first busy-polls, as __skb_recv_udp() calls sk_busy_loop() before
 * __skb_wait_for_more_packets() (net/ipv4/udp.c).
 */
export function* recv(k: Kernel, sk: Socket, max: number, take: (skb: Skb, owner: SkbOwner) => void, busyLoop: BusyLoop | null = null): Handler<Skb[]> {
  yield k.cpu(k.costs.recv_syscall);
  while (sk.queue.length === 0) {
    if (busyLoop !== null) {
      yield* busyLoop(k, sk);
      if (sk.queue.length > 0) break;
    }
    const slept = yield k.wait(sk.wq);
    if (slept === false) return [];
  }
  const n = Math.min(max, sk.queue.length);
  const mem = k.mem;
  const cpu = k.smpProcessorId();
  mem.spinLock(sk.lock, cpu);
  const got = sk.queue.splice(0, n);
  mem.spinUnlock(sk.lock, cpu);
  for (const skb of got) {
    take(skb, sk.recvOwner);
    takePayload(mem, cpu, skb);
  }
  for (const skb of got) {
    sk.rmemAlloc -= truesize(skb);
    yield k.cpu(Math.ceil((k.costs.copy_per_kib * skb.len) / 1024));
  }
  return got;
}

/** The consumer's side of a payload hand-off: read the word, free its location. */
export function takePayload(mem: Memory, cpu: number, skb: Skb): void {
  const loc = skb.dataLoc;
  if (loc === null) return;
  skb.data = mem.read(loc, cpu);
  skb.dataLoc = null;
  mem.freeTemp(loc);
}
