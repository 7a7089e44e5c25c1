/**
 * The client operations the repository holds (the `.graphql` documents of its
 * clients and tests, and the trusted-documents manifest): collected, checked
 * against a schema, and matched with the breaking changes that affect them.
 *
 * Pure apart from `readDocumentSet`: strings in, values out.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  Kind,
  parse,
  print,
  typeFromAST,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type OperationTypeNode,
} from 'graphql';
import { documentId, MANIFEST_FORMAT, parseManifest, type PersistedDocumentManifest } from '../src/graphql/persisted/manifest';

/** One `.graphql` file: where it is (as shown in reports) and its text. */
export interface ClientDocument {
  file: string;
  source: string;
}

/** One named operation, with the fragments it uses, ready to validate or persist. */
export interface ClientOperation {
  name: string;
  type: OperationTypeNode;
  /** The file it is written in (a `.graphql` document or the manifest), as shown in reports. */
  file: string;
  /** The operation and every fragment it spreads, printed; the manifest's `body`. */
  body: string;
}

export interface CollectedOperations {
  operations: ClientOperation[];
  /** Documents that cannot be used at all: unparsable, anonymous or duplicate operations, mixed SDL. */
  errors: string[];
}

const EXECUTABLE_KINDS: ReadonlySet<string> = new Set([Kind.OPERATION_DEFINITION, Kind.FRAGMENT_DEFINITION]);

/**
 * The operations of one set of documents that share their fragments (one
 * client's folder). Files holding only type definitions (schema fixtures) are
 * not client documents and are skipped.
 */
export function collectOperations(documents: ClientDocument[]): CollectedOperations {
  const errors: string[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  const found: Array<{ node: OperationDefinitionNode; file: string }> = [];
  for (const { file, source } of documents) {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (error) {
      errors.push(`${file}: does not parse: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const executable = document.definitions.filter((definition) => EXECUTABLE_KINDS.has(definition.kind));
    if (executable.length === 0) continue;
    if (executable.length !== document.definitions.length) {
      errors.push(`${file}: mixes operations with type definitions`);
      continue;
    }
    for (const definition of executable) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        if (fragments.has(definition.name.value)) errors.push(`${file}: fragment ${definition.name.value} is defined twice`);
        fragments.set(definition.name.value, definition);
      } else if (definition.kind === Kind.OPERATION_DEFINITION) {
        if (!definition.name) errors.push(`${file}: an anonymous ${definition.operation}; client operations need a name, so reports can name them`);
        else found.push({ node: definition, file });
      }
    }
  }
  const names = new Set<string>();
  const operations: ClientOperation[] = [];
  for (const { node, file } of found) {
    const name = node.name!.value;
    if (names.has(name)) {
      errors.push(`${file}: operation ${name} is defined twice`);
      continue;
    }
    names.add(name);
    operations.push({ name, type: node.operation, file, body: print(withFragments(node, fragments)) });
  }
  return { operations, errors };
}

/** The operation and the fragments it spreads, directly or through other fragments, by name. */
function withFragments(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): DocumentNode {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: DefinitionNode[] = [operation];
  while (pending.length > 0) {
    visit(pending.pop()!, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || used.has(fragment.name.value)) return;
        used.set(fragment.name.value, fragment);
        pending.push(fragment);
      },
    });
  }
  const sorted = [...used.values()].sort((a, b) => (a.name.value < b.name.value ? -1 : 1));
  return { kind: Kind.DOCUMENT, definitions: [operation, ...sorted] };
}

/** The trusted-documents manifest of a set of operations, ordered by name so it only changes when they do. */
export function buildManifest(operations: ClientOperation[]): PersistedDocumentManifest {
  const sorted = [...operations].sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    format: MANIFEST_FORMAT,
    version: 1,
    operations: sorted.map(({ name, type, body }) => ({ id: documentId(body), name, type, body })),
  };
}

/** The operations of a manifest file, for checking like any other client operation. */
export function manifestOperations(raw: unknown, file: string): CollectedOperations {
  try {
    return { operations: parseManifest(raw, file).operations.map(({ name, type, body }) => ({ name, type, body, file })), errors: [] };
  } catch (error) {
    return { operations: [], errors: [error instanceof Error ? error.message : String(error)] };
  }
}

/** Every `.graphql` file under `dir` (recursively, in name order), leaving out the directories in `exclude`. */
export function readDocumentSet(dir: string, exclude: readonly string[] = [], shownFrom = process.cwd()): ClientDocument[] {
  const documents: ClientDocument[] = [];
  const walk = (current: string) => {
    if (exclude.includes(current)) return;
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.graphql')) documents.push({ file: path.relative(shownFrom, full), source: fs.readFileSync(full, 'utf8') });
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return documents;
}

/**
 * What an operation touches in a schema: the fields it selects, the
 * arguments and input fields it passes, and the types it names or receives.
 * A breaking change affects the operation when it is about one of those.
 */
export interface SchemaUsage {
  /** `Type.field`, `Type.field.argument`, `Input.field`, `Enum.VALUE`. */
  coordinates: Set<string>;
  /** Every named type the operation selects from, receives, or sends. */
  types: Set<string>;
  /** Enums and input types whose values go through the operation: any change to their values or fields affects it. */
  valueTypes: Set<string>;
}

function addValueTypes(type: GraphQLNamedType, usage: SchemaUsage): void {
  if (usage.valueTypes.has(type.name)) return;
  usage.types.add(type.name);
  if (isEnumType(type)) usage.valueTypes.add(type.name);
  if (isInputObjectType(type)) {
    usage.valueTypes.add(type.name);
    for (const field of Object.values(type.getFields())) addValueTypes(getNamedType(field.type), usage);
  }
}

/** What `body` uses of `schema`; parts the schema does not have are left out (validation reports them). */
export function schemaUsage(schema: GraphQLSchema, body: string): SchemaUsage {
  const usage: SchemaUsage = { coordinates: new Set(), types: new Set(), valueTypes: new Set() };
  const typeInfo = new TypeInfo(schema);
  visit(
    parse(body),
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field || node.name.value.startsWith('__')) return;
        usage.coordinates.add(`${parent.name}.${field.name}`);
        const returned = getNamedType(field.type);
        usage.types.add(returned.name);
        if (isEnumType(returned)) usage.valueTypes.add(returned.name);
      },
      Argument(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const argument = typeInfo.getArgument();
        if (!parent || !field || !argument) return;
        usage.coordinates.add(`${parent.name}.${field.name}.${node.name.value}`);
        addValueTypes(getNamedType(argument.type), usage);
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        if (parent) usage.coordinates.add(`${getNamedType(parent).name}.${node.name.value}`);
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        if (type) usage.coordinates.add(`${getNamedType(type).name}.${node.value}`);
      },
      VariableDefinition(node) {
        const type = typeFromAST(schema, node.type);
        if (type) addValueTypes(getNamedType(type), usage);
      },
      NamedType(node) {
        if (schema.getType(node.name.value)) usage.types.add(node.name.value);
      },
    }),
  );
  return usage;
}

/**
 * Whether a change at `changePath` (as graphql-inspector reports it:
 * `Type`, `Type.field`, `Type.field.argument`, `Enum.VALUE`, `Input.field`)
 * affects an operation with this usage: a type it names, a field it selects
 * (or an argument of one), or a value or input field of an enum or input
 * type it sends or receives.
 */
export function affects(changePath: string, usage: SchemaUsage): boolean {
  if (usage.coordinates.has(changePath) || usage.types.has(changePath)) return true;
  const [typeName, fieldName] = changePath.split('.');
  if (typeName !== undefined && usage.valueTypes.has(typeName)) return true;
  return fieldName !== undefined && usage.coordinates.has(`${typeName}.${fieldName}`);
}

export interface InvalidOperation {
  operation: ClientOperation;
  /** graphql-js's validation errors against the current schema. */
  messages: string[];
}

/** An operation a change is about. */
export interface AffectedOperation {
  operation: ClientOperation;
  /** Its validation errors against the current schema that name the changed element: how this change breaks it. */
  messages: string[];
  /** Whether it validates against the current schema (it may still read the changed result wrongly). */
  valid: boolean;
}

/**
 * Whether a validation error of an operation the change affects is about the
 * changed element: the message quotes its name, alone or in a dotted
 * coordinate (`Cannot query field "name" on type "Product".` for
 * `Product.name`; `Field "price" must not have a selection…` for a changed
 * `Product.price`). Only the last part is required, as graphql-js does not
 * always name the type.
 */
export function namesChange(message: string, changePath: string): boolean {
  const quoted = [...message.matchAll(/"([^"]*)"/g)].flatMap((match) => match[1]!.split('.'));
  return quoted.includes(changePath.split('.').pop()!);
}

export interface ClientCheck {
  /** How many operations were checked. */
  checked: number;
  invalid: InvalidOperation[];
  /** Documents that could not be checked (see `CollectedOperations.errors`). */
  documentErrors: string[];
  /** The operations a change at this path affects, each with its validation errors against the current schema. */
  affectedBy(changePath: string): AffectedOperation[];
  passed: boolean;
}

/**
 * Validates every client operation against the current schema, and works out
 * which of them each change affects from what they used of the baseline.
 * Fails when any operation is invalid now, or a document cannot be read.
 */
export function checkClientOperations(input: { baselineSdl: string; currentSdl: string; collected: CollectedOperations[] }): ClientCheck {
  const baseline = buildSchema(input.baselineSdl);
  const current = buildSchema(input.currentSdl);
  const operations = input.collected.flatMap((set) => set.operations);
  const documentErrors = input.collected.flatMap((set) => set.errors);
  const checked = operations.map((operation) => ({
    operation,
    messages: validate(current, parse(operation.body)).map((error) => error.message),
    usage: schemaUsage(baseline, operation.body),
  }));
  return {
    checked: operations.length,
    invalid: checked.filter(({ messages }) => messages.length > 0).map(({ operation, messages }) => ({ operation, messages })),
    documentErrors,
    affectedBy: (changePath) =>
      checked
        .filter(({ usage }) => affects(changePath, usage))
        .map(({ operation, messages }) => ({ operation, messages: messages.filter((message) => namesChange(message, changePath)), valid: messages.length === 0 })),
    passed: checked.every(({ messages }) => messages.length === 0) && documentErrors.length === 0,
  };
}

/** How a report names an operation: its name and where it is written. */
export function operationLabel(operation: ClientOperation): string {
  return `${operation.name} (${operation.file})`;
}
