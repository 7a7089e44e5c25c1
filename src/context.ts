import type { Role } from './generated/prisma/client';
import type { Db, WorkStats } from './db/prisma';
import type { Logger } from './logger';
import { createLoaders, type Loaders } from './loaders';

/** Who is asking; null when anonymous. */
export interface Viewer {
  id: number;
  role: Role;
}

/** Everything a resolver may use, built anew for every request. */
export interface Context {
  db: Db;
  /** Per-request DataLoaders: every database read of a resolver goes through them. */
  loaders: Loaders;
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** Statistics of this request (SQL statements sent), for logs and metrics. */
  stats: WorkStats;
}

export function createContext(input: Omit<Context, 'loaders'>): Context {
  return { ...input, loaders: createLoaders(input.db) };
}
