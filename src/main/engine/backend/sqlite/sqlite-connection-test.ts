/**
 * "Test connection" for a SQLite file: is the folder there (or creatable) and writable, does the
 * file open as a SQLite database, what journal mode and schema version it has, and does
 * `PRAGMA quick_check` pass. Read-only: an existing file is opened read-only and never migrated;
 * a missing file is not created.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConnectionTestResult } from '../../../../shared/contract';

function nearestExisting(path: string): string {
  let dir = path;
  while (!existsSync(dir)) {
    const parent = dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
  return dir;
}

function writable(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is a file, not a folder`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
      ? `the folder ${dir} is not writable by this user${code === 'EROFS' ? ' (read-only file system)' : ''}`
      : `the folder ${dir} cannot be used: ${(err as Error).message}`;
  }
}

/**
 * Check the SQLite file at `path` (nativeBinding: the Electron-ABI build in the app). Output: the
 * result with `ok`, a plain message and details (path, exists, folderWritable, journalMode,
 * schemaVersion, integrity). Never throws.
 */
export function testSqliteFile(path: string, nativeBinding?: string): ConnectionTestResult {
  const started = performance.now();
  const file = resolve(path);
  const folder = dirname(file);
  const details: Record<string, unknown> = { path: file, folder };
  const done = (ok: boolean, message: string): ConnectionTestResult => ({
    ok,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    message,
    details,
  });
  const existing = nearestExisting(folder);
  const folderProblem = writable(existing);
  details['folderExists'] = existing === folder;
  details['folderWritable'] = folderProblem === null;
  if (folderProblem) return done(false, `Cannot use ${file}: ${folderProblem}. Choose a folder you can write to.`);
  if (!existsSync(file)) {
    details['exists'] = false;
    return done(true, `${file} does not exist yet; JobHandle will create it (the folder ${existing === folder ? 'is' : 'will be created and is'} writable).`);
  }
  details['exists'] = true;
  if (!statSync(file).isFile()) return done(false, `${file} is a folder, not a database file.`);
  try {
    accessSync(file, constants.R_OK | constants.W_OK);
  } catch {
    details['fileWritable'] = false;
    return done(false, `${file} exists but this user cannot read and write it; fix its permissions.`);
  }
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
    db.pragma('busy_timeout = 2000');
    details['journalMode'] = db.pragma('journal_mode', { simple: true });
    const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
    details['schemaVersion'] = hasMigrations ? (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v : null;
    const check = (db.pragma('quick_check', { simple: false }) as Array<{ quick_check: string }>).map((r) => r.quick_check);
    details['integrity'] = check.slice(0, 5);
    if (check.length !== 1 || check[0] !== 'ok') {
      return done(false, `${file} is damaged (quick_check: ${check.slice(0, 3).join('; ')}); restore a backup from the backups folder.`);
    }
    const jobs = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'").get() !== undefined;
    details['jobHandleDatabase'] = jobs;
    return done(true, jobs ? `${file} opens and passes the integrity check.` : `${file} is a SQLite database without JobHandle tables yet; JobHandle will add them.`);
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code === 'SQLITE_NOTADB') return done(false, `${file} is not a SQLite database (another kind of file?).`);
    if (code === 'SQLITE_BUSY') return done(false, `${file} is locked by another process; try again.`);
    return done(false, `${file} cannot be opened: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
}
