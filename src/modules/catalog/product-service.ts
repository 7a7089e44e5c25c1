import type { ServiceContext } from '../../context';
import { parseAmount } from '../../core/money';
import { fail, ok } from '../../core/result';
import { isUniqueViolation } from '../../db/errors';
import type { Prisma, Product } from '../../generated/prisma/client';
import { outboxCommitted, recordEvents } from '../events/outbox';
import { stockLowEvents } from '../events/stock-low';
import type { ProductResult } from './errors';

const NAME_MAX = 200;
const DESCRIPTION_MAX = 5000;
const STOCK_MAX = 1_000_000;
const PRICE_MAX_CENTS = 100_000_000;
const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

type Result = ProductResult<Product>;

const SLUG_MAX = 120;

/** A slug from a name; cut to length before the dashes are trimmed, so it never ends in one. */
function slugify(name: string): string {
  return name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').slice(0, SLUG_MAX).replace(/^-+|-+$/g, '');
}

/** A price field: a decimal amount within range, or a user error naming the field. */
function price(amount: string, field: string): { cents: number } | { error: Result } {
  const cents = parseAmount(amount);
  if (cents === null) return { error: fail('INVALID_PRICE', `"${field}" must be a decimal amount such as "19.99".`, ['input', field]) };
  if (cents > PRICE_MAX_CENTS) return { error: fail('INVALID_PRICE', `"${field}" is too large.`, ['input', field]) };
  return { cents };
}

function checkText(name: string | null | undefined, description: string | null | undefined): Result | null {
  if (name != null && (!name.trim() || name.trim().length > NAME_MAX)) return fail('INVALID_NAME', `The name must be 1 to ${NAME_MAX} characters.`, ['input', 'name']);
  if (description != null && description.length > DESCRIPTION_MAX) return fail('INVALID_DESCRIPTION', `The description must be at most ${DESCRIPTION_MAX} characters.`, ['input', 'description']);
  return null;
}

async function categoryExists(ctx: ServiceContext, id: number): Promise<boolean> {
  return (await ctx.loaders.catalog.categoryById.load(id)) !== null;
}

/** Adds a product (staff). */
export async function createProduct(
  ctx: ServiceContext,
  input: { name: string; slug?: string | null; description?: string | null; price: string; costPrice: string; stockQuantity: number; categoryId: number; published?: boolean | null },
): Promise<Result> {
  const textError = checkText(input.name, input.description);
  if (textError) return textError;
  const slug = input.slug ?? slugify(input.name);
  if (!slug && input.slug == null) return fail('INVALID_SLUG', 'No slug can be made from this name: give one.', ['input', 'slug']);
  if (!SLUG_PATTERN.test(slug) || slug.length > SLUG_MAX) {
    return fail('INVALID_SLUG', `The slug must be lowercase letters, digits and single dashes (at most ${SLUG_MAX}).`, ['input', 'slug']);
  }
  const sell = price(input.price, 'price');
  if ('error' in sell) return sell.error;
  const cost = price(input.costPrice, 'costPrice');
  if ('error' in cost) return cost.error;
  if (!Number.isInteger(input.stockQuantity) || input.stockQuantity < 0 || input.stockQuantity > STOCK_MAX) {
    return fail('INVALID_STOCK', `The stock must be a whole number from 0 to ${STOCK_MAX}.`, ['input', 'stockQuantity']);
  }
  const { categoryId } = input;
  if (!(await categoryExists(ctx, categoryId))) return fail('CATEGORY_NOT_FOUND', 'No category has this ID.', ['input', 'categoryId']);
  try {
    return ok(await ctx.db.product.create({
      data: {
        name: input.name.trim(),
        slug,
        description: input.description ?? '',
        priceCents: sell.cents,
        costCents: cost.cents,
        stockQuantity: input.stockQuantity,
        categoryId,
        published: input.published ?? true,
      },
    }));
  } catch (error) {
    if (isUniqueViolation(error)) return fail('SLUG_TAKEN', 'Another product has this slug.', ['input', 'slug']);
    throw error;
  }
}

/** Changes a product (staff); absent fields stay. */
export async function updateProduct(
  ctx: ServiceContext,
  input: { productId: number; name?: string | null; description?: string | null; price?: string | null; costPrice?: string | null; categoryId?: number | null; published?: boolean | null },
): Promise<Result> {
  const id = input.productId;
  const textError = checkText(input.name, input.description);
  if (textError) return textError;
  const data: Prisma.ProductUncheckedUpdateInput = {};
  if (input.name != null) data.name = input.name.trim();
  if (input.description != null) data.description = input.description;
  if (input.published != null) data.published = input.published;
  if (input.price != null) {
    const sell = price(input.price, 'price');
    if ('error' in sell) return sell.error;
    data.priceCents = sell.cents;
  }
  if (input.costPrice != null) {
    const cost = price(input.costPrice, 'costPrice');
    if ('error' in cost) return cost.error;
    data.costCents = cost.cents;
  }
  if (input.categoryId != null) {
    if (!(await categoryExists(ctx, input.categoryId))) return fail('CATEGORY_NOT_FOUND', 'No category has this ID.', ['input', 'categoryId']);
    data.categoryId = input.categoryId;
  }
  const { count } = await ctx.db.product.updateMany({ where: { id }, data });
  if (count === 0) return fail('PRODUCT_NOT_FOUND', 'No product has this ID.', ['input', 'productId']);
  ctx.loaders.catalog.productById.clear(id);
  return ok(await ctx.db.product.findUniqueOrThrow({ where: { id } }));
}

/** Adds or removes stock atomically; stock never goes below zero (staff). */
export async function adjustStock(ctx: ServiceContext, input: { productId: number; delta: number }): Promise<Result> {
  const id = input.productId;
  if (!Number.isInteger(input.delta) || input.delta === 0 || Math.abs(input.delta) > STOCK_MAX) {
    return fail('INVALID_DELTA', `The change must be a non-zero whole number of at most ${STOCK_MAX} either way.`, ['input', 'delta']);
  }
  const changed = await ctx.db.$transaction(async (tx) => {
    const moved = await tx.$queryRaw<Product[]>`
      UPDATE "Product" SET "stockQuantity" = "stockQuantity" + ${input.delta}, "updatedAt" = now()
      WHERE "id" = ${id} AND "stockQuantity" + ${input.delta} BETWEEN 0 AND ${STOCK_MAX}
      RETURNING *`;
    await recordEvents(tx, stockLowEvents(moved.map((product) => ({ product, before: product.stockQuantity - input.delta }))));
    return moved.length;
  });
  if (changed > 0) outboxCommitted();
  ctx.loaders.catalog.productById.clear(id);
  const product = await ctx.db.product.findUnique({ where: { id } });
  if (!product) return fail('PRODUCT_NOT_FOUND', 'No product has this ID.', ['input', 'productId']);
  if (changed === 0) {
    const [code, limit] = product.stockQuantity + input.delta < 0 ? (['INSUFFICIENT_STOCK', 'below zero'] as const) : (['STOCK_LIMIT', `above ${STOCK_MAX}`] as const);
    return fail(code, `Stock is ${product.stockQuantity}; changing it by ${input.delta} would take it ${limit}.`, ['input', 'delta']);
  }
  return ok(product);
}
