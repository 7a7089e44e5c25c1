/**
 * The encoding of global IDs, without GraphQL: base64url of `Type:databaseId`.
 * Services that hand an ID to a third party (the payment provider's metadata)
 * and read it back use this; the GraphQL edge wraps it with input errors.
 */
const MAX_ID = 2_147_483_647;

export function encodeGlobalId(type: string, id: number): string {
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

/** Decodes a global ID, or returns null when it is not shaped like one of ours. */
export function decodeGlobalId(globalId: string): { type: string; id: number } | null {
  if (globalId.length > 100 || !/^[A-Za-z0-9_-]+$/.test(globalId)) return null;
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(Buffer.from(globalId, 'base64url').toString('utf8'));
  if (!match?.[1]) return null;
  const id = Number(match[2]);
  if (id > MAX_ID) return null;
  return { type: match[1], id };
}
