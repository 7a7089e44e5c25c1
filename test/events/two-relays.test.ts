import { randomUUID } from 'node:crypto';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { createGateway, type Gateway } from '../../src/app';
import { loadConfig } from '../../src/config';
import { connectDatabase, type Database } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { allDelivered, eventually, pay, placeOrder, ship, typesByAggregate, type Api } from './support';

// Two gateway instances over one database, both relaying the outbox (and,
// with TEST_AMQP_URL, both publishing to RabbitMQ). Their claims must split
// the events: in normal operation no event is claimed, so published, twice.
// Concurrency needs real sessions, so this runs on PostgreSQL only
// (TEST_DATABASE_URL); PGlite serialises everything.

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const AMQP_URL = process.env.TEST_AMQP_URL;

if (!DATABASE_URL) {
  console.warn('TEST_DATABASE_URL is unset: the test of two relays over one database is skipped (it needs PostgreSQL).');
}

(DATABASE_URL ? describe : describe.skip)('two gateway instances relaying one outbox (PostgreSQL)', () => {
  const exchange = `storefront.events.test-${randomUUID()}`;
  const env: Record<string, string> = AMQP_URL ? { AMQP_URL, AMQP_EXCHANGE: exchange } : {};
  let first: TestGateway;
  let second: { gateway: Gateway; database: Database; api: Api };
  let broker: { connection: ChannelModel; channel: Channel } | null = null;
  const published: Array<{ messageId: string; aggregateId: string; type: string }> = [];

  beforeAll(async () => {
    if (AMQP_URL) {
      // A consumer of the exchange, to count what reached the broker.
      const connection = await connect(AMQP_URL);
      const channel = await connection.createChannel();
      await channel.assertExchange(exchange, 'topic', { durable: true });
      const { queue } = await channel.assertQueue('', { exclusive: true });
      await channel.bindQueue(queue, exchange, '#');
      await channel.consume(queue, (message) => {
        if (!message) return;
        const body = JSON.parse(message.content.toString('utf8')) as { aggregate: { id: string }; type: string };
        published.push({ messageId: message.properties.messageId as string, aggregateId: body.aggregate.id, type: body.type });
        channel.ack(message);
      });
      broker = { connection, channel };
    }
    first = await startTestGateway({ seed: seedAccountsWithCatalog, env, domainEvents: true });
    await first.prisma.product.updateMany({ data: { stockQuantity: 1000, published: true } });
    // The second instance: its own connection pool to the same database, its own relay.
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env, DATABASE_URL: first.testDatabase.url });
    const database = connectDatabase(first.testDatabase.url, { poolSize: 10, embedded: false, description: 'the test database, second instance' });
    const gateway = await createGateway({ config, database, log: createLogger(config) });
    const url = await gateway.listen(0, '127.0.0.1');
    const api: Api = {
      prisma: database.prisma,
      graphql: (async (operation: string | { query: string }, variables?: Record<string, unknown>, headers: Record<string, string> = {}) => {
        const query = typeof operation === 'string' ? operation : operation.query;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
        return { status: response.status, headers: response.headers, body: await response.json() };
      }) as Api['graphql'],
    };
    second = { gateway, database, api };
  });

  afterAll(async () => {
    await second?.gateway.stop();
    await second?.database.close();
    await first?.close();
    if (broker) {
      await broker.channel.deleteQueue(`${exchange}.webhooks`).catch(() => undefined);
      await broker.channel.deleteExchange(exchange).catch(() => undefined);
      await broker.connection.close();
    }
  });

  it('delivers every event once, in order per order, while both relay at the same time', async () => {
    // given customers on both instances (each order stays with the instance whose payment sandbox holds its intent)
    const instances: Api[] = [first, second.api];
    const staff = await Promise.all(instances.map((api) => signedIn(api as TestGateway, ACCOUNTS.staff.email)));
    const customers: Array<{ api: Api; staff: Customer; customer: Customer }> = [];
    for (let i = 0; i < 8; i++) {
      const api = instances[i % 2]!;
      customers.push({ api, staff: staff[i % 2]!, customer: await newCustomer(api as TestGateway, `relays-${i}`) });
    }

    // when they all order, pay and get their orders shipped at once (every commit wakes both relays)
    const orders = await Promise.all(
      customers.map(async ({ api, staff: clerk, customer }, index) => {
        // A product each: the orders contend for the outbox, not for one product's row.
        const orderId = await placeOrder(api, customer, `product-${String(index + 1).padStart(2, '0')}`);
        await pay(api, customer, orderId);
        await ship(api, clerk, orderId);
        return orderId;
      }),
    );

    // then every event was delivered, each claimed exactly once, in order per order
    const events = await allDelivered(first.prisma);
    expect(events).toHaveLength(orders.length * 3);
    expect(events.filter((event) => event.attempts !== 1).map((event) => [event.id, event.attempts])).toEqual([]);
    const expected = Object.fromEntries(orders.map((orderId) => [orderId, ['order.placed', 'order.paid', 'order.shipped']]));
    expect(typesByAggregate(events)).toEqual(expected);

    // and, with RabbitMQ, the broker got each event once, in order per order
    if (broker) {
      await eventually('every event on the queue', async () => published.length >= events.length);
      expect(published.map((message) => message.messageId).sort()).toEqual(events.map((event) => event.id).sort());
      expect(typesByAggregate(published.map((message) => ({ aggregateId: message.aggregateId, type: message.type })))).toEqual(expected);
    }
  });
});
