import type { Config } from './config';
import type { Role } from './generated/prisma/client';
import type { Db, WorkStats } from './db/prisma';
import type { Logger } from './logger';
import { createLoaders, type Loaders } from './loaders';
import { authenticate } from './modules/account/authentication';

/** Who is asking; null when anonymous. */
export interface Viewer {
  id: number;
  role: Role;
}

/** Everything a resolver may use, built anew for every request. */
export interface Context {
  db: Db;
  config: Config;
  /** Per-request DataLoaders: every database read of a resolver goes through them. */
  loaders: Loaders;
  viewer: Viewer | null;
  requestId: string;
  log: Logger;
  /** Statistics of this request (SQL statements sent), for logs and metrics. */
  stats: WorkStats;
}

export interface ContextInput {
  db: Db;
  config: Config;
  requestId: string;
  log: Logger;
  stats: WorkStats;
  /** The request's Authorization header. */
  authorization: string | undefined;
}

/** Builds a request's context: fresh loaders, and the viewer from the access token. */
export async function createContext({ authorization, ...input }: ContextInput): Promise<Context> {
  const loaders = createLoaders(input.db);
  const viewer = await authenticate(authorization, input.config, loaders);
  return { ...input, loaders, viewer };
}
