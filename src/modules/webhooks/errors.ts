import type { ServiceResult } from '../../core/result';
import type { WebhookErrorCode } from '../../generated/graphql';

/** The codes of `WebhookUserError`, generated from the `WebhookErrorCode` enum in schema/webhooks.graphql. */
export type { WebhookErrorCode };

/** What a webhook service returns. */
export type WebhookResult<T> = ServiceResult<T, WebhookErrorCode>;
