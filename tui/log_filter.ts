/**
 * The event log's filter: space-separated terms a line must all contain. `cpu1` means the
 * ftrace CPU column `[001]`, `irq24` the IRQ (`irq=24`), `vec3` or `NET_RX` a softirq, any
 * other term (an event name such as `softirq_entry`, a comm, an skbaddr for one packet) is
 * matched as text, ignoring case.
 */

/** Each term as the text ftrace prints for it, lower case. */
export function filterTerms(filter: string): string[] {
  return filter
    .trim()
    .split(/\s+/)
    .filter((t) => t !== "")
    .map((t) => {
      const cpu = /^cpu(\d+)$/i.exec(t);
      if (cpu) return `[${cpu[1]!.padStart(3, "0")}]`;
      const irq = /^irq[=:]?(\d+)$/i.exec(t);
      if (irq) return `irq=${irq[1]}`;
      const vec = /^vec[=:]?(\d+)$/i.exec(t);
      if (vec) return `vec=${vec[1]} `;
      return t.toLowerCase();
    });
}

export function matchesFilter(line: string, terms: readonly string[]): boolean {
  const l = line.toLowerCase();
  return terms.every((t) => l.includes(t));
}

/**
 * The lines to show: those matching `filter`, ending `back` lines before the newest
 * match (scrolled back), at most `rows` of them.
 */
export function logWindow(lines: readonly string[], filter: string, back: number, rows: number): { lines: string[]; matched: number; back: number } {
  const terms = filterTerms(filter);
  const hits = terms.length === 0 ? lines.slice() : lines.filter((l) => matchesFilter(l, terms));
  const b = Math.max(0, Math.min(back, hits.length - rows));
  const end = hits.length - b;
  return { lines: hits.slice(Math.max(0, end - rows), end), matched: hits.length, back: b };
}
