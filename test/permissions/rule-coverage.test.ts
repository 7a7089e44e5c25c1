import { buildSchema, graphql } from 'graphql';
import { allow } from 'graphql-shield';
import { fieldsWithoutRule, rulesWithoutField, applyPermissions, schemaFields } from '../../src/graphql/permissions/engine';
import { defineRule } from '../../src/graphql/permissions/rules';
import { createUnprotectedSchema, permissionRules } from '../../src/graphql/schema';

describe('every field has a permission rule', () => {
  it('has a rule for every field of every type in the schema', () => {
    // A new field must get an explicit rule before it can be read: this test names the ones that lack it.
    const schema = createUnprotectedSchema();
    expect(schemaFields(schema).length).toBeGreaterThan(40);
    expect(fieldsWithoutRule(schema, permissionRules)).toEqual([]);
  });

  it('has no rule for a field the schema does not have', () => {
    expect(rulesWithoutField(createUnprotectedSchema(), permissionRules)).toEqual([]);
  });
});

describe('deny by default', () => {
  const schema = buildSchema(`
    type Query { open: String, forgotten: String }
  `);
  const rules = { Query: { open: allow } };
  const rootValue = { open: 'yes', forgotten: 'secret' };

  it('reports a field without a rule', () => {
    expect(fieldsWithoutRule(schema, rules)).toEqual(['Query.forgotten']);
  });

  it('denies a field without a rule at run time, and leaves allowed fields unwrapped', async () => {
    const protectedSchema = applyPermissions(schema, rules);
    const result = await graphql({ schema: protectedSchema, source: '{ open forgotten }', rootValue, contextValue: { viewer: null } });
    expect(result.data).toEqual({ open: 'yes', forgotten: null });
    expect(result.errors?.map((e) => [e.path, e.extensions.code])).toEqual([[['forgotten'], 'UNAUTHENTICATED']]);
    // the allowed field keeps its own resolver: no shield middleware around it
    const fields = protectedSchema.getQueryType()?.getFields();
    expect(fields?.open?.resolve).toBeUndefined();
    expect(fields?.forgotten?.resolve).toEqual(expect.any(Function));
  });

  it('refuses rules that name fields the schema lacks', () => {
    expect(() => applyPermissions(schema, { Query: { open: allow, opne: allow } })).toThrow(/Query.opne/);
  });
});

describe('a rule that fails', () => {
  it('surfaces as a fault at its path, not as a silent denial', async () => {
    // given a rule whose lookup throws (a bug or a database outage)
    const schema = buildSchema('type Query { guarded: String, open: String }');
    const broken = defineRule('broken', 'no_cache', () => {
      throw new Error('ownership lookup failed');
    });
    const protectedSchema = applyPermissions(schema, { Query: { guarded: broken, open: allow } });

    // when the guarded field is read
    const result = await graphql({
      schema: protectedSchema,
      source: '{ guarded open }',
      rootValue: { guarded: 'secret', open: 'yes' },
      contextValue: { viewer: { id: 1, role: 'ADMIN' } },
    });

    // then the field is null with the original error (masked and logged as INTERNAL_SERVER_ERROR by the gateway), not FORBIDDEN
    expect(result.data).toEqual({ guarded: null, open: 'yes' });
    expect(result.errors?.map((e) => [e.message, e.extensions.code])).toEqual([['ownership lookup failed', undefined]]);
  });
});
