import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../context';

/** How long a person has at the provider before the attempt (its state, nonce and PKCE verifier) is forgotten. */
export const SIGN_IN_ATTEMPT_TTL_MS = 10 * 60 * 1000;

/** What the callback needs of the attempt it completes. */
export interface SignInAttemptRecord {
  provider: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

function hashState(state: string): string {
  return createHash('sha256').update(state, 'utf8').digest('hex');
}

/** Stores an attempt under its state (hashed); expired attempts are deleted on the way. */
export async function recordSignInAttempt(ctx: ServiceContext, input: SignInAttemptRecord & { state: string }): Promise<void> {
  const now = Date.now();
  await ctx.db.signInAttempt.deleteMany({ where: { expiresAt: { lt: new Date(now) } } });
  await ctx.db.signInAttempt.create({
    data: {
      stateHash: hashState(input.state),
      provider: input.provider,
      nonce: input.nonce,
      codeVerifier: input.codeVerifier,
      returnTo: input.returnTo,
      expiresAt: new Date(now + SIGN_IN_ATTEMPT_TTL_MS),
    },
  });
}

/**
 * Takes the attempt a callback's state names: deleted by the statement that
 * reads it, so a state works once. Null when it is unknown, already taken,
 * expired, or belongs to another provider.
 */
export async function takeSignInAttempt(ctx: ServiceContext, input: { provider: string; state: string }): Promise<SignInAttemptRecord | null> {
  const [taken] = await ctx.db.$queryRaw<Array<SignInAttemptRecord & { expiresAt: Date }>>`
    DELETE FROM "SignInAttempt" WHERE "stateHash" = ${hashState(input.state)}
    RETURNING "provider", "nonce", "codeVerifier", "returnTo", "expiresAt"`;
  if (!taken || taken.provider !== input.provider || taken.expiresAt <= new Date()) return null;
  return { provider: taken.provider, nonce: taken.nonce, codeVerifier: taken.codeVerifier, returnTo: taken.returnTo };
}
