import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PostgreSQL compiled to WebAssembly, running in this process and served on a loopback TCP port. */
export interface EmbeddedPostgres {
  /** A postgresql:// URL for the embedded server: the gateway talks to it like to any PostgreSQL. */
  url: string;
  pglite: PGlite;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding the database files; in memory when absent. */
  dataDir?: string;
  /** A tarball from `pglite.dumpDataDir()` to start from (tests clone a migrated template this way). */
  loadDataDir?: Blob;
}

/**
 * Starts PGlite behind @electric-sql/pglite-socket, so the same driver adapter
 * (@prisma/adapter-pg), the same migrations and the same SQL serve both the
 * embedded and the production database. PGlite is a single session: clients
 * must use one connection (see createPrismaClient); the server accepts a few
 * more so that a reconnect after an error, or the migration CLI, gets in.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedPostgres> {
  const pglite = await PGlite.create(options.dataDir, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  return {
    url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    pglite,
    async stop() {
      await server.stop();
      await pglite.close();
    },
  };
}
