import { createLogger } from '../../src/logger';
import { signatureHeader } from '../../src/integrations/payments/signature';
import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, DEMO_PASSWORD, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';

// A whole customer journey with every log line kept (debug level, the
// production JSON format and redaction): registering, signing in, refreshing,
// shopping, paying through the provider and its webhook, and a few refused
// requests. Then the logs are searched for every secret that went by.

const lines: string[] = [];
const log = createLogger({ logLevel: 'debug', logFormat: 'json' }, { write: (line: string) => void lines.push(line) });
let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog, log });
  await gateway.prisma.product.updateMany({ data: { stockQuantity: 100 } });
});
afterAll(() => gateway?.close());

async function call(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await gateway.graphql<any>(query, variables, token ? { authorization: `Bearer ${token}`, 'x-request-id': 'journey-1' } : { 'x-request-id': 'journey-1' });
  return response.body.data;
}

it('never logs a password, a token, a client secret or a signing secret', async () => {
  const secrets: string[] = [DEMO_PASSWORD, 'a-brand-new-password-1', ...gateway.payments.webhookSecrets];
  if (gateway.payments.sandboxApiKey) secrets.push(gateway.payments.sandboxApiKey);

  // a new customer registers, and alice signs in and refreshes her session
  const registered = await call('mutation R($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }', {
    input: { email: 'journey@example.com', password: 'a-brand-new-password-1', name: 'Journey' },
  });
  const login = await call('mutation L($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }', {
    input: { email: ACCOUNTS.alice.email, password: DEMO_PASSWORD },
  });
  const refreshed = await call('mutation F($input: RefreshSessionInput!) { refreshSession(input: $input) { accessToken refreshToken } }', {
    input: { refreshToken: login.login.refreshToken },
  });
  await call('mutation L($input: LoginInput!) { login(input: $input) { accessToken } }', { input: { email: ACCOUNTS.bob.email, password: 'wrong-password' } });
  const token = refreshed.refreshSession.accessToken as string;
  secrets.push(registered.register.accessToken, registered.register.refreshToken, login.login.accessToken, login.login.refreshToken, token, refreshed.refreshSession.refreshToken);

  // and shops, checks out and pays
  const product = await gateway.prisma.product.findFirstOrThrow({ where: { published: true } });
  await call('mutation A($input: AddToCartInput!) { addToCart(input: $input) { userErrors { code } } }', { input: { productId: toGlobalId('Product', product.id), quantity: 1 } }, token);
  const placed = await call('mutation C($input: CheckoutInput!) { checkout(input: $input) { order { id payment { clientSecret } } } }', { input: { idempotencyKey: 'journey' } }, token);
  secrets.push(placed.checkout.order.payment.clientSecret);
  await call('mutation P($input: ConfirmPaymentInput!) { confirmPayment(input: $input) { userErrors { code } } }', { input: { orderId: placed.checkout.order.id, paymentMethod: 'pm_card_visa' } }, token);
  const orderId = Number(Buffer.from(placed.checkout.order.id, 'base64url').toString().split(':')[1]);
  for (let tries = 0; (await gateway.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status !== 'PAID'; tries += 1) {
    if (tries > 200) throw new Error('the order was never paid');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // and a forged webhook and a bad token are refused
  await fetch(`${gateway.origin}/webhooks/payments`, { method: 'POST', headers: { 'payment-signature': signatureHeader('whsec_forged_forged_forged', '{}', 1) }, body: '{}' });
  await gateway.graphql('{ viewer { id } }', {}, { authorization: `Bearer ${token}x` });

  // then the logs have the requests, with their ids and outcomes
  const text = lines.join('');
  expect(text).toContain('"requestId":"journey-1"');
  expect(text).toContain('payment webhook processed');
  // and not one secret
  for (const secret of secrets) expect(text).not.toContain(secret);
});

describe('SQL statements on the request log line (SQL_STATEMENTS_PER_REQUEST)', () => {
  const page = '{ products(first: 5) { nodes { name category { name } reviews(first: 2) { nodes { rating author { name } } } } } }';

  async function logLineOf(env: Record<string, string>, requestId: string) {
    const captured: string[] = [];
    const quiet = createLogger({ logLevel: 'info', logFormat: 'json' }, { write: (line: string) => void captured.push(line) });
    const other = await startTestGateway({ seed: seedAccountsWithCatalog, log: quiet, env });
    try {
      const { result, statements } = await other.countStatements(() => other.graphql<any>(page, {}, { 'x-request-id': requestId }));
      expect(result.body.errors).toBeUndefined();
      const line = captured.map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.requestId === requestId && entry.msg === 'graphql request');
      return { line: line!, statements };
    } finally {
      await other.close();
    }
  }

  it('are counted on each line outside production, as many as the database was sent', async () => {
    const { line, statements } = await logLineOf({}, 'counted-1');
    expect(statements).toBe(1);
    expect(line.sqlStatements).toBe(statements);
  });

  it('are left out when turned off (the production default), and the request is served the same', async () => {
    const { line, statements } = await logLineOf({ SQL_STATEMENTS_PER_REQUEST: 'false' }, 'uncounted-1');
    expect(statements).toBe(1);
    expect(line).not.toHaveProperty('sqlStatements');
    expect(line).toEqual(expect.objectContaining({ operationName: null, errorCodes: [] }));
  });
});
