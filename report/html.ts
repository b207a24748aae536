/**
 * One self-contained HTML file for a run or a sweep (`run --html`, `irqsim report`): the
 * summary tables, the SVG pictures inline, and the scenario, with the CSS in a <style>
 * element and no script, font, image or link to fetch, so it opens offline and can be
 * handed in or attached to a bug report as it is.
 */
import type { RunResult } from "../system/result.js";

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const CSS = `
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
.scroll { overflow-x: auto; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; }
td:first-child, th:first-child, td.t { text-align: left; }
.bad { color: #b00020; font-weight: bold; }
.ok { color: #1b7f3b; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
figure { margin: 1em 0; overflow-x: auto; }
`;

export interface Table {
  title: string;
  headers: string[];
  rows: string[][];
  /** Row indices to mark as bad (a failed expectation, a violated invariant). */
  bad?: number[];
}

export function tableHtml(t: Table): string {
  const head = `<tr>${t.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr>`;
  const body = t.rows
    .map((r, i) => `<tr${t.bad?.includes(i) ? ' class="bad"' : ""}>${r.map((c) => `<td${/^[-+±\d.,%\s]*$/.test(c) ? "" : ' class="t"'}>${escapeHtml(c)}</td>`).join("")}</tr>`)
    .join("\n");
  return `<h2>${escapeHtml(t.title)}</h2>\n<div class="scroll"><table>\n${head}\n${body}\n</table></div>`;
}

export interface Page {
  title: string;
  meta: string;
  tables: Table[];
  /** SVG documents, inlined as they are (the XML declaration-free output of Vega). */
  figures: { title: string; svg: string }[];
  /** The scenario as YAML. */
  scenario: string;
}

export function pageHtml(p: Page): string {
  const figures = p.figures.map((f) => `<h2>${escapeHtml(f.title)}</h2>\n<figure>${f.svg}</figure>`).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeHtml(p.title)}</h1>
<p class="meta">${escapeHtml(p.meta)}</p>
${p.tables.map(tableHtml).join("\n")}
${figures}
<h2>Scenario</h2>
<pre>${escapeHtml(p.scenario)}</pre>
</body>
</html>
`;
}

const fmtInt = (n: number): string => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const share = (part: number, whole: number): string => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "-");

/** The summary tables of one run. */
export function runTables(r: RunResult): Table[] {
  const p = r.packets;
  const drops = Object.entries(p.dropped).filter(([k]) => k !== "total");
  const tables: Table[] = [
    {
      title: "Packets",
      headers: ["arrived", "delivered", "corrupt", "dropped", ...drops.map(([k]) => `dropped: ${k}`), "in flight", "offered pps", "delivered pps"],
      rows: [[p.arrived, p.delivered, p.corrupt, p.dropped.total, ...drops.map(([, v]) => v), p.in_flight, p.offered_pps, p.delivered_pps].map(fmtInt)],
    },
    {
      title: "CPU time",
      headers: ["CPU", "hardirq", "softirq", "system", "user", "idle", "context switches"],
      rows: r.cpus.map((c) => {
        const total = c.hardirq_ns + c.softirq_ns + c.system_ns + c.user_ns + c.idle_ns;
        return [`CPU${c.cpu}`, share(c.hardirq_ns, total), share(c.softirq_ns, total), share(c.system_ns, total), share(c.user_ns, total), share(c.idle_ns, total), fmtInt(c.context_switches)];
      }),
    },
    {
      title: "Latency (ns)",
      headers: ["stage", "what", "count", "p50", "p90", "p99", "p99.9", "max", "mean"],
      rows: Object.entries(r.latency_ns).map(([name, l]) => [name, l.description, ...[l.count, l.p50, l.p90, l.p99, l.p999, l.max, l.mean].map(fmtInt)]),
    },
    {
      title: "Interrupts",
      headers: ["IRQ", "name", "chip", ...r.cpus.map((c) => `CPU${c.cpu}`), "total"],
      rows: r.irqs.map((i) => [String(i.irq), i.name, i.chip, ...i.per_cpu.map(fmtInt), fmtInt(i.total)]),
    },
  ];
  if (r.expect.results.length > 0) {
    tables.push({
      title: "Expectations",
      headers: ["metric", "expected", "value", "result"],
      rows: r.expect.results.map((e) => [
        e.metric,
        [e.min === undefined ? "" : `>= ${e.min}`, e.max === undefined ? "" : `<= ${e.max}`, e.eq === undefined ? "" : `= ${e.eq}`].filter((x) => x !== "").join(", "),
        String(e.value),
        e.ok ? "ok" : "FAILED",
      ]),
      bad: r.expect.results.flatMap((e, i) => (e.ok ? [] : [i])),
    });
  }
  tables.push({
    title: "Invariants",
    headers: ["result", "violations"],
    rows: [[r.invariants.ok ? "ok" : "VIOLATED", r.invariants.violations.join("; ")]],
    bad: r.invariants.ok ? [] : [0],
  });
  return tables;
}
