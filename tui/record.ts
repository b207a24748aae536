/**
 * `dashboard --record FILE`: the session as a scenario file -- the scenario as written
 * (after --set; system/scenario_files.ts loadScenarioAsWritten), the seed it ran with, the
 * live changes appended to its `faults:`, and `duration:` set to the simulated time the
 * session stopped at -- so `irqsim run FILE` replays it event for event and prints the
 * fingerprint the dashboard printed on quit. Durations are written with a unit (`ns`): a
 * scenario file may not give a bare number (system/scenario_devices.ts duration()).
 */
import { stringify } from "yaml";
import type { FaultSpec } from "../system/scenario.js";
import { fmtTime } from "./format.js";

/** A fault as a file spells it: its times in ns with the unit. */
function faultAsWritten(f: FaultSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...f, at: `${f.at}ns` };
  if (f.kind === "worker_creation_stall") out.duration = `${f.duration}ns`;
  if (f.kind === "set_coalesce") out.rx_usecs = `${f.rx_usecs}ns`;
  return out;
}

export function recordedScenarioText(written: Record<string, unknown>, seed: number, faults: readonly FaultSpec[], durationNs: number, fingerprint: string): string {
  const before = Array.isArray(written.faults) ? (written.faults as unknown[]) : [];
  const recorded = { ...written, seed, duration: `${durationNs}ns`, faults: [...before, ...faults.map(faultAsWritten)] };
  const name = typeof written.name === "string" ? written.name : "scenario";
  const head = [
    `# Recorded by irqsim dashboard: ${name}, seed ${seed}, stopped at ${fmtTime(durationNs)}`,
    `# with ${faults.length} live change${faults.length === 1 ? "" : "s"} (under faults:).`,
    `# Replay: irqsim run FILE (fingerprint ${fingerprint})`,
  ];
  return `${head.join("\n")}\n${stringify(recorded, { lineWidth: 0 })}`;
}
