/**
 * A user task that drains a socket: recv() up to `batch` datagrams (sleeping while none
 * are queued), then spend `workPerPacket` of user-mode time on each. Delivery, and the
 * end-to-end latency, are counted when recv() hands a packet to the task.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import type { Thread } from "../sim/thread.js";
import { TP } from "../sim/trace.js";
import type { NetStack } from "./dev.js";
import { recv, type BusyLoop, type Socket } from "./socket.js";
import type { Skb } from "./skb.js";
import type { SkbOwner } from "./skb_owner.js";

export interface SocketReaderSpec {
  socket: Socket;
  batch: number;
  workPerPacket: number;
  /** The application has the packet (closed-loop traffic: its client may send again). */
  onDeliver?: (skb: Skb) => void;
  /** SO_BUSY_POLL: what recv() does on an empty queue before sleeping (net/busy_poll.ts). */
  busyLoop?: BusyLoop | null;
}

export function* socketReader(k: Kernel, net: NetStack, self: Thread, spec: SocketReaderSpec): Handler {
  const task: SkbOwner = { name: `task ${self.comm}`, contents: null };
  const take = (skb: Skb, owner: SkbOwner): void => net.skbs.give(skb, owner);
  for (;;) {
    const got = yield* recv(k, spec.socket, spec.batch, take, spec.busyLoop ?? null);
    if (got.length === 0) continue;
    for (const skb of got) {
      net.deliver(skb, task);
      // The planted bug: the same packet handed to the task a second time.
      if (k.plants.doubleDeliver && k.plants.fire("double-deliver", 5)) net.deliver(skb, task);
      net.checkDelivered(skb, self.cpu);
      k.trace.emit(TP.pkt_deliver, self.cpu, self.pid, skb.id);
      k.trace.measure("recv", k.now - skb.arrivedAt, skb.dev); // arrival -> recv() returns it
      spec.onDeliver?.(skb);
    }
    if (spec.workPerPacket > 0) yield k.user(spec.workPerPacket * got.length);
  }
}
