/**
 * Which columns of a model's row the fields of its GraphQL type read, so a
 * statement that reads rows ahead of their resolvers (a catalog page,
 * src/modules/catalog/product-page.ts) can leave the others out: an author
 * shown by name is not read with an email and a password hash, a product
 * card without its description.
 *
 * Declared beside the type's resolvers: a field listed in `fields` reads
 * those columns; a field not listed whose name is a column reads that
 * column; any other field (a resolver added later, another module's field)
 * reads the whole row. `always` is what code outside the type's field
 * resolvers reads of such a row (keys, what a policy checks): it is in
 * every row read. test/catalog/read-ahead-columns.test.ts reads every field
 * alone and compares it with the field read from a whole row.
 */
export interface FieldColumnsOf<T> {
  /** The model's columns the given fields need, `always` included; null for the whole row. */
  of(fields: ReadonlySet<string> | undefined): ReadonlyArray<keyof T & string> | null;
}

export interface FieldReads<T> {
  always: ReadonlyArray<keyof T & string>;
  fields: Readonly<Record<string, ReadonlyArray<keyof T & string>>>;
}

export function fieldColumns<T>(columns: Readonly<Record<string, keyof T & string>>, reads: FieldReads<T>): FieldColumnsOf<T> {
  const all = Object.values(columns);
  const isColumn = new Set<string>(all);
  // The field sets come from selectedFields(), one per parsed operation: worked out once each.
  const known = new WeakMap<ReadonlySet<string>, ReadonlyArray<keyof T & string> | null>();
  const work = (fields: ReadonlySet<string> | undefined) => {
    const needed = new Set<string>(reads.always);
    for (const field of fields ?? []) {
      const read = reads.fields[field] ?? (isColumn.has(field) ? [field] : null);
      if (!read) return null;
      for (const column of read) needed.add(column);
    }
    // In the model's column order, so one set of columns is always one statement text.
    return needed.size === all.length ? null : all.filter((column) => needed.has(column));
  };
  return {
    of(fields) {
      if (!fields) return work(fields);
      let columnsRead = known.get(fields);
      if (columnsRead === undefined) {
        columnsRead = work(fields);
        known.set(fields, columnsRead);
      }
      return columnsRead;
    },
  };
}
