/** A business-rule failure, as returned in a payload's `userErrors`. */
export interface UserErrorValue {
  field: string[] | null;
  message: string;
  code: string;
}

/** What a service returns: the value, or the user errors explaining why not. Faults are thrown instead. */
export type ServiceResult<T> = { ok: true; value: T } | { ok: false; userErrors: UserErrorValue[] };

export function ok<T>(value: T): ServiceResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: string, message: string, field: string[] | null = null): ServiceResult<T> {
  return { ok: false, userErrors: [{ code, message, field }] };
}
