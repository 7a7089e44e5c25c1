import { randomUUID } from 'node:crypto';
import type { Context } from '../../context';
import { Prisma, type User } from '../../generated/prisma/client';
import { fail, ok, type ServiceResult } from '../../graphql/result';
import { DISABLED_PASSWORD_HASH, hashPassword, verifyPassword } from './password';
import { hashRefreshToken, newRefreshToken, refreshTokenExpiry, signAccessToken } from './tokens';

export const EMAIL_MAX = 254;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const NAME_MAX = 100;
const REFRESH_TOKEN_MAX = 200;
// Any syntactically plausible address: one @, no spaces, a dot in the domain.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: User;
}

/** Emails compare case-insensitively and without surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function checkPassword(password: string): ServiceResult<string> {
  if (password.length < PASSWORD_MIN) return fail('PASSWORD_TOO_SHORT', `The password must be at least ${PASSWORD_MIN} characters.`, ['input', 'password']);
  if (password.length > PASSWORD_MAX) return fail('PASSWORD_TOO_LONG', `The password must be at most ${PASSWORD_MAX} characters.`, ['input', 'password']);
  return ok(password);
}

type DbClient = Pick<Context['db'], 'refreshToken'>;

/** Stores a new refresh token of `familyId` for a user and returns it. */
async function issueRefreshToken(db: DbClient, ctx: Context, userId: number, familyId: string): Promise<string> {
  const refresh = newRefreshToken();
  await db.refreshToken.create({ data: { userId, familyId, tokenHash: refresh.hash, expiresAt: refreshTokenExpiry(ctx.config) } });
  return refresh.token;
}

/**
 * Completes a sign-in: the request acts as that user from here on, so the
 * payload's `user { email role }` is readable like the viewer's own.
 */
async function session(ctx: Context, user: User, refreshToken: string): Promise<Session> {
  ctx.viewer = { id: user.id, role: user.role };
  return { accessToken: await signAccessToken(ctx.config, user.id), refreshToken, user };
}

/** Starts a new session: a new refresh-token family. */
async function startSession(ctx: Context, user: User): Promise<Session> {
  return session(ctx, user, await issueRefreshToken(ctx.db, ctx, user.id, randomUUID()));
}

/** Creates a CUSTOMER account and signs it in. An email already in use is a user error, never a fault. */
export async function register(ctx: Context, input: { email: string; password: string; name: string }): Promise<ServiceResult<Session>> {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  if (email.length > EMAIL_MAX || !EMAIL_PATTERN.test(email)) return fail('INVALID_EMAIL', 'The email address is not valid.', ['input', 'email']);
  const password = checkPassword(input.password);
  if (!password.ok) return password;
  if (!name) return fail('NAME_REQUIRED', 'The name must not be empty.', ['input', 'name']);
  if (name.length > NAME_MAX) return fail('NAME_TOO_LONG', `The name must be at most ${NAME_MAX} characters.`, ['input', 'name']);

  const emailTaken = () => fail<Session>('EMAIL_TAKEN', 'An account with this email already exists.', ['input', 'email']);
  if (await ctx.db.user.findUnique({ where: { email }, select: { id: true } })) return emailTaken();
  try {
    const user = await ctx.db.user.create({ data: { email, name, passwordHash: await hashPassword(password.value) } });
    return ok(await startSession(ctx, user));
  } catch (error) {
    // Two sign-ups with one email at once: the unique index decides.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return emailTaken();
    throw error;
  }
}

const INVALID_CREDENTIALS = 'The email or password is incorrect.';

/**
 * Signs in. A missing account still costs one password derivation and gives
 * the same error as a wrong password, so neither the answer nor its timing
 * tells whether the email has an account.
 */
export async function login(ctx: Context, input: { email: string; password: string }): Promise<ServiceResult<Session>> {
  const email = normalizeEmail(input.email);
  const usable = email.length <= EMAIL_MAX && input.password.length <= PASSWORD_MAX;
  const user = usable ? await ctx.db.user.findUnique({ where: { email } }) : null;
  const matches = await verifyPassword(input.password.slice(0, PASSWORD_MAX), user?.passwordHash ?? DISABLED_PASSWORD_HASH);
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
export async function refreshSession(ctx: Context, refreshToken: string): Promise<ServiceResult<Session>> {
  const invalid = () => fail<Session>('INVALID_REFRESH_TOKEN', INVALID_REFRESH, ['input', 'refreshToken']);
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
    return { kind: 'rotated' as const, user, token: await issueRefreshToken(tx, ctx, user.id, locked.familyId) };
  });

  if (outcome.kind === 'invalid') return invalid();
  if (outcome.kind === 'reused') {
    ctx.log.warn({ userId: outcome.userId, requestId: ctx.requestId }, 'refresh token reused: session revoked');
    return fail('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended. Sign in again.', ['input', 'refreshToken']);
  }
  return ok(await session(ctx, outcome.user, outcome.token));
}

async function revokeFamily(ctx: Context, familyId: string): Promise<number> {
  const { count } = await ctx.db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  return count;
}

/** Ends the session a refresh token belongs to (every token of its family). */
export async function logout(ctx: Context, refreshToken: string): Promise<ServiceResult<boolean>> {
  const stored = refreshToken.length <= REFRESH_TOKEN_MAX
    ? await ctx.db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(refreshToken) } })
    : null;
  if (!stored) return fail('INVALID_REFRESH_TOKEN', 'The refresh token is not valid.', ['input', 'refreshToken']);
  return ok((await revokeFamily(ctx, stored.familyId)) > 0);
}
