import type { ServiceResult } from '../../core/result';
import type { IdentityErrorCode } from '../../generated/graphql';

/** The codes of `IdentityUserError`, generated from the `IdentityErrorCode` enum in schema/identity.graphql. */
export type { IdentityErrorCode };

/** What an identity service called through GraphQL returns. */
export type IdentityResult<T> = ServiceResult<T, IdentityErrorCode>;

/**
 * Why an external sign-in that the provider vouched for is still refused.
 * These end on the return page as its `error` parameter (see
 * src/http/auth/errors.ts), not in GraphQL.
 */
export type ExternalSignInRefusal = 'email_not_verified' | 'email_invalid' | 'identity_conflict';
