import fc from "fast-check";
import { scenarioArb, scenarioYaml, checkScenario } from "../sim/fuzz.ts";
const xs = fc.sample(scenarioArb, { seed: 20261123, numRuns: 60 });
xs.forEach((raw, i) => {
  const t = performance.now();
  const o = checkScenario(raw);
  const dt = performance.now() - t;
  if (!o.ok || dt > 2000) { console.log(i, dt.toFixed(0), o.problem); console.log(scenarioYaml(raw)); }
  else console.log(i, dt.toFixed(0), o.events);
});
