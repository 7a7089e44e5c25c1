// What each GraphQL type of this module resolves from, for codegen (paths are
// relative to src/generated/graphql.ts). Read by codegen.ts, not at run time.
export const mappers = {
  ExternalIdentity: './prisma/client#ExternalIdentity as ExternalIdentityModel',
};
