import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import type { Role, User } from '../../generated/prisma/client';
import type { AccountResult } from './errors';

// Serialises role changes, so two admins demoting each other cannot both
// succeed and leave the store without an admin.
const ROLE_CHANGE_LOCK = 727_001;

/** Changes a user's role (the caller checks the viewer is an admin); the last admin cannot be demoted. */
export async function setUserRole(ctx: ServiceContext, input: { userId: number; role: Role }): Promise<AccountResult<User>> {
  const { userId, role } = input;
  const result = await ctx.db.$transaction(async (tx): Promise<AccountResult<User>> => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ROLE_CHANGE_LOCK}::bigint)`;
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) return fail('USER_NOT_FOUND', 'No user has this ID.', ['input', 'userId']);
    if (user.role === 'ADMIN' && role !== 'ADMIN' && (await tx.user.count({ where: { role: 'ADMIN' } })) <= 1) {
      return fail('LAST_ADMIN', 'The last admin cannot be demoted: promote another user first.', ['input', 'role']);
    }
    return ok(await tx.user.update({ where: { id: userId }, data: { role } }));
  });
  if (result.ok) ctx.loaders.account.userById.clear(userId).prime(userId, result.value);
  return result;
}
