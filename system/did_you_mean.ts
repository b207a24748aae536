/**
 * "did you mean ...?" for a mistyped name (a scenario, a lesson): the closest candidate by
 * edit distance, if it is close enough to be the likely intent.
 */

/** Levenshtein distance, two rows; names are short. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate `name` most likely meant, or null if none is close (or the name is huge). */
export function closestName(name: string, candidates: readonly string[]): string | null {
  if (name.length > 100) return null;
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    // A (nearly) typed prefix ("spurios" for "spurious-irq") counts as close too.
    const n = name.toLowerCase();
    const l = c.toLowerCase();
    const d = Math.min(distance(n, l), n.length >= 4 ? distance(n, l.slice(0, n.length)) + 1 : Infinity);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** `: did you mean X?` or "". */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const c = closestName(name, candidates);
  return c === null ? "" : `: did you mean ${c}?`;
}
