import type { ApolloServerPlugin } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { GraphQLError, Lexer, Source, TokenKind, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';
import type { QueryLimits } from '../../config';
import { ErrorCode } from '../errors';

// Limits on the shape of a document, checked before anything runs: the token
// count while parsing (graphql-js's own `maxTokens`, so an oversized document
// is never turned into a tree), depth, aliases and directives while
// validating (GraphQL Armor's rules). A validated document is cached by
// Apollo, so a repeated operation is not counted again.

export type LimitName = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost';

const DESCRIPTIONS: Record<LimitName, string> = {
  depth: 'nests fields deeper',
  aliases: 'has more aliases',
  tokens: 'has more tokens',
  directives: 'has more directives',
  cost: 'costs more',
};

/**
 * The refusal of an operation over a limit: QUERY_TOO_COMPLEX, naming the
 * limit, its maximum and (when known) the operation's value, with HTTP 400.
 */
export function tooComplex(limit: LimitName, max: number, actual?: number): GraphQLError {
  const found = actual === undefined ? '' : ` (${actual})`;
  return new GraphQLError(`The operation ${DESCRIPTIONS[limit]}${found} than the gateway allows (${limit}: at most ${max}).`, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, max, ...(actual === undefined ? {} : { actual }), http: { status: 400 } },
  });
}

/** What Apollo hands `parse`: graphql-js stops reading a document at its (maxTokens + 1)th token. */
export function limitParseOptions(limits: QueryLimits): ParseOptions {
  return { maxTokens: limits.maxTokens };
}

/**
 * Armor reports a refusal as a message ("… limit of 12 exceeded, found 13.");
 * this reports it as QUERY_TOO_COMPLEX with the numbers in extensions instead.
 */
function refuseAs(limit: LimitName, max: number) {
  return (context: ValidationContext | null, error: GraphQLError) => {
    const found = /found (\d+)/.exec(error.message)?.[1];
    context?.reportError(tooComplex(limit, max, found === undefined ? undefined : Number(found)));
  };
}

/**
 * Validation rules for depth, aliases and directives, counted per operation
 * through its fragments (a fragment counts wherever it is spread; spreads and
 * inline fragments add no depth). Depth counts fields from the root field (1)
 * to the deepest leaf; introspection's `__schema` is not counted, so the
 * standard introspection query passes where introspection is enabled.
 */
export function limitValidationRules(limits: QueryLimits): ValidationRule[] {
  // By default Armor throws its refusal out of graphql-js's `validate`, past Apollo's handling of validation errors;
  // reported instead, it is one validation error among the others.
  return [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, propagateOnRejection: false, onReject: [refuseAs('depth', limits.maxDepth)] }),
    maxAliasesRule({ n: limits.maxAliases, allowList: [], propagateOnRejection: false, onReject: [refuseAs('aliases', limits.maxAliases)] }),
    maxDirectivesRule({ n: limits.maxDirectives, propagateOnRejection: false, onReject: [refuseAs('directives', limits.maxDirectives)] }),
  ];
}

/**
 * Whether a parse failure is graphql-js's token limit: the document has more
 * than `maxTokens` tokens and the failure is at the first token past the
 * limit (a syntax error earlier in the document is reported as one).
 */
export function isTokenLimit(source: string, maxTokens: number, error: GraphQLError): boolean {
  const lexer = new Lexer(new Source(source));
  try {
    for (let count = 0; ; count += 1) {
      const token = lexer.advance();
      if (token.kind === TokenKind.EOF) return false;
      if (count === maxTokens) return error.positions?.[0] === token.start;
    }
  } catch {
    return false;
  }
}

/**
 * Apollo answers every parse and validation failure with its own code
 * (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED), over the code of the
 * error it wraps. This gives a limit's refusal its QUERY_TOO_COMPLEX back,
 * before the errors are formatted and sent.
 */
export function limitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, source }) {
          for (const error of errors) {
            const extensions = error.extensions as Record<string, unknown>;
            const original = error.originalError as GraphQLError | undefined;
            if (extensions.code === 'GRAPHQL_VALIDATION_FAILED' && original?.extensions?.code === ErrorCode.QUERY_TOO_COMPLEX) {
              extensions.code = ErrorCode.QUERY_TOO_COMPLEX;
            } else if (extensions.code === 'GRAPHQL_PARSE_FAILED' && source !== undefined && isTokenLimit(source, limits.maxTokens, error)) {
              const refusal = tooComplex('tokens', limits.maxTokens);
              error.message = refusal.message;
              Object.assign(extensions, refusal.extensions, { http: extensions.http });
            }
          }
        },
      };
    },
  };
}
