import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures of the payment provider.
 *
 * Header: `Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]`.
 * The timestamp is inside the signed payload, so a captured delivery cannot be replayed later with a
 * fresh `t`; the tolerance window bounds how long a captured delivery stays usable. Several `v1`
 * entries let the provider sign with the old and the new secret while a secret is being rotated.
 */

export const SIGNATURE_HEADER = 'Payment-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A real header holds a timestamp and a few signatures; anything longer is refused before parsing. */
const MAX_HEADER_LENGTH = 1024;
/** More entries than this is not a rotation, it is someone making us compute HMACs. */
const MAX_SIGNATURES = 8;
const MAX_ELEMENTS = 16;
const TIMESTAMP = /^[0-9]{1,12}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;
/** Elements of other schemes are skipped (the provider may add one), but must still look like `key=value`. */
const OTHER_ELEMENT = /^[a-z][a-z0-9]{0,15}=[\x21-\x2b\x2d-\x7e]{1,128}$/;

function hmac(secret: string, timestamp: number, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** Builds the `Payment-Signature` header value: one `v1=` per secret, in the order given. */
export function signatureHeader(secret: string | string[], rawBody: string | Buffer, timestamp: number): string {
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.some((s) => s.length === 0)) throw new TypeError('signatureHeader needs at least one non-empty secret');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new TypeError('signatureHeader needs a timestamp in whole unix seconds');
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmac(s, timestamp, rawBody).toString('hex')}`)].join(',');
}

export type SignatureVerification = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

export interface VerifySignatureOptions {
  /** The current time in unix seconds (tests); defaults to the clock. */
  now?: number;
  /** Largest accepted distance between `t` and now, either way, in seconds. Default 300. */
  toleranceSeconds?: number;
}

function parse(header: string): { timestamp: number; signatures: Buffer[] } | null {
  if (header.length > MAX_HEADER_LENGTH) return null;
  const elements = header.split(',');
  if (elements.length > MAX_ELEMENTS) return null;
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const element of elements) {
    if (element.startsWith('t=')) {
      const value = element.slice(2);
      // Exactly one timestamp: with two, which one was signed would be ambiguous.
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return null;
      timestamp = Number(value);
    } else if (element.startsWith('v1=')) {
      const value = element.slice(3);
      if (!HEX_SHA256.test(value)) return null;
      signatures.push(Buffer.from(value, 'hex'));
    } else if (!OTHER_ELEMENT.test(element)) {
      return null;
    }
  }
  if (timestamp === undefined || signatures.length === 0 || signatures.length > MAX_SIGNATURES) return null;
  return { timestamp, signatures };
}

/**
 * Checks a webhook delivery. The signature is checked before the timestamp, so `stale` is only ever
 * reported for a delivery the provider really signed (a replay or a skewed clock), never for a forgery.
 * Every secret is compared with every `v1` entry in constant time. No secret means nothing can match.
 */
export function verifySignature(
  header: string | undefined,
  rawBody: Buffer,
  secrets: string[],
  options: VerifySignatureOptions = {},
): SignatureVerification {
  if (header === undefined || header === '') return { ok: false, reason: 'missing' };
  const parsed = parse(header);
  if (!parsed) return { ok: false, reason: 'malformed' };

  let matched = false;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const expected = hmac(secret, parsed.timestamp, rawBody);
    for (const signature of parsed.signatures) {
      // Both are 32 bytes (the parser only accepts 64 hex characters), as timingSafeEqual requires.
      if (timingSafeEqual(expected, signature)) matched = true;
    }
  }
  if (!matched) return { ok: false, reason: 'mismatch' };

  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - parsed.timestamp) > tolerance) return { ok: false, reason: 'stale' };
  return { ok: true, timestamp: parsed.timestamp };
}
