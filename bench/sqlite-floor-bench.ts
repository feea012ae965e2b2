/**
 * The storage floor under the SQLite engine: the same schema (the store's migrations) driven by
 * bare better-sqlite3 statements, no engine around them. Rows: inserting the rows a bulk submit
 * inserts, and claiming + completing them with the engine's claim and completion SQL. Each row's
 * ratio is to the engine's own figure from the same run, so the table says how much of the
 * storage speed the engine keeps.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { CLAIM_FIELDS } from '../src/main/engine/backend/sqlite/job-row';
import { migrate } from '../src/main/engine/backend/sqlite/migrations';
import { COMPLETED_SQL, claimSql } from '../src/main/engine/backend/sqlite/sqlite-backend';
import { newId } from '../src/main/engine/ids';
import { tempDir, type BenchRow } from './bench-util';

const COLUMNS = `id, type, queue, parameters, priority, status, max_retries, retry_delay_s, timeout_s, run_at,
  created_at, updated_at, limits, dependencies, schedule_id`;

function openSchema(dir: string): Database.Database {
  const db = new Database(join(dir, 'floor.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return db;
}

/** Insert `jobs` pending rows, `perTransaction` rows per transaction, one prepared INSERT per row. */
function insertRows(db: Database.Database, jobs: number, perTransaction = 10_000, table = 'jobs'): number {
  const insert = db.prepare(`INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const now = Date.now();
  const started = performance.now();
  for (let b = 0; b < jobs; b += perTransaction) {
    db.transaction(() => {
      for (let i = b; i < Math.min(jobs, b + perTransaction); i++) {
        insert.run(newId(now), 'noop', 'default', `{"i":${i}}`, 1, 'pending', 3, 60, 3600, now, now, now, '{}', null, null);
      }
    }).immediate();
  }
  return jobs / ((performance.now() - started) / 1000);
}

/**
 * A table with the jobs table's columns and, with `minimalIndexes`, only the two indexes no job
 * store can do without (the id, for lookups and uniqueness; the claim order); without, none.
 * Where the bulk-submit floor comes from: the indexes, not the rows.
 */
function bareTable(db: Database.Database, name: string, minimalIndexes: boolean): string {
  const cols = db.prepare('PRAGMA table_info(jobs)').all() as Array<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>;
  const defs = cols.map((c) =>
    c.pk ? `${c.name} INTEGER PRIMARY KEY` : `${c.name} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.dflt_value !== null ? ` DEFAULT ${c.dflt_value}` : ''}`,
  );
  db.exec(`CREATE TABLE ${name} (${defs.join(', ')})`);
  if (minimalIndexes) {
    db.exec(`CREATE UNIQUE INDEX ${name}_id ON ${name} (id);
      CREATE INDEX ${name}_runnable ON ${name} (priority DESC, seq) WHERE status = 'pending';`);
  }
  return name;
}

/**
 * Claim 200 at a time with the engine's claim SQL (rows back as JSON text, parsed here) and
 * complete them with its completion SQL (one statement per batch, reading the batch's JSON).
 */
function claimAndComplete(db: Database.Database, jobs: number): number {
  const claim = db.prepare(claimSql()).raw(true);
  const complete = db.prepare(COMPLETED_SQL).pluck();
  const id = CLAIM_FIELDS.indexOf('id');
  const attempts = CLAIM_FIELDS.indexOf('attempts');
  const started = performance.now();
  let done = 0;
  while (done < jobs) {
    const claimAll = () => claim.all({ now: Date.now(), engineId: 'floor', worker: 'w', limit: 200 }) as Array<[string, string]>;
    const text = db.transaction(() => `[${claimAll().map((r) => r[1]).join(',')}]`).immediate();
    const claimed = JSON.parse(text) as unknown[][];
    if (!claimed.length) break;
    const at = Date.now();
    const completions = JSON.stringify(claimed.map((r) => [at, 'w', null, '{"durationMs":0}', r[id], r[attempts]]));
    db.transaction(() => complete.all(completions)).immediate();
    done += claimed.length;
  }
  return done / ((performance.now() - started) / 1000);
}

export async function sqliteFloorBench(o: { jobs: number }): Promise<BenchRow[]> {
  const t = tempDir('floor');
  const db = openSchema(t.dir);
  const group = 'raw SQLite (same schema)';
  try {
    return [
      {
        group,
        name: 'INSERT one row per transaction (a durable single submit)',
        value: insertRows(db, Math.min(o.jobs, 20_000), 1),
        unit: 'rows/s',
        peer: 'JobHandle SQLite',
        peerName: 'submit, one at a time',
      },
      { group, name: 'INSERT the rows of a bulk submit, 10k per transaction', value: insertRows(db, o.jobs), unit: 'rows/s', peer: 'JobHandle SQLite', peerName: 'submit, bulk (10k per call)' },
      {
        group,
        name: '  the same rows, only the id and claim-order indexes',
        value: insertRows(db, o.jobs, 10_000, bareTable(db, 'floor_min', true)),
        unit: 'rows/s',
        peer: 'JobHandle SQLite',
        peerName: 'submit, bulk (10k per call)',
      },
      {
        group,
        name: '  the same rows, no index at all',
        value: insertRows(db, o.jobs, 10_000, bareTable(db, 'floor_bare', false)),
        unit: 'rows/s',
        peer: 'JobHandle SQLite',
        peerName: 'submit, bulk (10k per call)',
      },
      { group, name: "claim 200 + complete them, the engine's SQL, no workers", value: claimAndComplete(db, o.jobs), unit: 'jobs/s', peer: 'JobHandle SQLite', peerName: 'drain no-op, 2 worker processes' },
    ];
  } finally {
    db.close();
    t.cleanup();
  }
}
