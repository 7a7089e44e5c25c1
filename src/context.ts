import type { Config } from './config';
import type { Viewer } from './core/viewer';
import { isDatabaseUnavailable } from './db/errors';
import type { BatchObserver } from './db/batch';
import type { Db, WorkStats } from './db/prisma';
import { serviceUnavailable } from './graphql/errors';
import { RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } from './graphql/faults';
import type { Logger } from './logger';
import { authenticate } from './modules/account/authentication';
import type { PaymentProvider } from './integrations/payments/client';
import type { Metrics } from './observability/metrics';
import type { PubSub } from './realtime/pubsub';
import { createLoaders, type Loaders } from './registry';

export type { Viewer } from './core/viewer';
export type { Loaders } from './registry';

/**
 * What a service may use: the database, the request's loaders, who is asking
 * and a logger. Nothing of GraphQL or HTTP: a resolver, a webhook route, a
 * worker or a script builds one (see `createServiceContext`) and calls the
 * same business rules.
 */
export interface ServiceContext {
  db: Db;
  /** Per-unit-of-work DataLoaders: reads are batched and cached for this request (or job) only. */
  loaders: Loaders;
  viewer: Viewer | null;
  log: Logger;
}

/** A service context outside GraphQL (a script, a worker, a webhook route), acting as `viewer`. */
export function createServiceContext(db: Db, log: Logger, viewer: Viewer | null = null): ServiceContext {
  return { db, loaders: createLoaders(db), viewer, log };
}

/** Everything a resolver may use, built anew for every GraphQL request: a service context and more. */
export interface Context extends ServiceContext {
  config: Config;
  requestId: string;
  /** Statistics of this request (SQL statements sent), for logs and metrics. */
  stats: WorkStats;
  /** Live-update messages (subscriptions listen here; see src/realtime/topics.ts). */
  pubsub: PubSub;
  /** The payment provider's client (checkout, confirmPayment and refundOrder call it). */
  payments: PaymentProvider;
  /**
   * Users who signed in (register, login, refreshSession) in this request: the
   * payload's `user { email role }` is theirs to read. The viewer stays who
   * sent the request, so later fields of the same document do not run as them.
   */
  signedIn: Set<number>;
  /** The client's network address (X-Forwarded-For believed as TRUST_PROXY says): whose budget an anonymous request spends. */
  clientAddress?: string;
  /** The gateway's Prometheus metrics (e.g. `metrics.rateLimitRefused(kind)`); absent where none are kept. */
  metrics?: Metrics;
  /**
   * Call after a change to what the public catalog shows (a product, its
   * stock, its reviews) committed: cached responses are dropped everywhere.
   */
  catalogChanged: () => Promise<void>;
}

export interface ContextInput {
  db: Db;
  config: Config;
  requestId: string;
  log: Logger;
  stats: WorkStats;
  pubsub: PubSub;
  payments: PaymentProvider;
  /** The request's Authorization header. */
  authorization: string | undefined;
  clientAddress?: string;
  metrics?: Metrics;
  /** The response cache's invalidation (none: nothing is cached where this context is used). */
  catalogChanged?: () => Promise<void>;
  /** Watches the request's DataLoader batches (metrics, tracing). */
  batches?: BatchObserver;
}

const nothingCached = async (): Promise<void> => {};

/** Builds a request's context: fresh loaders, and the viewer from the access token. */
export async function createContext({ authorization, batches, ...input }: ContextInput): Promise<Context> {
  const loaders = createLoaders(input.db, batches);
  let viewer: Viewer | null;
  try {
    viewer = await authenticate(authorization, input.config, loaders);
  } catch (error) {
    // Looking the viewer up is the first read of a request: an unreachable database shows here first.
    if (isDatabaseUnavailable(error)) throw serviceUnavailable(UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS);
    throw error;
  }
  return { ...input, catalogChanged: input.catalogChanged ?? nothingCached, loaders, viewer, signedIn: new Set() };
}
