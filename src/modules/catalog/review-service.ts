import type { ServiceContext } from '../../context';
import { required } from '../../core/required';
import { fail, ok } from '../../core/result';
import { isUniqueViolation } from '../../db/errors';
import type { Review } from '../../generated/prisma/client';
import type { ReviewResult } from './errors';

export const REVIEW_BODY_MAX = 2000;

/**
 * Writes the viewer's review of a published product, one per customer and
 * product, and folds its rating into the product's stored average and count
 * in the same transaction with one atomic UPDATE (no read-modify-write).
 */
export async function createReview(ctx: ServiceContext, input: { productId: number; rating: number; body: string }): Promise<ReviewResult<Review>> {
  const { productId } = input;
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) {
    return fail('INVALID_RATING', 'The rating must be a whole number from 1 to 5.', ['input', 'rating']);
  }
  const body = input.body.trim();
  if (!body || body.length > REVIEW_BODY_MAX) {
    return fail('INVALID_BODY', `The review must be 1 to ${REVIEW_BODY_MAX} characters.`, ['input', 'body']);
  }
  const authorId = required(ctx.viewer, 'Viewer', 0).id;
  const product = await ctx.loaders.catalog.productById.load(productId);
  if (!product?.published) return fail('PRODUCT_NOT_FOUND', 'No product has this ID.', ['input', 'productId']);
  try {
    const review = await ctx.db.$transaction(async (tx) => {
      const created = await tx.review.create({ data: { productId, authorId, rating: input.rating, body } });
      await tx.$executeRaw`
        UPDATE "Product" SET
          "averageRating" = ("averageRating" * "reviewCount" + ${input.rating}) / ("reviewCount" + 1),
          "reviewCount" = "reviewCount" + 1
        WHERE "id" = ${productId}`;
      return created;
    });
    ctx.loaders.catalog.productById.clear(productId);
    return ok(review);
  } catch (error) {
    if (isUniqueViolation(error)) {
      return fail('ALREADY_REVIEWED', 'You have already reviewed this product.', ['input', 'productId']);
    }
    throw error;
  }
}
