/**
 * A sweep worker thread: runs the points it is sent, one at a time, and posts back each
 * result. Runs are deterministic, so which worker ran a point never changes its result.
 * `workerData.abort` is an Int32Array over shared memory that the main thread sets on
 * Ctrl-C: a run in progress checks it between slices and reports where it stopped.
 */
import { parentPort, workerData } from "node:worker_threads";
import { InputError } from "../sim/input_error.js";
import { runPointUnless, type SweepPoint, type SweepSpec } from "../system/sweep.js";

const abort = (workerData as { abort: Int32Array }).abort;
const stop = (): boolean => Atomics.load(abort, 0) !== 0;

parentPort!.on("message", (msg: { spec: SweepSpec; point: SweepPoint }) => {
  try {
    parentPort!.postMessage({ index: msg.point.index, ...runPointUnless(msg.spec, msg.point, stop) });
  } catch (e) {
    // Bad input (a replay CSV that will not parse, the work budget) stays bad input: the
    // main thread exits 2 for it exactly as --jobs 1 does.
    parentPort!.postMessage({ index: msg.point.index, error: (e as Error).message, input: e instanceof InputError });
  }
});
