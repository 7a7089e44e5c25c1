import DataLoader from 'dataloader';
import { required } from '../core/required';

/**
 * Watches one DataLoader batch: `load` is the batch's work, to be called
 * exactly once and its result returned (metrics count the size; tracing wraps
 * it in a span, so its SQL statements become the span's children).
 */
export type BatchObserver = <T>(loader: string, size: number, load: () => Promise<T>) => Promise<T>;

// The observer of the loaders being made right now: set only while `observingBatches` runs, which is synchronous.
let observerInScope: BatchObserver | undefined;

/**
 * Makes a set of loaders (`create` runs synchronously) whose batches
 * `observe` watches: each `namedBatch` made meanwhile takes it. The observer
 * travels with the loaders, not with the async context, so watching batches
 * costs nothing per promise.
 */
export function observingBatches<T>(observe: BatchObserver | undefined, create: () => T): T {
  const previous = observerInScope;
  observerInScope = observe;
  try {
    return create();
  } finally {
    observerInScope = previous;
  }
}

/**
 * A DataLoader batch function, named so metrics and traces can tell loaders
 * apart; watched by the observer of `observingBatches`, if it was made inside one.
 */
export function namedBatch<K, V>(name: string, batch: (keys: readonly K[]) => Promise<ArrayLike<V | Error>>) {
  const observe = observerInScope;
  if (!observe) return batch;
  return (keys: readonly K[]): Promise<ArrayLike<V | Error>> => observe(name, keys.length, () => batch(keys));
}

/**
 * A DataLoader that also keeps the values primed into it (rows a page read
 * ahead) where a resolver can take them synchronously (`peek`). A resolver
 * that returns a value instead of a promise costs the executor no promise and
 * no microtask: on a page of 100 products with 10 reviews each, that is over
 * a thousand of each per request. Primed values are kept as values, not as
 * the resolved promises DataLoader would make of them (`load` makes one only
 * when asked); priming replaces what was cached for the key, so `peek` and
 * `load` always agree.
 */
export class RowLoader<K, V, C = K> extends DataLoader<K, V, C> {
  private readonly known = new Map<C, V>();
  private readonly keyOf: (key: K) => C;

  constructor(batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, C>) {
    super(batch, options);
    this.keyOf = options?.cacheKeyFn ?? ((key: K) => key as unknown as C);
  }

  /** The value primed for `key`, if any, at once; otherwise undefined (then `load` it). */
  peek(key: K): V | undefined {
    return this.known.get(this.keyOf(key));
  }

  override load(key: K): Promise<V> {
    const known = this.known.get(this.keyOf(key));
    return known === undefined ? super.load(key) : Promise.resolve(known);
  }

  override prime(key: K, value: V | PromiseLike<V> | Error): this {
    const cacheKey = this.keyOf(key);
    super.clear(key);
    if (value instanceof Error || (typeof value === 'object' && value !== null && 'then' in value)) {
      this.known.delete(cacheKey);
      return super.prime(key, value);
    }
    this.known.set(cacheKey, value);
    return this;
  }

  override clear(key: K): this {
    this.known.delete(this.keyOf(key));
    return super.clear(key);
  }

  override clearAll(): this {
    this.known.clear();
    return super.clearAll();
  }
}

/**
 * The row a foreign key points at: at once when it is at hand (read ahead),
 * else through the loader. A row the database guarantees but that is missing
 * is a fault (`required`).
 */
export function loadReferenced<V>(loader: RowLoader<number, V | null>, id: number, type: string): V | Promise<V> {
  const known = loader.peek(id);
  if (known != null) return known;
  return loader.load(id).then((row) => required(row, type, id));
}

/**
 * A DataLoader over a batch function that returns rows in any order: results
 * are matched back to keys by `keyOf`, missing rows become null.
 */
export function loaderByKey<K, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
  options: { maxBatchSize?: number; name?: string } = {},
): RowLoader<K, V | null> {
  const name = options.name ?? 'unnamed';
  return new RowLoader<K, V | null>(
    namedBatch(name, async (keys: readonly K[]) => {
      const rows = await fetch(keys);
      const byKey = new Map(rows.map((row) => [keyOf(row), row]));
      return keys.map((key) => byKey.get(key) ?? null);
    }),
    { maxBatchSize: options.maxBatchSize ?? 1000, name },
  );
}

/** Groups rows by a parent key, keeping their order; every key gets a (possibly empty) list. */
export function groupBy<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): V[][] {
  const groups = new Map<K, V[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}
