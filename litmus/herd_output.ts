/**
 * Prints an outcome exactly as herd7 prints it (herdtools7 herd/top_herd.ml `pp_stats`;
 * samples in tools/memory-model/Documentation/litmus-tests.txt and the `.expected` files
 * of herdtools7 catalogue/linux/tests):
 *
 *   Test MP+pooncerelease+poacquireonce Allowed
 *   States 3
 *   1:r0=0; 1:r1=0;
 *   ...
 *   No
 *   Witnesses
 *   Positive: 0 Negative: 3
 *   Condition exists (1:r0=1 /\ 1:r1=0)
 *   Observation MP+pooncerelease+poacquireonce Never 0 3
 *   Hash=f259d8efc86e0b40c7168bf58524ab49
 *
 * followed by an empty line. Shared variables print as `[x]`, as current herd7 does (older
 * releases, quoted in the kernel's documentation, printed `x`). The `Time` line is left
 * out because it is the only part of herd's output that is not a function of the test;
 * the Hash line is herd's own digest of the test and is reproduced exactly (hash.ts).
 */
import { formatLocation, type LitmusOutcome } from "./outcome.js";
import { formatValue } from "./values.js";

export function formatHerd(o: LitmusOutcome): string {
  const lines: string[] = [];
  lines.push(`Test ${o.name} ${o.kind}`);
  lines.push(`States ${o.states.length}`);
  for (const s of o.states) lines.push(o.locations.map((l, i) => `${formatLocation(l)}=${formatValue(s[i]!)};`).join(" "));
  lines.push(o.ok ? "Ok" : "No");
  lines.push("Witnesses");
  lines.push(`Positive: ${o.witnesses.positive} Negative: ${o.witnesses.negative}`);
  for (const f of o.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${o.condition}`);
  lines.push(`Observation ${o.name} ${o.observation} ${o.pos} ${o.neg}`);
  lines.push(`Hash=${o.hash}`);
  return lines.join("\n") + "\n\n";
}

/** The JSON form of `irqsim litmus --json`: stable keys, values as herd prints them. */
export function outcomeJson(o: LitmusOutcome): Record<string, unknown> {
  return {
    file: o.file,
    test: o.name,
    kind: o.kind,
    states: o.states.map((s) => Object.fromEntries(o.locations.map((l, i) => [formatLocation(l), formatValue(s[i]!)]))),
    ok: o.ok,
    positive: o.witnesses.positive,
    negative: o.witnesses.negative,
    flags: o.flags,
    condition: o.condition,
    observation: o.observation,
    observation_counts: [o.pos, o.neg],
    hash: o.hash,
    expected: o.expected,
    matches_expected: o.matchesExpected,
  };
}
