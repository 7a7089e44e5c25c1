import type { Role } from '../generated/prisma/client';

/** Who is asking; null when anonymous. */
export interface Viewer {
  id: number;
  role: Role;
}

const RANK: Record<Role, number> = { CUSTOMER: 0, STAFF: 1, ADMIN: 2 };

/** ADMIN includes STAFF, which includes CUSTOMER. */
export function hasRole(viewer: Viewer | null, role: Role): boolean {
  return viewer !== null && RANK[viewer.role] >= RANK[role];
}
