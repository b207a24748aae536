/**
 * Sets of events and binary relations over the events of one candidate execution, as
 * bitsets. These are the values the cat language of herd7 computes with
 * (tools/memory-model/linux-kernel.cat): `r1 | r2`, `r1 & r2`, `r1 \ r2`, `r1 ; r2`,
 * `r^-1`, `r+`, `r*`, `r?`, `[S]`, `acyclic`, `irreflexive`, `empty`. A litmus execution
 * has a few dozen events, so dense bitsets are both the simplest and the fastest choice.
 */

/** A set of events 0..n-1. */
export class EventSet {
  readonly words: Uint32Array;
  constructor(readonly n: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((n + 31) >>> 5);
  }

  static of(n: number, members: Iterable<number>): EventSet {
    const s = new EventSet(n);
    for (const i of members) s.add(i);
    return s;
  }

  static where(n: number, pred: (i: number) => boolean): EventSet {
    const s = new EventSet(n);
    for (let i = 0; i < n; i++) if (pred(i)) s.add(i);
    return s;
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  union(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k]! | o.words[k]!;
    return new EventSet(this.n, w);
  }

  inter(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k]! & o.words[k]!;
    return new EventSet(this.n, w);
  }

  minus(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k]! & ~o.words[k]!;
    return new EventSet(this.n, w);
  }

  /** `~S`: every event not in S. */
  complement(): EventSet {
    return EventSet.where(this.n, (i) => !this.has(i));
  }

  isEmpty(): boolean {
    for (let k = 0; k < this.words.length; k++) if (this.words[k] !== 0) return false;
    return true;
  }

  *members(): Generator<number> {
    for (let i = 0; i < this.n; i++) if (this.has(i)) yield i;
  }
}

/** A binary relation over events 0..n-1: row i holds the successors of i. */
export class Relation {
  readonly w: number;
  readonly bits: Uint32Array;

  constructor(readonly n: number, bits?: Uint32Array) {
    this.w = (n + 31) >>> 5;
    this.bits = bits ?? new Uint32Array(n * this.w);
  }

  static empty(n: number): Relation {
    return new Relation(n);
  }

  static fromPairs(n: number, pairs: Iterable<readonly [number, number]>): Relation {
    const r = new Relation(n);
    for (const [a, b] of pairs) r.add(a, b);
    return r;
  }

  static where(n: number, pred: (a: number, b: number) => boolean): Relation {
    const r = new Relation(n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (pred(a, b)) r.add(a, b);
    return r;
  }

  /** `id`: the identity over all events. */
  static identity(n: number): Relation {
    const r = new Relation(n);
    for (let i = 0; i < n; i++) r.add(i, i);
    return r;
  }

  /** `[S]`: the identity restricted to S. */
  static id(s: EventSet): Relation {
    const r = new Relation(s.n);
    for (let i = 0; i < s.n; i++) if (s.has(i)) r.add(i, i);
    return r;
  }

  /** `S1 * S2`: the cartesian product. */
  static product(a: EventSet, b: EventSet): Relation {
    const r = new Relation(a.n);
    for (let i = 0; i < a.n; i++) if (a.has(i)) r.bits.set(b.words, i * r.w);
    return r;
  }

  copy(): Relation {
    return new Relation(this.n, this.bits.slice());
  }

  add(a: number, b: number): void {
    this.bits[a * this.w + (b >>> 5)]! |= 1 << (b & 31);
  }

  has(a: number, b: number): boolean {
    return (this.bits[a * this.w + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  }

  private map2(o: Relation, f: (x: number, y: number) => number): Relation {
    const out = new Uint32Array(this.bits.length);
    for (let k = 0; k < out.length; k++) out[k] = f(this.bits[k]!, o.bits[k]!);
    return new Relation(this.n, out);
  }

  union(...others: Relation[]): Relation {
    let r: Relation = this;
    for (const o of others) r = r.map2(o, (x, y) => x | y);
    return r;
  }

  inter(o: Relation): Relation {
    return this.map2(o, (x, y) => x & y);
  }

  minus(o: Relation): Relation {
    return this.map2(o, (x, y) => x & ~y);
  }

  equals(o: Relation): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== o.bits[k]) return false;
    return true;
  }

  /** `r1 ; r2`: relational composition. */
  seq(o: Relation): Relation {
    const { n, w } = this;
    const out = new Uint32Array(this.bits.length);
    if (o.isEmpty()) return new Relation(n);
    for (let a = 0; a < n; a++) {
      const base = a * w;
      for (let k = 0; k < w; k++) {
        let word = this.bits[base + k]!;
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          word &= word - 1;
          const b = (k << 5) + bit;
          const ob = b * w;
          for (let j = 0; j < w; j++) out[base + j]! |= o.bits[ob + j]!;
        }
      }
    }
    return new Relation(n, out);
  }

  /** `r^-1`. */
  inverse(): Relation {
    const r = new Relation(this.n);
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) if (this.has(a, b)) r.add(b, a);
    return r;
  }

  /** `r+`: transitive closure (Warshall, a row at a time). */
  plus(): Relation {
    const { n, w } = this;
    const out = this.bits.slice();
    for (let k = 0; k < n; k++) {
      const kb = k * w;
      const kw = k >>> 5;
      const km = 1 << (k & 31);
      for (let a = 0; a < n; a++) {
        if ((out[a * w + kw]! & km) === 0) continue;
        const ab = a * w;
        for (let j = 0; j < w; j++) out[ab + j]! |= out[kb + j]!;
      }
    }
    return new Relation(n, out);
  }

  /** `r*`: reflexive-transitive closure (the identity is over all events). */
  star(): Relation {
    const r = this.plus();
    for (let i = 0; i < this.n; i++) r.add(i, i);
    return r;
  }

  /** `r?`: r or the identity. */
  opt(): Relation {
    const r = new Relation(this.n, this.bits.slice());
    for (let i = 0; i < this.n; i++) r.add(i, i);
    return r;
  }

  /** `[S1] ; r ; [S2]` (either side may be omitted). */
  restrict(dom: EventSet | null, rng: EventSet | null): Relation {
    const { n, w } = this;
    const out = new Uint32Array(this.bits.length);
    for (let a = 0; a < n; a++) {
      if (dom && !dom.has(a)) continue;
      for (let j = 0; j < w; j++) out[a * w + j] = this.bits[a * w + j]! & (rng ? rng.words[j]! : 0xffffffff);
    }
    return new Relation(n, out);
  }

  /** `r \ id`. */
  minusId(): Relation {
    const r = new Relation(this.n, this.bits.slice());
    for (let i = 0; i < this.n; i++) r.bits[i * this.w + (i >>> 5)]! &= ~(1 << (i & 31));
    return r;
  }

  domain(): EventSet {
    return EventSet.where(this.n, (a) => {
      for (let j = 0; j < this.w; j++) if (this.bits[a * this.w + j] !== 0) return true;
      return false;
    });
  }

  range(): EventSet {
    const s = new EventSet(this.n);
    for (let a = 0; a < this.n; a++) for (let j = 0; j < this.w; j++) s.words[j]! |= this.bits[a * this.w + j]!;
    return s;
  }

  isEmpty(): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== 0) return false;
    return true;
  }

  irreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }

  acyclic(): boolean {
    return this.plus().irreflexive();
  }

  *pairs(): Generator<[number, number]> {
    for (let a = 0; a < this.n; a++) for (let b = 0; b < this.n; b++) if (this.has(a, b)) yield [a, b];
  }
}
