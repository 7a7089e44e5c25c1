/**
 * How an external sign-in can end without a sign-in code: the `error`
 * parameter of the return URL, and what the gateway's completion page says.
 * Codes, never details: the log has those (under the request id).
 */
export const SIGN_IN_ERRORS = {
  access_denied: 'You cancelled the sign-in, or did not allow the store to use your account there.',
  invalid_state: 'This sign-in is unknown, expired or already finished (or it was started in another browser). Start again.',
  provider_unavailable: 'The sign-in provider could not be reached. Try again in a moment.',
  provider_error: 'The sign-in provider refused the request. Start again.',
  invalid_response: "The sign-in provider's answer failed the security checks (signature, issuer, audience, expiry or nonce), so it was not used.",
  email_not_verified: 'The provider did not confirm that your email address is verified. Verify it there, then sign in again.',
  email_invalid: 'The provider reported an email address the store cannot use.',
  identity_conflict: 'The account with this email is already linked to another account of this provider.',
  unknown_provider: 'There is no such sign-in provider.',
  return_to_not_allowed: 'The page to return to after signing in is not one the store allows.',
  server_error: 'The sign-in failed on our side. Try again in a moment.',
} as const;

export type SignInErrorCode = keyof typeof SIGN_IN_ERRORS;

export function isSignInErrorCode(value: unknown): value is SignInErrorCode {
  return typeof value === 'string' && Object.hasOwn(SIGN_IN_ERRORS, value);
}
