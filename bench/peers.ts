/**
 * Peer discrete-event engines for the engine section: npm packages installed as
 * devDependencies, so a production install (`npm install --omit=dev`, a published
 * package) has none of them. Each is imported on demand; one that cannot be loaded is
 * reported as skipped, with the reason, and the rest of the benchmark runs as usual.
 */
import { createRequire } from "node:module";
import { runJsSimulatorTimers, type JsSimulatorModule } from "./peer_js_simulator.js";
import { loadSimjs, runSimjsTimers } from "./peer_simjs.js";
import type { TimerResult, TimerWorkload } from "./workload.js";

export interface PeerEngine {
  /** The npm package name. */
  name: string;
  version: string;
  run(workload: TimerWorkload): TimerResult;
}

export interface SkippedPeer {
  name: string;
  reason: string;
}

export interface Peers {
  engines: PeerEngine[];
  skipped: SkippedPeer[];
}

/** The peer the engine target is set against. */
export const TARGET_PEER = "js-simulator";

export const PEER_NAMES = ["js-simulator", "simjs"] as const;
export type PeerName = (typeof PEER_NAMES)[number];

function versionOf(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version?: string }).version ?? "?";
  } catch {
    return "?";
  }
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND") {
    return "not installed (a devDependency: run `npm install` in a checkout of irqsim)";
  }
  return `failed to load: ${err.message?.split("\n")[0] ?? String(e)}`;
}

async function loadPeer(name: PeerName): Promise<PeerEngine> {
  if (name === "js-simulator") {
    const jss: JsSimulatorModule = (await import("js-simulator")).default;
    return { name, version: versionOf(name), run: (w) => runJsSimulatorTimers(jss, w) };
  }
  const lib = await loadSimjs();
  return { name, version: versionOf(name), run: (w) => runSimjsTimers(lib, w) };
}

/** Loads every peer engine that is installed; never throws. `load` is for tests. */
export async function loadPeers(load: (name: PeerName) => Promise<PeerEngine> = loadPeer): Promise<Peers> {
  const peers: Peers = { engines: [], skipped: [] };
  for (const name of PEER_NAMES) {
    try {
      peers.engines.push(await load(name));
    } catch (e) {
      peers.skipped.push({ name, reason: reasonOf(e) });
    }
  }
  return peers;
}
