import type { Context } from '../../context';
import type { Role, User } from '../../generated/prisma/client';
import { buildConnection, parsePageArgs, type ConnectionModel, type PageArgs } from '../../graphql/connection';
import { fromGlobalId } from '../../graphql/global-id';
import { fail, ok, type ServiceResult } from '../../graphql/result';

/** Users, oldest first, optionally of one role, keyset-paginated on id. */
export async function listUsers(ctx: Context, args: PageArgs & { role?: Role | null }): Promise<ConnectionModel<User>> {
  const page = parsePageArgs(args, 'ID');
  const where = args.role ? { role: args.role } : {};
  const ascending = page.direction === 'forward';
  const rows = page.size === 0 ? [] : await ctx.db.user.findMany({
    where: { ...where, ...(page.cursor ? { id: ascending ? { gt: page.cursor[1] } : { lt: page.cursor[1] } } : {}) },
    orderBy: { id: ascending ? 'asc' : 'desc' },
    take: page.size + 1,
  });
  for (const row of rows) ctx.loaders.account.userById.prime(row.id, row);
  return buildConnection(rows, page, (row) => [null, row.id], () => ctx.db.user.count({ where }));
}

// Serialises role changes, so two admins demoting each other cannot both
// succeed and leave the store without an admin.
const ROLE_CHANGE_LOCK = 727_001;

/** Changes a user's role; the last admin cannot be demoted. */
export async function setUserRole(ctx: Context, input: { userId: string; role: Role }): Promise<ServiceResult<User>> {
  const userId = fromGlobalId(input.userId, 'User', 'input.userId');
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ROLE_CHANGE_LOCK}::bigint)`;
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) return fail<User>('USER_NOT_FOUND', 'No user has this ID.', ['input', 'userId']);
    if (user.role === 'ADMIN' && input.role !== 'ADMIN' && (await tx.user.count({ where: { role: 'ADMIN' } })) <= 1) {
      return fail<User>('LAST_ADMIN', 'The last admin cannot be demoted: promote another user first.', ['input', 'role']);
    }
    return ok(await tx.user.update({ where: { id: userId }, data: { role: input.role } }));
  });
}
