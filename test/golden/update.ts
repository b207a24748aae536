/**
 * `npm run golden`: rewrites test/golden/fingerprints.json from the current simulator.
 * The only way the golden file changes. A commit that changes it must say which
 * fingerprints changed and why (README, "Golden fingerprints").
 */
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../cli/output.js";
import { computeGolden, GOLDEN_FILE, type GoldenFile } from "./fingerprints.js";

let before: GoldenFile | null = null;
try {
  before = JSON.parse(readFileSync(GOLDEN_FILE, "utf8")) as GoldenFile;
} catch {
  before = null;
}
const after = computeGolden();
writeFileAtomic(GOLDEN_FILE, JSON.stringify(after, null, 2) + "\n");
const changed: string[] = [];
for (const [name, run] of Object.entries(after.runs)) {
  for (const [seed, fp] of Object.entries(run.fingerprints)) {
    const old = before?.runs[name]?.fingerprints[seed];
    if (old !== fp) changed.push(`${name} seed ${seed}: ${old ?? "(new)"} -> ${fp}`);
  }
}
process.stdout.write(changed.length === 0 ? "golden: no fingerprint changed\n" : `golden: ${changed.length} changed (say why in the commit message):\n${changed.map((c) => `  ${c}\n`).join("")}`);
