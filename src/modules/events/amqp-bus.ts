import os from 'node:os';
import { connect, type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../../logger';
import { parseEventMessage, type EventBus, type EventHandler } from './bus';
import type { EventMessage } from './catalogue';

export interface AmqpBusOptions {
  url: string;
  /** The durable topic exchange; routing key = event type. Consumers' queues are `<exchange>.<consumer name>`. */
  exchange: string;
  log: Logger;
  /** The first reconnect delay, doubled per failed attempt up to 30 s. */
  reconnectDelayMs: number;
  /** How long a publish may wait for the broker's confirm before it counts as failed. */
  confirmTimeoutMs?: number;
}

export interface AmqpBus extends EventBus {
  /** Connects (in the background, retrying until it succeeds). Subscribe the consumers first. */
  start(): void;
  /** Whether a connection (and its confirm channel) is up right now. */
  connected(): boolean;
}

const MAX_RECONNECT_DELAY_MS = 30_000;
/** Unacknowledged deliveries per consumer at once. */
const PREFETCH = 16;
/** How long a delivery whose consumer failed waits before it goes back to the queue (no hot loop on a database outage). */
const REQUEUE_DELAY_MS = 1000;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

class ConfirmTimeout extends Error {}

/**
 * The bus over RabbitMQ. Publishing goes through a confirm channel: a
 * message counts as published only when the broker confirmed it (persistent,
 * to a durable exchange). The connection is re-established with backoff
 * whenever it drops, and consumers are re-attached; while it is down,
 * `publish` fails at once and the relay keeps the events for later. The
 * gateway starts whether or not the broker is reachable.
 */
export function createAmqpBus(options: AmqpBusOptions): AmqpBus {
  const { url, exchange, log, reconnectDelayMs, confirmTimeoutMs = 10_000 } = options;
  const consumers = new Map<string, EventHandler>();
  const handling = new Set<Promise<void>>();
  let link: { model: ChannelModel; channel: ConfirmChannel } | null = null;
  let connecting: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let closed = false;

  async function handle(channel: Channel, delivery: ConsumeMessage, name: string, handler: EventHandler): Promise<void> {
    const settle = (action: () => void) => {
      try {
        action();
      } catch {
        // The channel closed meanwhile: the broker puts the delivery back by itself.
      }
    };
    let message: EventMessage | null = null;
    try {
      message = parseEventMessage(JSON.parse(delivery.content.toString('utf8')));
    } catch {
      message = null;
    }
    if (!message) {
      log.error({ consumer: name, messageId: delivery.properties.messageId }, 'a message that is not a storefront event was dropped');
      settle(() => channel.nack(delivery, false, false));
      return;
    }
    try {
      await handler(message);
      settle(() => channel.ack(delivery));
    } catch (error) {
      log.warn({ err: error, consumer: name, eventId: message.id, eventType: message.type }, 'an event consumer failed; the message goes back to its queue');
      setTimeout(() => settle(() => channel.nack(delivery, false, true)), REQUEUE_DELAY_MS).unref();
    }
  }

  async function attachConsumer(model: ChannelModel, name: string, handler: EventHandler): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (error: Error) => log.warn({ err: error, consumer: name }, 'an AMQP consumer channel failed'));
    await channel.prefetch(PREFETCH);
    const queue = `${exchange}.${name}`;
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(queue, (delivery) => {
      if (!delivery) {
        // The broker cancelled the consumer (its queue was deleted): start over, which declares it again.
        void model.close().catch(() => undefined);
        return;
      }
      const work = handle(channel, delivery, name, handler);
      handling.add(work);
      void work.finally(() => handling.delete(work));
    });
  }

  async function open(): Promise<void> {
    const model = await connect(url, {
      timeout: 10_000,
      clientProperties: { connection_name: `storefront-gateway ${os.hostname()} ${process.pid}` },
    });
    model.on('error', (error: Error) => log.warn({ err: error }, 'the RabbitMQ connection failed'));
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', (error: Error) => log.warn({ err: error }, 'the AMQP publishing channel failed'));
      await channel.assertExchange(exchange, 'topic', { durable: true });
      for (const [name, handler] of consumers) await attachConsumer(model, name, handler);
      if (closed) throw new Error('the bus was closed while connecting');
      link = { model, channel };
      model.on('close', () => lost(model));
      // A channel the broker closed (an error) takes the connection with it, so everything is set up anew.
      channel.on('close', () => void model.close().catch(() => undefined));
    } catch (error) {
      await model.close().catch(() => undefined);
      throw error;
    }
  }

  function lost(model: ChannelModel): void {
    if (link?.model !== model) return;
    link = null;
    if (closed) return;
    log.warn({ exchange }, 'lost the connection to RabbitMQ; reconnecting (events wait in the outbox)');
    scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (closed || reconnectTimer || connecting || link) return;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, reconnectDelayMs * 2 ** Math.min(failures, 16));
    failures += 1;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void ensureConnected();
    }, delay);
    reconnectTimer.unref();
  }

  function ensureConnected(): Promise<void> {
    if (link || closed) return Promise.resolve();
    connecting ??= open()
      .then(
        () => {
          failures = 0;
          log.info({ exchange }, 'connected to RabbitMQ');
        },
        (error: unknown) => log.warn({ err: error, exchange }, 'cannot reach RabbitMQ; will retry'),
      )
      .finally(() => {
        connecting = null;
        if (!link) scheduleReconnect();
      });
    return connecting;
  }

  function publishOne(channel: ConfirmChannel, message: EventMessage): Promise<Error | null> {
    return new Promise((resolve) => {
      try {
        channel.publish(
          exchange,
          message.type,
          Buffer.from(JSON.stringify(message), 'utf8'),
          {
            persistent: true,
            messageId: message.id,
            type: message.type,
            contentType: 'application/json',
            timestamp: Math.floor(Date.parse(message.occurredAt) / 1000),
            appId: 'storefront-gateway',
            headers: { aggregateType: message.aggregate.type, aggregateId: message.aggregate.id },
          },
          (error: unknown) => resolve(error ? asError(error) : null),
        );
      } catch (error) {
        resolve(asError(error));
      }
    });
  }

  const bus: AmqpBus = {
    kind: 'amqp',
    start: () => void ensureConnected(),
    connected: () => link !== null,
    async publish(messages) {
      const current = link;
      if (!current) return messages.map(() => new Error('not connected to RabbitMQ'));
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), confirmTimeoutMs);
      });
      try {
        const outcomes = await Promise.all(
          messages.map(async (message) => {
            const outcome = await Promise.race([publishOne(current.channel, message), deadline]);
            return outcome === 'late' ? new ConfirmTimeout(`RabbitMQ confirmed nothing within ${confirmTimeoutMs} ms`) : outcome;
          }),
        );
        // A broker that stops confirming is treated as gone: reconnecting beats waiting on a stuck channel.
        if (outcomes.some((outcome) => outcome instanceof ConfirmTimeout)) void current.model.close().catch(() => undefined);
        return outcomes;
      } finally {
        clearTimeout(timer);
      }
    },
    async subscribe(name, handler) {
      if (consumers.has(name)) throw new Error(`An event consumer named ${name} is already subscribed`);
      consumers.set(name, handler);
      if (link) await attachConsumer(link.model, name, handler);
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      await connecting;
      const current = link;
      link = null;
      await current?.model.close().catch(() => undefined);
      await Promise.allSettled([...handling]);
    },
  };
  return bus;
}
