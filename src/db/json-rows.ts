import { Prisma } from '../generated/prisma/client';

/** The keys of a model whose values are dates (Prisma's DateTime). */
type DateKey<T> = { [K in keyof T]: T[K] extends Date ? K : never }[keyof T] & string;

/**
 * How one model's rows travel inside a JSON document that PostgreSQL builds
 * (a page and its children in one statement, src/modules/catalog/product-page.ts):
 * each row an array of its columns in a fixed order, timestamps as epoch
 * milliseconds, so the gateway parses no keys and no date strings. Decoded,
 * a row is the object Prisma returns for the model (same keys, Date for
 * DateTime), fit to prime the loaders with.
 */
export interface JsonRows<T> {
  /** One row of the table aliased `alias` as a JSON array. */
  row(alias: string): Prisma.Sql;
  /** The models of the arrays `row()` made (null: no rows, as json_agg says it). */
  decode(rows: ReadonlyArray<readonly unknown[]> | null): T[];
}

/**
 * `columns`: the model's scalar fields, in order (Prisma's `…ScalarFieldEnum`);
 * `dates`: those of them that are DateTime. Identifiers come from the
 * generated client, never from input.
 */
export function jsonRows<T>(columns: Readonly<Record<string, keyof T & string>>, dates: ReadonlyArray<DateKey<T>>): JsonRows<T> {
  const names = Object.values(columns);
  const isDate = names.map((name) => (dates as readonly string[]).includes(name));
  return {
    row(alias) {
      const values = names.map((name, index) =>
        // A timestamp(3) without time zone holds UTC: its epoch is the instant.
        isDate[index] ? `(extract(epoch FROM ${alias}."${name}") * 1000)::float8` : `${alias}."${name}"`,
      );
      return Prisma.raw(`json_build_array(${values.join(', ')})`);
    },
    decode(rows) {
      if (!rows) return [];
      return rows.map((values) => {
        const model: Record<string, unknown> = {};
        for (let index = 0; index < names.length; index += 1) {
          const value = values[index];
          model[names[index]!] = isDate[index] && value !== null ? new Date(value as number) : value;
        }
        return model as T;
      });
    },
  };
}
