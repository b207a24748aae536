/**
 * Each runtime's own report of a blocked async layer, in its own words. A long callback on
 * the loop is the runtime's "sleeping in atomic context": nothing else on the loop runs
 * until it returns. The kernel prints BUG: sleeping function called from invalid context;
 * these print what their users see:
 *  - Android: the ANR ("Input dispatching timed out"), when an input event has waited
 *    input_dispatch_timeout (5 s) for the main thread (InputDispatcher's ANR tracking);
 *  - asyncio in debug mode: "Executing <Task ...> took 0.123 seconds", logged after a
 *    callback ran longer than loop.slow_callback_duration (asyncio/base_events.py);
 *  - Vert.x on the JVM: BlockedThreadChecker's "Thread ... has been blocked for N ms, time
 *    limit is 2000 ms", first after the limit and then every blockedThreadCheckInterval (1 s);
 *  - Node.js: no built-in watchdog; the loop delay is what perf_hooks.monitorEventLoopDelay
 *    measures, reported here after the blocking callback returns.
 */
import type { Kernel } from "../sim/kernel.js";
import { printkTimestamp } from "../sim/printk.js";
import { createEvent, type SimEvent } from "../sim/engine.js";
import { NSEC_PER_MSEC, NSEC_PER_SEC } from "../sim/time.js";
import { MSG_ARRIVAL, type EventLoop, type LoopMsg, type LoopWatch } from "./event_loop.js";
import type { Request } from "./request.js";

/** The runtime's log (logcat, stderr): timestamped lines, the watchdog's among them. */
export interface RuntimeLog {
  write(text: string): void;
  reports: number;
}

/** At most this many log lines are kept (the count of reports is exact). */
export const RUNTIME_LOG_LIMIT = 50;

export function makeLog(k: Kernel): RuntimeLog & { lines: string[]; dropped: number } {
  const log = {
    lines: [] as string[],
    dropped: 0,
    reports: 0,
    write(text: string): void {
      if (log.lines.length < RUNTIME_LOG_LIMIT) log.lines.push(printkTimestamp(k.now) + text);
      else log.dropped++;
    },
  };
  return log;
}

/** Vert.x blockedThreadCheckInterval default. */
const VERTX_CHECK_INTERVAL_NS = NSEC_PER_SEC;

export function vertxBlockedThreadChecker(k: Kernel, loop: EventLoop, limit: number, log: RuntimeLog): LoopWatch {
  let start = 0;
  const check: SimEvent = createEvent(() => {
    const blocked = Math.floor((k.now - start) / NSEC_PER_MSEC);
    log.write(`WARNING: Thread Thread[${loop.comm},5,main] has been blocked for ${blocked} ms, time limit is ${Math.floor(limit / NSEC_PER_MSEC)} ms`);
    log.reports++;
    k.engine.after(check, VERTX_CHECK_INTERVAL_NS);
  });
  return {
    start() {
      start = k.now;
      k.engine.after(check, limit);
    },
    end() {
      k.engine.cancel(check);
    },
  };
}

export function asyncioSlowCallback(threshold: number, log: RuntimeLog, className: (r: Request) => string): LoopWatch {
  return {
    start() {},
    end(m: LoopMsg, ran: number) {
      if (ran < threshold) return;
      const secs = (ran / NSEC_PER_SEC).toFixed(3);
      log.write(`WARNING:asyncio:Executing <Task pending name='Task-${m.req.id + 1}' coro=<${className(m.req)}()>> took ${secs} seconds`);
      log.reports++;
    },
  };
}

export function nodeLoopDelay(threshold: number, log: RuntimeLog, className: (r: Request) => string): LoopWatch {
  return {
    start() {},
    end(m: LoopMsg, ran: number) {
      if (ran < threshold) return;
      log.write(`event loop blocked for ${Math.floor(ran / NSEC_PER_MSEC)} ms by a ${className(m.req)} callback (threshold ${Math.floor(threshold / NSEC_PER_MSEC)} ms)`);
      log.reports++;
    },
  };
}

/**
 * Android's input ANR: each input event is timed from its arrival; if the main thread has
 * not finished handling it within the timeout, the system reports the app not responding.
 */
export class AndroidAnrWatchdog implements LoopWatch {
  private readonly timers = new Map<Request, SimEvent>();

  constructor(
    private readonly k: Kernel,
    private readonly timeout: number,
    private readonly log: RuntimeLog,
    private readonly eventName: (r: Request) => string,
  ) {}

  /** An input event was queued for the main thread. */
  arm(r: Request): void {
    const ev = createEvent(() => {
      this.timers.delete(r);
      this.log.write(`ANR in com.example.app (com.example.app/.MainActivity): Input dispatching timed out (Waited ${Math.floor(this.timeout / NSEC_PER_MSEC)}ms for ${this.eventName(r)})`);
      this.log.reports++;
    });
    this.timers.set(r, ev);
    this.k.engine.after(ev, this.timeout);
  }

  start(): void {}

  end(m: LoopMsg): void {
    if (m.kind !== MSG_ARRIVAL) return;
    const ev = this.timers.get(m.req);
    if (ev === undefined) return;
    this.k.engine.cancel(ev);
    this.timers.delete(m.req);
  }
}
