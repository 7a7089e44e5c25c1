import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST } from 'graphql';
import type { Context } from '../context';
import { ErrorCode } from '../graphql/errors';
import { classifyError, UNCODED_CLIENT_ERROR_CODE } from '../graphql/faults';
import type { Metrics } from './metrics';
import { errorCodesOf, outcomeOf } from './outcome';

/**
 * Records every GraphQL request over HTTP once, when its response is sent:
 * duration by operation and outcome, SQL statements by operation, and the
 * codes of its errors. A clock read per request and three observations: no
 * per-field work.
 */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      // The database was down when the viewer was looked up, typically: the request ends before it starts.
      const verdict = classifyError(error);
      metrics.errorAnswered(verdict.fault ? ErrorCode.INTERNAL_SERVER_ERROR : verdict.code);
    },
    async invalidRequestWasReceived() {
      metrics.errorAnswered(UNCODED_CLIENT_ERROR_CODE);
    },
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ response, request, operationName, document, contextValue }) {
          const errorCodes = errorCodesOf(response);
          metrics.requestCompleted({
            // A document that failed validation has no resolved operation, but it has a name.
            operation: operationName ?? request.operationName ?? (document && getOperationAST(document)?.name?.value),
            outcome: outcomeOf(errorCodes),
            seconds: (performance.now() - started) / 1000,
            statements: contextValue.stats.statements,
            errorCodes,
          });
        },
      };
    },
  };
}
