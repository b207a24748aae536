/**
 * How a scenario's validation errors read: one plain line naming where the bad value came
 * from (the file, or the `--set` that put it there), the field path, what was expected and
 * what was given. zod's issues are translated here; nothing else formats them.
 */
import { didYouMean } from "./did_you_mean.js";
import { z } from "zod";
import { InputError } from "../sim/input_error.js";

// ---------------------------------------------------------------------------------------
// Error messages
// ---------------------------------------------------------------------------------------

/**
 * Throws, making sure the message is one plain line whatever the user's input contained
 * (a file name or key with a newline or a terminal escape sequence in it).
 */
export function fail(message: string): never {
  // eslint-disable-next-line no-control-regex
  throw new InputError(message.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, " "));
}

/** A value as it appears after "got": JSON, at most 40 characters. */
export function show(value: unknown): string {
  let text: string;
  if (typeof value === "number" && !Number.isFinite(value)) {
    text = String(value); // JSON would say null for Infinity / NaN
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = "(a value that cannot be shown)";
    }
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function showPath(p: readonly PropertyKey[]): string {
  return p
    .map((seg) => (typeof seg === "string" && !/^[\w-]+$/.test(seg) ? show(seg) : String(seg)))
    .join(".");
}

/** Reads what the user wrote at `p`, without ever touching inherited properties. */
function valueAt(root: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of p) {
    if (typeof cur !== "object" || cur === null || !Object.hasOwn(cur, seg)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

const TYPE_NAMES: Record<string, string> = {
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
};

function bound(kind: "min" | "max", inclusive: boolean | undefined, limit: number | bigint, origin: string) {
  const op = kind === "min" ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
  switch (origin) {
    case "string":
      if (kind === "min" && limit === 1) return "expected a non-empty string";
      return `expected ${kind === "min" ? "at least" : "at most"} ${limit} characters`;
    case "array":
    case "set":
      if (kind === "min" && limit === 1) return "expected a non-empty list";
      return `expected ${kind === "min" ? "at least" : "at most"} ${limit} items`;
    default:
      return `expected a number ${op} ${limit}`;
  }
}

/**
 * The "what was expected" part for zod's issue codes, used for every issue whose schema
 * did not bring its own message. "got ..." is appended later, from the user's input.
 */
export const describeIssue: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "required field is missing";
      // z.int() says "number" when given a string; the user needs to know it is an integer.
      if (iss.inst instanceof z.ZodNumber && iss.inst.isInt) return "expected an integer";
      // YAML's 1e400 and .nan are numbers to JS, but not ones a simulation can use.
      if (typeof iss.input === "number" && iss.expected === "number") return "expected a finite number";
      return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case "too_small":
      return bound("min", iss.inclusive, iss.minimum, iss.origin);
    case "too_big":
      return bound("max", iss.inclusive, iss.maximum, iss.origin);
    case "invalid_value":
      return iss.values.length === 1
        ? `expected ${show(iss.values[0])}`
        : `expected one of: ${iss.values.map(String).join(", ")}`;
    case "invalid_union":
      if (iss.discriminator !== undefined && Array.isArray(iss.options)) {
        // Reported at path <device>.type, but iss.input is the whole device.
        const expected = `${iss.discriminator}: ${iss.options.map(String).join(", ")}`;
        const missing = isMapping(iss.input) && iss.input[iss.discriminator] === undefined;
        return missing ? `required field is missing (expected ${expected})` : `expected ${expected}`;
      }
      return "expected one of the allowed forms";
    case "unrecognized_keys": {
      const shape = iss.inst instanceof z.ZodObject ? Object.keys(iss.inst.shape) : [];
      return shape.length ? `unknown field (allowed: ${shape.join(", ")})` : "unknown field";
    }
    case "invalid_key":
      return iss.issues[0]?.message ?? "invalid key";
    case "invalid_format":
      return iss.pattern ? `expected text matching ${iss.pattern}` : `expected a ${iss.format}`;
    case "not_multiple_of":
      return `expected a multiple of ${iss.divisor}`;
    default:
      return undefined;
  }
};

/** One `--set path=value`, with the part of the tree it is responsible for. */
export interface Override {
  arg: string;
  /**
   * Errors at or under this path are blamed on the --set: the path it set, or the first
   * object it had to create (a --set that invents `devices.nic1` owns its missing fields).
   */
  owns: string[];
}

function startsWith(p: readonly PropertyKey[], prefix: readonly string[]): boolean {
  return prefix.length <= p.length && prefix.every((seg, i) => String(p[i]) === seg);
}

export function formatIssue(issue: z.core.$ZodIssue, raw: unknown, source: string, overrides: Override[]): string {
  let p = issue.path;
  let got: string | undefined;
  if (issue.code === "unrecognized_keys") {
    p = [...p, issue.keys[0]!]; // name the unknown key itself; its value is beside the point
  } else if (issue.code === "invalid_key") {
    got = show(p[p.length - 1]); // the offending thing is the key, not the value under it
  } else {
    const value = valueAt(raw, p);
    if (value !== undefined) got = show(value);
  }
  const blamed = [...overrides].reverse().find((o) => startsWith(p, o.owns));
  const where = blamed ? `--set ${blamed.arg}` : source;
  // A --set under devices.X / tasks.X that had to invent X, and X is incomplete: most
  // likely a typo for an existing one, so say that first.
  if (blamed && blamed.owns.length === 2 && (blamed.owns[0] === "devices" || blamed.owns[0] === "tasks") && issue.code !== "unrecognized_keys") {
    const kind = blamed.owns[0] === "devices" ? "device" : "task";
    const group = isMapping(raw) ? raw[blamed.owns[0]] : undefined;
    const others = isMapping(group) ? Object.keys(group).filter((k) => k !== blamed.owns[1]) : [];
    return `${where}: no ${kind} ${blamed.owns[1]}${didYouMean(blamed.owns[1]!, others)} (the scenario has: ${others.join(", ") || "none"}; to add one, --set all its required fields, ${showPath(p)} first)`;
  }
  const field = p.length ? `${showPath(p)}: ` : "";
  return `${where}: ${field}${issue.message}${got === undefined ? "" : `, got ${got}`}`;
}

/**
 * Unknown fields are reported before anything else: a misspelt `trafic:` also produces
 * "traffic: required field is missing", and the typo is the more useful of the two.
 */
export function firstIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  return issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]!;
}

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
