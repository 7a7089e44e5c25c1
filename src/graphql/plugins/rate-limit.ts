import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Context } from '../../context';
import type { AttemptLimiter } from '../../rate-limit/attempts';
import type { TakeResult } from '../../rate-limit/budget';
import { addressKey } from '../../rate-limit/client-key';
import { fragmentsOf } from '../cost/selections';
import { ErrorCode } from '../errors';

/**
 * RATE_LIMITED, with HTTP 429 and `Retry-After`: the whole request is
 * refused before it runs, and the client is told when to try again (also in
 * `extensions.retryAfter`, in seconds).
 */
export function rateLimited(message: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/** RATE_LIMITED for `cost` points that the client's budget does not hold; `what` asked for them (an operation, a subscription). */
export function costBudgetExhausted(refused: Extract<TakeResult, { granted: false }>, cost: number, what: string): GraphQLError {
  const { currentlyAvailable, restoreRate } = refused.status;
  return rateLimited(
    `The cost budget holds ${currentlyAvailable} of the ${cost} points this ${what} needs; it refills ${restoreRate} per second.`,
    refused.retryAfterSeconds,
  );
}

/** Account keys are hashes: neither an email nor a refresh token is kept as it is in memory or Redis. */
function accountKey(kind: 'email' | 'token', value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const normalized = kind === 'email' ? value.trim().toLowerCase() : value;
  return `${kind}:${createHash('sha256').update(normalized).digest('base64url')}`;
}

/** The sign-in mutations, and the account each attempt is at: an email, or for refreshSession the session's refresh token. */
const SIGN_IN_FIELDS: Record<string, (input: Record<string, unknown>) => string | null> = {
  login: (input) => accountKey('email', input.email),
  register: (input) => accountKey('email', input.email),
  refreshSession: (input) => accountKey('token', input.refreshToken),
};

/** The account of each sign-in field at a mutation's root, through fragments (aliases make several per request). */
function signInAttempts(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): string[] {
  const mutation = schema.getMutationType();
  if (operation.operation !== 'mutation' || !mutation) return [];
  const fragments = fragmentsOf(document);
  const spread = new Set<string>();
  const accounts: string[] = [];
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !spread.has(fragment.name.value)) {
          spread.add(fragment.name.value);
          visit(fragment.selectionSet);
        }
      } else {
        const accountOf = SIGN_IN_FIELDS[selection.name.value];
        const field = mutation.getFields()[selection.name.value];
        if (accountOf && field) accounts.push(accountOf(inputOf(field, selection, variables)) ?? 'unknown');
      }
    }
  };
  visit(operation.selectionSet);
  return accounts;
}

function inputOf(field: Parameters<typeof getArgumentValues>[0], node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  try {
    const input = getArgumentValues(field, node, variables).input;
    return input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A stricter limit on `login`, `register` and `refreshSession`: attempts per
 * account (the email, or the refresh token) and per network address, counted
 * before the mutation runs, so a refused attempt checks no password and sends
 * no SQL. Every sign-in field counts, aliased or inside fragments, skipped or
 * not.
 */
export function signInAttemptsPlugin(limiter: AttemptLimiter): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation || operation.operation !== 'mutation') return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          // Variables that do not coerce: execution refuses the operation before any sign-in is tried.
          if (coerced.errors) return;
          const accounts = signInAttempts(schema, document, operation, coerced.coerced);
          if (accounts.length === 0) return;
          const result = await limiter.attempt({ address: addressKey(contextValue.clientAddress), accounts });
          if (!result.allowed) {
            contextValue.metrics?.rateLimitRefused('sign_in');
            throw rateLimited(`Too many sign-in attempts. Try again in ${result.retryAfterSeconds} seconds.`, result.retryAfterSeconds);
          }
        },
      };
    },
  };
}
