import type { ReviewErrorCode } from '../../src/generated/graphql';
import { ACCOUNTS, ALICE_REVIEWED_PRODUCT, bearer, loginAs, seedAccountsWithCatalog } from '../helpers/account-fixture';
import { expectBadUserInput, expectCode, expectNoErrors, expectUserError, type UserError } from '../helpers/assertions';
import { startTestGateway, type GraphQLResponse, type TestGateway } from '../helpers/test-gateway';
import { fixtureProduct, globalId, HIDDEN_PRODUCT } from './catalog-expectations';

// createReview over HTTP: a customer's review is stored and folded into the
// product's averageRating and reviews.totalCount exactly; every refusal has
// its code and field and changes nothing.

interface ReviewPayload {
  review: {
    id: string;
    rating: number;
    body: string;
    author: { name: string };
    product: { slug: string; averageRating: number | null; reviews: { totalCount: number } };
  } | null;
  userErrors: Array<UserError<ReviewErrorCode>>;
}

type CreateData = { createReview: ReviewPayload };

const CREATE_REVIEW = /* GraphQL */ `
  mutation CreateReview($input: CreateReviewInput!) {
    createReview(input: $input) {
      review { id rating body author { name } product { slug averageRating reviews { totalCount } } }
      userErrors { code field message }
    }
  }
`;

const PRODUCT_RATING = /* GraphQL */ `
  query Rating($slug: String!) {
    product(slug: $slug) { averageRating reviews(first: 1) { totalCount nodes { id rating body author { name } } } }
  }
`;
type RatingData = {
  product: { averageRating: number | null; reviews: { totalCount: number; nodes: Array<{ id: string; rating: number; body: string; author: { name: string } }> } } | null;
};

type Caller = 'alice' | 'bob';

let gateway: TestGateway;
const tokens = new Map<Caller, string>();

beforeAll(async () => {
  gateway = await startTestGateway({ seed: seedAccountsWithCatalog });
  for (const caller of ['alice', 'bob'] as const) tokens.set(caller, (await loginAs(gateway, ACCOUNTS[caller].email)).accessToken);
});
afterAll(() => gateway?.close());

function headersFor(caller: Caller): Record<string, string> {
  return bearer(tokens.get(caller) ?? '');
}

function mean(ratings: number[]): number | null {
  return ratings.length ? ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length : null;
}

/** The ratings of fixture product i, plus alice's 5 on product-01 (seedAccountsWithCatalog). */
function seededRatings(i: number): number[] {
  const ratings = fixtureProduct(i).ratings;
  return fixtureProduct(i).slug === ALICE_REVIEWED_PRODUCT ? [...ratings, 5] : ratings;
}

async function productIdOf(slug: string): Promise<string> {
  return globalId('Product', (await gateway.prisma.product.findUniqueOrThrow({ where: { slug } })).id);
}

/** Every review and every product's rating columns: equal before and after means nothing changed. */
async function reviewState() {
  const [reviews, products] = await Promise.all([
    gateway.prisma.review.findMany({ orderBy: { id: 'asc' } }),
    gateway.prisma.product.findMany({ orderBy: { id: 'asc' }, select: { id: true, averageRating: true, reviewCount: true, updatedAt: true } }),
  ]);
  return { reviews, products };
}

async function createReview(caller: Caller | 'anonymous', input: Record<string, unknown>): Promise<GraphQLResponse<CreateData>> {
  return gateway.graphql<CreateData>(CREATE_REVIEW, { input }, caller === 'anonymous' ? {} : headersFor(caller));
}

function expectRefused(response: GraphQLResponse<CreateData>, code: ReviewErrorCode, field: string[]): void {
  expectNoErrors(response);
  expectUserError(response.body.data?.createReview, code, field);
}

describe('createReview', () => {
  it.each([
    // [3, 4, 5] → mean 4; with a 2 → 14 / 4
    { who: 'alice', i: 3, rating: 2 },
    // no reviews yet → the first rating is the mean
    { who: 'alice', i: 6, rating: 4 },
    // [2, 3] → 2.5; with a 5 → 10 / 3, a repeating fraction
    { who: 'bob', i: 2, rating: 5 },
    // [5, 1, 2, 3, 4] → 3; with a 4 → 19 / 6
    { who: 'bob', i: 5, rating: 4 },
    // [1] plus alice's 5 → 3; bob adds a 1 → 7 / 3
    { who: 'bob', i: 1, rating: 1 },
  ] as const)('$who rates product $i with $rating: averageRating and reviews.totalCount follow exactly', async ({ who, i, rating }) => {
    // given a product whose reviews the fixture knows
    const { slug } = fixtureProduct(i);
    const before = seededRatings(i);
    const seeded = await gateway.graphql<RatingData>(PRODUCT_RATING, { slug });
    expect(seeded.body.data?.product).toMatchObject({ averageRating: mean(before), reviews: { totalCount: before.length } });

    // when a customer reviews it (the body is trimmed)
    const response = await createReview(who, { productId: await productIdOf(slug), rating, body: `  ${who} rates it ${rating}  ` });

    // then the review comes back with the product's new average and count
    const expected = { averageRating: mean([...before, rating]), count: before.length + 1 };
    expectNoErrors(response);
    expect(response.body.data?.createReview).toEqual({
      review: {
        id: expect.any(String),
        rating,
        body: `${who} rates it ${rating}`,
        author: { name: ACCOUNTS[who].name },
        product: { slug, averageRating: expected.averageRating, reviews: { totalCount: expected.count } },
      },
      userErrors: [],
    });

    // and anyone reading the product afterwards sees the same, the new review first
    const after = await gateway.graphql<RatingData>(PRODUCT_RATING, { slug });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data?.product).toEqual({
      averageRating: expected.averageRating,
      reviews: {
        totalCount: expected.count,
        nodes: [{ id: response.body.data?.createReview.review?.id, rating, body: `${who} rates it ${rating}`, author: { name: ACCOUNTS[who].name } }],
      },
    });

    // and the database holds the review and the new counters
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug }, include: { reviews: true } });
    expect(product.reviewCount).toBe(expected.count);
    expect(product.reviews).toHaveLength(expected.count);
    expect(product.averageRating).toBe(expected.averageRating);
    expect(mean(product.reviews.map((review) => review.rating))).toBe(expected.averageRating);
  });

  it('folds concurrent reviews of one product by four customers into an exact average and count', async () => {
    // given product 13 with one fixture review (a 3), and two more signed-in reviewers
    const { slug } = fixtureProduct(13);
    expect(seededRatings(13)).toEqual([3]);
    const productId = await productIdOf(slug);
    const staff = (await loginAs(gateway, ACCOUNTS.staff.email)).accessToken;
    const admin = (await loginAs(gateway, ACCOUNTS.admin.email)).accessToken;

    // when alice, bob, staff and admin review it at the same time
    const responses = await Promise.all([
      createReview('alice', { productId, rating: 1, body: 'One' }),
      createReview('bob', { productId, rating: 2, body: 'Two' }),
      gateway.graphql<CreateData>(CREATE_REVIEW, { input: { productId, rating: 4, body: 'Four' } }, bearer(staff)),
      gateway.graphql<CreateData>(CREATE_REVIEW, { input: { productId, rating: 5, body: 'Five' } }, bearer(admin)),
    ]);

    // then all four are stored and none of their ratings is lost in the counters
    for (const response of responses) expect(response.body.data?.createReview.userErrors).toEqual([]);
    const after = await gateway.graphql<RatingData>(PRODUCT_RATING, { slug });
    expect(after.body.data?.product).toMatchObject({ averageRating: mean([3, 1, 2, 4, 5]), reviews: { totalCount: 5 } });
    const row = await gateway.prisma.product.findUniqueOrThrow({ where: { slug }, include: { reviews: true } });
    expect({ averageRating: row.averageRating, reviewCount: row.reviewCount, reviews: row.reviews.length }).toEqual({ averageRating: 3, reviewCount: 5, reviews: 5 });
  });

  it('accepts a body of exactly 2,000 characters', async () => {
    const response = await createReview('alice', { productId: await productIdOf('product-11'), rating: 3, body: 'b'.repeat(2000) });

    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.createReview.userErrors).toEqual([]);
    expect(response.body.data?.createReview.review?.body).toHaveLength(2000);
  });

  it('refuses a second review of the same product by the same customer with ALREADY_REVIEWED and changes nothing', async () => {
    // given alice has reviewed product-01 (in the seed)
    const before = await reviewState();
    const shown = await gateway.graphql<RatingData>(PRODUCT_RATING, { slug: ALICE_REVIEWED_PRODUCT });

    // when she reviews it again
    const response = await createReview('alice', { productId: await productIdOf(ALICE_REVIEWED_PRODUCT), rating: 1, body: 'Changed my mind' });

    // then it is refused, and neither the reviews nor any product's rating changed
    expectRefused(response, 'ALREADY_REVIEWED', ['input', 'productId']);
    expect(await reviewState()).toEqual(before);
    const product = await gateway.graphql<RatingData>(PRODUCT_RATING, { slug: ALICE_REVIEWED_PRODUCT });
    expect(product.body.data).toEqual(shown.body.data);
    expect(product.body.data?.product?.reviews.nodes.map((review) => review.body)).not.toContain('Changed my mind');
  });

  const REFUSALS: Array<{ what: string; input: { rating?: number; body?: string; slug?: string; productId?: string }; code: ReviewErrorCode; field: string }> = [
    { what: 'a rating of 0', input: { rating: 0 }, code: 'INVALID_RATING', field: 'rating' },
    { what: 'a rating of 6', input: { rating: 6 }, code: 'INVALID_RATING', field: 'rating' },
    { what: 'an empty body', input: { body: '' }, code: 'INVALID_BODY', field: 'body' },
    { what: 'a blank body', input: { body: '   ' }, code: 'INVALID_BODY', field: 'body' },
    { what: 'a 2,001-character body', input: { body: 'b'.repeat(2001) }, code: 'INVALID_BODY', field: 'body' },
    { what: 'an unpublished product', input: { slug: HIDDEN_PRODUCT.slug }, code: 'PRODUCT_NOT_FOUND', field: 'productId' },
    { what: 'an unknown product', input: { productId: globalId('Product', 999_999) }, code: 'PRODUCT_NOT_FOUND', field: 'productId' },
  ];

  it.each(REFUSALS)('refuses $what with $code on input.$field and changes nothing', async ({ input, code, field }) => {
    // given a product bob has not reviewed
    const before = await reviewState();
    const productId = input.productId ?? (await productIdOf(input.slug ?? 'product-12'));

    // when bob sends a review with one bad part
    const response = await createReview('bob', { productId, rating: input.rating ?? 4, body: input.body ?? 'Solid' });

    // then it is refused with that part's code, and nothing was written
    expectRefused(response, code, ['input', field]);
    expect(await reviewState()).toEqual(before);
  });

  it('refuses an anonymous caller with UNAUTHENTICATED, data null, and changes nothing', async () => {
    const before = await reviewState();

    const response = await createReview('anonymous', { productId: await productIdOf('product-12'), rating: 4, body: 'Anonymous praise' });

    expect(response.status).toBe(200);
    expect(response.body.data).toBeNull();
    expectCode(response, 'UNAUTHENTICATED', { path: ['createReview'] });
    expect(await reviewState()).toEqual(before);
  });

  it('rejects a Category ID as productId with BAD_USER_INPUT and changes nothing', async () => {
    const before = await reviewState();

    const response = await createReview('bob', { productId: globalId('Category', 1), rating: 4, body: 'Wrong kind of ID' });

    expectBadUserInput(response, ['createReview'], 'input.productId');
    expect(response.body.data).toBeNull();
    expect(await reviewState()).toEqual(before);
  });

  it('rejects 2.5 as a rating literal in validation, before anything runs', async () => {
    const before = await reviewState();
    const productId = await productIdOf('product-12');

    const response = await gateway.graphql(
      `mutation { createReview(input: { productId: "${productId}", rating: 2.5, body: "Halfway" }) { review { id } userErrors { code } } }`,
      {},
      headersFor('bob'),
    );

    expect(response.status).toBe(400);
    expectCode(response, 'GRAPHQL_VALIDATION_FAILED');
    expect(response.body.data).toBeUndefined();
    expect(await reviewState()).toEqual(before);
  });

  it('rejects 2.5 as a rating variable when coercing variables, before anything runs', async () => {
    const before = await reviewState();

    const response = await createReview('bob', { productId: await productIdOf('product-12'), rating: 2.5, body: 'Halfway' });

    expect(response.status).toBe(400);
    expect(expectCode(response, 'BAD_USER_INPUT').message).toMatch(/Int/);
    expect(response.body.data).toBeUndefined();
    expect(await reviewState()).toEqual(before);
  });
});

describe('a review of an unpublished product', () => {
  it('is hidden from node(id) like its product, except from staff', async () => {
    // given a review of a product that is then withdrawn from sale
    const product = await gateway.prisma.product.findUniqueOrThrow({ where: { slug: ALICE_REVIEWED_PRODUCT } });
    const review = await gateway.prisma.review.findFirstOrThrow({ where: { productId: product.id } });
    const query = 'query R($id: ID!) { node(id: $id) { ... on Review { body product { slug } } } }';
    const reviewId = globalId('Review', review.id);
    await gateway.prisma.product.update({ where: { id: product.id }, data: { published: false } });
    try {
      // when a customer and staff look the review up
      const byCustomer = await gateway.graphql(query, { id: reviewId }, headersFor('alice'));
      const staff = await loginAs(gateway, ACCOUNTS.staff.email);
      const byStaff = await gateway.graphql<{ node: { product: { slug: string } } }>(query, { id: reviewId }, bearer(staff.accessToken));

      // then the customer gets null, as for an unknown id, and staff get the review
      expect(byCustomer.body).toEqual({ data: { node: null } });
      expect(byStaff.body.data?.node.product.slug).toBe(ALICE_REVIEWED_PRODUCT);
    } finally {
      await gateway.prisma.product.update({ where: { id: product.id }, data: { published: true } });
    }
  });
});
