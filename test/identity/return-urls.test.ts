import { seedAccounts } from '../helpers/account-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { Browser, formAction } from './browser';
import { signInWithDev, startSignIn } from './sign-in-flow';

// A storefront's own return page, allowed by AUTH_RETURN_URLS: the sign-in
// ends there with its code (or error), its own query kept. The storefront
// then calls completeExternalSignIn itself.

const SHOP = 'http://shop.test/account/signed-in';
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccounts, env: { AUTH_RETURN_URLS: `${SHOP}, /auth/complete` } });
});

afterAll(async () => {
  await gateway?.close();
});

describe('AUTH_RETURN_URLS', () => {
  it('ends on the allowed page with the code, keeping its query', async () => {
    const returnTo = `${SHOP}?next=${encodeURIComponent('/cart')}`;
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'shopper@shop.test' }, { query: `?returnTo=${encodeURIComponent(returnTo)}`, returnPages: [SHOP] });
    expect(outcome.returnUrl.origin + outcome.returnUrl.pathname).toBe(SHOP);
    expect(outcome.returnUrl.searchParams.get('next')).toBe('/cart');
    expect(outcome.code).toMatch(/^[\w-]{43}$/);
  });

  it('returns to the first configured page when no returnTo is given', async () => {
    const outcome = await signInWithDev(gateway, new Browser(), { email: 'default.return@shop.test' }, { returnPages: [SHOP] });
    expect(outcome.returnUrl.origin + outcome.returnUrl.pathname).toBe(SHOP);
    expect(outcome.code).toEqual(expect.any(String));
  });

  it('sends a failure to the same page, as an error code', async () => {
    const browser = new Browser();
    const page = await startSignIn(gateway, browser, { query: `?returnTo=${encodeURIComponent(SHOP)}`, returnPages: [SHOP] });
    const end = await browser.navigate(formAction(page, '/abort'), { form: {}, stopAt: (next) => next.href.startsWith(SHOP) });
    expect(end.url.href).toBe(`${SHOP}?error=access_denied`);
  });

  it('still refuses a page of the same site that is not listed', async () => {
    const start = await new Browser().request(`${gateway.origin}/auth/dev/start?returnTo=${encodeURIComponent('http://shop.test/account/other')}`);
    expect(start.headers.get('location')).toBe(`${gateway.origin}/auth/complete?error=return_to_not_allowed`);
  });
});
