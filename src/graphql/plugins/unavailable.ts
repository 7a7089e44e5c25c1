import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import { ErrorCode } from '../errors';
import { classifyError, RETRY_AFTER_SECONDS } from '../faults';

/**
 * When the database was unreachable during a request, the response says so
 * the HTTP way too: status 503 and `Retry-After`, so a client or a load
 * balancer backs off instead of treating it as a bug. Logged as a warning:
 * an outage is not a fault of the code.
 */
export function unavailablePlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      let unavailable = false;
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          const first = errors.find((error) => {
            const verdict = classifyError(error);
            return !verdict.fault && verdict.code === ErrorCode.SERVICE_UNAVAILABLE;
          });
          if (!first) return;
          unavailable = true;
          ctx.log.warn({ err: first.originalError ?? first, requestId: ctx.requestId }, 'database unavailable');
        },
        async willSendResponse({ response }) {
          if (!unavailable) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}
