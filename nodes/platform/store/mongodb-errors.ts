import { MongoServerError } from 'mongodb';

/** A unique-index violation; FerretDB 1.x reports one raised by an update as a plain SQLite error. */
export function isDuplicateKey(err: unknown): boolean {
  if (err instanceof MongoServerError && err.code === 11000) return true;
  return /E11000|duplicate key|UNIQUE constraint failed/i.test(String((err as Error)?.message));
}
