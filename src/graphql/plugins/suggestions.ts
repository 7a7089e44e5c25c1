import type { GraphQLFormattedError } from 'graphql';

// graphql-js ends many messages with a guess from the schema: `Cannot query
// field "pasword" on type "User". Did you mean "password"?`, and the same for
// arguments, input fields, types and enum values (also in variable errors).
// Repeated guesses would let a client read the schema with introspection off.
const SUGGESTION = / ?Did you mean [^?]*\?$/;

/** The message without graphql-js's trailing "Did you mean …?" guess. */
export function withoutSuggestion(message: string): string {
  return message.replace(SUGGESTION, '');
}

type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * Wraps Apollo's `formatError` so that, when `hide` is set, every error sent,
 * whatever raised it (validation, variable coercion, a plugin), loses its
 * suggestion. Set in production and wherever introspection is off, which
 * suggestions would otherwise undo.
 */
export function withoutSuggestions(format: ErrorFormatter, hide: boolean): ErrorFormatter {
  if (!hide) return format;
  return (formatted, error) => {
    const result = format(formatted, error);
    return { ...result, message: withoutSuggestion(result.message) };
  };
}
