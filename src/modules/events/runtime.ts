import type { Config } from '../../config';
import type { Db } from '../../db/prisma';
import type { Logger } from '../../logger';
import { startWebhookDispatcher, type Dispatcher } from '../webhooks/dispatcher';
import { webhookFanOut } from '../webhooks/fan-out';
import { createAmqpBus } from './amqp-bus';
import { createInProcessBus, type EventBus } from './bus';
import { startRelay, type Relay } from './relay';
import { setStockLowThreshold } from './stock-low';

export interface DomainEvents {
  bus: EventBus;
  /** Stops relaying, consuming and sending, waiting for what is in flight. */
  stop(): Promise<void>;
}

/**
 * What a gateway process runs for domain events: the bus (RabbitMQ at
 * AMQP_URL, else in process), its consumers (the webhook fan-out), the
 * outbox relay and the webhook dispatcher. Safe with any number of instances.
 */
export async function startDomainEvents(options: {
  config: Config;
  db: Db;
  log: Logger;
  /** The embedded database: this process is its only writer, so nothing appears in it unannounced and no sweeps are needed. */
  embedded: boolean;
}): Promise<DomainEvents> {
  const { config, db, log } = options;
  const settings = config.events;
  const sweepIntervalMs = options.embedded ? null : settings.sweepIntervalMs;
  setStockLowThreshold(settings.stockLowThreshold);
  const amqp = settings.amqpUrl
    ? createAmqpBus({ url: settings.amqpUrl, exchange: settings.amqpExchange, log, reconnectDelayMs: Math.min(settings.retryBaseMs, 5000) })
    : null;
  const bus = amqp ?? createInProcessBus(log);
  let relay: Relay | undefined;
  let dispatcher: Dispatcher;
  try {
    await bus.subscribe('webhooks', webhookFanOut(db));
    amqp?.start();
    relay = await startRelay({ db, log, bus, retryBaseMs: settings.retryBaseMs, sweepIntervalMs });
    dispatcher = await startWebhookDispatcher({ db, log, config: config.webhooks, sweepIntervalMs });
  } catch (error) {
    await relay?.stop();
    await bus.close();
    throw error;
  }
  const running = { relay, dispatcher };
  log.info({ bus: bus.kind, exchange: amqp ? settings.amqpExchange : undefined }, 'domain events: relaying the outbox');
  return {
    bus,
    async stop() {
      await running.relay.stop();
      await bus.close();
      await running.dispatcher.stop();
    },
  };
}
