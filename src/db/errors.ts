import { Prisma } from '../generated/prisma/client';

/** A unique index refused the write (Prisma's P2002): two writers raced for one key, or it was taken. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

// Prisma's codes for "the database cannot be reached": can't reach the server,
// timed out, the server closed the connection, the pool timed out.
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
// What the driver adapter reports when the connection itself failed.
const UNREACHABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'DatabaseAccessDenied']);
// Node's socket errors, for code that talks to pg directly.
const UNREACHABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** PostgreSQL's SQLSTATEs for a server that is going away or refusing us (not for a bad query). */
function isUnavailableSqlState(code: string, message: string): boolean {
  if (code.startsWith('08')) return true; // connection exception
  if (code === '57P01' || code === '57P02' || code === '57P03') return true; // admin shutdown, crash shutdown, cannot connect now
  if (code === '53300') return true; // too many connections
  return code === '55000' && /not currently accepting connections/.test(message);
}

/**
 * Whether `error` means the database is unreachable right now (down,
 * restarting, refusing connections, killed our connection), as opposed to a
 * fault of ours. Such a request is answered SERVICE_UNAVAILABLE (503 with
 * Retry-After) and the service recovers by itself when the database is back.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof Prisma.PrismaClientInitializationError) return true;
    const { code, meta, message, cause } = current as { code?: unknown; meta?: unknown; message?: unknown; cause?: unknown };
    if (current instanceof Prisma.PrismaClientKnownRequestError) {
      if (UNREACHABLE_PRISMA_CODES.has(current.code)) return true;
      const adapter = (meta as { driverAdapterError?: { cause?: { kind?: string; originalCode?: string; originalMessage?: string } } } | undefined)
        ?.driverAdapterError?.cause;
      if (adapter?.kind && UNREACHABLE_ADAPTER_KINDS.has(adapter.kind)) return true;
      if (adapter?.originalCode && isUnavailableSqlState(adapter.originalCode, adapter.originalMessage ?? '')) return true;
      return false;
    }
    if (typeof code === 'string' && (UNREACHABLE_SOCKET_CODES.has(code) || isUnavailableSqlState(code, String(message ?? '')))) return true;
    if (typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message)) return true;
    current = cause;
  }
  return false;
}
