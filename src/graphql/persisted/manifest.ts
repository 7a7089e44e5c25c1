import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Kind, parse, validate, type DocumentNode, type GraphQLSchema, type OperationTypeNode } from 'graphql';

/**
 * A trusted-documents manifest, in the format of Apollo's persisted query
 * manifests (`@apollo/generate-persisted-query-manifest`), so Apollo Client's
 * persisted-query link can send the ids as they are.
 */
export interface PersistedDocumentManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  operations: PersistedOperation[];
}

export interface PersistedOperation {
  /** The sha256 of `body`, in hex: what a client sends as `extensions.persistedQuery.sha256Hash`. */
  id: string;
  name: string;
  type: OperationTypeNode;
  /** The operation and the fragments it uses, printed. */
  body: string;
}

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';

/** The id of a document: the hash automatic persisted queries use, so one client link serves both modes. */
export function documentId(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** A manifest the gateway cannot serve; the message is one line naming the file and the operation. */
export class ManifestError extends Error {
  constructor(file: string, problem: string) {
    super(`Trusted-documents manifest ${file}: ${problem}`);
    this.name = 'ManifestError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the shape of a parsed manifest and that every id is the hash of its body. */
export function parseManifest(raw: unknown, file: string): PersistedDocumentManifest {
  if (!isRecord(raw) || raw.format !== MANIFEST_FORMAT || raw.version !== 1 || !Array.isArray(raw.operations)) {
    throw new ManifestError(file, `must be { "format": "${MANIFEST_FORMAT}", "version": 1, "operations": [...] }`);
  }
  const seen = new Set<string>();
  const operations = raw.operations.map((item: unknown, index): PersistedOperation => {
    if (!isRecord(item) || typeof item.id !== 'string' || typeof item.name !== 'string' || typeof item.body !== 'string') {
      throw new ManifestError(file, `operations[${index}] must have a string id, name and body`);
    }
    if (item.type !== 'query' && item.type !== 'mutation' && item.type !== 'subscription') {
      throw new ManifestError(file, `operation ${item.name}: type must be query, mutation or subscription`);
    }
    if (documentId(item.body) !== item.id) throw new ManifestError(file, `operation ${item.name}: id is not the sha256 of its body`);
    if (seen.has(item.id)) throw new ManifestError(file, `operation ${item.name}: listed twice`);
    seen.add(item.id);
    return { id: item.id, name: item.name, type: item.type as OperationTypeNode, body: item.body };
  });
  return { format: MANIFEST_FORMAT, version: 1, operations };
}

export function readManifest(file: string): PersistedDocumentManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ManifestError(file, `cannot be read as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseManifest(raw, file);
}

/** Parses and validates one manifest operation against the schema; the first problem, or null. */
export function manifestOperationProblem(
  schema: GraphQLSchema,
  operation: PersistedOperation,
): { problem: string; document?: undefined } | { problem: null; document: DocumentNode } {
  let document: DocumentNode;
  try {
    document = parse(operation.body);
  } catch (error) {
    return { problem: `does not parse: ${error instanceof Error ? error.message : String(error)}` };
  }
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]?.name?.value !== operation.name || operations[0].operation !== operation.type) {
    return { problem: `its body must hold exactly the ${operation.type} ${operation.name}` };
  }
  const [error] = validate(schema, document);
  return error ? { problem: error.message } : { problem: null, document };
}
