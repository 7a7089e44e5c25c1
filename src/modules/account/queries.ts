import type { Context } from '../../context';
import type { Role, User } from '../../generated/prisma/client';
import { buildConnection, parsePageArgs, type ConnectionModel, type PageArgs } from '../../graphql/connection';

/** `Query.users`: users, oldest first, optionally of one role, keyset-paginated on id. */
export async function usersConnection(ctx: Context, args: PageArgs & { role?: Role | null }): Promise<ConnectionModel<User>> {
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
