import type { AccountErrorCode, CompleteExternalSignInInput } from '../../src/generated/graphql';
import type { UserError } from '../helpers/assertions';
import { typedOperation, type TestGateway } from '../helpers/test-gateway';
import { Browser, formAction, type Page } from './browser';

/** What the development provider's sign-in page submits. */
export interface DevSignIn {
  email: string;
  name?: string;
  /** Whether the provider vouches for the email (the page's checkbox); default true. */
  verified?: boolean;
}

/** Where a sign-in ended: the return URL with its `code` or `error`, and every URL the browser was sent to on the way. */
export interface Outcome {
  returnUrl: URL;
  code: string | null;
  error: string | null;
  visited: URL[];
}

/** Whether a redirect target is the return page: the gateway's own, or one of `others`. */
function isReturnPage(gateway: TestGateway, others: readonly string[]) {
  return (next: URL) =>
    (next.origin === gateway.origin && next.pathname === '/auth/complete') || others.some((other) => next.href.startsWith(other));
}

export function outcomeOf(returnUrl: URL, visited: URL[] = []): Outcome {
  return { returnUrl, code: returnUrl.searchParams.get('code'), error: returnUrl.searchParams.get('error'), visited };
}

/** GET /auth/<provider>/start and follow the redirects to the provider's sign-in page (or to the return page when it ends early). */
export async function startSignIn(gateway: TestGateway, browser: Browser, options: { provider?: string; query?: string; returnPages?: string[] } = {}): Promise<Page> {
  const provider = options.provider ?? 'dev';
  return browser.navigate(`${gateway.origin}/auth/${provider}/start${options.query ?? ''}`, { stopAt: isReturnPage(gateway, options.returnPages ?? []) });
}

/** The whole flow with the development provider: start, choose who signs in, and follow back to the return page (not requested). */
export async function signInWithDev(
  gateway: TestGateway,
  browser: Browser,
  who: DevSignIn | { demo: string },
  options: { query?: string; returnPages?: string[] } = {},
): Promise<Outcome> {
  const page = await startSignIn(gateway, browser, options);
  if (page.status !== 200) throw new Error(`expected the provider's sign-in page, got ${page.status} at ${page.url.href}`);
  const action = formAction(page, '/login');
  const form =
    'demo' in who
      ? { email: who.demo, email_verified: 'true' }
      : { email: who.email, ...(who.name ? { name: who.name } : {}), ...(who.verified === false ? {} : { email_verified: 'true' }) };
  const visited: URL[] = [];
  const end = await browser.navigate(action, {
    form,
    stopAt: (next) => {
      visited.push(next);
      return isReturnPage(gateway, options.returnPages ?? [])(next);
    },
  });
  if (end.status !== 0) throw new Error(`the flow did not reach the return page: ${end.status} at ${end.url.href}\n${end.body.slice(0, 300)}`);
  return outcomeOf(end.url, visited);
}

/** Follows the flow up to the provider's redirect to the gateway's callback, and returns that URL unrequested. */
export async function callbackUrlFor(gateway: TestGateway, browser: Browser, who: DevSignIn): Promise<URL> {
  const page = await startSignIn(gateway, browser);
  const form = { email: who.email, ...(who.verified === false ? {} : { email_verified: 'true' }) };
  const end = await browser.navigate(formAction(page, '/login'), { form, stopAt: (next) => next.pathname === '/auth/dev/callback' });
  if (end.status !== 0) throw new Error(`no callback: ${end.status} at ${end.url.href}`);
  return end.url;
}

/** A session's tokens and user, or why not: what `completeExternalSignIn` answers. */
export interface SessionPayload {
  accessToken: string | null;
  refreshToken: string | null;
  user: { id: string; email: string | null } | null;
  userErrors: Array<Pick<UserError<AccountErrorCode>, 'code' | 'message' | 'field'>>;
}

export const COMPLETE = typedOperation<{ completeExternalSignIn: SessionPayload }, { input: CompleteExternalSignInInput }>(/* GraphQL */ `
  mutation Complete($input: CompleteExternalSignInInput!) {
    completeExternalSignIn(input: $input) { accessToken refreshToken user { id email } userErrors { code message field } }
  }
`);

/** Rows a sign-in may create; a refused one must leave every count as it was. */
export async function rowCounts(gateway: TestGateway): Promise<Record<'users' | 'identities' | 'codes' | 'sessions', number>> {
  const db = gateway.prisma;
  const [users, identities, codes, sessions] = await Promise.all([
    db.user.count(),
    db.externalIdentity.count(),
    db.signInCode.count(),
    db.refreshToken.count(),
  ]);
  return { users, identities, codes, sessions };
}
