import type { PersistedQueryOptions } from '@apollo/server';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { RequestHandler } from 'express';
import { getOperationAST, GraphQLError, typeFromAST, valueFromAST, type GraphQLInputType, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { requestedCost } from '../cost/requested-cost';
import { ManifestError, manifestOperationProblem, readManifest, type PersistedOperation } from './manifest';
import { createRedisKeyValueCache } from './redis-cache';
import { manifestCache, trustedDocumentsGuard } from './trusted-documents';

/** Query text one process keeps for automatic persisted queries without Redis; the least recently used goes first. */
export const APQ_MEMORY_BYTES = 16 * 1024 * 1024;

export interface PersistedOperations {
  /** Apollo Server's `persistedQueries` option. */
  apollo: PersistedQueryOptions | false;
  /** Runs before Apollo on the GraphQL path: refuses what trusted-documents mode does not run (passes everything otherwise). */
  guard: RequestHandler;
  /** The trusted documents by id (empty outside trusted-documents mode). */
  trusted: ReadonlyMap<string, PersistedOperation>;
  close(): Promise<void>;
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** The values of the variables that have a default: what an operation costs when the client sends no variables. */
function defaultVariables(schema: GraphQLSchema, operation: OperationDefinitionNode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    if (definition.defaultValue && type) values[definition.variable.name.value] = valueFromAST(definition.defaultValue, type);
  }
  return values;
}

/**
 * Reads the manifest and checks every operation in it against the schema,
 * and its cost (with its default variables) against `maxCost`, so a gateway
 * whose manifest no longer fits refuses to start, with one line naming the
 * operation, instead of refusing those requests later.
 */
export function loadTrustedDocuments(file: string, schema: GraphQLSchema, maxCost: number): Map<string, PersistedOperation> {
  const manifest = readManifest(file);
  const operations = new Map<string, PersistedOperation>();
  for (const operation of manifest.operations) {
    const checked = manifestOperationProblem(schema, operation);
    if (checked.problem !== null) throw new ManifestError(file, `operation ${operation.name} is invalid against the schema: ${checked.problem}`);
    const definition = getOperationAST(checked.document)!;
    let cost: number;
    try {
      // Rounded as the cost plugin rounds a request's cost.
      cost = Math.ceil(Math.round(requestedCost(schema, checked.document, definition, defaultVariables(schema, definition)) * 1e6) / 1e6);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      throw new ManifestError(file, `operation ${operation.name} cannot be priced with its default variables: ${error.message}`);
    }
    if (cost > maxCost) throw new ManifestError(file, `operation ${operation.name} costs ${cost} with its default variables, more than MAX_QUERY_COST (${maxCost})`);
    operations.set(operation.id, operation);
  }
  return operations;
}

/**
 * Persisted operations as configured (PERSISTED_OPERATIONS):
 * - `apq`: automatic persisted queries, stored in Redis with REDIS_URL (shared
 *   by every instance, kept APQ_TTL_SECONDS), else in this process's memory
 *   (at most APQ_MEMORY_BYTES of query text);
 * - `only`: trusted documents, the manifest's operations and nothing else;
 * - `off`: Apollo answers any persisted query with PERSISTED_QUERY_NOT_SUPPORTED.
 */
export async function setUpPersistedOperations(config: Config, schema: GraphQLSchema, log: Logger): Promise<PersistedOperations> {
  const { mode, manifestFile, apqTtlSeconds } = config.persistedOperations;
  const none = async () => {};
  if (mode === 'off') return { apollo: false, guard: passThrough, trusted: new Map(), close: none };
  if (mode === 'only') {
    const trusted = loadTrustedDocuments(manifestFile, schema, config.queryLimits.maxCost);
    log.info({ manifest: manifestFile, operations: trusted.size }, 'trusted documents only');
    return { apollo: { cache: manifestCache(trusted), ttl: null }, guard: trustedDocumentsGuard(trusted, log), trusted, close: none };
  }
  if (!config.redisUrl) {
    return { apollo: { cache: new InMemoryLRUCache({ maxSize: APQ_MEMORY_BYTES }), ttl: apqTtlSeconds }, guard: passThrough, trusted: new Map(), close: none };
  }
  const cache = createRedisKeyValueCache(config.redisUrl, log);
  await cache.connect();
  return { apollo: { cache, ttl: apqTtlSeconds }, guard: passThrough, trusted: new Map(), close: () => cache.close() };
}
