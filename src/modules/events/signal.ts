/**
 * A wake-up call within this process: "there may be work for you now".
 * Workers listen so they act at once instead of at their next sweep; a lost
 * or spurious call costs only latency or one query, never correctness.
 */
export class Signal {
  private readonly listeners = new Set<() => void>();

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Returns the function that stops listening. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
