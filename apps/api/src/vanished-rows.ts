// Check-then-write races. A service looks a row up, decides, then writes; another request may
// delete the row in between. The write then fails with "no row to act on" (P2025) or, when it
// points at the row, with a violation of the foreign key named after it (`article_id`). Either
// way the client gets the 404 its lookup would have given a moment later, never a 500.
import { isForeignKeyViolation, isRecordNotFound } from '@headroom/db/prisma-errors';
import { NotFoundError } from '@headroom/errors/http-errors';

/** Runs `write`; if the `resource` row vanished under it, throws NotFoundError(resource). */
export async function notFoundIfVanished<T>(resource: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isRecordNotFound(error) || isForeignKeyViolation(error, `${resource}_id`)) {
      throw new NotFoundError(resource);
    }
    throw error;
  }
}
