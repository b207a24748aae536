/** Every lesson, in teaching order. Each lives in its own file named after its concept; YAML ones (lessons/*.yaml) follow. */
import type { Lesson } from "./lesson.js";
import { builtinYamlLessons, loadYamlLesson } from "./yaml_lesson.js";
import { topHalfBottomHalf } from "./top-half-bottom-half.js";
import { softirqRestartKsoftirqd } from "./softirq-restart-ksoftirqd.js";
import { receiveLivelockNapi } from "./receive-livelock-napi.js";
import { napiCures } from "./napi-cures.js";
import { taskletSerialization } from "./tasklet-serialization.js";
import { workqueueConcurrency } from "./workqueue-concurrency.js";
import { sleepingInAtomic } from "./sleeping-in-atomic.js";
import { missingBarrier } from "./missing-barrier.js";
import { interruptCoalescing } from "./interrupt-coalescing.js";
import { threadedIrqOneshot } from "./threaded-irq-oneshot.js";
import { spuriousIrq } from "./spurious-irq.js";
import { rssMultiqueue } from "./rss-multiqueue.js";
import { blockIoCompletion } from "./block-io-completion.js";
import { handOffTax } from "./hand-off-tax.js";
import { coordinatedOmission } from "./coordinated-omission.js";
import { runtimeHandoffTax } from "./runtime-handoff-tax.js";

export const LESSONS: readonly Lesson[] = [
  topHalfBottomHalf,
  softirqRestartKsoftirqd,
  receiveLivelockNapi,
  napiCures,
  taskletSerialization,
  workqueueConcurrency,
  sleepingInAtomic,
  missingBarrier,
  interruptCoalescing,
  threadedIrqOneshot,
  spuriousIrq,
  rssMultiqueue,
  blockIoCompletion,
  handOffTax,
  coordinatedOmission,
  ...builtinYamlLessons(),
  runtimeHandoffTax,
];

/** A built-in lesson by name, or a YAML lesson by path (anything ending in .yaml/.yml). */
export function findLesson(name: string): Lesson | undefined {
  if (/\.ya?ml$/.test(name)) return loadYamlLesson(name);
  return LESSONS.find((l) => l.name === name);
}
