import { PrefixingKeyValueCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Request, RequestHandler } from 'express';
import { ErrorCode } from '../errors';
import type { Logger } from '../../logger';
import type { PersistedOperation } from './manifest';

/**
 * The manifest as Apollo's persisted-query cache: a lookup by id finds the
 * registered document, and registrations are ignored, so nothing a client
 * sends can add to it.
 */
export function manifestCache(operations: ReadonlyMap<string, PersistedOperation>): KeyValueCache<string> {
  const cache: KeyValueCache<string> = {
    async get(id) {
      return operations.get(id)?.body;
    },
    async set() {},
    async delete() {
      return false;
    },
  };
  // The keys are the ids themselves, without the prefix Apollo would put before them.
  return PrefixingKeyValueCache.cacheDangerouslyDoesNotNeedPrefixesForIsolation(cache);
}

interface RequestParameters {
  query: unknown;
  hash: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The query and the persisted-query hash of a GET or POST, as Apollo will read them; null when Apollo will refuse the request anyway. */
function parametersOf(req: Request): RequestParameters | null {
  let extensions: unknown;
  let query: unknown;
  if (req.method === 'POST') {
    if (!isRecord(req.body)) return null;
    ({ query, extensions } = req.body);
  } else if (req.method === 'GET') {
    const search = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    query = search.get('query') ?? undefined;
    const raw = search.get('extensions');
    try {
      extensions = raw ? JSON.parse(raw) : undefined;
    } catch {
      return null;
    }
  } else {
    return null;
  }
  const persistedQuery = isRecord(extensions) ? extensions.persistedQuery : undefined;
  return { query, hash: isRecord(persistedQuery) ? persistedQuery.sha256Hash : undefined };
}

/**
 * Trusted-documents mode, in front of Apollo: a request that names a
 * registered operation by its id goes on (Apollo then runs the manifest's
 * document, and checks a query sent along with it against the id); a request
 * that carries a query of its own, ad hoc or under an id the manifest does
 * not have, is refused here with 400 PERSISTED_QUERY_NOT_FOUND, before
 * anything is parsed. An unknown id without a query goes on too: Apollo
 * answers it with PERSISTED_QUERY_NOT_FOUND, as automatic persisted queries
 * do, which an APQ client understands.
 */
export function trustedDocumentsGuard(operations: ReadonlyMap<string, PersistedOperation>, log: Logger): RequestHandler {
  return (req, res, next) => {
    const parameters = parametersOf(req);
    if (!parameters || (typeof parameters.hash === 'string' && operations.has(parameters.hash))) return next();
    if (typeof parameters.query !== 'string' || parameters.query === '') return next();
    const message =
      parameters.hash === undefined
        ? 'This gateway runs only trusted documents: send the id of a registered operation as extensions.persistedQuery.sha256Hash instead of a query.'
        : 'This operation is not a trusted document of this gateway, so it cannot be registered or run.';
    const requestId = res.locals.requestId as string | undefined;
    log.info({ requestId, hash: typeof parameters.hash === 'string' ? parameters.hash.slice(0, 64) : null }, 'refused an operation that is not a trusted document');
    res.status(400).json({ errors: [{ message, extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_FOUND, requestId } }] });
  };
}
