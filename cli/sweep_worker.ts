/**
 * A sweep worker thread: runs the points it is sent, one at a time, and posts back each
 * result. Runs are deterministic, so which worker ran a point never changes its result.
 */
import { parentPort } from "node:worker_threads";
import { runPoint, type SweepPoint, type SweepSpec } from "../sim/sweep.js";

parentPort!.on("message", (msg: { spec: SweepSpec; point: SweepPoint }) => {
  try {
    parentPort!.postMessage({ index: msg.point.index, result: runPoint(msg.spec, msg.point) });
  } catch (e) {
    parentPort!.postMessage({ index: msg.point.index, error: (e as Error).message });
  }
});
