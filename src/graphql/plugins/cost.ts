import type { ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../../context';
import type { Logger } from '../../logger';
import type { CostBudget, ThrottleStatus } from '../../rate-limit/budget';
import { budgetKey } from '../../rate-limit/client-key';
import { actualCost } from '../cost/actual-cost';
import { requestedCost } from '../cost/requested-cost';
import { costModelOf } from '../cost/schema-costs';
import { tooComplex } from './limits';
import { costBudgetExhausted } from './rate-limit';

/** What every response carries in `extensions.cost`. `throttleStatus` is null when rate limiting is off. */
export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: ThrottleStatus | null;
}

export interface CostPluginOptions {
  maxCost: number;
  /** The clients' cost budgets; null when rate limiting is off. */
  budget: CostBudget | null;
  log: Logger;
}

/** Costs are reported (and charged) in whole points: fractional weights round up, float noise does not. */
export function wholePoints(cost: number): number {
  return Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(Math.round(cost * 1e6) / 1e6));
}

function coercedVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {}, { maxErrors: 1 });
  return result.errors ? null : result.coerced;
}

/** The requested cost; a refusal of the arguments (a missing slicing argument) is answered with HTTP 400, not Apollo's default 500. */
function priceOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): number {
  try {
    return requestedCost(schema, document, operation, variables);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
  }
}

interface Priced {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  requested: number;
}

/**
 * Prices every operation before it runs (requested cost, from the document
 * and its variables) and refuses one over `maxCost` with QUERY_TOO_COMPLEX;
 * then takes the requested cost from the client's budget, refusing with
 * RATE_LIMITED (429, Retry-After) when the budget does not hold it. Both
 * refusals happen before execution: nothing runs, no SQL is sent. After
 * execution the actual cost (what was returned) is computed and the
 * difference given back to (or taken from) the budget, and every response
 * carries `extensions.cost`.
 */
export function costPlugin({ maxCost, budget, log }: CostPluginOptions): ApolloServerPlugin<Context> {
  return {
    async serverWillStart({ schema }) {
      // Read the weights now, so a bad @cost or @listSize stops the server from starting.
      costModelOf(schema);
    },
    async requestDidStart() {
      let priced: Priced | null = null;
      let charged = 0;
      let status: ThrottleStatus | null = null;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          // Variables that do not coerce: execution refuses the operation itself, and nothing runs.
          const variables = coercedVariables(schema, operation, request.variables);
          if (!variables) return;
          const requested = wholePoints(priceOf(schema, document, operation, variables));
          priced = { document, operation, variables, requested };
          if (requested > maxCost) throw tooComplex('cost', maxCost, requested);
          if (!budget || requested === 0) return;
          const taken = await budget.take(budgetKey(contextValue.viewer, contextValue.clientAddress), requested);
          status = taken.status;
          if (!taken.granted) {
            contextValue.metrics?.rateLimitRefused('cost_budget');
            throw costBudgetExhausted(taken, requested, 'operation');
          }
          charged = requested;
        },
        async willSendResponse({ schema, response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          let actual = 0;
          try {
            if (priced && result.data) actual = wholePoints(actualCost(schema, priced.document, priced.operation, priced.variables, result.data));
            if (budget) {
              const key = budgetKey(contextValue.viewer, contextValue.clientAddress);
              if (charged !== actual) status = await budget.adjust(key, charged - actual);
              else if (!status) status = await budget.peek(key);
            }
          } catch (error) {
            log.error({ err: error, requestId: contextValue.requestId }, 'settling the cost of a request failed');
          }
          const cost: CostExtension = { requestedQueryCost: priced?.requested ?? 0, actualQueryCost: actual, throttleStatus: status };
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}
