import { Prisma } from '../generated/prisma/client';

/** A unique index refused the write (Prisma's P2002): two writers raced for one key, or it was taken. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
