import { isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import type { ShieldRule } from 'graphql-shield/typings/types';
import type { Context } from '../../context';
import { forbidden, unauthenticated } from '../errors';

/** Rules for one domain's fields: type name → field name → rule. */
export type RuleMap = Record<string, Record<string, ShieldRule>>;

/** Merges the domains' rule maps; a field given a rule twice is a programming error. */
export function mergeRuleMaps(...maps: RuleMap[]): RuleMap {
  const merged: RuleMap = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      const target = (merged[type] ??= {});
      for (const [field, rule] of Object.entries(fields)) {
        if (field in target) throw new Error(`Permission rule for ${type}.${field} is defined twice`);
        target[field] = rule;
      }
    }
  }
  return merged;
}

/** Every field of every object type (introspection aside), as `Type.field`. */
export function schemaFields(schema: GraphQLSchema): string[] {
  return Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !isIntrospectionType(type))
    .flatMap((type) => (isObjectType(type) ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : []));
}

/** The fields that have no rule: they are denied at run time, and the coverage test fails on them. */
export function fieldsWithoutRule(schema: GraphQLSchema, rules: RuleMap): string[] {
  return schemaFields(schema).filter((path) => {
    const [type = '', field = ''] = path.split('.');
    return !rules[type]?.[field];
  });
}

/** Rules that name fields the schema does not have (a typo would otherwise protect nothing). */
export function rulesWithoutField(schema: GraphQLSchema, rules: RuleMap): string[] {
  const fields = new Set(schemaFields(schema));
  return Object.entries(rules).flatMap(([type, map]) =>
    Object.keys(map).map((field) => `${type}.${field}`).filter((path) => !fields.has(path)),
  );
}

/** A denied field reads as UNAUTHENTICATED to anonymous callers and FORBIDDEN to signed-in ones. */
function denial(_thrown: unknown, _parent: unknown, _args: unknown, ctx: Context) {
  return ctx.viewer ? forbidden() : unauthenticated();
}

/**
 * Applies graphql-shield, deny by default (`fallbackRule: deny`).
 *
 * Shield wraps every field it is given in an async middleware, which costs
 * throughput on large lists even when the rule is a plain `allow`. So the
 * middleware shield generates for the whole schema is kept only for fields
 * whose rule is not `allow`: allowed fields run their resolvers untouched,
 * while fields with a real rule, and fields with no rule at all (denied by
 * the fallback), stay guarded.
 */
export function applyPermissions(schema: GraphQLSchema, rules: RuleMap): GraphQLSchema {
  const unknown = rulesWithoutField(schema, rules);
  if (unknown.length > 0) throw new Error(`Permission rules name fields the schema lacks: ${unknown.join(', ')}`);

  const permissions = shield(rules, {
    fallbackRule: deny,
    fallbackError: denial as never,
    allowExternalErrors: true,
  });
  const generated = permissions.generate(schema) as IMiddlewareFieldMap;
  const guarded: Record<string, Record<string, unknown>> = {};
  for (const [type, fields] of Object.entries(generated)) {
    if (typeof fields !== 'object') continue;
    for (const [field, middleware] of Object.entries(fields)) {
      if (rules[type]?.[field] === allow) continue;
      (guarded[type] ??= {})[field] = middleware;
    }
  }
  return applyMiddleware(schema, guarded as IMiddlewareFieldMap);
}

