/** How many undelivered messages one subscriber may hold before the oldest are dropped. */
export const DEFAULT_MAX_BUFFERED = 100;

/**
 * One subscriber's messages as an async iterator, fed by `push`. A consumer
 * slower than the publisher (a client on a slow link) must not make the
 * gateway hold an unbounded backlog, so at most `maxBuffered` messages wait;
 * past that the oldest is dropped (`onDrop`). For status updates the newest
 * message matters most, and the subscription reloads the current state on
 * every event anyway.
 *
 * `return()` ends it at once, even while a `next()` is pending (an async
 * generator would only notice after its next message), so unsubscribing
 * never waits for traffic.
 */
export interface SubscriberQueue<T> extends AsyncIterableIterator<T> {
  /** Queues a message (or hands it to a waiting `next()`); ignored once ended. */
  push(message: T): void;
  /** Ends from the producer's side: buffered messages are still delivered, then the iterator is done. */
  end(): void;
}

export interface SubscriberQueueOptions {
  maxBuffered?: number;
  /** Called once when the consumer leaves (`return()`/`throw()`) or after `end()`: unsubscribe here. */
  onClose: () => void;
  /** Called for each message dropped because the buffer was full. */
  onDrop?: () => void;
}

export function createSubscriberQueue<T>({ maxBuffered = DEFAULT_MAX_BUFFERED, onClose, onDrop }: SubscriberQueueOptions): SubscriberQueue<T> {
  const buffer: T[] = [];
  const waiting: Array<(result: IteratorResult<T>) => void> = [];
  let ended = false;
  let closed = false;
  const doneResult = (): IteratorResult<T> => ({ value: undefined, done: true });

  const close = () => {
    if (closed) return;
    closed = true;
    onClose();
  };
  const finish = () => {
    ended = true;
    buffer.length = 0;
    for (const resolve of waiting.splice(0)) resolve(doneResult());
    close();
  };

  const queue: SubscriberQueue<T> = {
    push(message) {
      if (ended) return;
      const resolve = waiting.shift();
      if (resolve) return resolve({ value: message, done: false });
      buffer.push(message);
      if (buffer.length > maxBuffered) {
        buffer.shift();
        onDrop?.();
      }
    },
    end() {
      if (ended) return;
      ended = true;
      for (const resolve of waiting.splice(0)) resolve(doneResult());
      close();
    },
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
      if (ended) return Promise.resolve(doneResult());
      return new Promise((resolve) => waiting.push(resolve));
    },
    return() {
      finish();
      return Promise.resolve(doneResult());
    },
    throw(error?: unknown) {
      finish();
      return Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return queue;
    },
  };
  return queue;
}
