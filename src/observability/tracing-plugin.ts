import type { ApolloServerPlugin } from '@apollo/server';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '../context';
import { errorCodesOf, outcomeOf } from './outcome';

/**
 * Names and describes the operation span `traceOperation` opened around the
 * request: `graphql.operation <name>` (the bounded metrics label, so span
 * names stay few), its type and name, outcome, SQL statements and error
 * codes. Installed only when tracing is on.
 */
export function tracingPlugin(operationLabel: (name: string | null | undefined) => string): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          span.updateName(`graphql.operation ${operationLabel(operationName)}`);
          if (operation) span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async willSendResponse({ response, contextValue }) {
          const codes = errorCodesOf(response);
          const outcome = outcomeOf(codes);
          span.setAttribute('storefront.outcome', outcome);
          if (contextValue.stats.statements !== null) span.setAttribute('storefront.sql_statements', contextValue.stats.statements);
          if (codes.length > 0) span.setAttribute('storefront.error_codes', codes);
          if (outcome === 'server_error' || outcome === 'unavailable') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        },
      };
    },
  };
}
