/**
 * The CSV formats JobHandle exports: column sets and the flat rows they read.
 * Columns documented in docs/analytics.md. Times are epoch ms in the rows, ISO-8601 UTC in the file.
 */
import type { CsvColumn } from './csv-export';
import type { AnalyticsReport, FailureGroup, GroupStats } from './report-types';

/** Job list export; reads JobRecord objects (nested values by path). */
export const JOB_CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { key: 'id', header: 'id' },
  { key: 'type', header: 'type' },
  { key: 'queue', header: 'queue' },
  { key: 'status', header: 'status' },
  { key: 'priority', header: 'priority' },
  { key: 'progress', header: 'progress' },
  { key: 'attempts', header: 'attempts' },
  { key: 'maxRetries', header: 'max_retries' },
  { key: 'createdAt', header: 'created_at', kind: 'time' },
  { key: 'runAt', header: 'run_at', kind: 'time' },
  { key: 'startedAt', header: 'started_at', kind: 'time' },
  { key: 'finishedAt', header: 'finished_at', kind: 'time' },
  { key: 'metrics.durationMs', header: 'duration_ms' },
  { key: 'metrics.waitMs', header: 'wait_ms' },
  { key: 'worker', header: 'worker' },
  { key: 'scheduleId', header: 'schedule_id' },
  { key: 'error.class', header: 'error_class' },
  { key: 'error.code', header: 'error_code' },
  { key: 'error.message', header: 'error_message' },
  { key: 'parameters', header: 'parameters' },
  { key: 'result', header: 'result' },
] satisfies CsvColumn[]);

/** One row per report group (overall first), see reportGroupRows(). */
export interface ReportGroupCsvRow {
  from: number;
  to: number;
  dimension: GroupStats['dimension'];
  key: string;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
  successRate: number | null;
  throughputPerHour: number;
  completedPerHour: number;
  durationP50: number | null;
  durationP95: number | null;
  durationP99: number | null;
  waitP50: number | null;
  waitP95: number | null;
  waitP99: number | null;
  retriesMean: number | null;
  retriesMax: number | null;
}

export const REPORT_GROUP_CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { key: 'from', header: 'from', kind: 'time' },
  { key: 'to', header: 'to', kind: 'time' },
  { key: 'dimension', header: 'dimension' },
  { key: 'key', header: 'key' },
  { key: 'completed', header: 'completed' },
  { key: 'failed', header: 'failed' },
  { key: 'cancelled', header: 'cancelled' },
  { key: 'total', header: 'total' },
  { key: 'successRate', header: 'success_rate' },
  { key: 'throughputPerHour', header: 'throughput_per_hour' },
  { key: 'completedPerHour', header: 'completed_per_hour' },
  { key: 'durationP50', header: 'duration_p50_ms' },
  { key: 'durationP95', header: 'duration_p95_ms' },
  { key: 'durationP99', header: 'duration_p99_ms' },
  { key: 'waitP50', header: 'wait_p50_ms' },
  { key: 'waitP95', header: 'wait_p95_ms' },
  { key: 'waitP99', header: 'wait_p99_ms' },
  { key: 'retriesMean', header: 'retries_mean' },
  { key: 'retriesMax', header: 'retries_max' },
] satisfies CsvColumn[]);

/**
 * The report's groups as flat CSV rows: overall first, then the groups in report order.
 * Input: a report. Output: an iterable of ReportGroupCsvRow. Never throws.
 */
export function* reportGroupRows(report: AnalyticsReport): Generator<ReportGroupCsvRow> {
  for (const g of [report.overall, ...report.groups]) {
    yield {
      from: report.from,
      to: report.to,
      dimension: g.dimension,
      key: g.key,
      ...g.counts,
      successRate: g.successRate,
      throughputPerHour: g.throughputPerHour,
      completedPerHour: g.completedPerHour,
      durationP50: g.duration.p50,
      durationP95: g.duration.p95,
      durationP99: g.duration.p99,
      waitP50: g.wait.p50,
      waitP95: g.wait.p95,
      waitP99: g.wait.p99,
      retriesMean: g.retries.mean,
      retriesMax: g.retries.max,
    };
  }
}

/** One row per (group, trend bucket), see reportTrendRows(). */
export interface ReportTrendCsvRow {
  dimension: GroupStats['dimension'];
  key: string;
  start: number;
  end: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
  successRate: number | null;
  durationP50: number | null;
  durationP95: number | null;
}

export const REPORT_TREND_CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { key: 'dimension', header: 'dimension' },
  { key: 'key', header: 'key' },
  { key: 'start', header: 'bucket_start', kind: 'time' },
  { key: 'end', header: 'bucket_end', kind: 'time' },
  { key: 'completed', header: 'completed' },
  { key: 'failed', header: 'failed' },
  { key: 'cancelled', header: 'cancelled' },
  { key: 'total', header: 'total' },
  { key: 'successRate', header: 'success_rate' },
  { key: 'durationP50', header: 'duration_p50_ms' },
  { key: 'durationP95', header: 'duration_p95_ms' },
] satisfies CsvColumn[]);

/**
 * The report's trend buckets as flat CSV rows, overall first, each group's buckets oldest first.
 * Input: a report. Output: an iterable of ReportTrendCsvRow. Never throws.
 */
export function* reportTrendRows(report: AnalyticsReport): Generator<ReportTrendCsvRow> {
  for (const g of [report.overall, ...report.groups]) {
    for (const b of g.trend) {
      yield { dimension: g.dimension, key: g.key, start: b.start, end: b.end, ...b.counts, successRate: b.successRate, durationP50: b.durationP50, durationP95: b.durationP95 };
    }
  }
}

/** A failure group as a CSV row: lists joined with "; " (types, queues) and " " (job ids). */
export interface FailureCsvRow {
  key: string;
  errorClass: string;
  normalized: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  types: string;
  queues: string;
  exampleJobIds: string;
  lastMessage: string;
}

export const FAILURE_CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { key: 'key', header: 'fingerprint' },
  { key: 'errorClass', header: 'error_class' },
  { key: 'normalized', header: 'message' },
  { key: 'count', header: 'count' },
  { key: 'firstSeen', header: 'first_seen', kind: 'time' },
  { key: 'lastSeen', header: 'last_seen', kind: 'time' },
  { key: 'types', header: 'job_types' },
  { key: 'queues', header: 'queues' },
  { key: 'exampleJobIds', header: 'example_job_ids' },
  { key: 'lastMessage', header: 'last_message' },
] satisfies CsvColumn[]);

/**
 * Failure groups as flat CSV rows, in the given order.
 * Input: failure groups (report.failures). Output: an iterable of FailureCsvRow. Never throws.
 */
export function* failureCsvRows(failures: Iterable<FailureGroup>): Generator<FailureCsvRow> {
  for (const f of failures) {
    yield {
      key: f.key,
      errorClass: f.errorClass,
      normalized: f.normalized,
      count: f.count,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      types: f.types.join('; '),
      queues: f.queues.join('; '),
      exampleJobIds: f.exampleJobIds.join(' '),
      lastMessage: f.lastMessage,
    };
  }
}

/** One sample of the metrics history (defined in src/shared/analytics-types.ts). */
export type { MetricSample } from '../../../shared/analytics-types';

export const METRIC_CSV_COLUMNS: readonly CsvColumn[] = Object.freeze([
  { key: 'ts', header: 'ts', kind: 'time' },
  { key: 'cpuPercent', header: 'cpu_percent' },
  { key: 'memoryPercent', header: 'memory_percent' },
  { key: 'running', header: 'running' },
  { key: 'pending', header: 'pending' },
  { key: 'workers', header: 'workers' },
  { key: 'throughputPerMin', header: 'throughput_per_min' },
  { key: 'rateLimitWaits', header: 'rate_limit_waits' },
  { key: 'queueDepths', header: 'queue_depths' },
] satisfies CsvColumn[]);
