import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A new signing secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

const FORMAT = 'v1';

/**
 * Encrypts a signing secret for the database (AES-256-GCM with the gateway's
 * webhook key): a copy of the database alone does not let anyone sign
 * deliveries. The gateway must be able to sign, so the secret cannot be hashed.
 */
export function sealSecret(secret: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [FORMAT, iv, cipher.getAuthTag(), sealed].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The secret `sealSecret` encrypted; throws when the key is not the one it was sealed with. */
export function openSecret(sealed: string, key: Buffer): string {
  const [format, iv, tag, data] = sealed.split('.');
  if (format !== FORMAT || !iv || !tag || data === undefined) throw new Error('A webhook secret is stored in an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
