import { randomUUID } from 'node:crypto';
import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import { normalizeEmail } from '../../core/text';
import type { Viewer } from '../../core/viewer';
import { isUniqueViolation } from '../../db/errors';
import type { User } from '../../generated/prisma/client';
import type { AccountResult } from './errors';
import { DISABLED_PASSWORD_HASH, hashPassword, verifyPassword } from './password';
import { hashRefreshToken, newRefreshToken, refreshTokenExpiry, signAccessToken, type TokenConfig } from './tokens';

export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const NAME_MAX = 100;
const REFRESH_TOKEN_MAX = 200;
// Any syntactically plausible address: one @, no spaces, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** A signed-in session: the tokens to hand to the client, and who it is. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
  /** The session's user as a viewer, for the caller that wants to act as them from here on. */
  viewer: Viewer;
}

/** The account services need the token settings on top of the usual service context. */
export interface AuthContext extends ServiceContext {
  config: TokenConfig;
}

/** Whether `email` (already normalised) is an address an account may have. */
export function isAcceptableEmail(email: string): boolean {
  return email.length <= EMAIL_MAX && EMAIL_PATTERN.test(email);
}

function checkPassword(password: string): AccountResult<string> {
  if (password.length < PASSWORD_MIN) return fail('PASSWORD_TOO_SHORT', `The password must be at least ${PASSWORD_MIN} characters.`, ['input', 'password']);
  if (password.length > PASSWORD_MAX) return fail('PASSWORD_TOO_LONG', `The password must be at most ${PASSWORD_MAX} characters.`, ['input', 'password']);
  return ok(password);
}

type DbClient = Pick<ServiceContext['db'], 'refreshToken'>;

/** Stores a new refresh token of `familyId` for a user and returns it. */
async function issueRefreshToken(db: DbClient, config: TokenConfig, userId: number, familyId: string): Promise<string> {
  const refresh = newRefreshToken();
  await db.refreshToken.create({ data: { userId, familyId, tokenHash: refresh.hash, expiresAt: refreshTokenExpiry(config) } });
  return refresh.token;
}

/** Completes a sign-in: an access token for the user, with the refresh token already stored. */
async function session(config: TokenConfig, user: User, refreshToken: string): Promise<Session> {
  return { accessToken: await signAccessToken(config, user.id), refreshToken, user, viewer: { id: user.id, role: user.role } };
}

/** Starts a new session: a new refresh-token family. Every way of signing in ends here (login, register, an external sign-in). */
export async function startSession(ctx: AuthContext, user: User): Promise<Session> {
  return session(ctx.config, user, await issueRefreshToken(ctx.db, ctx.config, user.id, randomUUID()));
}

/** Creates a CUSTOMER account and signs it in. An email already in use is a user error, never a fault. */
export async function register(ctx: AuthContext, input: { email: string; password: string; name: string }): Promise<AccountResult<Session>> {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  if (!isAcceptableEmail(email)) return fail('INVALID_EMAIL', 'The email address is not valid.', ['input', 'email']);
  const password = checkPassword(input.password);
  if (!password.ok) return password;
  if (!name) return fail('NAME_REQUIRED', 'The name must not be empty.', ['input', 'name']);
  if (name.length > NAME_MAX) return fail('NAME_TOO_LONG', `The name must be at most ${NAME_MAX} characters.`, ['input', 'name']);

  const emailTaken = () => fail('EMAIL_TAKEN', 'An account with this email already exists.', ['input', 'email']);
  if (await ctx.db.user.findUnique({ where: { email }, select: { id: true } })) return emailTaken();
  try {
    const user = await ctx.db.user.create({ data: { email, name, passwordHash: await hashPassword(password.value) } });
    return ok(await startSession(ctx, user));
  } catch (error) {
    // Two sign-ups with one email at once: the unique index decides.
    if (isUniqueViolation(error)) return emailTaken();
    throw error;
  }
}

const INVALID_CREDENTIALS = 'The email or password is incorrect.';

/**
 * Signs in. A missing account still costs one password derivation and gives
 * the same error as a wrong password, so neither the answer nor its timing
 * tells whether the email has an account. An account created through an
 * external sign-in has no password: it is told so (PASSWORD_NOT_SET, after
 * the same derivation), which says that this one account exists and signs in
 * elsewhere, and nothing about any other email.
 */
export async function login(ctx: AuthContext, input: { email: string; password: string }): Promise<AccountResult<Session>> {
  const email = normalizeEmail(input.email);
  const usable = email.length <= EMAIL_MAX && input.password.length <= PASSWORD_MAX;
  const user = usable ? await ctx.db.user.findUnique({ where: { email } }) : null;
  const matches = await verifyPassword(input.password.slice(0, PASSWORD_MAX), user?.passwordHash ?? DISABLED_PASSWORD_HASH);
  if (user && user.passwordHash === null) {
    return fail('PASSWORD_NOT_SET', 'This account has no password: sign in with the provider it was created with.', ['input', 'password']);
  }
  if (!user || !matches) return fail('INVALID_CREDENTIALS', INVALID_CREDENTIALS);
  return ok(await startSession(ctx, user));
}

const INVALID_REFRESH = 'The refresh token is invalid, expired or already used. Sign in again.';

/**
 * Rotates a refresh token: the presented token is retired and a new one of
 * the same family issued. Presenting a retired token again means it leaked
 * (or a client raced itself): the whole family is revoked.
 *
 * Retiring and issuing happen in one transaction holding the old token's row
 * lock, so a concurrent reuse waits for the new token to exist and then
 * revokes it with the rest of the family: no rotated token can outlive a
 * "session ended" answer.
 */
export async function refreshSession(ctx: AuthContext, refreshToken: string): Promise<AccountResult<Session>> {
  const invalid = () => fail('INVALID_REFRESH_TOKEN', INVALID_REFRESH, ['input', 'refreshToken']);
  if (!refreshToken || refreshToken.length > REFRESH_TOKEN_MAX) return invalid();
  const tokenHash = hashRefreshToken(refreshToken);

  const outcome = await ctx.db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<Array<{ id: number; userId: number; familyId: string; expiresAt: Date; revokedAt: Date | null; replacedAt: Date | null }>>`
      SELECT "id", "userId", "familyId", "expiresAt", "revokedAt", "replacedAt" FROM "RefreshToken" WHERE "tokenHash" = ${tokenHash} FOR UPDATE`;
    const now = new Date();
    if (!locked || locked.revokedAt || locked.expiresAt <= now) return { kind: 'invalid' as const };
    if (locked.replacedAt) {
      await tx.refreshToken.updateMany({ where: { familyId: locked.familyId, revokedAt: null }, data: { revokedAt: now } });
      return { kind: 'reused' as const, userId: locked.userId };
    }
    await tx.refreshToken.update({ where: { id: locked.id }, data: { replacedAt: now } });
    const user = await tx.user.findUniqueOrThrow({ where: { id: locked.userId } });
    return { kind: 'rotated' as const, user, token: await issueRefreshToken(tx, ctx.config, user.id, locked.familyId) };
  });

  if (outcome.kind === 'invalid') return invalid();
  if (outcome.kind === 'reused') {
    ctx.log.warn({ userId: outcome.userId }, 'refresh token reused: session revoked');
    return fail('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended. Sign in again.', ['input', 'refreshToken']);
  }
  return ok(await session(ctx.config, outcome.user, outcome.token));
}

async function revokeFamily(ctx: ServiceContext, familyId: string): Promise<number> {
  const { count } = await ctx.db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

/** Ends the session a refresh token belongs to (every token of its family). */
export async function logout(ctx: ServiceContext, refreshToken: string): Promise<AccountResult<boolean>> {
  const stored = refreshToken.length <= REFRESH_TOKEN_MAX
    ? await ctx.db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(refreshToken) } })
    : null;
  if (!stored) return fail('INVALID_REFRESH_TOKEN', 'The refresh token is not valid.', ['input', 'refreshToken']);
  return ok((await revokeFamily(ctx, stored.familyId)) > 0);
}
