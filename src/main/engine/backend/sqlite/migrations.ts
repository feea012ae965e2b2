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
  {
    version: 2,
    description: 'schedules, schedule fires and job dependencies',
    /**
     * schedules: one row per schedule, its definition (JSON) and the state planTick carries
     * (next_fire_at indexed: the scheduler asks for the earliest and for the due ones).
     * schedule_fires: the job each fired slot created; UNIQUE (schedule_id, slot) makes a slot
     * fire once even when two engines plan it. job_dependencies: one edge per prerequisite
     * (state waiting | met | unmet), looked up by depends_on when a prerequisite finishes.
     */
    up(db) {
      db.exec(`
        CREATE TABLE schedules (
          id           TEXT PRIMARY KEY,
          name         TEXT,
          type         TEXT NOT NULL,
          definition   TEXT NOT NULL,
          next_fire_at INTEGER,
          last_fire_at INTEGER,
          last_slot_at INTEGER,
          runs         INTEGER NOT NULL DEFAULT 0,
          skipped      INTEGER NOT NULL DEFAULT 0,
          paused       INTEGER NOT NULL DEFAULT 0,
          anchor_at    INTEGER NOT NULL,
          ended_reason TEXT,
          created_at   INTEGER NOT NULL,
          updated_at   INTEGER NOT NULL
        );
        CREATE INDEX schedules_next_fire ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;

        CREATE TABLE schedule_fires (
          schedule_id TEXT NOT NULL,
          slot        INTEGER NOT NULL,
          job_id      TEXT NOT NULL,
          recorded_at INTEGER NOT NULL,
          UNIQUE (schedule_id, slot)
        );

        CREATE TABLE job_dependencies (
          job_id      TEXT NOT NULL,
          depends_on  TEXT NOT NULL,
          trigger     TEXT NOT NULL,
          state       TEXT NOT NULL DEFAULT 'waiting',
          resolved_at INTEGER,
          PRIMARY KEY (job_id, depends_on)
        ) WITHOUT ROWID;
        CREATE INDEX job_dependencies_depends_on ON job_dependencies (depends_on);

        -- A schedule's runs in progress (overlap policy), without scanning its finished history.
        CREATE INDEX jobs_schedule_active ON jobs (schedule_id, status)
          WHERE schedule_id IS NOT NULL AND status NOT IN ('completed', 'failed', 'cancelled');
      `);
    },
  },
  {
    version: 3,
    description: 'metrics history (raw, per-minute and per-hour samples)',
    /**
     * metrics_samples: the engine's periodic samples (resolution 'raw', every ~10 s) and their
     * roll-ups ('minute', 'hour': averages of the samples of that minute/hour, `samples` of them).
     * Retention (docs/analytics.md): raw 24 h, minute 7 days, hour 1 year; see
     * sqlite-analytics-repository.ts compactMetrics(). queue_depths: JSON queue → status → count.
     * Also an index for the analytics report's by-type scans of finished jobs.
     */
    up(db) {
      db.exec(`
        CREATE TABLE metrics_samples (
          id                 INTEGER PRIMARY KEY,
          ts                 INTEGER NOT NULL,
          resolution         TEXT NOT NULL CHECK (resolution IN ('raw', 'minute', 'hour')),
          samples            INTEGER NOT NULL DEFAULT 1,
          cpu_percent        REAL NOT NULL,
          memory_percent     REAL NOT NULL,
          running            REAL NOT NULL,
          pending            REAL NOT NULL,
          workers            REAL NOT NULL,
          throughput_per_min REAL NOT NULL,
          rate_limit_waits   INTEGER NOT NULL,
          queue_depths       TEXT
        );
        CREATE INDEX metrics_samples_ts ON metrics_samples (resolution, ts);
        CREATE INDEX jobs_type_finished ON jobs (type, finished_at) WHERE finished_at IS NOT NULL;
      `);
    },
  },
  {
    version: 4,
    description: 'declared rate-limit pools',
    /**
     * rate_pools: pools declared with `jobhandle pools set` or `pools:set` (name, tokens per
     * minute, burst). Engines load them at start and again when the store changes; pools from
     * the settings file are used when no row overrides them.
     */
    up(db) {
      db.exec(`
        CREATE TABLE rate_pools (
          name       TEXT PRIMARY KEY,
          per_minute REAL NOT NULL,
          burst      INTEGER NOT NULL DEFAULT 1,
          updated_at INTEGER NOT NULL
        );
      `);
    },
  },
  {
    version: 5,
    description: 'job counts by queue and status, kept by triggers',
    /**
     * job_counts: how many jobs each (queue, status) holds, kept exact by triggers on jobs, so
     * that stats, health, the auto-scaler and the live feed read counts in O(1) instead of
     * scanning the table (a GROUP BY over 1M rows stalls the engine's event loop for ~1 s).
     * Costs two tiny upserts per status change.
     */
    up(db) {
      db.exec(`
        CREATE TABLE job_counts (
          queue  TEXT NOT NULL,
          status TEXT NOT NULL,
          n      INTEGER NOT NULL,
          PRIMARY KEY (queue, status)
        ) WITHOUT ROWID;
        INSERT INTO job_counts (queue, status, n) SELECT queue, status, COUNT(*) FROM jobs GROUP BY queue, status;
        CREATE TRIGGER job_counts_insert AFTER INSERT ON jobs BEGIN
          INSERT INTO job_counts (queue, status, n) VALUES (NEW.queue, NEW.status, 1)
            ON CONFLICT (queue, status) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER job_counts_delete AFTER DELETE ON jobs BEGIN
          UPDATE job_counts SET n = n - 1 WHERE queue = OLD.queue AND status = OLD.status;
        END;
        CREATE TRIGGER job_counts_update AFTER UPDATE OF status, queue ON jobs
          WHEN OLD.status IS NOT NEW.status OR OLD.queue IS NOT NEW.queue BEGIN
          UPDATE job_counts SET n = n - 1 WHERE queue = OLD.queue AND status = OLD.status;
          INSERT INTO job_counts (queue, status, n) VALUES (NEW.queue, NEW.status, 1)
            ON CONFLICT (queue, status) DO UPDATE SET n = n + 1;
        END;
      `);
    },
  },
  {
    version: 6,
    description: 'job counts kept by the store\'s own writes instead of per-row triggers',
    /**
     * The triggers of migration 5 ran a trigger program per row: measured with better-sqlite3 on
     * this schema, ~10 µs per inserted row (half of a bulk submit) and ~8 µs per claimed and
     * completed job (a third of the engine's time per job). The writes of the store now add their
     * changes to job_counts themselves, in the same transaction, one upsert per (queue, status)
     * group of a batch (job-counts.ts). The counts the triggers kept are exact and stay.
     */
    up(db) {
      db.exec(`DROP TRIGGER job_counts_insert;
        DROP TRIGGER job_counts_update;
        DROP TRIGGER job_counts_delete;`);
    },
  },
  {
    version: 7,
    description: 'no by-type index of finished jobs',
    /**
     * jobs_type_finished (migration 3) took an index insert with every finished job: measured on
     * the no-op drain, ~6 % of the store thread's CPU per job (~7 % of the drain's instructions
     * under callgrind). It served only analytics filtered by type; those now scan their window
     * through jobs_finished (sqlite-analytics-repository.ts), which costs at most what the same
     * report without the filter does.
     */
    up(db) {
      db.exec('DROP INDEX jobs_type_finished;');
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
