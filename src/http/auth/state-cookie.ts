import { timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The browser's half of a sign-in attempt: the `state` sent to the provider,
 * also kept in an HttpOnly, SameSite=Lax cookie scoped to the callback. The
 * callback accepts a state only from the browser that started the attempt,
 * so a sign-in cannot be forced on someone by sending them a callback link
 * (login CSRF). SameSite=Lax still sends it on the provider's top-level
 * redirect back.
 */
const MAX_AGE_SECONDS = 10 * 60;

function cookieName(provider: string): string {
  return `sg_signin_${provider}`;
}

function attributes(callbackUrl: string, maxAge: number): string {
  const url = new URL(callbackUrl);
  const secure = url.protocol === 'https:' ? '; Secure' : '';
  return `Path=${url.pathname}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
}

export function setStateCookie(res: Response, provider: string, callbackUrl: string, state: string): void {
  res.append('Set-Cookie', `${cookieName(provider)}=${state}; ${attributes(callbackUrl, MAX_AGE_SECONDS)}`);
}

/** The cookie is single-use too: every callback clears it, whatever the outcome. */
export function clearStateCookie(res: Response, provider: string, callbackUrl: string): void {
  res.append('Set-Cookie', `${cookieName(provider)}=; ${attributes(callbackUrl, 0)}`);
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/** Whether the callback's `state` is the one this browser's cookie holds (compared in constant time). */
export function stateMatchesCookie(req: Request, provider: string, state: string): boolean {
  const cookie = readCookie(req, cookieName(provider));
  if (!cookie || !state) return false;
  const a = Buffer.from(cookie, 'utf8');
  const b = Buffer.from(state, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
