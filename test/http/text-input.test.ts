import { toGlobalId } from '../../src/graphql/global-id';
import { ACCOUNTS, seedAccountsWithCatalog, signedIn } from '../helpers/account-fixture';
import { separateCost, startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';

// Every String and ID argument, at any depth, inline or in variables, is
// checked once before execution: a refused request is a 400 with one
// BAD_USER_INPUT naming the argument path, runs nothing and sends no SQL of
// its own. Each operation is first sent with valid text, to show the same
// request does reach the database when nothing is wrong with it.

let gateway: TestGateway;
type Caller = 'staff' | 'admin' | 'alice' | 'bob';
const headersOf: Partial<Record<Caller, Record<string, string>>> = {};
/**
 * The statements a request of each caller sends before GraphQL sees it: reading
 * who presents the access token (none for an anonymous request). A refused
 * request may send these and nothing more.
 */
const authStatements: Partial<Record<Caller | 'anonymous', number>> = {};

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  authStatements.anonymous = (await send('{ __typename }', undefined)).statements;
  for (const caller of ['staff', 'admin', 'alice', 'bob'] as const) {
    headersOf[caller] = (await signedIn(gateway, ACCOUNTS[caller].email)).headers;
    authStatements[caller] = (await send('{ __typename }', undefined, caller)).statements;
  }
});
afterAll(() => gateway?.close());

/** An enum value: bare in an inline literal, a string in variables. */
class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** A value as a GraphQL literal. JSON's string escapes (\", \\, \n, \u0000, …) are GraphQL's too. */
function literal(value: unknown): string {
  if (value instanceof EnumValue) return value.name;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([key, item]) => `${key}: ${literal(item)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

interface TextInput {
  /** The argument path the error must name; variables are named after top-level arguments, so it is also the path in them. */
  argument: string;
  /** The edge maximum declared with @text in the SDL (1,000 when none is declared). */
  maxLength: number;
  multiline?: boolean;
}

interface Operation {
  name: string;
  kind: 'query' | 'mutation';
  /** Variable definitions, e.g. `$input: RegisterInput!`. */
  variables: string;
  /** The selection, using the variables. */
  selection: string;
  fragments?: string;
  caller?: Caller;
  /** Valid variables: the request as a client would send it. */
  valid: () => Record<string, unknown>;
  inputs: TextInput[];
}

const productId = (n: number) => toGlobalId('Product', n);
const SHORT = 1000;
const ID = 200;
const TOKEN = 10_000;
const PRICE = 100;
const LONG_TEXT = { maxLength: 10_000, multiline: true };

/** Every mutation with text inputs, and queries with text arguments (nested fields and fragments too). */
const OPERATIONS: Operation[] = [
  {
    name: 'register',
    kind: 'mutation',
    variables: '$input: RegisterInput!',
    selection: 'register(input: $input) { accessToken userErrors { code } }',
    valid: () => ({ input: { email: 'text-input-control@example.com', password: 'long-enough-password', name: 'Control' } }),
    inputs: [{ argument: 'input.email', maxLength: SHORT }, { argument: 'input.password', maxLength: SHORT }, { argument: 'input.name', maxLength: SHORT }],
  },
  {
    name: 'login',
    kind: 'mutation',
    variables: '$input: LoginInput!',
    selection: 'login(input: $input) { accessToken userErrors { code } }',
    valid: () => ({ input: { email: ACCOUNTS.bob.email, password: 'not-the-password' } }),
    inputs: [{ argument: 'input.email', maxLength: SHORT }, { argument: 'input.password', maxLength: TOKEN }],
  },
  {
    name: 'refreshSession',
    kind: 'mutation',
    variables: '$input: RefreshSessionInput!',
    selection: 'refreshSession(input: $input) { accessToken userErrors { code } }',
    valid: () => ({ input: { refreshToken: 'not-a-refresh-token' } }),
    inputs: [{ argument: 'input.refreshToken', maxLength: TOKEN }],
  },
  {
    name: 'logout',
    kind: 'mutation',
    variables: '$input: LogoutInput!',
    selection: 'logout(input: $input) { revoked userErrors { code } }',
    valid: () => ({ input: { refreshToken: 'not-a-refresh-token' } }),
    inputs: [{ argument: 'input.refreshToken', maxLength: TOKEN }],
  },
  {
    name: 'addToCart',
    kind: 'mutation',
    caller: 'alice',
    variables: '$input: AddToCartInput!',
    selection: 'addToCart(input: $input) { userErrors { code } }',
    valid: () => ({ input: { productId: productId(2), quantity: 1 } }),
    inputs: [{ argument: 'input.productId', maxLength: ID }],
  },
  {
    name: 'updateCartItem',
    kind: 'mutation',
    caller: 'alice',
    variables: '$input: UpdateCartItemInput!',
    selection: 'updateCartItem(input: $input) { userErrors { code } }',
    valid: () => ({ input: { cartItemId: toGlobalId('CartItem', 999_999), quantity: 2 } }),
    inputs: [{ argument: 'input.cartItemId', maxLength: ID }],
  },
  {
    name: 'removeFromCart',
    kind: 'mutation',
    caller: 'alice',
    variables: '$input: RemoveFromCartInput!',
    selection: 'removeFromCart(input: $input) { userErrors { code } }',
    valid: () => ({ input: { cartItemId: toGlobalId('CartItem', 999_999) } }),
    inputs: [{ argument: 'input.cartItemId', maxLength: ID }],
  },
  {
    // bob's cart is empty: the valid request stops at EMPTY_CART, before any payment.
    name: 'checkout',
    kind: 'mutation',
    caller: 'bob',
    variables: '$input: CheckoutInput!',
    selection: 'checkout(input: $input) { userErrors { code } }',
    valid: () => ({ input: { idempotencyKey: 'text-input-control' } }),
    inputs: [{ argument: 'input.idempotencyKey', maxLength: SHORT }],
  },
  {
    name: 'cancelOrder',
    kind: 'mutation',
    caller: 'alice',
    variables: '$input: CancelOrderInput!',
    selection: 'cancelOrder(input: $input) { userErrors { code } }',
    valid: () => ({ input: { orderId: toGlobalId('Order', 999_999) } }),
    inputs: [{ argument: 'input.orderId', maxLength: ID }],
  },
  {
    name: 'markOrderShipped',
    kind: 'mutation',
    caller: 'staff',
    variables: '$input: MarkOrderShippedInput!',
    selection: 'markOrderShipped(input: $input) { userErrors { code } }',
    valid: () => ({ input: { orderId: toGlobalId('Order', 999_999) } }),
    inputs: [{ argument: 'input.orderId', maxLength: ID }],
  },
  {
    name: 'createReview',
    kind: 'mutation',
    caller: 'alice',
    variables: '$input: CreateReviewInput!',
    selection: 'createReview(input: $input) { userErrors { code } }',
    valid: () => ({ input: { productId: productId(2), rating: 4, body: 'Solid.' } }),
    inputs: [{ argument: 'input.productId', maxLength: ID }, { argument: 'input.body', ...LONG_TEXT }],
  },
  {
    name: 'createProduct',
    kind: 'mutation',
    caller: 'staff',
    variables: '$input: CreateProductInput!',
    selection: 'createProduct(input: $input) { userErrors { code } }',
    valid: () => ({
      input: {
        name: 'Control Kettle',
        slug: 'control-kettle',
        description: 'Boils.',
        price: '19.99',
        costPrice: '7.50',
        stockQuantity: 3,
        categoryId: toGlobalId('Category', 1),
      },
    }),
    inputs: [
      { argument: 'input.name', maxLength: SHORT },
      { argument: 'input.slug', maxLength: SHORT },
      { argument: 'input.description', ...LONG_TEXT },
      { argument: 'input.price', maxLength: PRICE },
      { argument: 'input.costPrice', maxLength: PRICE },
      { argument: 'input.categoryId', maxLength: ID },
    ],
  },
  {
    name: 'updateProduct',
    kind: 'mutation',
    caller: 'staff',
    variables: '$input: UpdateProductInput!',
    selection: 'updateProduct(input: $input) { userErrors { code } }',
    valid: () => ({
      input: { productId: productId(30), name: 'Product 30 Renamed', description: 'New.', price: '30.00', costPrice: '10.00', categoryId: toGlobalId('Category', 1) },
    }),
    inputs: [
      { argument: 'input.productId', maxLength: ID },
      { argument: 'input.name', maxLength: SHORT },
      { argument: 'input.description', ...LONG_TEXT },
      { argument: 'input.price', maxLength: PRICE },
      { argument: 'input.costPrice', maxLength: PRICE },
      { argument: 'input.categoryId', maxLength: ID },
    ],
  },
  {
    name: 'adjustStock',
    kind: 'mutation',
    caller: 'staff',
    variables: '$input: AdjustStockInput!',
    selection: 'adjustStock(input: $input) { userErrors { code } }',
    valid: () => ({ input: { productId: productId(30), delta: 1 } }),
    inputs: [{ argument: 'input.productId', maxLength: ID }],
  },
  {
    name: 'setUserRole',
    kind: 'mutation',
    caller: 'admin',
    variables: '$input: SetUserRoleInput!',
    selection: 'setUserRole(input: $input) { userErrors { code } }',
    valid: () => ({ input: { userId: toGlobalId('User', 999_999), role: new EnumValue('STAFF') } }),
    inputs: [{ argument: 'input.userId', maxLength: ID }],
  },
  {
    name: 'products',
    kind: 'query',
    variables: '$filter: ProductFilter, $after: String',
    selection: 'products(first: 2, filter: $filter, after: $after) { totalCount }',
    valid: () => ({ filter: { search: 'teapot', categorySlug: 'kitchen', minPrice: '1.00' }, after: null }),
    inputs: [
      { argument: 'filter.search', maxLength: SHORT },
      { argument: 'filter.categorySlug', maxLength: SHORT },
      { argument: 'filter.minPrice', maxLength: PRICE },
      { argument: 'after', maxLength: SHORT },
    ],
  },
  {
    name: 'product by slug',
    kind: 'query',
    variables: '$slug: String',
    selection: 'product(slug: $slug) { name }',
    valid: () => ({ slug: 'product-03' }),
    inputs: [{ argument: 'slug', maxLength: SHORT }],
  },
  {
    name: 'product by id',
    kind: 'query',
    variables: '$id: ID',
    selection: 'product(id: $id) { name }',
    valid: () => ({ id: productId(3) }),
    inputs: [{ argument: 'id', maxLength: ID }],
  },
  {
    name: 'category',
    kind: 'query',
    variables: '$slug: String!',
    selection: 'category(slug: $slug) { name }',
    valid: () => ({ slug: 'garden' }),
    inputs: [{ argument: 'slug', maxLength: SHORT }],
  },
  {
    // node(id) and nodes(ids) carry no @text: they get the default maximum.
    name: 'node',
    kind: 'query',
    variables: '$id: ID!',
    selection: 'node(id: $id) { id }',
    valid: () => ({ id: productId(4) }),
    inputs: [{ argument: 'id', maxLength: SHORT }],
  },
  {
    name: 'nodes (a list of IDs)',
    kind: 'query',
    variables: '$ids: [ID!]!',
    selection: 'nodes(ids: $ids) { id }',
    valid: () => ({ ids: [productId(4), productId(5)] }),
    inputs: [{ argument: 'ids[1]', maxLength: SHORT }],
  },
  {
    name: 'order',
    kind: 'query',
    caller: 'alice',
    variables: '$id: ID!',
    selection: 'order(id: $id) { id }',
    valid: () => ({ id: toGlobalId('Order', 999_999) }),
    inputs: [{ argument: 'id', maxLength: ID }],
  },
  {
    name: 'a nested field (Product.reviews)',
    kind: 'query',
    variables: '$after: String',
    selection: 'product(slug: "product-01") { reviews(first: 1, after: $after) { totalCount } }',
    valid: () => ({ after: null }),
    inputs: [{ argument: 'after', maxLength: SHORT }],
  },
  {
    name: 'a field in a fragment',
    kind: 'query',
    variables: '$slug: String!',
    selection: '...Garden',
    fragments: 'fragment Garden on Query { categories { slug } ... on Query { category(slug: $slug) { name } } }',
    valid: () => ({ slug: 'garden' }),
    inputs: [{ argument: 'slug', maxLength: SHORT }],
  },
];

/** The operation's document, with its variables or with their values written inline. */
function documentOf(op: Operation, inlineValues?: Record<string, unknown>): string {
  let body = `{ ${op.selection} } ${op.fragments ?? ''}`;
  if (!inlineValues) return `${op.kind}(${op.variables}) ${body}`;
  body = body.replace(/\$(\w+)/g, (_, name: string) => literal(inlineValues[name] ?? null));
  return `${op.kind} ${body}`;
}

/** Sets the value at an argument path such as `input.email` or `ids[1]`. */
function withValueAt(variables: Record<string, unknown>, argument: string, value: string): Record<string, unknown> {
  const keys = argument.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== '');
  let target = variables as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[keys[keys.length - 1]!] = value;
  return variables;
}

interface Sent {
  status: number;
  body: GraphQLResponse['body'];
  /** The request body as it went on the wire. */
  wire: string;
  statements: number;
}

/** POSTs the document; JSON.stringify writes a lone surrogate as the escape `\ud800`, which the server's JSON.parse turns back into one. */
async function send(query: string, variables: Record<string, unknown> | undefined, caller?: Caller): Promise<Sent> {
  const wire = JSON.stringify({ query, variables });
  const { result, statements } = await gateway.countStatements(async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(caller ? headersOf[caller] : {}) }, body: wire });
    // Without the cost report every response carries: the bodies are compared whole.
    return { status: response.status, body: separateCost((await response.json()) as GraphQLResponse['body']).body };
  });
  return { ...result, wire, statements };
}

function codesOf(sent: Sent): unknown[] {
  return (sent.body.errors ?? []).map((error) => error.extensions?.code);
}

const TABLES = ['User', 'RefreshToken', 'Category', 'Product', 'Review', 'Cart', 'CartItem', 'Order'];

/** Row count and a digest of every row of the tables a mutation could write. */
async function snapshot(): Promise<unknown> {
  const columns = TABLES.map(
    (table) => `(SELECT json_build_object('rows', count(*), 'digest', md5(coalesce(string_agg(t::text, '|' ORDER BY t."id"), ''))) FROM "${table}" t) AS "${table}"`,
  );
  return (await gateway.prisma.$queryRawUnsafe<unknown[]>(`SELECT ${columns.join(', ')}`))[0];
}

interface Hostile {
  what: string;
  value: (input: TextInput) => string;
  /** A tab or line break is fine in multi-line text. */
  singleLineOnly?: boolean;
  /**
   * Also written inline in the document. Inline values meet the same check as
   * variables once graphql-js has parsed them, so a few kinds stand for all and
   * keep the run short. (An unpaired surrogate cannot be written inline: the
   * parser refuses its escape, see its own test.)
   */
  inline?: boolean;
}

const HOSTILE: Hostile[] = [
  { what: 'a NUL byte', value: () => 'ab\u0000cd', inline: true },
  { what: 'U+0001', value: () => 'ab\u0001cd' },
  { what: 'ESC (U+001B)', value: () => 'ab\u001b[31mcd' },
  { what: 'DEL (U+007F)', value: () => 'ab\u007fcd' },
  { what: 'NEL (U+0085, C1)', value: () => 'ab\u0085cd', inline: true },
  { what: 'a line break inside', value: () => 'ab\ncd', singleLineOnly: true, inline: true },
  { what: 'a tab inside', value: () => 'ab\tcd', singleLineOnly: true },
  { what: 'a lone surrogate', value: () => 'ab\ud800cd' },
  { what: 'one character over the maximum', value: (input) => 'x'.repeat(input.maxLength + 1), inline: true },
];

describe.each(OPERATIONS)('$name', (op) => {
  it('lets valid text through the edge: the request runs and reaches the database', async () => {
    // when the operation is sent with valid text
    const sent = await send(documentOf(op), op.valid(), op.caller);

    // then it ran (whatever its business outcome) and sent SQL of its own
    expect(sent.status).toBe(200);
    expect(codesOf(sent)).not.toContain('BAD_USER_INPUT');
    expect(sent.statements).toBeGreaterThan(authStatements[op.caller ?? 'anonymous']!);
  });

  it.each(['variables', 'inline'] as const)('refuses every hostile value in each text input, sent as %s, before any SQL', async (mode) => {
    // given the database as it is
    const before = await snapshot();
    const cases = op.inputs.flatMap((input) =>
      HOSTILE.filter((hostile) => !(hostile.singleLineOnly && input.multiline) && (mode === 'variables' || hostile.inline)).map((hostile) => ({ input, hostile })),
    );

    // when each hostile value is sent in place of one valid value
    const outcomes = [];
    for (const { input, hostile } of cases) {
      const value = hostile.value(input);
      const variables = withValueAt(op.valid(), input.argument, value);
      const sent = mode === 'variables' ? await send(documentOf(op), variables, op.caller) : await send(documentOf(op, variables), undefined, op.caller);
      const errors = sent.body.errors ?? [];
      outcomes.push({
        case: `${hostile.what} in ${input.argument}`,
        status: sent.status,
        data: sent.body.data,
        errors: errors.map((error) => ({ code: error.extensions?.code, argument: error.extensions?.argument })),
        namesTheArgument: errors[0]?.message.includes(`"${input.argument}"`),
        echoesTheValue: errors.some((error) => error.message.includes(value)),
        statements: sent.statements,
      });
    }

    // then each is a 400 with one BAD_USER_INPUT naming the argument, not echoing the value,
    // and no statement ran beyond reading who the caller is
    expect(outcomes).toEqual(
      cases.map(({ input, hostile }) => ({
        case: `${hostile.what} in ${input.argument}`,
        status: 400,
        data: undefined,
        errors: [{ code: 'BAD_USER_INPUT', argument: input.argument }],
        namesTheArgument: true,
        echoesTheValue: false,
        statements: authStatements[op.caller ?? 'anonymous'],
      })),
    );
    // and nothing was written
    expect(await snapshot()).toEqual(before);
  });
});

describe('what the edge lets through', () => {
  it('keeps tabs and line breaks in multi-line text: a review body is stored as written (trimmed)', async () => {
    // when alice reviews product-05 with a body of several lines
    const body = 'Pours well.\n\n\tNo drips at all.\r\nWould buy again.';
    const sent = await send(
      'mutation($input: CreateReviewInput!) { createReview(input: $input) { review { body } userErrors { code } } }',
      { input: { productId: productId(5), rating: 5, body: `${body}\n` } },
      'alice',
    );

    // then the review is written with its lines
    expect(sent.body).toEqual({ data: { createReview: { review: { body }, userErrors: [] } } });
    const stored = await gateway.prisma.review.findFirstOrThrow({ where: { productId: 5, author: { email: ACCOUNTS.alice.email } } });
    expect(stored.body).toBe(body);
  });

  it('keeps line breaks in a product description', async () => {
    const description = 'Enamelled steel.\n\n- 2 litres\n- induction-safe';
    const sent = await send(
      'mutation($input: UpdateProductInput!) { updateProduct(input: $input) { product { description } userErrors { code } } }',
      { input: { productId: productId(29), description } },
      'staff',
    );
    expect(sent.body).toEqual({ data: { updateProduct: { product: { description }, userErrors: [] } } });
  });

  it('stores an email given with surrounding spaces and capitals normalised; whitespace around a single-line value is the service\'s to trim', async () => {
    // when someone signs up with a padded, mixed-case email and a name ending in a line break
    const sent = await send(
      'mutation($input: RegisterInput!) { register(input: $input) { user { email name } userErrors { code } } }',
      { input: { email: '  New.Person@Example.COM ', password: 'long-enough-password', name: ' Pat Example\n' } },
    );

    // then both are stored trimmed, the email lower-cased
    expect(sent.body).toEqual({ data: { register: { user: { email: 'new.person@example.com', name: 'Pat Example' }, userErrors: [] } } });
    const stored = await gateway.prisma.user.findUniqueOrThrow({ where: { email: 'new.person@example.com' } });
    expect(stored.name).toBe('Pat Example');
  });

  it.each([
    {
      what: 'a 1,000-character name',
      query: 'mutation($input: RegisterInput!) { register(input: $input) { userErrors { code } } }',
      variables: { input: { email: 'long.name@example.com', password: 'long-enough-password', name: 'n'.repeat(1000) } },
      expected: { data: { register: { userErrors: [{ code: 'NAME_TOO_LONG' }] } } },
    },
    {
      what: 'a 10,000-character review body',
      caller: 'alice' as const,
      query: 'mutation($input: CreateReviewInput!) { createReview(input: $input) { userErrors { code } } }',
      variables: { input: { productId: productId(6), rating: 3, body: 'b'.repeat(10_000) } },
      expected: { data: { createReview: { userErrors: [{ code: 'INVALID_BODY' }] } } },
    },
  ])('leaves the service its own, typed refusal of $what (at the edge maximum)', async ({ query, variables, caller, expected }) => {
    const sent = await send(query, variables, caller);
    expect(sent.body).toEqual(expected);
  });
});

describe('how a refusal looks', () => {
  it('says what is wrong and where, with the location of the field, as a 400 without data', async () => {
    const sent = await send('query($slug: String!) {\n  category(slug: $slug) { name }\n}', { slug: 'gar\u0000den' });

    expect(sent.status).toBe(400);
    expect(sent.body.data).toBeUndefined();
    expect(sent.body.errors).toEqual([
      expect.objectContaining({
        message: '"slug" must not contain a NUL character (U+0000).',
        locations: [{ line: 2, column: 3 }],
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'slug' }),
      }),
    ]);
  });

  it('reaches the server as a lone surrogate when sent as the JSON escape \\ud800', async () => {
    const sent = await send('query($slug: String!) { category(slug: $slug) { name } }', { slug: 'gar\ud800den' });

    expect(sent.wire).toContain('"gar\\ud800den"');
    expect(sent.body.errors?.map((error) => error.message)).toEqual(['"slug" is not valid Unicode: it contains an unpaired surrogate.']);
    expect(sent.statements).toBe(0);
  });

  it('leaves an unpaired surrogate escape in the document itself to the parser (400 GRAPHQL_PARSE_FAILED)', async () => {
    const sent = await send('{ category(slug: "gar\\ud800den") { name } }', undefined);

    expect({ status: sent.status, codes: codesOf(sent), statements: sent.statements }).toEqual({
      status: 400,
      codes: ['GRAPHQL_PARSE_FAILED'],
      statements: 0,
    });
  });

  it('leaves variables that do not coerce to graphql-js, which reports them as before', async () => {
    // given a variable of the wrong type next to a hostile one
    const sent = await send('query($slug: String!, $first: Int) { category(slug: $slug) { products(first: $first) { totalCount } } }', {
      slug: 'gar\u0000den',
      first: 'ten',
    });

    // then the coercion error is the answer, not a fault
    expect(sent.status).toBe(400);
    expect(sent.body.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('Variable "$first"'), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
    expect(sent.statements).toBe(0);
  });
});
