/** The gateway's own return page: shows the sign-in code (or the error) and can exchange it. */
export const COMPLETION_PATH = '/auth/complete';

/** Where a return URL points, for comparing it with the allow-list: origin and path, nothing else. */
function place(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function parse(raw: string, publicUrl: string): URL | null {
  // A path is on the gateway's origin; "//host" and "/\host" are other hosts to a browser, so they are not paths.
  if (raw.startsWith('/') && !raw.startsWith('//') && !raw.startsWith('/\\')) {
    return URL.canParse(raw, publicUrl) ? new URL(raw, publicUrl) : null;
  }
  return URL.canParse(raw) ? new URL(raw) : null;
}

/**
 * The allow-list of return URLs: the gateway's completion page, and
 * AUTH_RETURN_URLS. A return URL is allowed when its origin and path equal an
 * entry's; its own query is kept, a fragment or credentials are refused.
 */
export class ReturnUrls {
  constructor(
    private readonly configured: readonly string[],
    private readonly publicUrl: () => string,
  ) {}

  /** The gateway's completion page (also where failures that know no return URL end). */
  completionPage(): string {
    return `${this.publicUrl()}${COMPLETION_PATH}`;
  }

  private allowed(): Set<string> {
    const entries = [this.completionPage(), ...this.configured];
    return new Set(entries.map((entry) => parse(entry, this.publicUrl())).filter((url): url is URL => url !== null).map(place));
  }

  /** The return URL to use for `requested` (absent: the first configured entry, else the completion page), or null when not allowed. */
  resolve(requested: string | undefined): string | null {
    const raw = requested === undefined || requested === '' ? (this.configured[0] ?? this.completionPage()) : requested;
    const url = parse(raw, this.publicUrl());
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.hash || raw.includes('#')) return null;
    return this.allowed().has(place(url)) ? url.href : null;
  }
}

/** `returnTo` with the outcome of the sign-in as its only `code` or `error` parameter. */
export function withOutcome(returnTo: string, outcome: { code: string } | { error: string }): string {
  const url = new URL(returnTo);
  url.searchParams.delete('code');
  url.searchParams.delete('error');
  if ('code' in outcome) url.searchParams.set('code', outcome.code);
  else url.searchParams.set('error', outcome.error);
  return url.href;
}
