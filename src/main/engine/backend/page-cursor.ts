/**
 * Opaque page cursors, shared by every store's keyset paging: a JSON value in base64url. A cursor
 * that is not one a previous page returned is a VALIDATION error naming the `cursor` field.
 */
import { AppError } from '../../../shared/errors';

/** The cursor text for a keyset position. */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The keyset position in `text`, checked by `isValid`. Throws VALIDATION
 * (`invalid <subject>: cursor: not a cursor returned by a previous page`).
 */
export function decodeCursor<T>(text: string, isValid: (value: Partial<T>) => boolean, subject = 'query'): T {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<T> | null;
    if (value && typeof value === 'object' && isValid(value)) return value as T;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION', `invalid ${subject}: cursor: not a cursor returned by a previous page`);
}
