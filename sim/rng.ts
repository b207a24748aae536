/**
 * Named, seeded random streams (ARCHITECTURE.md section 2). Each stream is derived from
 * (master seed, name) with seedrandom's `alea` (ARC4, the default, is ~5x slower), so
 * adding a device never changes the draws another device sees.
 */
import seedrandom from "seedrandom";

export interface RandomStream {
  readonly name: string;
  /** Uniform in [0, 1). */
  next(): number;
  /** Exponentially distributed integer ns with the given mean, at least 1. */
  exponentialNs(meanNs: number): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export class Rng {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number) {}

  /** The stream for `name`; the same name always returns the same stream. */
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = makeStream(name, seedrandom.alea(`${this.seed}/${name}`));
      this.streams.set(name, s);
    }
    return s;
  }
}

function makeStream(name: string, prng: seedrandom.PRNG): RandomStream {
  return {
    name,
    next: () => prng(),
    exponentialNs(meanNs: number): number {
      // Inverse transform; 1 - u lies in (0, 1] so the log is finite.
      const x = -Math.log(1 - prng()) * meanNs;
      return Math.max(1, Math.round(x));
    },
    int: (n: number) => Math.floor(prng() * n),
  };
}
