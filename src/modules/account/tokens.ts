import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { Config } from '../../config';

const ISSUER = 'storefront-gateway';
const AUDIENCE = 'storefront-clients';
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_USER_ID = 2_147_483_647;

export type TokenConfig = Pick<Config, 'jwtSecret' | 'accessTokenTtlSeconds' | 'refreshTokenTtlDays'>;

function key(config: TokenConfig): Uint8Array {
  return new TextEncoder().encode(config.jwtSecret);
}

/** A signed, short-lived access token (HS256) naming the user. Roles are read from the database on use. */
export function signAccessToken(config: TokenConfig, userId: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(userId))
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(`${config.accessTokenTtlSeconds}s`)
    .sign(key(config));
}

export type AccessTokenCheck = { ok: true; userId: number } | { ok: false; reason: string };

/**
 * Verifies signature (HS256 only: `alg: none` and other algorithms are
 * refused), issuer, audience, expiry and issue time (not in the future, not
 * older than the token lifetime), with a small clock tolerance.
 */
export async function verifyAccessToken(config: TokenConfig, token: string): Promise<AccessTokenCheck> {
  try {
    const { payload } = await jwtVerify(token, key(config), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: `${config.accessTokenTtlSeconds}s`,
      requiredClaims: ['sub', 'iat', 'exp'],
    });
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId < 1 || userId > MAX_USER_ID) return { ok: false, reason: 'The access token names no valid user.' };
    return { ok: true, userId };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'The access token has expired.' };
    if (error instanceof joseErrors.JOSEError) return { ok: false, reason: 'The access token is invalid.' };
    throw error;
  }
}

/** A new refresh token (256 random bits) and the hash stored in its place. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** Refresh tokens are stored only as SHA-256 hashes: a leaked table holds no usable token. */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function refreshTokenExpiry(config: TokenConfig, now = new Date()): Date {
  return new Date(now.getTime() + config.refreshTokenTtlDays * 86_400_000);
}
