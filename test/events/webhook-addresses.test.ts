import { ACCOUNTS, seedAccounts, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted, expectUserError } from '../helpers/assertions';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { createEndpoint } from './support';

// In production a webhook endpoint may not lead the gateway to its own host
// or its networks (loopback, private, link-local: a cloud's metadata
// service), whether by address or by a name resolving there, and must be
// https. WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true lifts the address rule.

describe('webhook endpoints in production', () => {
  let gateway: TestGateway;
  let admin: Customer;

  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccounts, env: PRODUCTION_ENV, domainEvents: true });
    admin = await signedIn(gateway, ACCOUNTS.admin.email);
  });
  afterAll(() => gateway?.close());

  it.each([
    ['loopback', 'https://127.0.0.1/hooks'],
    ['loopback elsewhere in 127/8', 'https://127.1.2.3:8443/hooks'],
    ['IPv6 loopback', 'https://[::1]/hooks'],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/hooks'],
    ['a private network', 'https://10.20.30.40/hooks'],
    ['another private network', 'https://192.168.1.10/hooks'],
    ['link-local (a metadata service)', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 unique-local', 'https://[fd00::1]/hooks'],
    ['the unspecified address', 'https://0.0.0.0/hooks'],
    ['a name that resolves to loopback', 'https://localhost/hooks'],
  ])('refuses %s as ADDRESS_NOT_ALLOWED', async (_name, url) => {
    // when an admin registers it, then it is refused and nothing is stored
    const refused = expectUserError(await createEndpoint(gateway, admin, { url, eventTypes: ['order.paid'] }), 'ADDRESS_NOT_ALLOWED', ['input', 'url']);
    expect(refused.message).toMatch(/not a public address/);
    expect(await gateway.prisma.webhookEndpoint.count()).toBe(0);
  });

  it('refuses plain http, and accepts a public https address', async () => {
    expectUserError(await createEndpoint(gateway, admin, { url: 'http://93.184.216.34/hooks', eventTypes: ['order.paid'] }), 'INVALID_URL', ['input', 'url']);
    const accepted = expectAccepted(await createEndpoint(gateway, admin, { url: 'https://93.184.216.34/hooks', eventTypes: ['order.paid'] }));
    expect(accepted.endpoint?.url).toBe('https://93.184.216.34/hooks');
    await gateway.prisma.webhookEndpoint.deleteMany();
  });
});

describe('webhook endpoints in production with WEBHOOK_ALLOW_PRIVATE_ADDRESSES=true', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ seed: seedAccounts, env: { ...PRODUCTION_ENV, WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'true' }, domainEvents: true });
  });
  afterAll(() => gateway?.close());

  it('accepts an endpoint on a private network', async () => {
    const admin = await signedIn(gateway, ACCOUNTS.admin.email);
    const accepted = expectAccepted(await createEndpoint(gateway, admin, { url: 'https://10.20.30.40/hooks', eventTypes: ['order.paid'] }));
    expect(accepted.endpoint?.url).toBe('https://10.20.30.40/hooks');
  });
});
