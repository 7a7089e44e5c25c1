import DataLoader from 'dataloader';
import type { Db } from '../db/prisma';
import { Prisma } from '../generated/prisma/client';
import { groupBy } from './batch';
import type { CursorValue } from './connection';

/** A page of children for one parent: the first `take` after `cursor`, newest first. */
export interface ChildPageKey {
  parentId: number;
  /** Rows to fetch (page size + 1, to tell whether there are more). */
  take: number;
  cursor: CursorValue | null;
}

/** Which table holds the children, which column names the parent, and which rows count. Identifiers are fixed in code, never input. */
export interface ChildTable {
  table: Prisma.Sql;
  parentColumn: Prisma.Sql;
  where: Prisma.Sql;
}

/**
 * The first rows of many parents in one statement (ROW_NUMBER over a
 * partition per parent), newest first by ("createdAt", "id"). Keys that share
 * page size and cursor share a statement; in practice a whole page of
 * parents asks the same.
 */
export function childPageLoader<T>(db: Db, child: ChildTable, parentOf: (row: T) => number) {
  const { table, parentColumn, where } = child;
  return new DataLoader<ChildPageKey, T[], string>(
    async (keys) => {
      const groups = new Map<string, ChildPageKey[]>();
      for (const key of keys) {
        const groupKey = JSON.stringify([key.take, key.cursor]);
        groups.set(groupKey, [...(groups.get(groupKey) ?? []), key]);
      }
      const pages = new Map<ChildPageKey, T[]>();
      await Promise.all(
        [...groups.values()].map(async (group) => {
          const [first] = group;
          if (!first) return;
          const ids = group.map((key) => key.parentId);
          const after = first.cursor
            ? Prisma.sql`AND ("createdAt", "id") < (${new Date(String(first.cursor[0]))}, ${first.cursor[1]})`
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
    },
    { cacheKeyFn: (key) => JSON.stringify([key.parentId, key.take, key.cursor]) },
  );
}
