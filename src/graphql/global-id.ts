import { decodeGlobalId, encodeGlobalId } from '../core/global-id';
import type { NodeResolvers } from '../generated/graphql';
import { badUserInput } from './errors';

/** The name of every type that implements `Node`, as codegen read it from the SDL. */
export type NodeType = NonNullable<Awaited<ReturnType<NodeResolvers['__resolveType']>>>;

/**
 * Global IDs are base64url of `Type:databaseId`. Clients must treat them as
 * opaque; encoding the type lets `node(id)` find the right loader.
 */
export function toGlobalId(type: NodeType, id: number): string {
  return encodeGlobalId(type, id);
}

export interface DecodedId {
  /** The type named in the ID; whether such a node type exists is the registry's business. */
  type: string;
  id: number;
}

/** Decodes a global ID, or returns null when it is not shaped like one of ours. */
export function parseGlobalId(globalId: string): DecodedId | null {
  return decodeGlobalId(globalId);
}

/**
 * Decodes a global ID that must name an object of `type`.
 * @throws BAD_USER_INPUT naming `argument` when it is malformed or of another type.
 */
export function fromGlobalId(globalId: string, type: NodeType, argument = 'id'): number {
  const decoded = parseGlobalId(globalId);
  if (!decoded || decoded.type !== type) {
    throw badUserInput(`"${argument}" is not a valid ${type} ID.`, argument);
  }
  return decoded.id;
}
