/**
 * Migration 7 dropped the by-type index of finished jobs (it cost every finished job an index
 * insert). The analytics scans must then read their window through jobs_finished, never walk
 * every job of a type through jobs_type: checked on the query plan of a real file migrated from
 * version 6, with rows in it, and on the rows such a scan returns.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { migrate, MIGRATIONS } from '../../../src/main/engine/backend/sqlite/migrations';
import { finishedJobsQuery, SqliteAnalyticsRepository } from '../../../src/main/engine/backend/sqlite/sqlite-analytics-repository';
import { makeTempDir } from '../../helpers/engine';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanup.splice(0).reverse()) fn();
});

function openFile(): { db: Database.Database; path: string } {
  const dir = makeTempDir('jh-analytics-plan-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'jobs.db');
  const db = new Database(path);
  cleanup.push(() => db.close());
  return { db, path };
}

const indexes = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name);

it('drops jobs_type_finished from a version-6 file and scans analytics windows through jobs_finished', () => {
  const { db, path } = openFile();
  expect(migrate(db, MIGRATIONS.filter((m) => m.version <= 6))).toEqual([1, 2, 3, 4, 5, 6]);
  expect(indexes(db)).toContain('jobs_type_finished');
  const insert = db.prepare(`INSERT INTO jobs (id, type, queue, parameters, priority, status, max_retries, retry_delay_s, timeout_s,
      run_at, created_at, updated_at, finished_at) VALUES (?, ?, ?, '{}', 1, ?, 0, 0, 60, 0, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < 2000; i++) {
      const status = i % 3 === 0 ? 'pending' : i % 3 === 1 ? 'completed' : 'failed';
      insert.run(`j${i}`, i % 2 ? 'alpha' : 'beta', i % 4 < 2 ? 'q1' : 'q2', status, i, i, status === 'pending' ? null : i * 10);
    }
  })();

  expect(migrate(db)).toEqual([7]);
  expect(indexes(db)).not.toContain('jobs_type_finished');

  for (const filter of [
    { from: 5000, to: 6000, types: ['alpha'] },
    { from: 5000, to: 6000, types: ['alpha', 'beta'], queues: ['q1'] },
    { from: 5000, to: 6000, queues: ['q2'] },
  ]) {
    const { sql, params } = finishedJobsQuery(filter);
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
    expect(plan).toContain('USING INDEX jobs_finished');
    expect(plan).not.toContain('jobs_type');
  }

  // The rows are the same as a plain scan's: alpha (odd i) finished in [5000, 6000), i.e. i in 500..599.
  const repo = new SqliteAnalyticsRepository(db, path);
  const ids = [...repo.finishedJobs({ from: 5000, to: 6000, types: ['alpha'] })].map((r) => r.id).sort();
  const expected = Array.from({ length: 100 }, (_, k) => 500 + k)
    .filter((i) => i % 2 === 1 && i % 3 !== 0)
    .map((i) => `j${i}`)
    .sort();
  expect(ids).toEqual(expected);
});
