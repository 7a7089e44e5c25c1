import type { ServiceResult } from '../../core/result';
import type { PaymentErrorCode, PaymentEventOutcome } from '../../generated/graphql';

/** The codes of `PaymentUserError`, generated from the `PaymentErrorCode` enum in schema/payment.graphql. */
export type { PaymentErrorCode, PaymentEventOutcome };

/** What a payment service returns. */
export type PaymentResult<T> = ServiceResult<T, PaymentErrorCode>;
