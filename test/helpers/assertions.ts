import type { GraphQLErrorBody, GraphQLResponse } from './test-gateway';

/**
 * A user error as every mutation payload carries it (`…UserError` in the SDL).
 * `C` narrows the code to a domain's generated enum (e.g. `CartErrorCode`),
 * so a test cannot expect a code the schema does not have.
 */
export interface UserError<C extends string = string> {
  code: C;
  message: string;
  field: string[] | null;
}

/** A mutation payload: its value fields (the cart, the order, …) and its user errors, as far as a test selected them. */
export interface Payload<C extends string = string> {
  userErrors: ReadonlyArray<Partial<UserError<C>> & { code: C }>;
}

type CodeOf<P extends Payload> = P['userErrors'][number]['code'];

/**
 * Asserts a refusal by user error: the payload's value fields are all null and
 * `userErrors` holds exactly one error, with `code` and, when `field` is
 * given, that input path (null: about no field in particular). Returns the
 * error, for assertions on its message.
 */
export function expectUserError<P extends Payload>(
  payload: P | null | undefined,
  code: CodeOf<P>,
  field?: string[] | null,
): P['userErrors'][number] {
  const values = Object.fromEntries(Object.keys(payload ?? {}).filter((key) => key !== 'userErrors').map((key) => [key, null]));
  const error = field === undefined ? { code } : { code, field };
  expect(payload).toEqual({ ...values, userErrors: [expect.objectContaining(error)] });
  return payload!.userErrors[0]!;
}

/** Asserts a change went through: no user error, and every value field selected is there. */
export function expectAccepted<P extends Payload>(payload: P | null | undefined): P {
  expect(payload?.userErrors).toEqual([]);
  const missing = Object.entries(payload ?? {}).filter(([key, value]) => key !== 'userErrors' && value === null);
  expect(missing.map(([key]) => key)).toEqual([]);
  return payload!;
}

/** Where an error must be: its path in the response, and the argument (or input field) it names. */
export interface ErrorPlace {
  path?: Array<string | number>;
  /** `extensions.argument`; a list when either of several is right (e.g. `first` or `last`). */
  argument?: string | readonly string[];
}

/**
 * Asserts the GraphQL errors of a response (or the errors themselves) are
 * exactly one, with `code` and, when given, that path and argument. Returns it.
 */
export function expectCode(
  target: GraphQLResponse<unknown> | ReadonlyArray<GraphQLErrorBody> | undefined,
  code: string,
  place: ErrorPlace = {},
): GraphQLErrorBody {
  const errors: ReadonlyArray<GraphQLErrorBody> = (Array.isArray(target) ? target : (target as GraphQLResponse<unknown> | undefined)?.body.errors) ?? [];
  const shown = errors.map((error) => ({
    code: error.extensions?.code,
    ...(place.path ? { path: error.path } : {}),
    ...(typeof place.argument === 'string' ? { argument: error.extensions?.argument } : {}),
  }));
  const expected = { code, ...(place.path ? { path: place.path } : {}), ...(typeof place.argument === 'string' ? { argument: place.argument } : {}) };
  expect(shown).toEqual([expected]);
  const error = errors[0]!;
  if (Array.isArray(place.argument)) expect(place.argument).toContain(error.extensions?.argument);
  return error;
}

/** Asserts a request ran and answered without any GraphQL error (an INTERNAL_SERVER_ERROR fails here too). */
export function expectNoErrors(response: GraphQLResponse<unknown>): void {
  expect({ status: response.status, errors: response.body.errors ?? [] }).toEqual({ status: 200, errors: [] });
}

/**
 * Asserts a field was refused as a whole for a bad argument or input field:
 * HTTP 200 (the request ran) and one BAD_USER_INPUT at `path` naming `argument`.
 */
export function expectBadUserInput(response: GraphQLResponse<unknown>, path: Array<string | number>, argument: string | readonly string[]): GraphQLErrorBody {
  expect(response.status).toBe(200);
  return expectCode(response, 'BAD_USER_INPUT', { path, argument });
}
