/**
 * The AnalyticsRepository of the SQLite store: finished jobs for reports (a cursor over the
 * `jobs_finished` index, constant memory), outcome counts and queue depths for health and metrics,
 * and the `metrics_samples` table (migration 3) with its roll-up and retention.
 */
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { priorityFromRank, type ParsedJobListQuery } from '../../../../shared/model';
import { buildListQuery } from './job-list-query';
import type { JobRow } from './job-row';
import type { FinishedJobRow, MetricResolution, MetricSample, StoredMetricSample } from '../../../../shared/analytics-types';
import { rollUpSamples, RESOLUTION_MS } from '../../analytics/metrics-rollup';
import {
  DEFAULT_METRICS_RETENTION,
  type AnalyticsRepository,
  type CompactionResult,
  type FinishedJobFilter,
  type MetricsRetention,
  type OutcomeCountsInWindow,
} from '../analytics-repository';

interface FinishedRow {
  id: string;
  type: string;
  queue: string;
  status: FinishedJobRow['status'];
  attempts: number;
  created_at: number;
  run_at: number;
  started_at: number | null;
  finished_at: number | null;
  error_class: string | null;
  error_message: string | null;
}

interface SampleRow {
  ts: number;
  resolution: MetricResolution;
  samples: number;
  cpu_percent: number;
  memory_percent: number;
  running: number;
  pending: number;
  workers: number;
  throughput_per_min: number;
  rate_limit_waits: number;
  queue_depths: string | null;
}

function toSample(r: SampleRow): StoredMetricSample {
  return {
    ts: r.ts,
    resolution: r.resolution,
    samples: r.samples,
    cpuPercent: r.cpu_percent,
    memoryPercent: r.memory_percent,
    running: r.running,
    pending: r.pending,
    workers: r.workers,
    throughputPerMin: r.throughput_per_min,
    rateLimitWaits: r.rate_limit_waits,
    queueDepths: r.queue_depths ? (JSON.parse(r.queue_depths) as Record<string, Record<string, number>>) : {},
  };
}

/**
 * The finished jobs of a window, filtered. The window is read through jobs_finished: `+type` and
 * `+queue` keep the planner off jobs_type, which would walk every job of that type ever stored
 * (migration 7 dropped the by-type index of finished jobs).
 */
export function finishedJobsQuery(filter: FinishedJobFilter): { sql: string; params: unknown[] } {
  const where = ['finished_at >= ?', 'finished_at < ?'];
  const params: unknown[] = [filter.from, filter.to];
  for (const [column, values] of [
    ['+type', filter.types],
    ['+queue', filter.queues],
    ['status', filter.statuses],
  ] as const) {
    if (values?.length) {
      where.push(`${column} IN (${placeholders(values)})`);
      params.push(...values);
    }
  }
  return {
    sql: `SELECT id, type, queue, status, attempts, created_at, run_at, started_at, finished_at, error_class, error_message
       FROM jobs WHERE ${where.join(' AND ')}`,
    params,
  };
}

function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

export class SqliteAnalyticsRepository implements AnalyticsRepository {
  readonly storageDir: string | null;
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.storageDir = path === ':memory:' ? null : dirname(path);
    this.stmts = {
      outcomes: db.prepare(
        'SELECT status, COUNT(*) AS n FROM jobs WHERE finished_at >= ? AND finished_at < ? GROUP BY status',
      ),
      depths: db.prepare(
        // job_counts is kept exact (job-counts.ts): no scan of the jobs table.
        "SELECT queue, status, n FROM job_counts WHERE n > 0 AND status NOT IN ('completed', 'failed', 'cancelled')",
      ),
      insertSample: db.prepare(`INSERT INTO metrics_samples (ts, resolution, samples, cpu_percent, memory_percent, running,
          pending, workers, throughput_per_min, rate_limit_waits, queue_depths)
        VALUES (@ts, @resolution, @samples, @cpuPercent, @memoryPercent, @running, @pending, @workers, @throughputPerMin,
          @rateLimitWaits, @queueDepths)`),
      samples: db.prepare('SELECT * FROM metrics_samples WHERE resolution = ? AND ts >= ? AND ts < ? ORDER BY ts, id'),
      deleteBefore: db.prepare('DELETE FROM metrics_samples WHERE resolution = ? AND ts < ?'),
    };
  }

  /** A synchronous cursor (better-sqlite3 iterate): consume it without awaiting in between. */
  *finishedJobs(filter: FinishedJobFilter): Generator<FinishedJobRow> {
    const { sql, params } = finishedJobsQuery(filter);
    const stmt = this.db.prepare(sql);
    for (const r of stmt.iterate(...params) as IterableIterator<FinishedRow>) {
      yield {
        id: r.id,
        type: r.type,
        queue: r.queue,
        status: r.status,
        attempts: r.attempts,
        createdAt: r.created_at,
        runAt: r.run_at,
        startedAt: r.started_at,
        finishedAt: r.finished_at,
        errorClass: r.error_class as FinishedJobRow['errorClass'],
        errorMessage: r.error_message,
      };
    }
  }

  /**
   * The filtered job list as flat CSV rows, oldest first as the query sorts, through a read-only
   * connection of its own (one cursor, constant memory; the export may await between rows while the
   * engine keeps writing). JSON columns are passed through as stored, not parsed and re-serialized.
   */
  *exportJobRows(query: ParsedJobListQuery): Generator<object> {
    if (this.path === ':memory:') throw new Error('exportJobRows needs a database file');
    const built = buildListQuery(query);
    const params = [...built.params];
    params[params.length - 1] = -1; // no LIMIT: the whole list
    const reader = new Database(this.path, { readonly: true, fileMustExist: true });
    try {
      reader.pragma('busy_timeout = 5000');
      for (const r of reader.prepare(built.sql).iterate(...params) as IterableIterator<JobRow>) {
        const metrics = r.metrics ? (JSON.parse(r.metrics) as { durationMs?: number; waitMs?: number }) : {};
        yield {
          id: r.id,
          type: r.type,
          queue: r.queue,
          status: r.status,
          priority: priorityFromRank(r.priority),
          progress: r.progress,
          attempts: r.attempts,
          maxRetries: r.max_retries,
          createdAt: r.created_at,
          runAt: r.run_at,
          startedAt: r.started_at,
          finishedAt: r.finished_at,
          metrics: { durationMs: metrics.durationMs, waitMs: metrics.waitMs },
          worker: r.worker,
          scheduleId: r.schedule_id,
          error: r.error_class ? { class: r.error_class, code: r.error_code, message: r.error_message } : null,
          parameters: r.parameters,
          // A bare JSON number is a number cell, as when the parsed value is exported.
          result: r.result !== null && /^-?\d/.test(r.result) && Number.isFinite(Number(r.result)) ? Number(r.result) : r.result,
        };
      }
    } finally {
      reader.close();
    }
  }

  async outcomeCounts(from: number, to: number): Promise<OutcomeCountsInWindow> {
    const out: OutcomeCountsInWindow = { completed: 0, failed: 0, cancelled: 0 };
    for (const r of this.stmts.outcomes.all(from, to) as Array<{ status: string; n: number }>) {
      if (r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled') out[r.status] = r.n;
    }
    return out;
  }

  async queueDepths(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = {};
    for (const r of this.stmts.depths.all() as Array<{ queue: string; status: string; n: number }>) {
      (out[r.queue] ??= {})[r.status] = r.n;
    }
    return out;
  }

  async insertMetricSample(sample: MetricSample): Promise<void> {
    this.insert({ ...sample, resolution: 'raw', samples: 1 });
  }

  private insert(s: StoredMetricSample): void {
    this.stmts.insertSample.run({
      ts: s.ts,
      resolution: s.resolution,
      samples: s.samples,
      cpuPercent: s.cpuPercent,
      memoryPercent: s.memoryPercent,
      running: s.running,
      pending: s.pending,
      workers: s.workers,
      throughputPerMin: s.throughputPerMin,
      rateLimitWaits: s.rateLimitWaits,
      queueDepths: s.queueDepths && Object.keys(s.queueDepths).length ? JSON.stringify(s.queueDepths) : null,
    });
  }

  /** Materialized (the history is small: at most ~30,000 rows) so that callers may await between rows. */
  metricSamples(from: number, to: number, resolution: MetricResolution): StoredMetricSample[] {
    return (this.stmts.samples.all(resolution, from, to) as SampleRow[]).map(toSample);
  }

  /**
   * One transaction: raw samples before the raw cutoff (aligned down to a minute) become minute
   * rows; minute rows before the minute cutoff (aligned down to an hour) become hour rows; hour
   * rows past their retention are deleted.
   */
  async compactMetrics(now: number, retention: MetricsRetention = DEFAULT_METRICS_RETENTION): Promise<CompactionResult> {
    const result: CompactionResult = { minuteRows: 0, hourRows: 0, deleted: 0 };
    this.db
      .transaction(() => {
        const steps = [
          { from: 'raw', to: 'minute', cutoff: Math.floor((now - retention.rawMs) / RESOLUTION_MS.minute) * RESOLUTION_MS.minute },
          { from: 'minute', to: 'hour', cutoff: Math.floor((now - retention.minuteMs) / RESOLUTION_MS.hour) * RESOLUTION_MS.hour },
        ] as const;
        for (const step of steps) {
          const old = (this.stmts.samples.all(step.from, 0, step.cutoff) as SampleRow[]).map(toSample);
          if (!old.length) continue;
          const rolled = rollUpSamples(old, step.to);
          for (const row of rolled) this.insert(row);
          const n = rolled.length;
          if (step.to === 'minute') result.minuteRows += n;
          else result.hourRows += n;
          result.deleted += this.stmts.deleteBefore.run(step.from, step.cutoff).changes;
        }
        result.deleted += this.stmts.deleteBefore.run('hour', now - retention.hourMs).changes;
      })
      .immediate();
    return result;
  }

  async integrityCheck(): Promise<{ ok: boolean; detail: string }> {
    const rows = this.db.pragma('quick_check') as Array<{ quick_check: string }>;
    const detail = rows.map((r) => r.quick_check).join('; ');
    return { ok: detail === 'ok', detail };
  }
}
