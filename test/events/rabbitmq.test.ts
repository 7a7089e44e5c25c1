import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { ACCOUNTS, newCustomer, seedAccountsWithCatalog, signedIn, type Customer } from '../helpers/account-fixture';
import { expectAccepted } from '../helpers/assertions';
import { startTestGateway, type TestGateway } from '../helpers/test-gateway';
import { allDelivered, cancel, createEndpoint, eventually, outbox, pay, placeOrder, Receiver, ship } from './support';

// Domain events on the machine's RabbitMQ (TEST_AMQP_URL): what a consumer
// bound to the exchange receives, and what happens while the gateway's
// connection to the broker is cut. The gateway reaches the broker through a
// TCP proxy this test can cut and restore; the test's own consumer connects
// directly. Each run uses an exchange of its own, so concurrent runs on one
// broker never see each other's events.

const AMQP_URL = process.env.TEST_AMQP_URL;

if (!AMQP_URL) {
  console.warn('TEST_AMQP_URL is unset: the RabbitMQ tests of domain events are skipped (set it, e.g. to amqp://guest:guest@127.0.0.1:5672, to run them).');
}

/** A TCP proxy to the broker that can cut every connection and refuse new ones until restored. */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private up = true;
  private readonly server: net.Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (!this.up) return void client.destroy();
      const upstream = net.connect(this.target);
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        this.sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.sockets.delete(from);
          to.destroy();
        });
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface Received {
  routingKey: string;
  messageId: string | undefined;
  persistent: boolean;
  contentType: string | undefined;
  body: { id: string; type: string; aggregate: { type: string; id: string }; data: Record<string, unknown> };
}

(AMQP_URL ? describe : describe.skip)('domain events on RabbitMQ (TEST_AMQP_URL)', () => {
  const exchange = `storefront.events.test-${randomUUID()}`;
  let proxy: CuttableProxy;
  let gateway: TestGateway;
  let consumer: ChannelModel;
  let channel: Channel;
  const received: Received[] = [];
  let alice: Customer;
  let staff: Customer;

  beforeAll(async () => {
    // A consumer bound to the exchange before anything is published: its own exclusive queue, every routing key.
    consumer = await connect(AMQP_URL!);
    channel = await consumer.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(queue, exchange, '#');
    await channel.consume(queue, (message: ConsumeMessage | null) => {
      if (!message) return;
      received.push({
        routingKey: message.fields.routingKey,
        messageId: message.properties.messageId as string | undefined,
        persistent: message.properties.deliveryMode === 2,
        contentType: message.properties.contentType as string | undefined,
        body: JSON.parse(message.content.toString('utf8')) as Received['body'],
      });
      channel.ack(message);
    });

    const broker = new URL(AMQP_URL!);
    proxy = new CuttableProxy({ host: broker.hostname, port: Number(broker.port || 5672) });
    const port = await proxy.listen();
    const viaProxy = new URL(AMQP_URL!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    gateway = await startTestGateway({
      seed: seedAccountsWithCatalog,
      env: { AMQP_URL: viaProxy.toString(), AMQP_EXCHANGE: exchange, EVENTS_RETRY_BASE_MS: '100' },
      domainEvents: true,
    });
    await gateway.prisma.product.updateMany({ data: { stockQuantity: 1000, published: true } });
    alice = await newCustomer(gateway, 'amqp');
    staff = await signedIn(gateway, ACCOUNTS.staff.email);
  });

  afterAll(async () => {
    await gateway?.close();
    await proxy?.close();
    if (channel) {
      await channel.deleteQueue(`${exchange}.webhooks`).catch(() => undefined);
      await channel.deleteExchange(exchange).catch(() => undefined);
    }
    await consumer?.close();
  });

  /** The types received for `orderId`, first copies only (delivery is at least once), in arrival order. */
  function typesFor(orderId: string): string[] {
    const seen = new Set<string>();
    return received
      .filter((message) => message.body.aggregate.id === orderId && !seen.has(message.body.id) && seen.add(message.body.id))
      .map((message) => message.body.type);
  }

  function receivedFor(orderId: string, count: number): Promise<string[]> {
    return eventually(`${count} events of ${orderId} on the queue`, async () => {
      const types = typesFor(orderId);
      return types.length >= count && types;
    });
  }

  it('publishes an order placed, paid and shipped through GraphQL as three messages, in order', async () => {
    // when an order is placed, paid (the provider's webhook) and shipped
    const orderId = await placeOrder(gateway, alice);
    await pay(gateway, alice, orderId);
    await ship(gateway, staff, orderId);

    // then the consumer receives three messages, in the order of the changes
    expect(await receivedFor(orderId, 3)).toEqual(['order.placed', 'order.paid', 'order.shipped']);
    // each persistent, routed by its type, identified by the event id, carrying the outbox's payload
    const events = (await allDelivered(gateway.prisma)).filter((event) => event.aggregateId === orderId);
    const messages = received.filter((message) => message.body.aggregate.id === orderId).slice(0, 3);
    expect(messages.map((message) => [message.routingKey, message.messageId, message.persistent, message.contentType])).toEqual(
      events.map((event) => [event.type, event.id, true, 'application/json']),
    );
    expect(messages.map((message) => message.body.data)).toEqual(events.map((event) => event.payload));
    expect(messages[0]!.body.aggregate).toEqual({ type: 'Order', id: orderId });
  });

  it('keeps what is produced while the broker connection is cut, and delivers it in order once it is back', async () => {
    // given the gateway's connection to the broker cut (and new ones refused)
    proxy.cut();
    let shipped: string;
    let cancelled: string;
    try {
      // when orders change meanwhile
      shipped = await placeOrder(gateway, alice);
      await pay(gateway, alice, shipped);
      await ship(gateway, staff, shipped);
      cancelled = await placeOrder(gateway, alice);
      await cancel(gateway, alice, cancelled);

      // then the changes stand, and their events wait in the outbox: the relay tried the first of each order and failed
      const waiting = await eventually('failed attempts while the broker is unreachable', async () => {
        const pending = (await outbox(gateway.prisma)).filter((event) => event.deliveredAt === null);
        const heads = pending.filter((event) => event.type === 'order.placed');
        return pending.length === 5 && heads.every((event) => event.attempts > 0 && event.lastError === 'not connected to RabbitMQ') && pending;
      });
      expect(waiting.map((event) => [event.aggregateId, event.type])).toEqual([
        [shipped, 'order.placed'],
        [shipped, 'order.paid'],
        [shipped, 'order.shipped'],
        [cancelled, 'order.placed'],
        [cancelled, 'order.cancelled'],
      ]);
      // the later events of an order wait for its first: never tried before it is delivered
      expect(waiting.filter((event) => event.type !== 'order.placed').map((event) => event.attempts)).toEqual([0, 0, 0]);
      expect(typesFor(shipped)).toEqual([]);
    } finally {
      // when the broker is reachable again
      proxy.restore();
    }

    // then the relay reconnects and delivers the backlog, in order per order
    expect(await receivedFor(shipped, 3)).toEqual(['order.placed', 'order.paid', 'order.shipped']);
    expect(await receivedFor(cancelled, 2)).toEqual(['order.placed', 'order.cancelled']);
    await allDelivered(gateway.prisma);
  });

  it("feeds the gateway's own webhook consumer from its queue on the exchange", async () => {
    // given a merchant's endpoint for order.placed
    const admin = await signedIn(gateway, ACCOUNTS.admin.email);
    const receiver = new Receiver();
    try {
      const { secret } = expectAccepted(await createEndpoint(gateway, admin, { url: await receiver.start(), eventTypes: ['order.placed'] }));

      // when an order is placed
      const orderId = await placeOrder(gateway, alice);

      // then the event went through RabbitMQ to the webhook consumer, and on to the merchant, signed
      const event = await gateway.prisma.outboxEvent.findFirstOrThrow({ where: { aggregateId: orderId, type: 'order.placed' } });
      const delivered = await eventually('the webhook delivery', async () => {
        const verified = receiver.verified(secret!);
        return verified.length > 0 && verified;
      });
      expect(delivered.map((message) => message.id)).toEqual([event.id]);
    } finally {
      await receiver.stop();
    }
  });
});
