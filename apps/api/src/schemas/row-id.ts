// Ids as requests carry them (a comment id in a path, a notification cursor in a query or body).
import { Type } from 'typebox';

/**
 * Every id column is a Postgres `integer` (int4, see packages/db/prisma/schema.prisma), so no
 * row has a larger id. A larger number cannot name anything, and Prisma refuses to send one
 * (P2020): it is refused here instead, as a 422 that names the field.
 */
export const MAX_ROW_ID = 2_147_483_647;

export const RowId = Type.Integer({ minimum: 1, maximum: MAX_ROW_ID });
