import { createHash } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextResponseForOperation } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Context } from '../../context';
import type { Logger } from '../../logger';
import { isPublicPolicy, operationPolicy, type CachePolicy } from './policy';
import type { ResponseStore } from './store';

/** Responses larger than this are not cached: they would crowd out many small pages. */
export const MAX_ENTRY_BYTES = 1024 * 1024;

/** `X-Cache`: served from the shared cache, computed and stored, or not eligible (signed in, or not a public query). */
export type CacheOutcome = 'HIT' | 'MISS' | 'BYPASS';

export interface ResponseCachePluginOptions {
  /** Where responses are kept; null: no shared cache, only the Cache-Control headers. */
  store: ResponseStore | null;
  /** Part of every key, so instances running another version of the schema never serve each other's entries. */
  schemaFingerprint: string;
  log: Logger;
}

/** A fingerprint of the schema's types and fields. */
export function schemaFingerprint(printedSchema: string): string {
  return createHash('sha256').update(printedSchema).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` give one cache key. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function cacheKey(fingerprint: string, request: GraphQLRequestContextResponseForOperation<Context>): string {
  const { queryHash, operationName } = request;
  return createHash('sha256')
    .update(`${fingerprint}\n${queryHash}\n${operationName ?? ''}\n${canonicalJson(request.request.variables ?? {})}`)
    .digest('base64url');
}

/** Neither a token nor a viewer: the response is the same for everyone who sends this request. */
function isAnonymous(request: GraphQLRequestContextResponseForOperation<Context>): boolean {
  return request.contextValue.viewer === null && !request.request.http?.headers.get('authorization');
}

// An entry is `<stored at, ms>:<data as JSON>`: the time gives the `Age` header of a hit.
function encodeEntry(data: unknown): string {
  return `${Date.now()}:${JSON.stringify(data)}`;
}

function decodeEntry(entry: string): { ageSeconds: number; data: Record<string, unknown> } | null {
  const colon = entry.indexOf(':');
  const storedAt = Number(entry.slice(0, colon));
  if (colon < 0 || !Number.isFinite(storedAt)) return null;
  try {
    return { ageSeconds: Math.max(0, Math.floor((Date.now() - storedAt) / 1000)), data: JSON.parse(entry.slice(colon + 1)) as Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * Cache-Control on GET queries, and the shared response cache, from the
 * operation's static policy (src/graphql/cache/policy.ts):
 * - an anonymous query whose whole operation is PUBLIC with a maxAge is looked
 *   up before execution (a hit runs no resolver and sends no SQL) and, when it
 *   had to run and gave data without errors, stored for maxAge seconds;
 * - a GET answer says `public, max-age=N` (with `Age` on a hit) only for such
 *   a query, `no-store` for other anonymous ones, `private, no-store` when signed in;
 * - every query answer says `X-Cache: HIT | MISS | BYPASS` while the shared cache is on.
 * A signed-in request is never served from nor stored in the cache: staff see
 * unpublished products through the same public fields.
 */
export function responseCachePlugin(schema: GraphQLSchema, options: ResponseCachePluginOptions): ApolloServerPlugin<Context> {
  const { store, schemaFingerprint: fingerprint, log } = options;
  return {
    async requestDidStart() {
      let policy: CachePolicy | null = null;
      let anonymous = false;
      let outcome: CacheOutcome | null = null;
      let pending: { key: string; generation: string } | null = null;
      let ageSeconds: number | null = null;
      return {
        async responseForOperation(request) {
          if (request.operation.operation !== 'query') return null;
          policy = operationPolicy(schema, request.document, request.operation);
          anonymous = isAnonymous(request);
          if (!store) return null;
          if (!anonymous || !isPublicPolicy(policy)) {
            outcome = 'BYPASS';
            return null;
          }
          const key = cacheKey(fingerprint, request);
          const { generation, entry } = await store.lookup(key);
          const hit = entry === undefined ? null : decodeEntry(entry);
          if (!hit) {
            outcome = 'MISS';
            pending = generation === null ? null : { key, generation };
            return null;
          }
          outcome = 'HIT';
          ageSeconds = hit.ageSeconds;
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data: hit.data } } };
        },
        async willSendResponse({ request, response }) {
          if (!policy) return;
          const single = response.body.kind === 'single' ? response.body.singleResult : null;
          const clean = single !== null && single.data != null && !single.errors?.length;
          const headers = response.http.headers;
          if (outcome) headers.set('x-cache', outcome);
          if (request.http?.method === 'GET') {
            if (anonymous && clean && isPublicPolicy(policy)) {
              headers.set('cache-control', `public, max-age=${policy.maxAge}`);
              // A shared HTTP cache must not hand this to a signed-in client (staff see more), nor across CORS origins.
              headers.set('vary', 'Origin, Authorization');
              if (ageSeconds !== null) headers.set('age', String(ageSeconds));
            } else {
              headers.set('cache-control', anonymous ? 'no-store' : 'private, no-store');
            }
          }
          if (pending && clean && store && policy.maxAge > 0) {
            const entry = encodeEntry(single.data);
            if (entry.length > MAX_ENTRY_BYTES) return;
            // Not awaited: the client need not wait for the cache; the store keeps its commands in order.
            store.store(pending.key, pending.generation, entry, policy.maxAge).catch((error: unknown) => log.error({ err: error }, 'storing a cached response failed'));
          }
        },
      };
    },
  };
}
