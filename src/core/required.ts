/**
 * A relation the database guarantees (a foreign key) came back missing: that
 * is a fault, not a client error, and is reported as INTERNAL_SERVER_ERROR.
 */
export function required<T>(value: T | null | undefined, type: string, id: number): T {
  if (value == null) throw new Error(`${type} ${id} is referenced but does not exist`);
  return value;
}
