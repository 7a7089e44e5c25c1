/**
 * The demo data as a plan: plain rows that refer to each other by position in
 * the plan (not by database id), computed without touching the database, so
 * the same options always give the same plan. demo-data.ts writes it.
 */
import { OrderStatus, Role } from '../generated/prisma/client';
import { Random } from './random';
import {
  ADJECTIVES,
  CATEGORIES,
  DESCRIPTION_DETAILS,
  DESCRIPTION_OPENERS,
  FIRST_NAMES,
  LAST_NAMES,
  REVIEW_SENTENCES,
} from './words';

/** The password of every demo account (never of generated customers). */
export const DEMO_PASSWORD = 'demo-password';

export interface DemoAccount {
  email: string;
  name: string;
  role: Role;
}

/**
 * The accounts a developer can sign in with, all with DEMO_PASSWORD, by a
 * short key. Defined only here: the seed creates them and the tests sign in
 * as them (test/helpers/account-fixture.ts), so names and roles never drift apart.
 */
export const DEMO_ACCOUNTS_BY_KEY = {
  admin: { email: 'admin@example.com', name: 'Ada Admin', role: Role.ADMIN },
  staff: { email: 'staff@example.com', name: 'Sam Staff', role: Role.STAFF },
  alice: { email: 'alice@example.com', name: 'Alice Anderson', role: Role.CUSTOMER },
  bob: { email: 'bob@example.com', name: 'Bob Baker', role: Role.CUSTOMER },
} as const satisfies Record<string, DemoAccount>;

/** The demo accounts in seed order (admin, staff, alice, bob). */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = Object.values(DEMO_ACCOUNTS_BY_KEY);

/**
 * Every timestamp is this fixed date minus a deterministic offset (never "now"),
 * so that two runs produce identical rows.
 */
export const BASE_DATE = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Products are all older than this; their reviews and all orders fall in it. */
const RECENT = 30 * DAY;

export interface PlannedCategory {
  slug: string;
  name: string;
  description: string;
  createdAt: Date;
}

export interface PlannedUser {
  email: string;
  name: string;
  role: Role;
  /** A demo account: gets a real password hash. */
  demo: boolean;
  createdAt: Date;
}

export interface PlannedProduct {
  categoryIndex: number;
  slug: string;
  name: string;
  description: string;
  priceCents: number;
  costCents: number;
  stockQuantity: number;
  published: boolean;
  createdAt: Date;
}

export interface PlannedReview {
  productIndex: number;
  userIndex: number;
  rating: number;
  body: string;
  createdAt: Date;
}

export interface PlannedOrder {
  /** `seed-<n>`: the idempotency key, unique per user (and here even globally). */
  idempotencyKey: string;
  userIndex: number;
  status: OrderStatus;
  totalCents: number;
  createdAt: Date;
  items: { productIndex: number; productName: string; unitPriceCents: number; quantity: number }[];
  /** Set for orders that were paid: the provider's payment id. */
  paymentReference: string | null;
}

export interface DemoPlan {
  categories: PlannedCategory[];
  users: PlannedUser[];
  products: PlannedProduct[];
  reviews: PlannedReview[];
  orders: PlannedOrder[];
}

export interface PlanOptions {
  products: number;
  reviewsPerProduct: number;
  /** Include DEMO_ACCOUNTS (false in production, where known passwords must not exist). */
  demoAccounts: boolean;
}

/** Statuses and how often each occurs, most orders having been delivered. */
const ORDER_STATUSES: readonly OrderStatus[] = Object.values(OrderStatus);
const STATUS_WEIGHTS: Record<OrderStatus, number> = {
  PENDING_PAYMENT: 10,
  PAID: 15,
  SHIPPED: 20,
  DELIVERED: 40,
  CANCELLED: 10,
  REFUNDED: 5,
};
const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PAID', 'SHIPPED', 'DELIVERED']);

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/'/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function fill(template: string, words: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => words[key] ?? match);
}

function planProducts(count: number, firstCreatedAt: number): PlannedProduct[] {
  const products: PlannedProduct[] = [];
  const slugs = new Set<string>();
  for (let i = 0; i < count; i += 1) {
    const rng = Random.for('product', i);
    const categoryIndex = rng.int(0, CATEGORIES.length - 1);
    const category = CATEGORIES[categoryIndex] ?? CATEGORIES[0]!;
    const noun = rng.pick(category.nouns);
    const material = rng.pick(category.materials);
    const name = `${rng.pick(ADJECTIVES)} ${material} ${noun}`;
    // Names repeat (a few thousand combinations); the slug must not, and a
    // suffix of the index cannot collide with a suffix-less slug (no digits in the words).
    let slug = slugify(name);
    if (slugs.has(slug)) slug = `${slug}-${i + 1}`;
    slugs.add(slug);

    const words = { name, noun: noun.toLowerCase(), material: material.toLowerCase(), category: category.name };
    const details = rng.distinct(2, DESCRIPTION_DETAILS.length).map((k) => DESCRIPTION_DETAILS[k] ?? '');
    const description = [rng.pick(DESCRIPTION_OPENERS), ...details].map((sentence) => fill(sentence, words)).join(' ');

    // Log-uniform dollars from 1 to 499, priced at .99: many cheap things, a few expensive ones.
    const dollars = Math.floor(Math.exp(Math.log(1.99) + rng.float() * (Math.log(499.99) - Math.log(1.99))));
    const priceCents = Math.min(49_999, Math.max(199, dollars * 100 + 99));
    const costCents = Math.round(priceCents * (0.4 + rng.float() * 0.3));
    const stockQuantity = rng.chance(0.1) ? 0 : rng.int(1, 200);
    const published = !rng.chance(0.02);
    // One hour slot per product, oldest first, so ids and createdAt rise together and never tie.
    const createdAt = new Date(firstCreatedAt + i * HOUR + rng.int(0, 3599) * SECOND);
    products.push({ categoryIndex, slug, name, description, priceCents, costCents, stockQuantity, published, createdAt });
  }
  return products;
}

function planUsers(customers: number, demoAccounts: boolean, lastCreatedAt: number): PlannedUser[] {
  const users: PlannedUser[] = [];
  if (demoAccounts) for (const account of DEMO_ACCOUNTS) users.push({ ...account, demo: true, createdAt: new Date(0) });
  for (let i = 0; i < customers; i += 1) {
    const rng = Random.for('customer', i);
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    users.push({ email: `customer${i + 1}@example.com`, name, role: Role.CUSTOMER, demo: false, createdAt: new Date(0) });
  }
  // Six hours apart, all before the first product (and so before any review or order).
  users.forEach((user, u) => (user.createdAt = new Date(lastCreatedAt - (users.length - u) * 6 * HOUR)));
  return users;
}

function reviewBody(rng: Random, rating: number): string {
  const sentences = REVIEW_SENTENCES[rating <= 2 ? 0 : rating === 3 ? 1 : 2] ?? [];
  const count = rng.chance(0.5) ? 2 : 1;
  return rng
    .distinct(count, sentences.length)
    .map((k) => sentences[k])
    .join(' ');
}

function planReviews(products: PlannedProduct[], authors: number[], average: number): PlannedReview[] {
  const reviews: PlannedReview[] = [];
  products.forEach((product, productIndex) => {
    const rng = Random.for('reviews', productIndex);
    const count = Math.min(rng.int(0, 2 * average), authors.length);
    if (count === 0) return;
    // Each product has its own quality, so average ratings differ (2.6–4.8 before noise, mostly high).
    const quality = 2.6 + 2.2 * Math.sqrt(rng.float());
    // Reviews in the 29 days after the product's first hour, one slot each, so they never tie.
    const slot = Math.floor((29 * DAY) / count / SECOND);
    const authorPicks = rng.distinct(count, authors.length);
    for (let j = 0; j < count; j += 1) {
      const noise = (rng.float() + rng.float() + rng.float() - 1.5) * 1.6;
      const rating = Math.min(5, Math.max(1, Math.round(quality + noise)));
      const createdAt = new Date(product.createdAt.getTime() + HOUR + (j * slot + rng.int(0, slot - 1)) * SECOND);
      reviews.push({ productIndex, userIndex: authors[authorPicks[j] ?? 0] ?? 0, rating, body: reviewBody(rng, rating), createdAt });
    }
  });
  return reviews;
}

function planOrders(count: number, products: PlannedProduct[], users: PlannedUser[], customers: number[]): PlannedOrder[] {
  const alice = users.findIndex((user) => user.email === DEMO_ACCOUNTS_BY_KEY.alice.email);
  const bob = users.findIndex((user) => user.email === DEMO_ACCOUNTS_BY_KEY.bob.email);
  // Orders are for things on sale; fall back to everything for tiny catalogs with none published.
  let sellable = products.flatMap((product, index) => (product.published ? [index] : []));
  if (sellable.length === 0) sellable = products.map((_, index) => index);
  const orders: PlannedOrder[] = [];
  const slot = Math.floor(RECENT / count / SECOND);
  for (let n = 0; n < count; n += 1) {
    const rng = Random.for('order', n);
    let userIndex = rng.pick(customers);
    if (n % 8 === 0 && alice >= 0) userIndex = alice;
    if (n % 8 === 1 && bob >= 0) userIndex = bob;
    const status = ORDER_STATUSES[rng.weighted(ORDER_STATUSES.map((s) => STATUS_WEIGHTS[s]))] ?? OrderStatus.DELIVERED;
    const items = rng.distinct(Math.min(rng.int(1, 4), sellable.length), sellable.length).map((k) => {
      const productIndex = sellable[k] ?? 0;
      const product = products[productIndex]!;
      return { productIndex, productName: product.name, unitPriceCents: product.priceCents, quantity: rng.int(1, 3) };
    });
    const totalCents = items.reduce((sum, item) => sum + item.unitPriceCents * item.quantity, 0);
    orders.push({
      idempotencyKey: `seed-${n + 1}`,
      userIndex,
      status,
      totalCents,
      // In the last 30 days, after every product was created.
      createdAt: new Date(BASE_DATE - RECENT + (n * slot + rng.int(0, slot - 1)) * SECOND),
      items,
      paymentReference: PAID_STATUSES.has(status) ? `pi_seed_${n + 1}` : null,
    });
  }
  return orders;
}

/**
 * Plans the demo data for `options.products` products: categories, users (the
 * demo accounts and enough generated customers to give every product distinct
 * reviewers), products, reviews and orders. Pure and deterministic.
 */
export function planDemoData(options: PlanOptions): DemoPlan {
  const { products: productCount, reviewsPerProduct, demoAccounts } = options;
  const firstProductAt = BASE_DATE - RECENT - productCount * HOUR;

  const categories = CATEGORIES.map((category, c) => ({
    slug: category.slug,
    name: category.name,
    description: category.description,
    createdAt: new Date(firstProductAt - (CATEGORIES.length - c) * DAY),
  }));
  // Reviews of one product need distinct authors: up to 2 × the average of them.
  const customerCount = Math.max(50, Math.ceil(productCount / 20), 2 * reviewsPerProduct);
  const users = planUsers(customerCount, demoAccounts, firstProductAt - CATEGORIES.length * DAY);
  const products = planProducts(productCount, firstProductAt);
  // Authors: every customer account, alice and bob included; admin and staff do not review.
  const authors = users.flatMap((user, index) => (user.role === Role.CUSTOMER ? [index] : []));
  const customers = users.flatMap((user, index) => (user.demo ? [] : [index]));
  const reviews = planReviews(products, authors, reviewsPerProduct);
  const orderCount = productCount === 0 ? 0 : Math.min(200, Math.max(10, Math.ceil(productCount / 10)));
  const orders = planOrders(orderCount, products, users, customers);
  return { categories, users, products, reviews, orders };
}
