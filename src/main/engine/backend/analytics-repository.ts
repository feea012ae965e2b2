/**
 * The AnalyticsRepository port: what analytics, metrics history and health ask of a store beyond
 * the QueueBackend. A backend exposes one as its optional `analytics` member (SqliteBackend does);
 * where a backend has none, the engine falls back to the QueueBackend listing for reports and to a
 * local SQLite file for metrics (see analytics-service.ts and docs/analytics.md).
 */
import type { FinishedJobRow, MetricResolution, MetricSample, StoredMetricSample } from '../../../shared/analytics-types';
import type { JobStatus, ParsedJobListQuery } from '../../../shared/model';

/** Which finished jobs to read: `finishedAt` in [from, to), optional filters. */
export interface FinishedJobFilter {
  from: number;
  to: number;
  types?: readonly string[];
  queues?: readonly string[];
  statuses?: readonly JobStatus[];
}

/** Rows may come synchronously (a SQLite cursor) or asynchronously (pages of a remote store). */
export type RowSource<T> = Iterable<T> | AsyncIterable<T>;

/** How long each resolution of the metrics history is kept, ms. */
export interface MetricsRetention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
}

export const DEFAULT_METRICS_RETENTION: Readonly<MetricsRetention> = Object.freeze({
  rawMs: 24 * 3_600_000,
  minuteMs: 7 * 86_400_000,
  hourMs: 365 * 86_400_000,
});

export interface CompactionResult {
  /** Roll-up rows written, by resolution. */
  minuteRows: number;
  hourRows: number;
  /** Rows deleted (rolled up or past retention). */
  deleted: number;
}

export interface OutcomeCountsInWindow {
  completed: number;
  failed: number;
  cancelled: number;
}

export interface AnalyticsRepository {
  /**
   * Finished jobs in the window, in no promised order, as the report reads them. The SQLite
   * implementation is a synchronous cursor: consume it without awaiting in between.
   */
  finishedJobs(filter: FinishedJobFilter): RowSource<FinishedJobRow>;
  /** Counts of jobs that finished in [from, to), by outcome. */
  outcomeCounts(from: number, to: number): Promise<OutcomeCountsInWindow>;
  /** Non-terminal jobs by queue and status: queue → status → count. */
  queueDepths(): Promise<Record<string, Record<string, number>>>;
  /** Store one raw metrics sample. */
  insertMetricSample(sample: MetricSample): Promise<void>;
  /** Samples of one resolution with ts in [from, to), oldest first. */
  metricSamples(from: number, to: number, resolution: MetricResolution): RowSource<StoredMetricSample>;
  /** Roll raw samples older than the raw retention into minutes, minutes into hours; drop old hours. */
  compactMetrics(now: number, retention?: MetricsRetention): Promise<CompactionResult>;
  /** A quick integrity check of the store (SQLite: PRAGMA quick_check). */
  integrityCheck(): Promise<{ ok: boolean; detail: string }>;
  /**
   * Optional: the filtered job list as flat CSV rows (JOB_CSV_COLUMNS keys), read with one cursor
   * on a connection of its own so that the caller may await between rows. Stores without it are
   * exported page by page through listJobs.
   */
  exportJobRows?(query: ParsedJobListQuery): Iterable<object>;
  /** The directory holding the store's files, for the disk-space check; null when remote. */
  readonly storageDir: string | null;
}
