/**
 * Numbered, append-only schema migrations of the SQLite store. Never edit a migration that has
 * shipped; add the next number. Each runs in its own transaction and is recorded in
 * `schema_migrations`.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'jobs, attempts, logs, queues and engines',
    up(db) {
      db.exec(`
        CREATE TABLE jobs (
          seq              INTEGER PRIMARY KEY,
          id               TEXT NOT NULL UNIQUE,
          type             TEXT NOT NULL,
          queue            TEXT NOT NULL,
          parameters       TEXT NOT NULL,
          priority         INTEGER NOT NULL,
          status           TEXT NOT NULL,
          progress         REAL NOT NULL DEFAULT 0,
          progress_message TEXT,
          attempts         INTEGER NOT NULL DEFAULT 0,
          attempt_base     INTEGER NOT NULL DEFAULT 0,
          max_retries      INTEGER NOT NULL,
          retry_delay_s    REAL NOT NULL,
          timeout_s        REAL NOT NULL,
          run_at           INTEGER NOT NULL,
          created_at       INTEGER NOT NULL,
          started_at       INTEGER,
          finished_at      INTEGER,
          updated_at       INTEGER NOT NULL,
          worker           TEXT,
          engine_id        TEXT,
          result           TEXT,
          error_class      TEXT,
          error_message    TEXT,
          error_stack      TEXT,
          error_code       TEXT,
          metrics          TEXT,
          limits           TEXT,
          dependencies     TEXT,
          schedule_id      TEXT,
          cancel_requested INTEGER NOT NULL DEFAULT 0
        );
        -- Runnable jobs in claim order: URGENT first, FIFO within a priority.
        CREATE INDEX jobs_runnable ON jobs (priority DESC, seq) WHERE status = 'pending';
        -- Delayed jobs, by the time they become due.
        CREATE INDEX jobs_due ON jobs (run_at) WHERE status IN ('scheduled', 'retrying');
        CREATE INDEX jobs_running ON jobs (engine_id) WHERE status = 'running';
        CREATE INDEX jobs_status ON jobs (status, seq);
        CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;
        CREATE INDEX jobs_type ON jobs (type, seq);
        CREATE INDEX jobs_schedule ON jobs (schedule_id, seq) WHERE schedule_id IS NOT NULL;

        CREATE TABLE job_attempts (
          job_id        TEXT NOT NULL,
          attempt       INTEGER NOT NULL,
          started_at    INTEGER NOT NULL,
          finished_at   INTEGER,
          worker        TEXT,
          outcome       TEXT NOT NULL,
          error_class   TEXT,
          error_message TEXT,
          error_stack   TEXT,
          duration_ms   INTEGER,
          PRIMARY KEY (job_id, attempt)
        ) WITHOUT ROWID;

        CREATE TABLE job_logs (
          seq    INTEGER PRIMARY KEY,
          job_id TEXT NOT NULL,
          ts     INTEGER NOT NULL,
          stream TEXT NOT NULL,
          line   TEXT NOT NULL
        );
        CREATE INDEX job_logs_job ON job_logs (job_id, seq);

        CREATE TABLE queues (
          name       TEXT PRIMARY KEY,
          paused     INTEGER NOT NULL DEFAULT 0,
          updated_at INTEGER NOT NULL
        );

        CREATE TABLE engines (
          id           TEXT PRIMARY KEY,
          pid          INTEGER NOT NULL,
          hostname     TEXT NOT NULL,
          started_at   INTEGER NOT NULL,
          heartbeat_at INTEGER NOT NULL,
          queues       TEXT
        );
      `);
    },
  },
];

/** Apply every migration newer than the database's version. Returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.description,
        Date.now(),
      );
    }).immediate();
    applied.push(m.version);
  }
  return applied;
}
