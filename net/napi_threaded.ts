/**
 * Threaded NAPI (net/core/dev.c napi_kthread_create, napi_threaded_poll,
 * napi_threaded_poll_loop, napi_thread_wait; /sys/class/net/<dev>/threaded, Linux 5.12+):
 * each NAPI instance gets a kthread `napi/<dev>-<napi_id>`, an ordinary SCHED_OTHER thread
 * at nice 0 on any CPU. ____napi_schedule() then sets NAPI_STATE_SCHED_THREADED and wakes
 * it instead of raising NET_RX, and the thread polls with BH disabled in process context.
 *
 * What changes under overload is who decides: NET_RX run at irq_exit outranks every task
 * and only gives way at its restart and time limits; the NAPI thread is a task the
 * scheduler shares fairly with the application, so the reader keeps its share of the CPU
 * however short each poll is (the NAPI dip of net/dev.ts cannot starve it).
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import type { Thread } from "../sim/thread.js";
import type { NetStack } from "./dev.js";
import type { NapiStruct } from "./napi.js";

/** include/linux/sched.h TASK_COMM_LEN 16: 15 characters and the NUL. */
const TASK_COMM_LEN = 16;

/** The thread's name, as kthread_run(napi_threaded_poll, n, "napi/%s-%d", dev->name, n->napi_id) sets it. */
export function napiThreadName(devName: string, napi: NapiStruct): string {
  return `napi/${devName}-${napi.id}`.slice(0, TASK_COMM_LEN - 1);
}

/** napi_kthread_create() + NAPI_STATE_THREADED: the thread exists and schedules go to it. */
export function napiKthreadCreate(k: Kernel, net: NetStack, napi: NapiStruct, devName: string): Thread {
  const all = k.cpus.map((c) => c.id);
  const thread = k.spawn({ comm: napiThreadName(devName, napi), cpu: all[0]!, allowed: all, kernelThread: true }, () => napiThreadedPoll(k, net, napi));
  napi.thread = thread;
  return thread;
}

/** napi_threaded_poll(): wait for SCHED_THREADED, then poll until the instance completes. */
function* napiThreadedPoll(k: Kernel, net: NetStack, napi: NapiStruct): Handler {
  for (;;) {
    // napi_thread_wait(): sleep until ____napi_schedule() sets SCHED_THREADED and wakes us.
    while (!napi.schedThreaded) yield k.schedule();
    // napi_threaded_poll_loop(): one __napi_poll() per round with BH disabled; softirqs
    // raised meanwhile run at local_bh_enable(); cond_resched() between repolls.
    for (;;) {
      const repoll: NapiStruct[] = [];
      yield k.localBhDisable();
      yield* net.napiPoll(k, napi, repoll);
      napi.threadedPolls++;
      yield k.localBhEnable();
      if (repoll.length === 0) break;
      yield k.condResched();
    }
  }
}
