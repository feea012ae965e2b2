/**
 * Types of the analytics report: the row it reads and the figures it returns.
 * Definitions of every figure are in docs/analytics.md.
 */
import type { ErrorClass, JobStatus } from '../../../shared/model';
import type { PercentileSummary } from './percentiles';

/**
 * The minimal view of a job the report reads: no parameters, results or logs, so that a store can
 * stream millions of these cheaply. Rows that are not terminal (completed/failed/cancelled) or whose
 * finishedAt falls outside the report window are skipped.
 */
export interface FinishedJobRow {
  id: string;
  type: string;
  queue: string;
  status: JobStatus;
  /** How many times the job was started; retries = attempts − 1 (never below 0). */
  attempts: number;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms when the job became runnable (scheduled jobs, backoff). Optional: wait starts here when later than createdAt. */
  runAt?: number | null;
  /** Epoch ms the (last) run started; null when the job never ran (e.g. cancelled while waiting). */
  startedAt: number | null;
  /** Epoch ms the job reached its terminal status. */
  finishedAt: number | null;
  errorClass: ErrorClass | null;
  errorMessage: string | null;
}

export type ReportBucket = 'hour' | 'day';
export type GroupDimension = 'type' | 'queue';

/** type → durations (ms) of that type's past runs; see `durationHistory()`. */
export type DurationHistory = ReadonlyMap<string, readonly number[]>;

/** The slow-run rule: flagged when duration > max(p95 × p95Factor, p50 × p50Factor), given minSamples. */
export interface SlowRunRule {
  /** Fewest history samples a type needs before its runs can be flagged (default 20). */
  minSamples?: number;
  /** Default 3. */
  p95Factor?: number;
  /** Default 10. */
  p50Factor?: number;
}

export interface ReportOptions {
  /** Window start, epoch ms, inclusive (on finishedAt). */
  from: number;
  /** Window end, epoch ms, exclusive. */
  to: number;
  /** Trend bucket size (UTC-aligned unless tzOffsetMinutes is given). Default 'hour'. */
  bucket?: ReportBucket;
  /** Which breakdowns to compute besides `overall`. Default ['type', 'queue']. */
  groupBy?: GroupDimension | readonly GroupDimension[];
  /** Minutes east of UTC for aligning day buckets to a local midnight (e.g. 120 for UTC+2). Default 0. */
  tzOffsetMinutes?: number;
  /** Past durations per type; when given, the report lists slow runs (see SlowRunRule). */
  history?: DurationHistory;
  slowRunRule?: SlowRunRule;
  /** Most slow runs listed (the slowest relative to their threshold); `slowRunCount` counts all. Default 100. */
  maxSlowRuns?: number;
  /** Most distinct failure groups; later new fingerprints are counted in one `other` group. Default 1000. */
  maxFailureGroups?: number;
}

export interface OutcomeCounts {
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

export interface TrendBucket {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  counts: OutcomeCounts;
  successRate: number | null;
  durationP50: number | null;
  durationP95: number | null;
}

export interface RetryStats {
  /** Sum of (attempts − 1) over the group's jobs. */
  total: number;
  /** total / jobs; null when the group has no jobs. */
  mean: number | null;
  max: number | null;
}

export interface GroupStats {
  dimension: 'overall' | GroupDimension;
  /** The type or queue name; '*' for overall. */
  key: string;
  counts: OutcomeCounts;
  /** completed / (completed + failed); null when both are 0. Cancelled jobs are left out. */
  successRate: number | null;
  /** Finished jobs (any outcome) per hour of the window. */
  throughputPerHour: number;
  /** Completed jobs per hour of the window. */
  completedPerHour: number;
  /** finishedAt − startedAt of jobs that started, any outcome (ms). */
  duration: PercentileSummary;
  /** startedAt − max(createdAt, runAt) of jobs that started (ms, never below 0). */
  wait: PercentileSummary;
  retries: RetryStats;
  /** Every bucket of the window, oldest first, empty ones included. */
  trend: TrendBucket[];
}

export interface FailureGroup {
  /** Fingerprint key: `<errorClass>:<hash>`; 'other' for failures beyond maxFailureGroups. */
  key: string;
  /** The error class; 'unclassified' when the row had none; 'other' for the overflow group. */
  errorClass: string;
  normalized: string;
  count: number;
  /** Epoch ms of the earliest and latest finishedAt. */
  firstSeen: number;
  lastSeen: number;
  /** Job types hit, sorted. */
  types: string[];
  /** Queues hit, sorted. */
  queues: string[];
  /** Up to 5 job ids, the most recent first. */
  exampleJobIds: string[];
  /** The raw message of the most recent occurrence (cut to 500 characters). */
  lastMessage: string;
}

export interface SlowRun {
  id: string;
  type: string;
  queue: string;
  status: JobStatus;
  finishedAt: number;
  durationMs: number;
  thresholdMs: number;
  historyP50: number;
  historyP95: number;
  historySamples: number;
}

export interface AnalyticsReport {
  from: number;
  to: number;
  bucket: ReportBucket;
  bucketMs: number;
  /** Rows counted in the report, and rows skipped (not terminal, or finished outside the window). */
  rows: { counted: number; skipped: number };
  overall: GroupStats;
  /** Groups by dimension (in groupBy order), then key ascending. */
  groups: GroupStats[];
  /** By count descending, then lastSeen descending, then key. */
  failures: FailureGroup[];
  /** Failures counted in the `other` group because maxFailureGroups was reached. */
  failuresOverflow: number;
  /** Only when options.history was given: slowest first (by durationMs / thresholdMs). */
  slowRuns: SlowRun[];
  slowRunCount: number;
}
