import { Prisma } from '../generated/prisma/client';
import { groupBy, namedBatch, RowLoader } from './batch';
import type { Db } from './prisma';

/** A position in newest-first order: rows strictly older than (createdAt, id) come after it. */
export interface NewestFirstPosition {
  createdAt: Date;
  id: number;
}

/** A page of children for one parent: the first `take` after `after`, newest first. */
export interface ChildPageKey {
  parentId: number;
  /** Rows to fetch (page size + 1, to tell whether there are more). */
  take: number;
  after: NewestFirstPosition | null;
}

/** Which table holds the children, which column names the parent, and which rows count. Identifiers are fixed in code, never input. */
export interface ChildTable {
  table: Prisma.Sql;
  parentColumn: Prisma.Sql;
  where: Prisma.Sql;
}

function positionKey(after: NewestFirstPosition | null): string {
  return after ? `${after.createdAt.toISOString()}/${after.id}` : '';
}

/**
 * The first rows of many parents in one statement (ROW_NUMBER over a
 * partition per parent), newest first by ("createdAt", "id"). Keys that share
 * page size and position share a statement; in practice a whole page of
 * parents asks the same.
 */
export function childPageLoader<T>(db: Db, child: ChildTable, parentOf: (row: T) => number, options: { name?: string } = {}) {
  const { table, parentColumn, where } = child;
  const name = options.name ?? 'childPage';
  return new RowLoader<ChildPageKey, T[], string>(
    namedBatch(name, async (keys: readonly ChildPageKey[]) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const key of keys) {
        const groupKey = `${key.take}|${positionKey(key.after)}`;
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), key]);
      }
      const pages = new Map<ChildPageKey, T[]>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const [first] = group;
          if (!first) return;
          const ids = group.map((key) => key.parentId);
          const after = first.after
            ? Prisma.sql`AND ("createdAt", "id") < (${first.after.createdAt}, ${first.after.id})`
            : Prisma.empty;
          const rows = await db.$queryRaw<T[]>`
            SELECT * FROM (
              SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.${parentColumn} ORDER BY c."createdAt" DESC, c."id" DESC) AS "rowNumber"
              FROM ${table} c
              WHERE c.${parentColumn} = ANY(${ids}::int[]) AND ${where} ${after}
            ) ranked
            WHERE "rowNumber" <= ${first.take}
            ORDER BY ${parentColumn}, "rowNumber"`;
          groupBy(ids, rows, parentOf).forEach((page, index) => pages.set(group[index]!, page));
        }),
      );
      return keys.map((key) => pages.get(key) ?? []);
    }),
    { cacheKeyFn: (key) => `${key.parentId}|${key.take}|${positionKey(key.after)}`, name },
  );
}
