// graphql-ws publishes `graphql-ws/use/ws` only through its package.json
// "exports", which this project's `moduleResolution: node10` does not read
// (Node and Jest do, at run time). This points the compiler at the same
// declarations the "require" condition names.
declare module 'graphql-ws/use/ws' {
  export * from 'graphql-ws/dist/use/ws.cjs';
}
