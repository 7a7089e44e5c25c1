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

/** A model's rows in JSON documents, with all its columns or only some. */
export interface ModelJsonRows<T> extends JsonRows<T> {
  /**
   * Rows of only these columns (null: all of them): the decoded objects
   * have only these keys, so they are for readers known to read no other
   * (src/graphql/field-columns.ts).
   */
  only(columns: ReadonlyArray<keyof T & string> | null): JsonRows<T>;
}

/** Column sets whose generated code is kept; past that (a client trying every combination of fields), each is made anew. */
const MAX_SUBSETS = 256;

/**
 * `columns`: the model's scalar fields, in order (Prisma's `…ScalarFieldEnum`);
 * `dates`: those of them that are DateTime. Identifiers come from the
 * generated client, never from input.
 */
export function jsonRows<T>(columns: Readonly<Record<string, keyof T & string>>, dates: ReadonlyArray<DateKey<T>>): ModelJsonRows<T> {
  const isDate = (name: string) => (dates as readonly string[]).includes(name);
  const all = rowsOf<T>(Object.values(columns), isDate);
  const subsets = new Map<string, JsonRows<T>>();
  return {
    ...all,
    only(subset) {
      if (!subset) return all;
      const key = subset.join(',');
      let rows = subsets.get(key);
      if (!rows) {
        rows = rowsOf<T>(subset, isDate);
        if (subsets.size < MAX_SUBSETS) subsets.set(key, rows);
      }
      return rows;
    },
  };
}

function rowsOf<T>(names: readonly string[], isDate: (name: string) => boolean): JsonRows<T> {
  // One object literal per column set, made once from the generated column names: each row is then one
  // allocation with every property in place, where an object built key by key grows its property
  // store as it goes (a product has 15 columns).
  const fields = names.map((name, index) => {
    const value = `values[${index}]`;
    return `${JSON.stringify(name)}: ${isDate(name) ? `${value} === null ? null : new Date(${value})` : value}`;
  });
  const model = new Function('values', `return { ${fields.join(', ')} };`) as (values: readonly unknown[]) => T;
  const rowSql = new Map<string, Prisma.Sql>();
  return {
    row(alias) {
      let sql = rowSql.get(alias);
      if (!sql) {
        const values = names.map((name) =>
          // A timestamp(3) without time zone holds UTC: its epoch is the instant (in float8, cheaper than numeric; rounded to the millisecond).
          isDate(name) ? `round(date_part('epoch', ${alias}."${name}") * 1000)` : `${alias}."${name}"`,
        );
        sql = Prisma.raw(`json_build_array(${values.join(', ')})`);
        rowSql.set(alias, sql);
      }
      return sql;
    },
    decode(rows) {
      return rows ? rows.map(model) : [];
    },
  };
}
