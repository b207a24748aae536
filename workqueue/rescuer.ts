/**
 * The rescuer (kernel/workqueue.c rescuer_thread): every WQ_MEM_RECLAIM workqueue has one
 * thread of its own, so its items make progress even when no new kworker can be created
 * (creating one may need memory the items themselves are there to free). When a pool's
 * mayday timer finds worker creation stuck, it "maydays" the pwqs with waiting items; the
 * rescuer moves to that pool's CPU, takes that workqueue's items off the worklist and runs
 * them itself.
 */
import type { Handler } from "../sim/ops.js";
import { wakeUpProcess } from "../sim/sched.js";
import { createEvent } from "../sim/engine.js";
import {
  assignWork,
  kickPool,
  needToCreateWorker,
  processScheduledWorks,
  WORKER_NOT_RUNNING,
  type Pwq,
  type Worker,
} from "./pool.js";
import type { Workqueue, Workqueues } from "./workqueue.js";

/** send_mayday(): queue the pwq for the rescuer once, and wake it. */
export function sendMayday(wqs: Workqueues, pwq: Pwq): void {
  const wq = pwq.wq;
  if (wq.rescuer === null || pwq.onMayday) return;
  pwq.onMayday = true;
  wq.maydays.push(pwq);
  pwq.stats.mayday++;
  wakeUpProcess(wqs.k, wq.rescuer.thread);
}

/** init_rescuer(): the thread is named kworker/R-<wq> (Linux 6.9+). */
export function createRescuer(wqs: Workqueues, wq: Workqueue): Worker {
  const k = wqs.k;
  const pool = wqs.pools()[0]!;
  const r: Worker = {
    id: -1,
    pool,
    thread: null as unknown as Worker["thread"],
    flags: WORKER_NOT_RUNNING,
    sleeping: false,
    current: null,
    currentPwq: null,
    scheduled: [],
    currentAt: 0,
    hogCheck: createEvent(() => {}), // rescuers are never checked for hogging
    lastActive: 0,
    rescuer: true,
  };
  r.thread = k.spawn({ comm: `kworker/R-${wq.name}`.slice(0, 15), cpu: 0, kernelThread: true }, () => rescuerThread(wqs, wq, r));
  return r;
}

function* rescuerThread(wqs: Workqueues, wq: Workqueue, r: Worker): Handler {
  const k = wqs.k;
  for (;;) {
    while (wq.maydays.length > 0) {
      const pwq = wq.maydays.shift()!;
      pwq.onMayday = false;
      const pool = pwq.pool;
      // worker_attach_to_pool(): run where the pool's work belongs.
      const cpu = pool.cpu >= 0 ? pool.cpu : r.thread.cpu;
      if (cpu !== r.thread.cpu) {
        r.thread.cpu = cpu;
        r.thread.allowed = [cpu];
        yield k.sleep(0); // migrate: off this CPU, woken on the pool's
      }
      r.pool = pool;
      for (const work of [...pool.worklist]) {
        if (work.pwq === pwq && assignWork(r, work, pool.worklist)) pwq.stats.rescued++;
      }
      if (r.scheduled.length > 0) {
        yield* processScheduledWorks(wqs, r);
        // More may have become active meanwhile; stay on the list while creation is stuck.
        if (pwq.nrActive > 0 && needToCreateWorker(pool) && !pwq.onMayday) {
          pwq.onMayday = true;
          wq.maydays.push(pwq);
        }
      }
      kickPool(wqs, pool);
    }
    yield k.schedule();
  }
}
