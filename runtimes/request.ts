/**
 * A request crossing the boundary: it arrives at the async layer (the loop), may be handed
 * to the sync layer (a pool thread) through a queue, and its result comes back to the loop.
 * The times it records are the hand-off tax, measured rather than assumed.
 */
export const REQ_ARRIVED = 0;
export const REQ_QUEUED = 1;
export const REQ_RUNNING = 2;
/** The worker finished and posted the result back; the loop has not run the callback yet. */
export const REQ_POSTED = 3;
export const REQ_COMPLETED = 4;
export const REQ_REJECTED = 5;
/** Removed from the executor's queue before it started (a cancelled future, DiscardOldest). */
export const REQ_CANCELLED = 6;

/** How the worker that started a request was doing when the request was published. */
export const PICKUP_PARKED = 0;
export const PICKUP_SPINNING = 1;
export const PICKUP_BUSY = 2;
export const PICKUP_NEW_THREAD = 3;

export interface Request {
  readonly id: number;
  /** index into the runtime's request classes */
  readonly cls: number;
  readonly arrival: number;
  /** Android MessageQueue order: arrival + postDelayed delay */
  readonly when: number;
  /** which loop received it (producers > 1) */
  readonly loop: number;
  state: number;
  /** when it became visible in the pool's queue (the hand-off starts) */
  published: number;
  started: number;
  pickup: number;
  /** asyncio wait_for gave up on it */
  timedOut: boolean;
}

export function createRequest(id: number, cls: number, arrival: number, when: number, loop: number): Request {
  return { id, cls, arrival, when, loop, state: REQ_ARRIVED, published: -1, started: -1, pickup: PICKUP_BUSY, timedOut: false };
}
