/**
 * Every distinct label value is a time series of its own, kept in this
 * process and in Prometheus for as long as it exists. Values a client
 * chooses (an operation's name) must therefore come from a bounded set, or a
 * client sending a fresh name per request grows both without limit.
 */

/** Label values: the `known` ones, plus the first `capacity` others seen; every later one is `overflow`. */
export class BoundedLabels {
  private readonly admitted: Set<string>;
  private others = 0;

  constructor(
    known: Iterable<string>,
    private readonly capacity: number,
    private readonly overflow = 'other',
  ) {
    this.admitted = new Set(known);
  }

  label(value: string): string {
    if (this.admitted.has(value)) return value;
    if (this.others >= this.capacity) return this.overflow;
    this.others += 1;
    this.admitted.add(value);
    return value;
  }
}

/** Ad-hoc operation names that get a label of their own, beyond the clients' operations. */
export const MAX_AD_HOC_OPERATION_NAMES = 50;

const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/**
 * The `operation` label of a request:
 * - `anonymous` for an operation without a name;
 * - the name itself for the operations the repository's clients send (the
 *   trusted-documents manifest's names), always;
 * - the name itself for the first 50 other names this process sees;
 * - `other` for every name after those, and for anything that is not a
 *   GraphQL name (a request that never parsed can claim any operationName).
 */
export function operationLabels(known: Iterable<string>, capacity = MAX_AD_HOC_OPERATION_NAMES): (name: string | null | undefined) => string {
  const labels = new BoundedLabels(known, capacity);
  return (name) => {
    if (!name) return 'anonymous';
    return GRAPHQL_NAME.test(name) ? labels.label(name) : 'other';
  };
}
