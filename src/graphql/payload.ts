import type { ServiceResult } from '../core/result';

/**
 * A mutation payload from a service result: `{ [key]: value, userErrors: [] }`
 * on success, `{ [key]: null, userErrors }` on refusal.
 */
export function payload<K extends string, T, C extends string>(
  key: K,
  result: ServiceResult<T, C>,
): { [P in K]: T | null } & { userErrors: Array<{ field: string[] | null; message: string; code: C }> } {
  const value = result.ok ? result.value : null;
  const userErrors = result.ok ? [] : result.userErrors;
  return { [key]: value, userErrors } as { [P in K]: T | null } & { userErrors: typeof userErrors };
}
