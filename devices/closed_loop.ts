/**
 * A closed-loop load generator (a ping-pong benchmark, wrk with one connection per client):
 * `clients` clients each send one request, wait for its reply, think for `think`, and send
 * the next. Unlike an open-loop (Poisson) generator it sends nothing while it waits, so when
 * the system under test stalls it stops asking: the requests it would have sent -- exactly
 * the ones that would have waited -- are never made, never measured. That is coordinated
 * omission (Gil Tene, "How NOT to Measure Latency"). A request that is dropped is never
 * answered, and its client stops: there is no retry.
 */
export interface ClosedLoopSpec {
  clients: number;
  /** ns between a reply and the client's next request */
  think: number;
  /** ns: when every client sends its first request */
  start: number;
}

export class ClosedLoop {
  /** Requests sent and replies received so far; sent - replies are in flight (at most `clients`). */
  sent = 0;
  replies = 0;

  constructor(readonly spec: ClosedLoopSpec) {}

  /** When each client sends its first request. */
  firstSends(): number[] {
    return Array.from({ length: this.spec.clients }, () => this.spec.start);
  }

  /** A request goes out. */
  onSend(): void {
    this.sent++;
  }

  /** A reply came back at `now`: when its client sends again. */
  onReply(now: number): number {
    this.replies++;
    if (this.replies > this.sent) throw new Error(`closed loop: reply ${this.replies} to ${this.sent} requests`);
    return now + this.spec.think;
  }

  get inFlight(): number {
    return this.sent - this.replies;
  }
}
