/**
 * herd7's `Hash=` line: an MD5 over the initial state, the thread code and the observed
 * locations, computed exactly as herdtools7 does for C tests (lib/CTestHash.ml,
 * lib/testHash.ml `digest_init`, lib/dumpCAst.ml `dump_prog`, lib/misc.ml
 * `string_of_prog`). It identifies the test, not the run, so it is deterministic.
 */
import { createHash } from "node:crypto";
import type { InitEntry, LitmusTest, Location } from "./ast.js";

const md5 = (s: string): Buffer => createHash("md5").update(s, "latin1").digest();

/** herd's MiscParser.location_compare: registers (by proc, then name) before globals (by name). */
export function compareLocations(a: Location, b: Location): number {
  if (a.k === "reg" && b.k === "reg") return a.proc - b.proc || (a.reg < b.reg ? -1 : a.reg > b.reg ? 1 : 0);
  if (a.k === "reg") return -1;
  if (b.k === "reg") return 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function entryLocation(e: InitEntry): Location {
  return e.proc === null ? { k: "global", name: e.name } : { k: "reg", proc: e.proc, reg: e.name };
}

function dumpLocation(l: Location): string {
  return l.k === "reg" ? `${l.proc}:${l.reg}` : l.name;
}

function digestInit(init: InitEntry[]): Buffer {
  // Stable sort, then keep the first of equal locations (List.sort is stable; Misc.rem_dups).
  const sorted = init.map((e, i) => ({ e, i })).sort((a, b) => compareLocations(entryLocation(a.e), entryLocation(b.e)) || a.i - b.i);
  const kept = sorted.filter((x, k) => k === 0 || compareLocations(entryLocation(sorted[k - 1]!.e), entryLocation(x.e)) !== 0);
  const pp = kept
    .map(({ e }) => {
      const loc = dumpLocation(entryLocation(e));
      switch (e.type.k) {
        case "def":
          return `${loc}=${e.raw}`;
        case "defPointer":
          return `*${loc}=${e.raw}`;
        case "ty":
          return `${e.type.t} ${loc}=${e.raw}`;
        case "atomic":
          return `_Atomic ${e.type.t} ${loc}=${e.raw}`;
        case "pointer":
          return `${e.type.t} *${loc}=${e.raw}`;
      }
    })
    .join("; ");
  return md5(pp);
}

function digestCode(test: LitmusTest): Buffer {
  // One column per thread, all on one "line" (Misc.string_of_prog pads cells to the
  // column width, which here is the cell itself).
  const cells = test.threads.map((t) => `P${t.proc}(${t.params.map((p) => `${p.type} ${p.name}`).join(", ")}) {\n${t.rawBody}\n}\n`);
  return md5(cells.map((c) => ` ${c} `).join("|") + ";\n");
}

/** Locations shown in the final states: `locations [...]` plus those of the condition. */
export function observedLocations(test: LitmusTest): Location[] {
  const all: Location[] = [...test.locations];
  const walk = (p: LitmusTest["condition"]): void => {
    switch (p.k) {
      case "atom":
        all.push(p.loc);
        return;
      case "same":
        all.push(p.a, p.b);
        return;
      case "not":
        walk(p.p);
        return;
      case "and":
      case "or":
        p.ps.forEach(walk);
        return;
      case "implies":
        walk(p.a);
        walk(p.b);
        return;
    }
  };
  walk(test.condition);
  const sorted = all.sort(compareLocations);
  return sorted.filter((l, i) => i === 0 || compareLocations(sorted[i - 1]!, l) !== 0);
}

export function herdHash(test: LitmusTest): string {
  const given = test.info.find(([k]) => k.toLowerCase() === "hash");
  if (given) return given[1];
  const observed = md5(observedLocations(test).map(dumpLocation).join("; "));
  return createHash("md5")
    .update(Buffer.concat([digestInit(test.init), digestCode(test), observed]))
    .digest("hex");
}
