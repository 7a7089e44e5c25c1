import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../../context';
import type { Logger } from '../../logger';
import { classifyError } from '../faults';

const requestLines = new WeakMap<Logger, Logger>();

/**
 * The logger of the one-line-per-request entries: `log` without redaction.
 * That line holds only what this plugin puts in it (ids, the operation's
 * name, numbers, error codes), never a caller's object, so there is nothing
 * to redact; and redacting the logger's wildcard paths (src/logger.ts) is an
 * allocation-heavy pass over every line, measured at 4% of a catalog page's
 * allocations. Everything else keeps going through `log`, redacted.
 */
function requestLine(log: Logger): Logger {
  let line = requestLines.get(log);
  if (!line) {
    line = log.child({}, { redact: [] });
    requestLines.set(log, line);
  }
  return line;
}

/**
 * One structured log line per GraphQL request (request id, operation, user,
 * duration, SQL statements when counted, error codes), the full error of every fault, and
 * the request id on every error sent, so a client report can be found in the logs.
 */
export function loggingPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, contextValue: ctx }) {
          for (const error of errors) {
            if (classifyError(error).fault) {
              ctx.log.error({ err: error.originalError ?? error, path: error.path, requestId: ctx.requestId }, 'resolver fault');
            }
          }
        },
        async willSendResponse({ response, request, operationName, contextValue: ctx }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          for (const error of errors) {
            // Formatted errors are plain objects owned by this response.
            (error as { extensions?: Record<string, unknown> }).extensions = { ...error.extensions, requestId: ctx.requestId };
          }
          requestLine(ctx.log).info(
            {
              requestId: ctx.requestId,
              operationName: operationName ?? request.operationName ?? null,
              userId: ctx.viewer?.id ?? null,
              durationMs: Number(process.hrtime.bigint() - started) / 1e6,
              // Absent when not counted (SQL_STATEMENTS_PER_REQUEST: off in production by default).
              sqlStatements: ctx.stats.statements ?? undefined,
              errorCodes: [...new Set(errors.map((error) => error.extensions?.code))],
            },
            'graphql request',
          );
        },
      };
    },
  };
}
