/**
 * The benchmark report (bench/report.ts) as aligned tables for people, one section after
 * another, each target with its verdict.
 */
import { TARGET_PEER } from "./peers.js";
import type { BenchReport, Target } from "./report.js";

function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  // First column left-aligned (labels), the rest right-aligned (numbers).
  const line = (r: string[]): string =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();
  return all.map((r, i) => (i === 0 ? line(r) + "\n" + widths.map((w) => "-".repeat(w)).join("  ") : line(r)));
}

const fmtInt = (x: number): string => Math.round(x).toLocaleString("en-US");
const fmtRate = (x: number): string => `${(x / 1e6).toFixed(2)} M/s`;
const fmtRatio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(3)}x`);
const fmtMiB = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;
const verdict = (t: Target): string =>
  `target ${t.min !== undefined ? `>= ${t.min}x` : `<= ${t.max}x`}: ${t.meets === null ? "not measured" : t.meets ? "meets" : "misses"}`;

export function formatTable(r: BenchReport): string {
  const out: string[] = [];
  out.push(`irqsim ${r.version} bench (node ${r.node}); ratios are within this process, absolute numbers depend on the machine`);
  out.push("");

  const e = r.engine;
  out.push(`1. engine: ${fmtInt(e.timers)} self-rescheduling timers, ${fmtInt(e.events)} events (after ${fmtInt(e.warmup_events)} warm-up), median of ${e.repeats}`);
  out.push(
    ...table(
      ["queue", "events/s", "engine / it", "same history"],
      [
        ["irqsim Engine", fmtRate(e.engine_events_per_s), "", ""],
        ["ceiling (typed-array heap)", fmtRate(e.ceiling_events_per_s), fmtRatio(e.ratio), e.same_history ? "yes" : "NO"],
        ["ceiling + records (callbacks)", fmtRate(e.record_ceiling_events_per_s), fmtRatio(e.ratio_to_record_ceiling), e.same_history ? "yes" : "NO"],
        ...e.peers.map((p) => [`${p.name} ${p.version} (npm)`, fmtRate(p.events_per_s), fmtRatio(p.engine_over_peer), p.same_history ? "yes" : "NO"]),
        ...e.peers_skipped.map((s) => [`${s.name} (npm)`, "skipped", "", ""]),
      ],
    ),
  );
  out.push(`engine / ceiling = ${fmtRatio(e.ratio)}   (${verdict(e.target)})`);
  const peer = e.peers.find((p) => p.name === TARGET_PEER);
  out.push(`engine / ${TARGET_PEER} = ${peer === undefined ? "n/a" : fmtRatio(peer.engine_over_peer)}   (${verdict(e.peer_target)})`);
  for (const s of e.peers_skipped) out.push(`skipped ${s.name}: ${s.reason}`);
  out.push(
    `same history: ${e.same_history && e.peers.every((p) => p.same_history) ? "yes" : "NO"} (checksum of first ${fmtInt(e.checksum_events)} events and final clock; engine ${e.engine_checksum.toString(16)}, ceiling ${e.ceiling_checksum.toString(16)})`,
  );
  out.push("the engine is a calendar queue (O(1) per event); the ceilings are binary heaps (O(log n)): the fastest a heap-based engine");
  out.push("of this workload runs, without and with the engine's API (caller-owned records with closures).");
  out.push("");

  out.push(`2. model: full kernel, ${r.model.runs[0]?.simulated_s ?? 0} simulated s each (boot + run, after a warm-up run), median of ${r.model.repeats}`);
  out.push(
    ...table(
      ["run", "events", "wall", "events/s", "sim s / wall s", "/ engine", "packets/wall s", "events/packet"],
      r.model.runs.map((m) => [
        m.name,
        fmtInt(m.events),
        `${(m.wall_ms / 1000).toFixed(2)} s`,
        fmtRate(m.events_per_s),
        m.sim_s_per_wall_s.toFixed(3),
        fmtRatio(m.ratio_to_engine),
        fmtRate(m.packets_per_wall_s),
        m.events_per_packet.toFixed(2),
      ]),
    ),
  );
  out.push("");

  const l = r.line_rate;
  out.push(`2b. line rate: ${l.scenario}, ${l.simulated_s} simulated s (14.88 Mpps of 64-byte frames, 8 queues on 8 CPUs)`);
  out.push(
    ...table(
      ["arrivals", "simulated s", "events", "packets", "events/packet", "packets/wall s"],
      [
        ["an event per arrival", String(l.simulated_s), fmtInt(l.events), fmtInt(l.packets), l.events_per_packet.toFixed(3), fmtRate(l.packets_per_wall_s)],
      ],
    ),
  );
  out.push(`packets per wall s / engine events/s = ${l.ratio_to_engine.toFixed(4)}   (target >= ${l.target.min}: ${l.target.meets ? "meets" : "misses"})`);
  out.push("");

  const sw = r.sweep_scaling;
  if (sw === null) out.push("2c. sweep scaling: skipped");
  else {
    out.push(`2c. sweep scaling: irqsim sweep ${sw.args.join(" ")} (${sw.runs} runs; each a separate process, start-up included)`);
    out.push(
      ...table(
        ["jobs", "wall"],
        [
          ["1", `${(sw.jobs1_wall_ms / 1000).toFixed(2)} s`],
          [String(sw.jobs), `${(sw.jobsn_wall_ms / 1000).toFixed(2)} s`],
        ],
      ),
    );
    out.push(`speedup ${sw.speedup.toFixed(2)}x on ${sw.cores} cores   (target >= ${sw.target.min}x: ${sw.target.meets ? "meets" : "misses"}); same output: ${sw.same_output ? "yes" : "NO"}`);
  }
  out.push("");

  out.push(`3. scale: engine with more pending timers (same workload; warm-up before each)`);
  out.push(
    ...table(
      ["pending timers", "events", "engine", "ceiling", "engine / ceiling", "ceiling + records", "engine / it"],
      r.scale.map((s) => [
        fmtInt(s.timers),
        fmtInt(s.events),
        fmtRate(s.engine_events_per_s),
        fmtRate(s.ceiling_events_per_s),
        fmtRatio(s.ratio),
        fmtRate(s.record_ceiling_events_per_s),
        fmtRatio(s.ratio_to_record_ceiling),
      ]),
    ),
  );
  out.push(`engine / ceiling at ${r.scale.at(-1)?.timers ?? 0} timers   (${verdict(r.scale_target)})`);
  out.push("ceiling + records: the same heap, but each timer is a caller-owned record with a closure, as the engine's API requires;");
  out.push("with many timers the records fall out of cache, and loading and calling them costs as much as the queue itself.");
  out.push("");

  const m = r.memory;
  out.push(
    `4. memory: ${m.scenario}, a separate Simulation per duration, sampled while alive ${m.gc ? "after a full GC" : "WITHOUT a forced GC (gc not available: numbers include garbage)"}`,
  );
  out.push(
    ...table(
      ["after", "events", "rss", "heapUsed"],
      [
        ["baseline", "", fmtMiB(m.baseline.rss_bytes), fmtMiB(m.baseline.heap_used_bytes)],
        [`${m.short.duration} simulated`, fmtInt(m.short.events), fmtMiB(m.short.rss_bytes), fmtMiB(m.short.heap_used_bytes)],
        [`${m.long.duration} simulated`, fmtInt(m.long.events), fmtMiB(m.long.rss_bytes), fmtMiB(m.long.heap_used_bytes)],
      ],
    ),
  );
  out.push(`${m.long.duration} / ${m.short.duration}: heapUsed ${fmtRatio(m.heap_used_ratio)}   (${verdict(m.target)}); rss ${fmtRatio(m.rss_ratio)}`);
  const kib = (b: number): string => `${b >= 0 ? "+" : ""}${(b / 1024).toFixed(0)} KiB`;
  out.push(
    `heapUsed above baseline: ${m.short.duration} ${kib(m.short.heap_used_bytes - m.baseline.heap_used_bytes)}, ${m.long.duration} ${kib(m.long.heap_used_bytes - m.baseline.heap_used_bytes)}` +
      ` (informational; rss mostly reflects the earlier sections, e.g. the 100k-timer heaps)`,
  );
  return out.join("\n");
}
