import { badUserInput } from './errors';

/** The types that have global IDs, and so can be fetched with `Query.node`. */
export const NODE_TYPES = ['User', 'Category', 'Product', 'Review', 'Cart', 'CartItem', 'Order', 'OrderItem', 'Payment'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/**
 * Global IDs are base64url of `Type:databaseId`. Clients must treat them as
 * opaque; encoding the type lets `node(id)` find the right table.
 */
export function toGlobalId(type: NodeType, id: number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

export interface DecodedId {
  type: NodeType;
  id: number;
}

/** Decodes a global ID, or returns null when it is not one of ours. */
export function parseGlobalId(globalId: string): DecodedId | null {
  if (globalId.length > 100 || !/^[A-Za-z0-9_-]+$/.test(globalId)) return null;
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(Buffer.from(globalId, 'base64url').toString('utf8'));
  if (!match) return null;
  const type = NODE_TYPES.find((candidate) => candidate === match[1]);
  const id = Number(match[2]);
  if (!type || id > 2_147_483_647) return null;
  return { type, id };
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
