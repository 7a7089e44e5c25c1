import type { ServiceContext } from '../../context';
import { fail, ok, type ServiceResult } from '../../core/result';
import { normalizeEmail } from '../../core/text';
import { isUniqueViolation } from '../../db/errors';
import { transactionalResult } from '../../db/transaction';
import type { User } from '../../generated/prisma/client';
import { isAcceptableEmail, NAME_MAX } from '../account/auth-service';
import { hasPassword } from '../account/password';
import type { ExternalSignInRefusal, IdentityResult } from './errors';

/** Who a provider says signed in, after the gateway checked its answer (src/integrations/oidc). */
export interface ProviderIdentity {
  /** The provider's configured name. */
  provider: string;
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

function displayName(identity: ProviderIdentity, email: string): string {
  const name = identity.name?.trim().slice(0, NAME_MAX);
  return name || email.slice(0, email.indexOf('@')).slice(0, NAME_MAX);
}

async function resolveOnce(ctx: ServiceContext, identity: ProviderIdentity, email: string): Promise<ServiceResult<User, ExternalSignInRefusal>> {
  const { provider, subject } = identity;
  const linked = await ctx.db.externalIdentity.findUnique({ where: { provider_subject: { provider, subject } }, include: { user: true } });
  if (linked) {
    await ctx.db.externalIdentity.update({ where: { id: linked.id }, data: { email, lastUsedAt: new Date() } });
    return ok(linked.user);
  }
  const owner = await ctx.db.user.findUnique({ where: { email } });
  if (owner) {
    const other = await ctx.db.externalIdentity.findUnique({ where: { userId_provider: { userId: owner.id, provider } } });
    if (other) return fail('identity_conflict', `The account with this email is already linked to another ${provider} account.`);
    await ctx.db.externalIdentity.create({ data: { userId: owner.id, provider, subject, email } });
    ctx.log.info({ userId: owner.id, provider }, 'external identity linked by verified email');
    return ok(owner);
  }
  // One statement: the account and its identity exist together or not at all.
  const user = await ctx.db.user.create({
    data: { email, name: displayName(identity, email), passwordHash: null, externalIdentities: { create: { provider, subject, email } } },
  });
  ctx.log.info({ userId: user.id, provider }, 'account created by external sign-in');
  return ok(user);
}

/**
 * The account an external identity signs in to:
 * - the account it is linked to;
 * - else the account whose email is the provider's verified email, which it
 *   is then linked to (never by anything but a verified, equal email);
 * - else a new CUSTOMER account without a password, linked to it.
 * The provider must vouch for the email every time, linked or not.
 */
export async function resolveExternalIdentity(ctx: ServiceContext, identity: ProviderIdentity): Promise<ServiceResult<User, ExternalSignInRefusal>> {
  if (!identity.email || !identity.emailVerified) return fail('email_not_verified', 'The provider did not confirm that the email address is verified.');
  const email = normalizeEmail(identity.email);
  if (!isAcceptableEmail(email)) return fail('email_invalid', 'The provider reported an email address the store cannot use.');
  try {
    return await resolveOnce(ctx, identity, email);
  } catch (error) {
    // Two callbacks of one new person at once: the unique indexes let one win; the other finds its work done.
    if (!isUniqueViolation(error)) throw error;
    return resolveOnce(ctx, identity, email);
  }
}

/**
 * Removes the viewer's identity of `provider`, unless it is their last way to
 * sign in (no password, no other identity). The user's row is locked meanwhile,
 * so two removals at once cannot both pass that check.
 */
export async function unlinkIdentity(ctx: ServiceContext, input: { provider: string }): Promise<IdentityResult<User>> {
  const viewer = ctx.viewer;
  if (!viewer) throw new Error('unlinkIdentity needs a signed-in viewer (the caller checks it)');
  const result = await transactionalResult(ctx.db, async (tx): Promise<IdentityResult<User>> => {
    await tx.$queryRaw`SELECT "id" FROM "User" WHERE "id" = ${viewer.id} FOR UPDATE`;
    const identities = await tx.externalIdentity.findMany({ where: { userId: viewer.id } });
    const target = identities.find((identity) => identity.provider === input.provider);
    if (!target) return fail('IDENTITY_NOT_FOUND', 'Your account has no identity of this provider.', ['input', 'provider']);
    const user = await tx.user.findUniqueOrThrow({ where: { id: viewer.id } });
    if (!hasPassword(user.passwordHash) && identities.length === 1) {
      return fail('LAST_SIGN_IN_METHOD', 'This is the only way to sign in to your account: it has no password and no other identity.', ['input', 'provider']);
    }
    await tx.externalIdentity.delete({ where: { id: target.id } });
    return ok(user);
  });
  if (result.ok) ctx.loaders.identity.identitiesByUser.clear(viewer.id);
  return result;
}
