import type { ServiceResult } from '../../core/result';
import type { ProductErrorCode, ReviewErrorCode } from '../../generated/graphql';

/** The codes of `ProductUserError` and `ReviewUserError`, generated from their enums in schema/catalog.graphql. */
export type { ProductErrorCode, ReviewErrorCode };

/** What a product-writing service returns. */
export type ProductResult<T> = ServiceResult<T, ProductErrorCode>;

/** What the review service returns. */
export type ReviewResult<T> = ServiceResult<T, ReviewErrorCode>;
