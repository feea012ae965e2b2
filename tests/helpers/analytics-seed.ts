/**
 * Seeds a SQLite job store with finished (or running) jobs at exact timestamps, through the
 * store's own connection (SqliteBackend.database), for analytics, health and export tests.
 */
import { recountJobCounts } from '../../src/main/engine/backend/sqlite/job-counts';
import type { SqliteBackend } from '../../src/main/engine/backend/sqlite/sqlite-backend';
import type { JobManager } from '../../src/main/engine/manager';
import type { JobStatus } from '../../src/shared/model';

export interface SeedJob {
  id: string;
  type: string;
  queue?: string;
  status: JobStatus;
  createdAt: number;
  runAt?: number;
  startedAt?: number | null;
  finishedAt?: number | null;
  attempts?: number;
  errorClass?: string | null;
  errorMessage?: string | null;
  parameters?: Record<string, unknown>;
  result?: unknown;
  timeoutSeconds?: number;
  engineId?: string | null;
}

/** Insert the jobs in one transaction (and recount job_counts). Throws when the manager's store is not SQLite. */
export function seedJobs(manager: JobManager, jobs: readonly SeedJob[]): void {
  const backend = manager.backend as SqliteBackend;
  if (backend.kind !== 'sqlite') throw new Error('seedJobs needs a SQLite store');
  const db = backend.database;
  const insert = db.prepare(`INSERT INTO jobs (id, type, queue, parameters, priority, status, attempts, max_retries, retry_delay_s,
      timeout_s, run_at, created_at, started_at, finished_at, updated_at, result, error_class, error_message, metrics, limits, engine_id)
    VALUES (@id, @type, @queue, @parameters, 1, @status, @attempts, 3, 0, @timeout, @runAt, @createdAt, @startedAt, @finishedAt,
      @updatedAt, @result, @errorClass, @errorMessage, @metrics, '{}', @engineId)`);
  db.transaction(() => {
    for (const j of jobs) {
      const startedAt = j.startedAt ?? null;
      const finishedAt = j.finishedAt ?? null;
      insert.run({
        id: j.id,
        type: j.type,
        queue: j.queue ?? 'default',
        parameters: JSON.stringify(j.parameters ?? {}),
        status: j.status,
        attempts: j.attempts ?? (startedAt === null ? 0 : 1),
        timeout: j.timeoutSeconds ?? 3600,
        runAt: j.runAt ?? j.createdAt,
        createdAt: j.createdAt,
        startedAt,
        finishedAt,
        updatedAt: finishedAt ?? startedAt ?? j.createdAt,
        result: j.result === undefined ? null : JSON.stringify(j.result),
        errorClass: j.errorClass ?? null,
        errorMessage: j.errorMessage ?? null,
        metrics: JSON.stringify(startedAt !== null && finishedAt !== null ? { durationMs: finishedAt - startedAt } : {}),
        engineId: j.engineId ?? null,
      });
    }
  })();
  // Rows written around the store are not counted by it: recount, as the store's own inserts would have.
  recountJobCounts(db);
}

/** A fixed clock for managers under test. */
export function fixedClock(at: number): { now: () => number; set: (t: number) => void } {
  let t = at;
  return { now: () => t, set: (v: number) => void (t = v) };
}
