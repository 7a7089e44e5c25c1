import type { ServiceResult } from '../../core/result';
import type { CartErrorCode } from '../../generated/graphql';

/** The codes of `CartUserError`, generated from the `CartErrorCode` enum in schema/cart.graphql. */
export type { CartErrorCode };

/** What a cart service returns. */
export type CartResult<T> = ServiceResult<T, CartErrorCode>;
