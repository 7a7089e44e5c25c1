import { GraphQLError } from 'graphql';
import type { Viewer } from '../../core/viewer';
import { ErrorCode } from '../../graphql/errors';
import type { Loaders } from '../../registry';
import { verifyAccessToken, type TokenConfig } from './tokens';

function rejected(message: string): GraphQLError {
  // Raised while building the context, so Apollo answers the whole request with it: 401, not 500.
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

/**
 * Who sent the request: anonymous without an Authorization header, the
 * token's user with a valid `Bearer` token. The user is read from the
 * database (through the request's loader, so later reads of the viewer are
 * free), so a deleted user or a changed role takes effect at once.
 * @throws UNAUTHENTICATED (HTTP 401) for a malformed, tampered, expired or orphaned token.
 */
export async function authenticate(authorization: string | undefined, config: TokenConfig, loaders: Loaders): Promise<Viewer | null> {
  if (authorization === undefined || authorization === '') return null;
  // The scheme name is case-insensitive (RFC 9110).
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i.exec(authorization);
  if (!match?.[1] || authorization.length > 2048) throw rejected('The Authorization header must be "Bearer <access token>".');
  const check = await verifyAccessToken(config, match[1]);
  if (!check.ok) throw rejected(check.reason);
  const user = await loaders.account.userById.load(check.userId);
  if (!user) throw rejected('The access token names no existing user.');
  return { id: user.id, role: user.role };
}
