import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ACCOUNTS, bearer, seedAccounts } from '../helpers/account-fixture';
import { expectAccepted, expectNoErrors } from '../helpers/assertions';
import { startTestGateway, typedOperation, type TestGateway } from '../helpers/test-gateway';
import { COMPLETE } from './sign-in-flow';

// "Sign in with …" in a real browser: headless Chromium goes through the
// gateway's and the development provider's real pages, clicking as a person
// would, so what the HTTP-level tests (dev-provider-flow.test.ts) cannot see
// is covered too: the browser's own redirects and cookies (SameSite, paths),
// the provider's page as rendered, and the completion page's script running
// under its Content-Security-Policy.

// Debian's chromium package, not a browser downloaded by Playwright: CI
// installs it with apt (.ci/run), and the closed network allows no download.
const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
// Without Chromium (a laptop without the package) the test is skipped, so `npm test` still passes.
const maybe = HAS_CHROMIUM ? describe : describe.skip;
if (!HAS_CHROMIUM) {
  // eslint-disable-next-line no-console
  console.log(`Skipped: the sign-in test in a real browser (needs Debian's chromium at ${CHROMIUM}; .ci/run installs it).`);
}

const VIEWER = typedOperation<{ viewer: { email: string } | null }>(`{ viewer { email } }`);

/** A PNG file starts with these eight bytes. */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

maybe(`signing in with the development provider in headless Chromium (${CHROMIUM})`, () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  /** What the pages reported as broken: uncaught exceptions and console errors (a script the CSP blocked shows here). */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // One after the other, so that a launch that fails leaves a started gateway for afterAll to close.
    gateway = await startTestGateway({ seed: seedAccounts });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      // No sandbox: Chromium will not run one as root, and containers often
      // lack the user namespaces it needs. None of Chromium's own traffic
      // (updates, sync, QUIC probes): a closed network refuses it.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    // A step that does not happen fails within seconds, well inside Jest's timeout, with Playwright's message saying which.
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${page.url()}: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('signs alice in by her demo button and ends on the completion page, whose code gives her a session', async () => {
    // given the provider's sign-in page, reached from the gateway's start link
    await page.goto(`${gateway.origin}/auth/dev/start`);
    await page.getByRole('heading', { name: 'Development identity provider' }).waitFor();
    expect(new URL(page.url()).origin).not.toBe(gateway.origin);

    // when alice clicks her demo account
    await page.locator('.accounts').getByRole('button', { name: ACCOUNTS.alice.email }).click();

    // then the browser ends on the gateway's completion page, which says the sign-in succeeded
    await page.waitForURL((url) => url.origin === gateway.origin && url.pathname === '/auth/complete');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in with the provider');
    await page.getByRole('button', { name: 'Finish signing in' }).waitFor();
    // and it shows the one-time code, which its script has taken out of the address bar (so the script ran, CSP and all)
    const code = (await page.locator('#code').textContent()) ?? '';
    expect(code).toMatch(/^[\w-]{43}$/);
    expect(new URL(page.url()).search).toBe('');
    expect(pageErrors).toEqual([]);

    // and a screenshot of it is a PNG (kept in a storefront-sign-in-* directory of the OS temp dir, to look at)
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'storefront-sign-in-')), 'completion-page.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = fs.readFileSync(file);
    expect(png.length).toBeGreaterThan(PNG_SIGNATURE.length);
    expect(png.subarray(0, PNG_SIGNATURE.length)).toEqual(PNG_SIGNATURE);

    // when the code is exchanged through the public API
    const exchanged = await gateway.graphql(COMPLETE, { input: { code } });
    expectNoErrors(exchanged);
    const session = expectAccepted(exchanged.body.data!.completeExternalSignIn);

    // then the access token is alice's
    expect(session.user?.email).toBe(ACCOUNTS.alice.email);
    const viewer = await gateway.graphql(VIEWER, {}, bearer(session.accessToken!));
    expectNoErrors(viewer);
    expect(viewer.body.data!.viewer).toEqual({ email: ACCOUNTS.alice.email });
  });
});
