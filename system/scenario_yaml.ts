/**
 * Scenario text to a validated Scenario: YAML parsing with size and nesting bounds, then
 * each `--set path=value` applied to the parsed tree, then one validation by the schema
 * (system/scenario.ts), whose first issue becomes the one-line error.
 */
import { Lexer, LineCounter, parseDocument, Parser, YAMLError } from "yaml";
import { firstBadKey, position } from "./yaml_keys.js";
import { InputError } from "../sim/input_error.js";
import { describeIssue, fail, firstIssue, formatIssue, isMapping, type Override, shorten, show } from "./scenario_errors.js";
import { type Scenario, ScenarioSchema } from "./scenario.js";

/** A scenario is a small hand-written file; anything bigger is a mistake (or an attack). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** Collections inside collections; a real scenario needs about 5. */
const MAX_NESTING = 32;

// ---------------------------------------------------------------------------------------
// YAML and --set
// ---------------------------------------------------------------------------------------

function firstLine(text: string): string {
  return text.split("\n", 1)[0]!.trim();
}

/**
 * yaml builds documents and JS values recursively, so `[[[[...` a few thousand deep
 * overflows the stack. That is not always a catchable RangeError: V8 can abort the whole
 * process when it runs out of stack while compiling a RegExp. yaml's CST parser is not
 * recursive and keeps the open collections on a public `stack`, so feed it the lexer's
 * tokens and stop as soon as that stack gets too deep, before composing anything.
 */
function tooDeep(text: string): boolean {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(text)) {
    for (const _ of parser.next(lexeme)); // drain: we only watch the depth
    if (parser.stack.length > MAX_NESTING) return true;
  }
  return false;
}

/**
 * Parses YAML text to plain JS, turning every parser complaint into one line. `withPos`:
 * prefix line:col (a file), or not (a --set value, where the position adds nothing).
 */
function parseYaml(text: string, where: string, withPos = true): unknown {
  let doc;
  const lines = new LineCounter();
  try {
    if (tooDeep(text)) fail(`${where}: YAML nested too deeply (over ${MAX_NESTING} levels), not a scenario`);
    // Duplicate and reserved keys are checked below in one pass (yaml_keys.ts): yaml's
    // own uniqueKeys check is quadratic in the size of a mapping.
    doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  } catch (err) {
    if (err instanceof InputError) throw err;
    fail(`${where}: YAML error: ${firstLine(err instanceof Error ? err.message : String(err))}`);
  }
  const err = doc.errors[0];
  if (err) {
    // yaml appends " at line L, column C:" and a code excerpt; we put the position in front.
    const msg = firstLine(err.message).replace(/ at line \d+, column \d+:?$/, "");
    const pos = err.linePos?.[0];
    fail(pos && withPos ? `${where}:${pos.line}:${pos.col}: ${msg}` : `${where}: ${msg}`);
  }
  const bad = firstBadKey(doc);
  if (bad !== null) fail(withPos ? `${where}:${position(lines, bad.offset)}: ${bad.message}` : `${where}: ${bad.message}`);
  try {
    // toJS enforces maxAliasCount (default 100): a "billion laughs" file fails here, fast.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const msg = e instanceof YAMLError || e instanceof Error ? e.message : String(e);
    fail(`${where}: YAML error: ${firstLine(msg)}`);
  }
}

const SET_USAGE = "expected path=value, e.g. --set devices.nic0.traffic.rate=200000";

/**
 * Applies one `--set a.b.c=value` to the raw (unvalidated) tree, so the value goes through
 * exactly the same validation as if it had been written in the file.
 */
function applySet(raw: Record<string, unknown>, arg: string): Override {
  const eq = arg.indexOf("=");
  const segs = eq > 0 ? arg.slice(0, eq).split(".") : [];
  if (segs.length === 0 || segs.some((s) => s.trim() === "")) fail(`--set '${arg}': ${SET_USAGE}`);
  if (segs.includes("__proto__")) fail(`--set '${arg}': '__proto__' is not a scenario field`);
  // A path deeper than any scenario's nesting is a mistake; refusing it keeps the walk
  // below (and validation after it) short whatever the length of the argument.
  if (segs.length > MAX_NESTING) fail(`--set '${shorten(arg)}': a path of ${segs.length} fields, deeper than any scenario field (at most ${MAX_NESTING})`);
  const value = parseYaml(arg.slice(eq + 1), `--set ${arg}`, false);

  let owns: string[] | undefined;
  let cur: Record<string, unknown> | unknown[] = raw;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    const here = (): string[] => segs.slice(0, i + 1);
    let key: string | number = seg;
    if (Array.isArray(cur)) {
      // Lists can be indexed (expect.0.max=5) or appended to (index == length).
      if (!/^\d+$/.test(seg) || Number(seg) > cur.length) {
        fail(`--set ${arg}: cannot set '${here().join(".")}': '${segs.slice(0, i).join(".")}' is a list of ${cur.length} items`);
      }
      key = Number(seg);
    }
    const container = cur as Record<string | number, unknown>;
    if (last) {
      container[key] = value;
      break;
    }
    if (!Object.hasOwn(container, key) || container[key] === undefined) {
      // `expect.0.max=1` with no `expect:` yet means a list, anything else a mapping.
      container[key] = /^\d+$/.test(segs[i + 1]!) ? [] : {};
      owns ??= here();
    }
    const next = container[key];
    if (typeof next !== "object" || next === null) {
      fail(`--set ${arg}: cannot set '${segs.join(".")}': '${here().join(".")}' is ${show(next)}, not a mapping`);
    }
    // Copy on the way down: YAML aliases make shared objects, and a --set on one place
    // must not silently change the other places that alias it.
    container[key] = Array.isArray(next) ? [...next] : { ...next };
    cur = container[key] as Record<string, unknown> | unknown[];
  }
  return { arg, owns: owns ?? segs };
}

/**
 * `variant: name` selects `variants.name`, a list of `path=value` overrides applied to the
 * raw tree like --sets. Returns true if one was applied. A variant that does not exist or
 * is malformed is left for the schema to report.
 */
function applyVariant(raw: Record<string, unknown>, source: string): boolean {
  const name = raw.variant;
  const variants = raw.variants;
  if (typeof name !== "string" || !isMapping(variants) || !Object.hasOwn(variants, name)) return false;
  const sets = variants[name];
  if (!Array.isArray(sets) || !sets.every((v) => typeof v === "string" && /^[A-Za-z0-9_.-]+=/.test(v))) return false;
  for (const arg of sets as string[]) {
    if (arg.startsWith("variant=") || arg.startsWith("variants.")) fail(`${source}: variants.${name}: '${arg}': a variant cannot choose or change variants`);
    try {
      applySet(raw, arg);
    } catch (e) {
      if (e instanceof InputError) fail(`${source}: variants.${name}: ${e.message}`);
      throw e;
    }
  }
  return true;
}

/**
 * The last file's parsed YAML: a sweep loads its scenario once per point (10,000 points
 * for a 100 x 100 --vary), and parsing the same text again each time made planning slow.
 */
let lastYaml: { text: string; source: string; value: unknown } | null = null;

function parsedYaml(text: string, source: string): unknown {
  if (lastYaml !== null && lastYaml.text === text && lastYaml.source === source) return lastYaml.value;
  const value = parseYaml(text, source);
  lastYaml = { text, source, value };
  return value;
}

/** The YAML mapping with `sets` applied in order, and the variant (--set still wins over it). */
function mappingWithSets(text: string, source: string, sets: string[]): { raw: Record<string, unknown>; overrides: Override[]; variant: boolean } {
  if (Buffer.byteLength(text, "utf8") > MAX_SCENARIO_BYTES) fail(`${source}: larger than 1 MiB, not a scenario file`);
  const parsed = parsedYaml(text, source);
  if (!isMapping(parsed)) fail(`${source}: expected a YAML mapping with name, description and devices`);
  // A copy of the top level: applySet copies every mapping it descends into, so the
  // cached tree below is never changed.
  const raw = { ...parsed };
  let overrides = sets.map((arg) => applySet(raw, arg));
  const variant = applyVariant(raw, source);
  if (variant) overrides = sets.map((arg) => applySet(raw, arg)); // --set wins over the variant
  return { raw, overrides, variant };
}

/** Parses, applies `sets` in order, then validates once. `source` names the text in errors. */
export function parseScenarioText(text: string, source: string, sets: string[] = []): Scenario {
  const { raw, overrides } = mappingWithSets(text, source, sets);
  const result = ScenarioSchema.safeParse(raw, { error: describeIssue });
  if (!result.success) fail(formatIssue(firstIssue(result.error.issues), raw, source, overrides));
  return result.data;
}

/**
 * The scenario as written, with `sets` and its variant applied (the variant's name left
 * out, so reading it back applies nothing twice): a deep copy to change and write out
 * again. Values keep their units as the file spelled them (the parsed Scenario has bare
 * ns, which a file may not: `dashboard --record` writes from this).
 */
export function scenarioAsWritten(text: string, source: string, sets: string[] = []): Record<string, unknown> {
  const { raw, variant } = mappingWithSets(text, source, sets);
  const copy = structuredClone(raw);
  if (variant) delete copy.variant;
  return copy;
}
