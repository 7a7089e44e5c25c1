import type { ServiceResult } from '../../core/result';
import type { OrderErrorCode } from '../../generated/graphql';

/** The codes of `OrderUserError`, generated from the `OrderErrorCode` enum in schema/order.graphql. */
export type { OrderErrorCode };

/** What an order service returns. */
export type OrderResult<T> = ServiceResult<T, OrderErrorCode>;
