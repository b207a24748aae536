/**
 * `dashboard --record FILE`: the session as a scenario file -- the scenario as it ran
 * (after --set, --seed, --duration), the live changes appended to its `faults:`, and
 * `duration:` set to the simulated time the session stopped at -- so `irqsim run FILE`
 * replays it event for event and prints the fingerprint the dashboard printed on quit.
 */
import { stringify } from "yaml";
import type { FaultSpec, Scenario } from "../system/scenario.js";
import { fmtTime } from "./format.js";

export function recordedScenarioText(scenario: Scenario, faults: readonly FaultSpec[], durationNs: number, fingerprint: string): string {
  const recorded: Scenario = { ...scenario, duration: durationNs, faults: [...scenario.faults, ...faults] };
  const head = [
    `# Recorded by irqsim dashboard: ${scenario.name}, seed ${scenario.seed}, stopped at ${fmtTime(durationNs)}`,
    `# with ${faults.length} live change${faults.length === 1 ? "" : "s"} (under faults:). Times are integer ns.`,
    `# Replay: irqsim run FILE (fingerprint ${fingerprint})`,
  ];
  return `${head.join("\n")}\n${stringify(recorded, { lineWidth: 0 })}`;
}
