import { expect, test } from "vitest";
import { bareKernel, runUntil } from "./helpers/kernel.js";
import { createEvent } from "../sim/engine.js";
import { EventLoop, MSG_ARRIVAL } from "../runtimes/event_loop.js";
import { createRequest } from "../runtimes/request.js";

const COSTS = { enqueue: 0, cacheline: 0 };

/** A loop whose callbacks take 10 us each and record the order they ran in. */
function loop(byWhen: boolean, delays = [49_000, 0, 19_000]) {
  const k = bareKernel();
  const ran: { id: number; at: number }[] = [];
  const l = new EventLoop(k, "main", 0, byWhen, COSTS, function* (m) {
    ran.push({ id: m.req.id, at: k.now });
    yield k.user(10_000);
  });
  // At t = 1 us: request 0 due at 50 us (postDelayed), request 1 due now, request 2 due at 20 us.
  k.engine.schedule(
    createEvent(() => {
      delays.forEach((d, id) => l.deliver(MSG_ARRIVAL, createRequest(id, 0, k.now, k.now + d, 0), k.now + d));
    }),
    1_000,
  );
  runUntil(k, 100_000);
  return { ran, l };
}

test("Android's MessageQueue runs messages by `when`, sleeping until the head is due", () => {
  const { ran, l } = loop(true);
  expect(ran).toEqual([
    { id: 1, at: 1_000 },
    { id: 2, at: 20_000 },
    { id: 0, at: 50_000 },
  ]);
  expect(l.stats.callbacks).toBe(3);
  expect(l.lag.summary().max).toBe(0);
});

test("a FIFO loop (libuv, asyncio) runs messages in posting order; waiting behind a callback is loop lag", () => {
  const { ran, l } = loop(false, [0, 0, 0]);
  expect(ran).toEqual([
    { id: 0, at: 1_000 },
    { id: 1, at: 11_000 },
    { id: 2, at: 21_000 },
  ]);
  expect(l.lag.summary().max).toBe(20_000);
});
