import type { Logger } from '../../logger';
import type { EventMessage } from './catalogue';

/** A consumer of events. It must be idempotent by `message.id`: delivery is at least once. */
export type EventHandler = (message: EventMessage) => Promise<void>;

/**
 * Where the relay hands events, and where consumers take them from: RabbitMQ
 * (./amqp-bus.ts) or this process (below). Consumers are the same either way.
 */
export interface EventBus {
  /** Which transport this is, for logs and health. */
  readonly kind: 'amqp' | 'in-process';
  /**
   * Publishes the messages in order; resolves with one outcome per message:
   * null once the transport has taken it for good (broker confirm, or every
   * in-process consumer done), else why not.
   */
  publish(messages: readonly EventMessage[]): Promise<Array<Error | null>>;
  /** Registers a consumer under a stable name (with RabbitMQ: its durable queue). */
  subscribe(name: string, handler: EventHandler): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bus without a broker: `publish` calls every consumer itself, in order,
 * and reports a message as taken only when all of them succeeded (else the
 * relay retries it, and consumers that already succeeded see it again).
 */
export function createInProcessBus(log: Logger): EventBus {
  const consumers = new Map<string, EventHandler>();
  return {
    kind: 'in-process',
    async publish(messages) {
      const outcomes: Array<Error | null> = [];
      for (const message of messages) {
        let failure: Error | null = null;
        for (const [name, handler] of consumers) {
          try {
            await handler(message);
          } catch (error) {
            failure = error instanceof Error ? error : new Error(String(error));
            log.warn({ err: failure, consumer: name, eventId: message.id, eventType: message.type }, 'an event consumer failed; the event will be retried');
          }
        }
        outcomes.push(failure);
      }
      return outcomes;
    },
    async subscribe(name, handler) {
      if (consumers.has(name)) throw new Error(`An event consumer named ${name} is already subscribed`);
      consumers.set(name, handler);
    },
    async close() {
      consumers.clear();
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A message as received from the broker, or null when it is not shaped like one of ours. */
export function parseEventMessage(body: unknown): EventMessage | null {
  if (!isRecord(body) || !isRecord(body.aggregate) || !isRecord(body.data)) return null;
  const { id, type, occurredAt, aggregate } = body;
  if (typeof id !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  if (typeof type !== 'string' || typeof occurredAt !== 'string' || typeof aggregate.type !== 'string' || typeof aggregate.id !== 'string') return null;
  return { id, type, occurredAt, aggregate: { type: aggregate.type, id: aggregate.id }, data: body.data };
}
