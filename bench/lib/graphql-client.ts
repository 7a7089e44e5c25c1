// A minimal GraphQL-over-HTTP client for the bench's setup and probes (not for the load itself).

export interface HttpCall {
  body: string;
  headers: Record<string, string>;
}

export function graphqlCall(query: string, variables: Record<string, unknown> = {}, token?: string): HttpCall {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return { body: JSON.stringify({ query, variables }), headers };
}

/** Sends `call` to `url` and returns the response body as text; throws on a non-2xx status. */
export async function send(url: string, call: HttpCall): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: call.headers, body: call.body });
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`);
  return text;
}

/** Runs a query and returns its `data`; throws when the response has errors. */
export async function query<T>(url: string, text: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const body = JSON.parse(await send(url, graphqlCall(text, variables, token))) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors from ${url}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
  return body.data;
}
