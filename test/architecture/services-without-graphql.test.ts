import fs from 'node:fs';
import path from 'node:path';
import { createServiceContext, type ServiceContext, type Viewer } from '../../src/context';
import { connectDatabase, type Database } from '../../src/db/database';
import type { CartErrorCode, OrderErrorCode } from '../../src/generated/graphql';
import { addToCart } from '../../src/modules/cart/service';
import { checkout } from '../../src/modules/order/checkout';
import { cancelOrder } from '../../src/modules/order/service';
import { ACCOUNTS, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { captureLog } from '../helpers/log-capture';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

// The business rules live in services that know nothing of GraphQL or HTTP:
// a script, a worker or a webhook route builds a service context and calls
// them, and gets the same rules, the same rows and the same typed refusals as
// a client of the API. This file is such a script, and a check that no
// service (or checkout) imports anything of the GraphQL layer.

const ROOT = path.resolve(__dirname, '..', '..');

type CheckoutContext = Parameters<typeof checkout>[0];

describe('a script placing and cancelling an order through the services alone', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let alice: Viewer;

  beforeAll(async () => {
    testDatabase = await createTestDatabase();
    database = connectDatabase(testDatabase.url, { poolSize: 1, embedded: testDatabase.embedded, description: 'test database' });
    await seedAccountsWithCatalog(database.prisma);
    const row = await database.prisma.user.findUniqueOrThrow({ where: { email: ACCOUNTS.alice.email } });
    alice = { id: row.id, role: row.role };
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  /** A service context acting as `viewer`, built the way a script builds one: no request, no resolver. */
  function contextAs(viewer: Viewer): ServiceContext {
    return createServiceContext(database.prisma, captureLog('silent').log, viewer);
  }

  /**
   * Checkout opens a payment intent at the provider; nothing is paid yet. A
   * script without a provider at hand passes one that only records what it
   * was asked (no HTTP, no sandbox).
   */
  function withPaymentsRecorded(ctx: ServiceContext): { ctx: CheckoutContext; intents: Array<{ amount: number; currency: string }> } {
    const intents: Array<{ amount: number; currency: string }> = [];
    const unexpected = (what: string) => async () => {
      throw new Error(`the script did not expect ${what}`);
    };
    const payments: CheckoutContext['payments'] = {
      async createIntent({ amount, currency, metadata }, idempotencyKey) {
        intents.push({ amount, currency });
        return { id: `pi_script_${idempotencyKey}`, amount, currency, status: 'requires_payment_method', clientSecret: 'secret_script', metadata };
      },
      confirmIntent: unexpected('a payment'),
      retrieveIntent: unexpected('a payment lookup'),
      refundIntent: unexpected('a refund'),
      circuitState: () => 'closed',
    };
    return { ctx: { ...ctx, payments }, intents };
  }

  async function stockOf(slug: string): Promise<number> {
    return (await database.prisma.product.findUniqueOrThrow({ where: { slug } })).stockQuantity;
  }

  it('adds to the cart, checks out and cancels, leaving the rows as the API would', async () => {
    // given alice, and product-07 (7.99) with 7 in stock
    const product = await database.prisma.product.findUniqueOrThrow({ where: { slug: 'product-07' } });
    expect(product.stockQuantity).toBe(7);

    // when a script adds 2 of it to her cart, by its database id
    const added = await addToCart(contextAs(alice), { productId: product.id, quantity: 2 });

    // then her cart holds them, and no stock is reserved yet
    expect(added.ok).toBe(true);
    const lines = await database.prisma.cartItem.findMany({ where: { cart: { userId: alice.id } } });
    expect(lines.map((line) => [line.productId, line.quantity])).toEqual([[product.id, 2]]);
    expect(await stockOf('product-07')).toBe(7);

    // when it checks the cart out
    const { ctx, intents } = withPaymentsRecorded(contextAs(alice));
    const placed = await checkout(ctx, { idempotencyKey: 'script-checkout-1' });

    // then the order is placed for 2 × 7.99, pending payment, its stock reserved and the cart emptied
    if (!placed.ok) throw new Error(`checkout refused: ${JSON.stringify(placed.userErrors)}`);
    const order = await database.prisma.order.findUniqueOrThrow({ where: { id: placed.value.id }, include: { items: true } });
    expect(order).toMatchObject({ userId: alice.id, status: 'PENDING_PAYMENT', totalCents: 1598 });
    expect(order.items.map((item) => [item.productId, item.quantity, item.unitPriceCents])).toEqual([[product.id, 2, 799]]);
    expect(await stockOf('product-07')).toBe(5);
    expect(await database.prisma.cartItem.count({ where: { cart: { userId: alice.id } } })).toBe(0);
    expect(intents.map((intent) => intent.amount)).toEqual([1598]);

    // when it cancels the order, paid for by nobody yet
    const cancelled = await cancelOrder(contextAs(alice), { orderId: order.id });

    // then the order is CANCELLED and the stock is back
    expect(cancelled).toEqual({ ok: true, value: expect.objectContaining({ id: order.id, status: 'CANCELLED' }) });
    expect((await database.prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('CANCELLED');
    expect(await stockOf('product-07')).toBe(7);
  });

  it('gets refusals as values with typed codes, and nothing written', async () => {
    // given product-03 with 3 in stock, and an order of alice that is already cancelled
    const product = await database.prisma.product.findUniqueOrThrow({ where: { slug: 'product-03' } });
    const cancelled = await database.prisma.order.findFirstOrThrow({ where: { userId: alice.id, status: 'CANCELLED' } });
    const cartLinesBefore = await database.prisma.cartItem.count();

    // when the script asks for more than the stock, and cancels the cancelled order again
    const tooMany = await addToCart(contextAs(alice), { productId: product.id, quantity: 4 });
    const again = await cancelOrder(contextAs(alice), { orderId: cancelled.id });

    // then each is a refusal carrying its domain's code and the input field at fault, not an exception
    expect(tooMany).toEqual({ ok: false, userErrors: [{ code: 'OUT_OF_STOCK', field: ['input', 'quantity'], message: expect.stringContaining(product.name) }] });
    expect(again).toEqual({ ok: false, userErrors: [{ code: 'ILLEGAL_TRANSITION', field: ['input', 'orderId'], message: expect.any(String) }] });
    // and the codes are typed: a cart refusal's code is a CartErrorCode, an order's an OrderErrorCode
    if (!tooMany.ok && !again.ok) {
      const cartCode: CartErrorCode = tooMany.userErrors[0]!.code;
      const orderCode: OrderErrorCode = again.userErrors[0]!.code;
      // @ts-expect-error EMPTY_CART is an order code: the compiler knows a cart refusal cannot carry it
      expect(cartCode === 'EMPTY_CART').toBe(false);
      expect([cartCode, orderCode]).toEqual(['OUT_OF_STOCK', 'ILLEGAL_TRANSITION']);
    }
    // and nothing was written
    expect(await database.prisma.cartItem.count()).toBe(cartLinesBefore);
    expect(await stockOf('product-03')).toBe(3);
  });
});

describe('the services import nothing of GraphQL', () => {
  const MODULES = path.join(ROOT, 'src', 'modules');
  const GRAPHQL_LAYER = path.join(ROOT, 'src', 'graphql');
  // Every module's services, and checkout (a service by another name).
  const files = fs
    .readdirSync(MODULES)
    .flatMap((module) => fs.readdirSync(path.join(MODULES, module)).filter((file) => /service.*\.ts$/.test(file)).map((file) => path.join(MODULES, module, file)))
    .concat(path.join(MODULES, 'order', 'checkout.ts'));

  /** Every module specifier a file imports or re-exports, statically or dynamically. */
  function importsOf(file: string): string[] {
    const source = fs.readFileSync(file, 'utf8');
    const specifiers: string[] = [];
    const patterns = [/^\s*(?:import|export)\s[^;]*?\sfrom\s+['"]([^'"]+)['"]/gm, /^\s*import\s+['"]([^'"]+)['"]/gm, /\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g];
    for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1]!);
    return specifiers;
  }

  /** Why an import ties a service to the GraphQL layer, or null. */
  function graphqlTie(file: string, specifier: string): string | null {
    if (specifier === 'graphql' || specifier.startsWith('graphql/')) return 'graphql-js';
    if (specifier.startsWith('@apollo/')) return 'Apollo';
    if (specifier === 'graphql-shield' || specifier.startsWith('graphql-')) return 'a GraphQL library';
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(file), specifier);
      if (target === GRAPHQL_LAYER || target.startsWith(GRAPHQL_LAYER + path.sep)) return 'src/graphql/';
    }
    return null;
  }

  it('finds the services to check', () => {
    const names = files.map((file) => path.relative(ROOT, file));
    expect(names).toEqual(
      expect.arrayContaining([
        'src/modules/account/auth-service.ts',
        'src/modules/cart/service.ts',
        'src/modules/catalog/product-service.ts',
        'src/modules/order/service.ts',
        'src/modules/order/checkout.ts',
      ]),
    );
    for (const file of files) expect(importsOf(file).length).toBeGreaterThan(0);
  });

  it('has no service importing graphql, @apollo/*, graphql-shield or src/graphql/', () => {
    const ties = files.flatMap((file) =>
      importsOf(file).flatMap((specifier) => {
        const tie = graphqlTie(file, specifier);
        return tie ? [`${path.relative(ROOT, file)} imports ${specifier} (${tie})`] : [];
      }),
    );
    expect(ties).toEqual([]);
  });

  it('would notice such an import', () => {
    // The check itself, on imports a service must not have.
    const service = path.join(MODULES, 'cart', 'service.ts');
    expect(['graphql', '@apollo/server', 'graphql-shield', '../../graphql/errors', '../../graphql'].map((specifier) => graphqlTie(service, specifier))).toEqual([
      'graphql-js',
      'Apollo',
      'a GraphQL library',
      'src/graphql/',
      'src/graphql/',
    ]);
    expect(graphqlTie(service, '../../generated/graphql')).toBeNull();
  });
});
