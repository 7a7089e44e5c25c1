import type { AccountErrorCode } from '../../generated/graphql';
import type { ServiceResult } from '../../core/result';

/** The codes of `AccountUserError`, generated from the `AccountErrorCode` enum in schema/account.graphql. */
export type { AccountErrorCode };

/** What an account service returns. */
export type AccountResult<T> = ServiceResult<T, AccountErrorCode>;
