/**
 * A small seeded pseudo-random number generator for the demo data, so that the
 * same seed always gives the same catalog (Math.random cannot be seeded).
 *
 * mulberry32 is a 32-bit generator with one word of state: tiny, fast, and
 * statistically good enough for fake data (it is NOT for anything secret).
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a: a 32-bit hash that turns a stream name into a seed. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Convenience draws over a mulberry32 stream. */
export class Random {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /**
   * A stream of its own for one entity, e.g. `Random.for('product', 42)`. Giving
   * every entity its own stream means product 42 is the same whatever N is, and
   * adding a draw to products does not shift the reviews.
   */
  static for(stream: string, index: number): Random {
    return new Random(fnv1a(`${stream}:${index}`));
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next();
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('Random.pick: empty list');
    return item;
  }

  /** The index of one of `weights`, chosen in proportion to its weight. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let roll = this.next() * total;
    for (let i = 0; i < weights.length; i += 1) {
      roll -= weights[i] ?? 0;
      if (roll < 0) return i;
    }
    return weights.length - 1;
  }

  /**
   * `count` distinct integers from [0, n), in the order drawn. Floyd's algorithm:
   * O(count) time and memory however large n is (n is the number of customers).
   */
  distinct(count: number, n: number): number[] {
    if (count > n) throw new Error(`Random.distinct: cannot draw ${count} distinct values from ${n}`);
    const chosen = new Set<number>();
    const order: number[] = [];
    for (let j = n - count; j < n; j += 1) {
      const candidate = this.int(0, j);
      const value = chosen.has(candidate) ? j : candidate;
      chosen.add(value);
      order.push(value);
    }
    return order;
  }
}
