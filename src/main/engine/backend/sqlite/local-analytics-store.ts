/**
 * A local SQLite file holding only analytics history, for engines whose job store has no
 * AnalyticsRepository of its own (Redis mode): the metrics history of this engine is kept in
 * `<dataDir>/analytics.db`. The same migrations run, so the file has the usual schema.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AnalyticsRepository } from '../analytics-repository';
import { migrate } from './migrations';
import { SqliteAnalyticsRepository } from './sqlite-analytics-repository';
import { storageError } from './sqlite-backend';

/**
 * Open (creating) the file. Output: the repository and its close function. Errors: AppError
 * BACKEND_UNAVAILABLE / STORAGE_FULL when the file cannot be opened.
 */
export function openLocalAnalyticsStore(path: string): { repository: AnalyticsRepository; close: () => void } {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return { repository: new SqliteAnalyticsRepository(db, path), close: () => db.open && db.close() };
  } catch (err) {
    throw storageError(err, path);
  }
}
