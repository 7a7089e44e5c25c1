import type { Prisma } from '../generated/prisma/client';
import type { ServiceResult } from '../core/result';
import type { Db } from './prisma';

class Refusal extends Error {
  constructor(readonly result: ServiceResult<unknown, string>) {
    super('refused');
  }
}

/**
 * Runs `work` in one transaction whose user-error outcome rolls it back: a
 * refused change leaves nothing behind (not even a row created on the way,
 * such as a first cart), while faults propagate as usual.
 */
export async function transactionalResult<T, C extends string>(
  db: Db,
  work: (tx: Prisma.TransactionClient) => Promise<ServiceResult<T, C>>,
): Promise<ServiceResult<T, C>> {
  try {
    return await db.$transaction(async (tx) => {
      const result = await work(tx);
      if (!result.ok) throw new Refusal(result);
      return result;
    });
  } catch (error) {
    if (error instanceof Refusal) return error.result as ServiceResult<T, C>;
    throw error;
  }
}
