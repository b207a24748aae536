/** Every lesson, in teaching order. Each lives in its own file named after its concept. */
import type { Lesson } from "./lesson.js";
import { topHalfBottomHalf } from "./top-half-bottom-half.js";
import { softirqRestartKsoftirqd } from "./softirq-restart-ksoftirqd.js";
import { receiveLivelockNapi } from "./receive-livelock-napi.js";
import { taskletSerialization } from "./tasklet-serialization.js";
import { workqueueConcurrency } from "./workqueue-concurrency.js";
import { sleepingInAtomic } from "./sleeping-in-atomic.js";
import { missingBarrier } from "./missing-barrier.js";
import { interruptCoalescing } from "./interrupt-coalescing.js";
import { threadedIrqOneshot } from "./threaded-irq-oneshot.js";
import { spuriousIrq } from "./spurious-irq.js";
import { rssMultiqueue } from "./rss-multiqueue.js";
import { handoffTax } from "./handoff-tax.js";

export const LESSONS: readonly Lesson[] = [
  topHalfBottomHalf,
  softirqRestartKsoftirqd,
  receiveLivelockNapi,
  taskletSerialization,
  workqueueConcurrency,
  sleepingInAtomic,
  missingBarrier,
  interruptCoalescing,
  threadedIrqOneshot,
  spuriousIrq,
  rssMultiqueue,
  handoffTax,
];

export function findLesson(name: string): Lesson | undefined {
  return LESSONS.find((l) => l.name === name);
}
