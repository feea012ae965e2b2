/**
 * Wire types of analytics: the report, failure groups, slow runs and metric samples. Shared by the
 * engine (src/main/engine/analytics builds them) and every client (the contract returns them).
 * Definitions of every figure are in docs/analytics.md. Pure TypeScript.
 */
import type { ErrorClass, JobStatus } from './model';

/** p50 / p95 / p99 of a set of samples, plus count, min, max and mean; null figures when empty. */
export interface PercentileSummary {
  count: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

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

/** One sample of the metrics history. */
export interface MetricSample {
  /** Epoch ms. */
  ts: number;
  /** Host CPU use, 0–100. */
  cpuPercent: number;
  /** Host memory use, 0–100. */
  memoryPercent: number;
  running: number;
  pending: number;
  workers: number;
  throughputPerMin: number;
  /** Times a job waited for a rate-limit token during the sample period. */
  rateLimitWaits: number;
  /** Optional per-queue depth by status (`{ default: { pending: 3, running: 1 } }`), written as JSON. */
  queueDepths?: Record<string, Record<string, number>>;
}

export const METRIC_RESOLUTIONS = ['raw', 'minute', 'hour'] as const;
export type MetricResolution = (typeof METRIC_RESOLUTIONS)[number];

/** A stored sample: raw, or the average of the samples of one minute or hour (`samples` of them). */
export interface StoredMetricSample extends MetricSample {
  resolution: MetricResolution;
  /** Raw samples this row stands for (1 for a raw sample). */
  samples: number;
}

/** The failure analysis of a window: the report's failure groups. */
export interface FailureAnalysis {
  from: number;
  to: number;
  /** Failed jobs in the window. */
  failed: number;
  groups: FailureGroup[];
  /** Failures counted in the `other` group (more distinct fingerprints than the report keeps). */
  overflow: number;
}

/** What one maintenance run did (`maintenance:run`, `jobhandle maintenance`, the maintenance job's result). */
export interface MaintenanceRunResult {
  /** Finished jobs removed per status by the retention settings; null when retention was skipped. */
  retention: { completed: number; failed: number; cancelled: number } | null;
  /** Metrics history roll-up; null when none ran. */
  metrics: { minuteRows: number; hourRows: number; deleted: number } | null;
  /** The store's own upkeep (SQLite: checkpoint, freeRatio, vacuumed, backup, removedBackups); null when none. */
  store: Record<string, unknown> | null;
}
