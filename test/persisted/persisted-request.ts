import type { GraphQLResponse } from '../helpers/test-gateway';

/** What a persisted-query client sends: the hash, and the query only when it (re)registers it. */
export interface PersistedRequest {
  hash: string;
  query?: string;
  variables?: Record<string, unknown>;
  /** The persisted-query protocol version (1, the only one there is). */
  version?: number;
}

/** POSTs a request in the automatic-persisted-queries protocol (`extensions.persistedQuery`). */
export async function postPersisted(url: string, request: PersistedRequest): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: request.query,
      variables: request.variables,
      extensions: { persistedQuery: { version: request.version ?? 1, sha256Hash: request.hash } },
    }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}

/** The same over GET, with the CSRF header a GET needs. */
export async function getPersisted(url: string, request: PersistedRequest): Promise<GraphQLResponse> {
  const search = new URLSearchParams({ extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: request.hash } }) });
  if (request.variables) search.set('variables', JSON.stringify(request.variables));
  if (request.query) search.set('query', request.query);
  const response = await fetch(`${url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse['body'] };
}
