/**
 * Aligned plain-text tables for the human summary. Cells are measured before colour is
 * applied, so ANSI codes never break the alignment.
 */
export type Align = "left" | "right";

export interface Column {
  header: string;
  align?: Align;
}

export function renderTable(columns: Column[], rows: string[][], indent = "  "): string[] {
  // A loop, not Math.max(...rows): spreading 100,000+ rows (a big merge) overflows the stack.
  const widths = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? "").length), c.header.length));
  const line = (cells: string[]): string =>
    indent +
    cells
      .map((cell, i) => (columns[i]!.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** 1234567 -> "1,234,567" (fixed locale so output never depends on the machine). */
export function int(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function pct(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "-";
}

/** Nanoseconds for a latency column: 812ns, 37.4us, 1.25ms, 2.00s. */
export function ns(v: number): string {
  if (v < 1_000) return `${v}ns`;
  if (v < 1_000_000) return `${(v / 1_000).toFixed(1)}us`;
  if (v < 1_000_000_000) return `${(v / 1_000_000).toFixed(2)}ms`;
  return `${(v / 1_000_000_000).toFixed(2)}s`;
}

/** Packets per second: 50.2 kpps. */
export function pps(v: number): string {
  if (v >= 1_000_000) return `${(v / 1_000_000).toFixed(2)} Mpps`;
  if (v >= 1_000) return `${(v / 1_000).toFixed(1)} kpps`;
  return `${v} pps`;
}
