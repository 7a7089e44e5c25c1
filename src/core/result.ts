/**
 * A business-rule failure, as a payload's `userErrors` carries it. `C` is the
 * domain's error-code union, generated from its `…ErrorCode` enum in the SDL,
 * so a service can only return a code that clients were told about.
 */
export interface UserErrorValue<C extends string = string> {
  field: string[] | null;
  message: string;
  code: C;
}

export interface Ok<T> {
  ok: true;
  value: T;
}

export interface Failed<C extends string> {
  ok: false;
  userErrors: UserErrorValue<C>[];
}

/** What a service returns: the value, or the user errors explaining why not. Faults are thrown instead. */
export type ServiceResult<T, C extends string = string> = Ok<T> | Failed<C>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

/** A refusal with one user error; `field` is the path of the input field at fault, e.g. `['input', 'quantity']`. */
export function fail<C extends string>(code: C, message: string, field: string[] | null = null): Failed<C> {
  return { ok: false, userErrors: [{ code, message, field }] };
}
