import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_TEXT_RULE, describeTextProblem, findTextProblem, type TextRule } from '../../core/text';
import { ErrorCode } from '../errors';

// Text from clients is checked once, here, before any resolver runs:
// PostgreSQL cannot store a NUL byte in text (the statement fails, and the
// client gets a 500), and control characters would be stored as typed.
// Resolvers and services can then rely on every String and ID they receive
// being well-formed, printable and of sane length, and keep only their
// business rules (and their typed user errors).

/** The directive of schema/directives.graphql that declares a field's rule. */
const TEXT_DIRECTIVE = 'text';
const TEXT_SCALARS = new Set(['String', 'ID']);

type RuleTarget = GraphQLArgument | GraphQLInputField;
/** The declared rule of each argument and input field that has one; the rest get DEFAULT_TEXT_RULE. */
type SchemaRules = Map<RuleTarget, TextRule>;

const rulesBySchema = new WeakMap<GraphQLSchema, SchemaRules>();

/** Reads `@text` off one argument or input field; a misplaced or nonsensical one is a startup error. */
function declaredRule(schema: GraphQLSchema, target: RuleTarget, coordinate: string): TextRule | null {
  const directive = schema.getDirective(TEXT_DIRECTIVE);
  const values = directive && target.astNode ? getDirectiveValues(directive, target.astNode) : undefined;
  if (!values) return null;
  if (!TEXT_SCALARS.has(getNamedType(target.type).name)) throw new Error(`@${TEXT_DIRECTIVE} on ${coordinate}, which is not a String or ID`);
  const maxLength = (values.maxLength as number | null | undefined) ?? DEFAULT_TEXT_RULE.maxLength;
  if (maxLength < 1) throw new Error(`@${TEXT_DIRECTIVE}(maxLength: ${maxLength}) on ${coordinate} must be at least 1`);
  return { maxLength, multiline: values.multiline === true };
}

/** Every declared rule of a schema, read once per schema object (not per request). */
export function textRulesOf(schema: GraphQLSchema): SchemaRules {
  const cached = rulesBySchema.get(schema);
  if (cached) return cached;
  const rules: SchemaRules = new Map();
  const add = (target: RuleTarget, coordinate: string) => {
    const rule = declaredRule(schema, target, coordinate);
    if (rule) rules.set(target, rule);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        for (const arg of field.args) add(arg, `${type.name}.${field.name}(${arg.name}:)`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) add(field, `${type.name}.${field.name}`);
    }
  }
  rulesBySchema.set(schema, rules);
  return rules;
}

/** Thrown by the walk at the first refused value, to stop it there; never leaves this file. */
class Refused extends Error {
  constructor(readonly error: GraphQLError) {
    super(error.message);
  }
}

/** The refusal of one value: where it is in the arguments and what is wrong, never the value. */
function refusal(argument: string, problem: string, node: FieldNode): Refused {
  return new Refused(new GraphQLError(`"${argument}" ${problem}.`, { nodes: node, extensions: { code: ErrorCode.BAD_USER_INPUT, argument } }));
}

/** Walks one coerced argument value along its input type, checking every String and ID in it. */
function checkValue(rules: SchemaRules, type: GraphQLInputType, value: unknown, rule: TextRule, path: string, node: FieldNode): void {
  if (value == null) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, index) => checkValue(rules, nullable.ofType, item, rule, `${path}[${index}]`, node));
  } else if (isInputObjectType(nullable)) {
    const record = value as Record<string, unknown>;
    for (const field of Object.values(nullable.getFields())) {
      if (!Object.hasOwn(record, field.name)) continue;
      const fieldRule = rules.get(field) ?? DEFAULT_TEXT_RULE;
      checkValue(rules, field.type, record[field.name], fieldRule, `${path}.${field.name}`, node);
    }
  } else if (TEXT_SCALARS.has(nullable.name) && typeof value === 'string') {
    const problem = findTextProblem(value, rule);
    if (problem) throw refusal(path, describeTextProblem(problem), node);
  }
}

/** The definition of a selected field; null for `__typename`, which takes no arguments. */
function fieldDefinition(schema: GraphQLSchema, parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | null {
  if (name === SchemaMetaFieldDef.name && parent === schema.getQueryType()) return SchemaMetaFieldDef;
  if (name === TypeMetaFieldDef.name && parent === schema.getQueryType()) return TypeMetaFieldDef;
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name] ?? null;
  return null;
}

interface Walk {
  schema: GraphQLSchema;
  rules: SchemaRules;
  variables: Record<string, unknown>;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Fragments already walked: a fragment's argument values are the same wherever it is spread. */
  seen: Set<string>;
}

/** Checks the arguments of every field of a selection set, through nested selections and fragments. */
function walkSelections(walk: Walk, parent: GraphQLNamedType | undefined, selectionSet: SelectionSetNode): void {
  if (!parent) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const field = fieldDefinition(walk.schema, parent, selection.name.value);
      if (!field) continue;
      let args: Record<string, unknown>;
      try {
        args = getArgumentValues(field, selection, walk.variables);
      } catch {
        continue; // an argument graphql-js cannot coerce: execution reports it, and this field does not run
      }
      for (const arg of field.args) {
        if (!Object.hasOwn(args, arg.name)) continue;
        checkValue(walk.rules, arg.type, args[arg.name], walk.rules.get(arg) ?? DEFAULT_TEXT_RULE, arg.name, selection);
      }
      if (selection.selectionSet) walkSelections(walk, getNamedType(field.type), selection.selectionSet);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : parent;
      walkSelections(walk, type, selection.selectionSet);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || walk.seen.has(name)) continue;
      walk.seen.add(name);
      walkSelections(walk, walk.schema.getType(fragment.typeCondition.name.value), fragment.selectionSet);
    }
  }
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * Checks every String and ID argument of a validated operation, at any depth
 * of input objects and lists, inline or through variables, against its
 * `@text` rule (or the default one). Returns a BAD_USER_INPUT error naming the
 * first refused argument path, or null when all are acceptable, or when the
 * variables do not coerce: execution reports that with its own error, so
 * there is nothing for this check to add. Transport-free, so that any server
 * running operations outside Apollo (a WebSocket one) can call it too.
 */
export function findTextInputError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): GraphQLError | null {
  // Coerced as execution will coerce them, so the walk sees the values resolvers would.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  const walk: Walk = { schema, rules: textRulesOf(schema), variables: coerced.coerced, fragments: fragmentsOf(document), seen: new Set() };
  try {
    walkSelections(walk, schema.getRootType(operation.operation) ?? undefined, operation.selectionSet);
  } catch (thrown) {
    if (thrown instanceof Refused) return thrown.error;
    throw thrown;
  }
  return null;
}

/**
 * The Apollo Server side of `findTextInputError`: a refused request is
 * answered with the one error and HTTP 400, as Apollo answers a variable that
 * fails coercion, before execution starts, so nothing runs and no statement
 * is sent.
 */
export function textInputPlugin(): ApolloServerPlugin {
  return {
    async serverWillStart({ schema }) {
      // Read the rules now, so a misplaced @text stops the server from starting.
      textRulesOf(schema);
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          // No operation: Apollo reports that itself.
          if (!operation) return;
          const error = findTextInputError(schema, document, operation, request.variables);
          if (!error) return;
          // Thrown from here, the error's `http` extension sets the status (it is not sent to the client).
          throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
