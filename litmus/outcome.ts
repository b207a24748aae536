/**
 * Runs a parsed litmus test to its herd7-style outcome: the distinct final states of the
 * allowed executions, the positive/negative counts, the verdict, and the flags. The
 * counting rules are herd's (herdtools7 herd/top_herd.ml): Positive/Negative count
 * executions, not states; `Ok` means the condition holds as quantified (exists: some
 * execution satisfies it; ~exists: none does; forall: all do); the `Positive: P Negative: N`
 * line is swapped for ~exists; the Observation line always counts executions satisfying
 * the proposition: Never if none, Always if all, Sometimes otherwise.
 */
import type { LitmusTest, Location, Prop } from "./ast.js";
import { enumerateExecutions, evalProp, valueAt } from "./executions.js";
import { herdHash, observedLocations } from "./hash.js";
import { compareValues, formatValue, type Value } from "./values.js";

export type Observation = "Never" | "Sometimes" | "Always";

export interface LitmusOutcome {
  file: string;
  name: string;
  kind: "Allowed" | "Forbidden" | "Required";
  locations: Location[];
  /** Distinct final states over `locations`, sorted as herd sorts them. */
  states: Value[][];
  ok: boolean;
  /** The `Positive: P Negative: N` line. */
  witnesses: { positive: number; negative: number };
  flags: string[];
  condition: string;
  observation: Observation;
  /** Executions satisfying / not satisfying the proposition (the Observation line). */
  pos: number;
  neg: number;
  hash: string;
  /** The kernel's `Result:` comment, and whether the outcome agrees with it (judgelitmus.sh rules). */
  expected: string | null;
  matchesExpected: boolean | null;
}

export function formatLocation(l: Location): string {
  return l.k === "reg" ? `${l.proc}:${l.reg}` : `[${l.name}]`;
}

/** herdtools7 lib/constrGen.ml `pp_prop`: parentheses only where the operator above needs them. */
export function formatProp(p: Prop): string {
  type Op = "top" | "and" | "or" | "implies";
  const paren = (above: Op, here: Op, s: string): string => {
    const need =
      above === "top" ? false : above === "implies" ? here !== "implies" : above === "and" ? here !== "and" : here === "implies";
    return need ? `(${s})` : s;
  };
  const pp = (above: Op, q: Prop): string => {
    switch (q.k) {
      case "atom":
        return `${formatLocation(q.loc)}=${formatValue(q.value)}`;
      case "same":
        return `${formatLocation(q.a)}=${formatLocation(q.b)}`;
      case "not":
        return `not (${pp("top", q.p)})`;
      case "and":
        return q.ps.length === 0 ? "true" : paren(above, "and", q.ps.map((x) => pp("and", x)).join(" /\\ "));
      case "or":
        return q.ps.length === 0 ? "false" : paren(above, "or", q.ps.map((x) => pp("or", x)).join(" \\/ "));
      case "implies":
        return paren(above, "implies", `${pp("implies", q.a)} => ${pp("implies", q.b)}`);
    }
  };
  return pp("top", p);
}

export function formatCondition(test: LitmusTest): string {
  return `${test.quantifier} (${formatProp(test.condition)})`;
}

export function runLitmus(test: LitmusTest): LitmusOutcome {
  const locations = observedLocations(test);
  const states = new Map<string, Value[]>();
  const flags = new Set<string>();
  let pos = 0;
  let neg = 0;
  enumerateExecutions(test, ({ state, flags: f }) => {
    const values = locations.map((l) => valueAt(l, state));
    states.set(values.map(formatValue).join("\u0000"), values);
    if (evalProp(test.condition, state)) pos++;
    else neg++;
    for (const x of f) flags.add(x);
  });
  const sorted = [...states.values()].sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      const c = compareValues(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  const kind = test.quantifier === "exists" ? "Allowed" : test.quantifier === "~exists" ? "Forbidden" : "Required";
  const ok = test.quantifier === "exists" ? pos > 0 : test.quantifier === "~exists" ? pos === 0 : neg === 0;
  const witnesses = test.quantifier === "~exists" ? { positive: neg, negative: pos } : { positive: pos, negative: neg };
  const observation: Observation = pos === 0 ? "Never" : neg === 0 ? "Always" : "Sometimes";
  const flagList = [...flags].sort();
  return {
    file: test.file,
    name: test.name,
    kind,
    locations,
    states: sorted,
    ok,
    witnesses,
    flags: flagList,
    condition: formatCondition(test),
    observation,
    pos,
    neg,
    hash: herdHash(test),
    expected: test.expected,
    matchesExpected: judge(test, observation, pos, neg, flagList),
  };
}

/**
 * The verdict rules of tools/memory-model/scripts/judgelitmus.sh: `Result: DEADLOCK`
 * expects no execution at all (`Never 0 0`); otherwise the Observation word must match,
 * no execution set must be empty (unless a modelled race forgives it), and a data race is expected exactly when the Result
 * line says DATARACE.
 */
function judge(test: LitmusTest, observation: Observation, pos: number, neg: number, flags: string[]): boolean | null {
  if (test.expected === null) return null;
  const race = flags.includes("data-race");
  if (test.expectedDataRace !== race) return false;
  if (test.expected === "DEADLOCK") return pos === 0 && neg === 0;
  if (pos === 0 && neg === 0) return false;
  if (test.expected === "Maybe" || test.expected === observation) return true;
  // judgelitmus.sh forgives a wrong Observation when the model reports a (predicted) race.
  return race;
}
