import { createHash, randomBytes } from 'node:crypto';
import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import { startSession, type AuthContext, type Session } from '../account/auth-service';
import type { AccountResult } from '../account/errors';
import { loadReferenced } from '../../db/batch';

/** How long the return page has to exchange its code. */
export const SIGN_IN_CODE_TTL_MS = 60_000;
/** Used and expired codes are kept this long (for support), then deleted by later sign-ins. */
const KEEP_MS = 24 * 60 * 60 * 1000;
const CODE_MAX = 200;

/** Codes are stored only as SHA-256 hashes: the table holds nothing that signs anyone in. */
function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** A new one-time sign-in code for a user who just signed in through `provider` (256 random bits). */
export async function issueSignInCode(ctx: ServiceContext, input: { userId: number; provider: string }): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const now = Date.now();
  await ctx.db.signInCode.deleteMany({ where: { expiresAt: { lt: new Date(now - KEEP_MS) } } });
  await ctx.db.signInCode.create({
    data: { codeHash: hashCode(code), userId: input.userId, provider: input.provider, createdAt: new Date(now), expiresAt: new Date(now + SIGN_IN_CODE_TTL_MS) },
  });
  return code;
}

/**
 * Exchanges a sign-in code for a session (the same tokens as `login`). The
 * code is marked used by the same statement that reads it, so of two
 * concurrent exchanges exactly one gets a session.
 */
export async function completeExternalSignIn(ctx: AuthContext, code: string): Promise<AccountResult<Session>> {
  const invalid = () => fail('SIGN_IN_CODE_INVALID', 'The sign-in code is unknown or was already used. Sign in again.', ['input', 'code']);
  if (!code || code.length > CODE_MAX) return invalid();
  const now = new Date();
  const [used] = await ctx.db.$queryRaw<Array<{ userId: number; expiresAt: Date }>>`
    UPDATE "SignInCode" SET "usedAt" = ${now} WHERE "codeHash" = ${hashCode(code)} AND "usedAt" IS NULL RETURNING "userId", "expiresAt"`;
  if (!used) return invalid();
  if (used.expiresAt <= now) return fail('SIGN_IN_CODE_EXPIRED', 'The sign-in code has expired (it is valid for 60 seconds). Sign in again.', ['input', 'code']);
  const user = await loadReferenced(ctx.loaders.account.userById, used.userId, 'User');
  return ok(await startSession(ctx, user));
}
