import DataLoader from 'dataloader';

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
 * A DataLoader over a batch function that returns rows in any order: results
 * are matched back to keys by `keyOf`, missing rows become null.
 */
export function loaderByKey<K, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
  options: { maxBatchSize?: number; name?: string } = {},
): DataLoader<K, V | null> {
  const name = options.name ?? 'unnamed';
  return new DataLoader<K, V | null>(
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
