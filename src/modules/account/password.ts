import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt is memory-hard and built into Node. N = 2^15 with r = 8 takes 32 MiB
// and tens of milliseconds per hash here; the parameters are stored in every
// hash, so they can be raised later without invalidating existing passwords.
const PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Hashes a password as `scrypt$N$r$p$salt$key` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Checks a password against a stored hash in constant time. A malformed or
 * disabled hash (such as `!`) never matches, but still costs one derivation,
 * so that the time taken does not tell which case it was.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  const valid = scheme === 'scrypt' && n && r && p && salt && key;
  const params = valid ? { N: Number(n), r: Number(r), p: Number(p) } : PARAMS;
  const expected = valid ? Buffer.from(key, 'base64') : randomBytes(KEY_LENGTH);
  const actual = await derive(password, valid ? Buffer.from(salt, 'base64') : randomBytes(SALT_BYTES), params);
  return Boolean(valid) && actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A stored hash that no password matches: for accounts that cannot sign in (generated demo customers). */
export const DISABLED_PASSWORD_HASH = '!';

/**
 * Whether a stored hash lets its account sign in with a password. Null: the
 * account was created through an external sign-in and has none.
 */
export function hasPassword(stored: string | null): boolean {
  return stored !== null && stored !== DISABLED_PASSWORD_HASH;
}
