import fs from 'node:fs';
import path from 'node:path';
import type { CodegenConfig } from '@graphql-codegen/cli';

// Resolver types generated from the SDL in schema/. Each GraphQL type is
// mapped to the value its resolvers receive as parent (a Prisma model or a
// small model type of ours), so resolvers are typed end to end without `any`.
// Each module declares its own mappers in src/modules/<name>/mappers.ts;
// they are collected here, so a new module needs no edit of this file.
const MODULES_DIR = path.join(__dirname, 'src', 'modules');

function moduleMappers(): Record<string, string> {
  const mappers: Record<string, string> = {};
  for (const name of fs.readdirSync(MODULES_DIR).sort()) {
    const file = path.join(MODULES_DIR, name, 'mappers.ts');
    if (!fs.existsSync(file)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const declared = (require(file) as { mappers: Record<string, string> }).mappers;
    for (const [type, mapper] of Object.entries(declared)) {
      if (type in mappers) throw new Error(`The mapper of ${type} is declared twice (again in module ${name})`);
      mappers[type] = mapper;
    }
  }
  return mappers;
}

const config: CodegenConfig = {
  schema: 'schema/*.graphql',
  generates: {
    'src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        contextType: '../context#Context',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'Date' },
        mappers: moduleMappers(),
      },
    },
  },
};

export default config;
