/**
 * Keys a scenario's YAML may not have, checked in one linear pass over the parsed
 * document (yaml's own `uniqueKeys` compares every key with every other: a 46,000-task
 * file took 20 s in it):
 *
 * - a key twice in one mapping (the second would silently win);
 * - `__proto__`, `constructor`, `prototype`: names that reach Object.prototype when the
 *   tree becomes plain objects, so a device called `__proto__` would vanish, not run.
 *
 * Each refusal names the file, line and column, one line.
 */
import { isPrintable } from "../sim/quote.js";
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

const RESERVED = new Set(["__proto__", "constructor", "prototype"]);

export interface KeyProblem {
  offset: number;
  message: string;
}

/** The first bad key of `doc`, or null. The tree is at most MAX_NESTING deep (checked before). */
export function firstBadKey(doc: Document): KeyProblem | null {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : JSON.stringify(key?.toJSON?.() ?? key);
        const offset = key?.range?.[0] ?? 0;
        if (!isPrintable(name)) return { offset, message: `${JSON.stringify(name)}: expected a printable name (no control characters or escape sequences)` };
        if (RESERVED.has(name)) return { offset, message: `'${name}' is not allowed as a name (it is a JavaScript object's own property)` };
        if (seen.has(name)) return { offset, message: "Map keys must be unique" };
        seen.add(name);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return null;
}

/** `line:col` of a character offset, for messages. */
export function position(lines: LineCounter, offset: number): string {
  const p = lines.linePos(offset);
  return `${p.line}:${p.col}`;
}
