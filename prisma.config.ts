import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The Prisma CLI wants a native schema engine and downloads one when it is
// missing, which fails offline. It skips that when this variable names an
// existing file: ours runs Prisma's own WebAssembly schema engine instead.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(__dirname, 'prisma', 'engine', 'schema-engine.mjs');

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
