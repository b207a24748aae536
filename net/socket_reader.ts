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
import { recv, type Socket } from "./socket.js";

export interface SocketReaderSpec {
  socket: Socket;
  batch: number;
  workPerPacket: number;
  onDeliver?: (latencyNs: number) => void;
}

export function* socketReader(k: Kernel, net: NetStack, self: Thread, spec: SocketReaderSpec): Handler {
  for (;;) {
    const got = yield* recv(k, spec.socket, spec.batch);
    if (got.length === 0) continue;
    net.stats.delivered += got.length;
    for (const skb of got) {
      net.checkDelivered(skb, self.cpu);
      k.trace.emit(TP.pkt_deliver, self.cpu, self.pid, skb.id);
      spec.onDeliver?.(k.now - skb.arrivedAt);
    }
    if (spec.workPerPacket > 0) yield k.user(spec.workPerPacket * got.length);
  }
}
