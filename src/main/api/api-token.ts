/**
 * The API's bearer token: 32 random bytes, base64url, kept in `<data dir>/api-token` with mode
 * 0600 (readable only by the user). Created on first use; `jobhandle token` prints it. Compared
 * in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';

export const API_TOKEN_FILE = 'api-token';
const TOKEN_FORM = /^[A-Za-z0-9_-]{32,512}$/;

/** A new token: 32 random bytes as base64url (43 characters). */
export function generateApiToken(): string {
  return randomBytes(32).toString('base64url');
}

function readToken(path: string): string {
  const token = readFileSync(path, 'utf8').trim();
  if (!TOKEN_FORM.test(token)) {
    throw new AppError('CONFIG', `the API token file ${path} is malformed; delete it (or run \`jobhandle token --rotate\`) to generate a new one`);
  }
  // Someone loosened the permissions: tighten them again (POSIX only; Windows ignores modes).
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}

function writeNewToken(path: string, flags: 'wx' | 'w'): string {
  const token = generateApiToken();
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
  if (process.platform !== 'win32') chmodSync(path, 0o600); // the mode of openSync is masked by umask; 0600 is what we want anyway
  return token;
}

/**
 * The token stored in `dataDir`, created (mode 0600) when missing. Output: `{token, path,
 * created}`. Errors: CONFIG when the file exists but does not hold a token.
 */
export function loadOrCreateApiToken(dataDir: string): { token: string; path: string; created: boolean } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, API_TOKEN_FILE);
  try {
    return { token: writeNewToken(path, 'wx'), path, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError('CONFIG', `cannot create the API token file ${path}: ${(err as Error).message}`);
    }
  }
  return { token: readToken(path), path, created: false };
}

/** Replace the stored token with a new one (clients holding the old one get 401). */
export function rotateApiToken(dataDir: string): { token: string; path: string } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, API_TOKEN_FILE);
  return { token: writeNewToken(path, 'w'), path };
}

/**
 * Does `given` equal `expected`? Both are hashed first so that the comparison takes the same
 * time whatever the length or content of `given`.
 */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
