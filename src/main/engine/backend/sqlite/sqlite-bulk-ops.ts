/**
 * Bulk operations on the SQLite store: delete finished jobs, by id (the dashboard) or by age
 * (retention), with their logs, attempts and dependency edges; change the priority of waiting
 * jobs; each in one transaction per chunk. Plus the per-queue counts by status the live feed shows.
 */
import type Database from 'better-sqlite3';
import type { JobStatus } from '../../../../shared/model';
import type { BulkOpOutcome } from '../queue-backend';
import type { JobCounts } from './job-counts';

const CHUNK = 500;
const RETENTION_CHUNK = 5000;
const FINISHED: readonly string[] = ['completed', 'failed', 'cancelled'];
const WAITING: readonly string[] = ['pending', 'scheduled', 'retrying', 'waiting'];

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The SQLite side of QueueBackend.deleteJobs / setPriority / countByQueueStatus. */
export class SqliteBulkOps {
  private readonly status: Database.Statement;
  private readonly delJob: Database.Statement;
  private readonly delLogs: Database.Statement;
  private readonly delAttempts: Database.Statement;
  private readonly delEdges: Database.Statement;
  private readonly setPrio: Database.Statement;
  private readonly byQueue: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly counts: JobCounts,
  ) {
    this.status = db.prepare('SELECT status, queue FROM jobs WHERE id = ?');
    this.delJob = db.prepare("DELETE FROM jobs WHERE id = ? AND status IN ('completed', 'failed', 'cancelled')");
    this.delLogs = db.prepare('DELETE FROM job_logs WHERE job_id = ?');
    this.delAttempts = db.prepare('DELETE FROM job_attempts WHERE job_id = ?');
    this.delEdges = db.prepare('DELETE FROM job_dependencies WHERE job_id = ? OR depends_on = ?');
    this.setPrio = db.prepare(
      "UPDATE jobs SET priority = ?, updated_at = ? WHERE id = ? AND status IN ('pending', 'scheduled', 'retrying', 'waiting')",
    );
    this.byQueue = db.prepare('SELECT queue, status, n FROM job_counts WHERE n > 0'); // kept exact (job-counts.ts)
  }

  /**
   * Delete finished jobs among `ids`. Output: one outcome per id, in order. Errors: a storage error
   * (the chunk being written is rolled back; earlier chunks stay deleted).
   */
  deleteJobs(ids: readonly string[]): BulkOpOutcome[] {
    const out: BulkOpOutcome[] = [];
    for (const part of chunks(ids)) {
      this.db
        .transaction(() => {
          for (const id of part) {
            const row = this.status.get(id) as { status: string; queue: string } | undefined;
            if (!row) out.push({ id, ok: false, code: 'NOT_FOUND', message: `no job with id ${id}` });
            else if (!FINISHED.includes(row.status)) {
              out.push({ id, ok: false, code: 'CONFLICT', message: `job ${id} is ${row.status}: only completed, failed or cancelled jobs can be deleted (cancel it first)` });
            } else {
              if (this.delJob.run(id).changes) this.counts.add(row.queue, row.status, -1);
              this.deleteTrail(id);
              out.push({ id, ok: true });
            }
          }
        })
        .immediate();
    }
    return out;
  }

  /**
   * Retention: delete jobs of the terminal `statuses` that finished before `before`. Returns the
   * count. Chunks of RETENTION_CHUNK keep each write short, so that claims are not held up.
   */
  deleteFinishedBefore(before: number, statuses: readonly JobStatus[]): number {
    const wanted = statuses.filter((s) => FINISHED.includes(s));
    if (!wanted.length) return 0;
    const del = this.db.prepare(`DELETE FROM jobs WHERE seq IN (
        SELECT seq FROM jobs WHERE finished_at < ? AND status IN (${wanted.map((s) => `'${s}'`).join(', ')}) LIMIT ${RETENTION_CHUNK})
      RETURNING id, queue, status`);
    let total = 0;
    for (;;) {
      const n = this.db
        .transaction(() => {
          const rows = del.all(before) as Array<{ id: string; queue: string; status: string }>;
          const counts = this.counts.tally();
          for (const { id, queue, status } of rows) {
            this.deleteTrail(id);
            counts.add(queue, status, -1);
          }
          counts.apply();
          return rows.length;
        })
        .immediate();
      total += n;
      if (n < RETENTION_CHUNK) return total;
    }
  }

  /**
   * What a deleted job leaves: its logs, its attempts, and its dependency edges both ways. The
   * edges to its dependents were resolved when it finished; left behind, they would keep the
   * store's "no edges at all" shortcut (SqliteDependencies.resolveAfter) off for good.
   */
  private deleteTrail(id: string): void {
    this.delLogs.run(id);
    this.delAttempts.run(id);
    this.delEdges.run(id, id);
  }

  /** Set `priority` (0–3) on waiting jobs among `ids`. Output: one outcome per id. Errors: a storage error. */
  setPriority(ids: readonly string[], priority: number, now: number): BulkOpOutcome[] {
    const out: BulkOpOutcome[] = [];
    for (const part of chunks(ids)) {
      this.db
        .transaction(() => {
          for (const id of part) {
            const row = this.status.get(id) as { status: string } | undefined;
            if (!row) out.push({ id, ok: false, code: 'NOT_FOUND', message: `no job with id ${id}` });
            else if (!WAITING.includes(row.status)) {
              out.push({ id, ok: false, code: 'CONFLICT', message: `job ${id} is ${row.status}: only waiting jobs (pending, scheduled, retrying, waiting) can change priority` });
            } else {
              this.setPrio.run(priority, now, id);
              out.push({ id, ok: true });
            }
          }
        })
        .immediate();
    }
    return out;
  }

  /** Jobs by queue and status, from the job_counts table (O(1), job-counts.ts). */
  countByQueueStatus(): Record<string, Partial<Record<JobStatus, number>>> {
    const out: Record<string, Partial<Record<JobStatus, number>>> = {};
    for (const r of this.byQueue.all() as Array<{ queue: string; status: JobStatus; n: number }>) {
      (out[r.queue] ??= {})[r.status] = r.n;
    }
    return out;
  }
}
