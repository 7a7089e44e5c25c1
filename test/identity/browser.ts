/**
 * A browser as far as a sign-in needs one: it follows redirects by hand
 * (fetch with `redirect: 'manual'`), keeps cookies per host and path with
 * their expiry (as browsers do: cookies ignore the port), and submits forms.
 * Nothing of the gateway or the provider is bypassed.
 */
interface Cookie {
  name: string;
  value: string;
  host: string;
  path: string;
}

export interface Page {
  url: URL;
  status: number;
  headers: Headers;
  body: string;
}

const MAX_REDIRECTS = 10;

export class Browser {
  private cookies: Cookie[] = [];

  /** The cookies the browser would send to `url`. */
  cookiesFor(url: URL): Cookie[] {
    return this.cookies.filter((cookie) => cookie.host === url.hostname && url.pathname.startsWith(cookie.path));
  }

  private store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      const attribute = (key: string) => attributes.find((part) => part.toLowerCase().startsWith(`${key}=`))?.split('=')[1];
      const path = attribute('path') ?? '/';
      this.cookies = this.cookies.filter((cookie) => !(cookie.name === name && cookie.host === url.hostname && cookie.path === path));
      if (attribute('max-age') !== '0' && value !== '') this.cookies.push({ name, value, host: url.hostname, path });
    }
  }

  /** One request, no redirect followed. */
  async request(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Page> {
    const target = new URL(url);
    const cookie = this.cookiesFor(target).map(({ name, value }) => `${name}=${value}`).join('; ');
    const response = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    });
    this.store(target, response.headers);
    return { url: target, status: response.status, headers: response.headers, body: await response.text() };
  }

  /**
   * Requests `url` (or submits a form to it) and follows redirects until a
   * page answers, or until the next location satisfies `stopAt` (that
   * location is returned unrequested, as `status` 0).
   */
  async navigate(url: string | URL, options: { form?: Record<string, string>; stopAt?: (next: URL) => boolean } = {}): Promise<Page> {
    let page = await this.request(url, { form: options.form });
    for (let hops = 0; page.status >= 300 && page.status < 400; hops++) {
      if (hops === MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects from ${String(url)}`);
      const next = new URL(page.headers.get('location') ?? '', page.url);
      if (options.stopAt?.(next)) return { url: next, status: 0, headers: new Headers(), body: '' };
      page = await this.request(next);
    }
    return page;
  }
}

/** The `action` of the form whose URL ends with `suffix` on a provider's page. */
export function formAction(page: Page, suffix: string): URL {
  const actions = [...page.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, '&'));
  const action = actions.find((candidate) => candidate.endsWith(suffix));
  if (!action) throw new Error(`no form ending in ${suffix} on ${page.url.href} (status ${page.status}):\n${page.body.slice(0, 500)}`);
  return new URL(action, page.url);
}
