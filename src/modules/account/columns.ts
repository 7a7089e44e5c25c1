import { fieldColumns } from '../../graphql/field-columns';
import { Prisma, type User } from '../../generated/prisma/client';

/** What each field of User reads of its row, for rows read ahead with only those columns (a review's author on a catalog page). */
export const userFieldColumns = fieldColumns<User>(Prisma.UserScalarFieldEnum, {
  // The rules read the id (isSelf); every other field of User reads the column of its name.
  always: ['id'],
  fields: {},
});
