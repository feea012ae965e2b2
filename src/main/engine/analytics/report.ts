/**
 * The analytics report: one pass over finished jobs, aggregated overall, per type and per queue,
 * with trend buckets, failure groups and (given a history) slow runs.
 *
 * Memory is proportional to the number of groups and buckets plus one number per duration and
 * per wait (needed for exact percentiles); no row is kept. Definitions: docs/analytics.md.
 */
import { AppError } from '../../../shared/errors';
import { FailureGrouper } from './failure-groups';
import { percentileOfSorted, sortSamples, summarizeSorted } from './percentiles';
import { checkSlowRun, slowRunThresholds } from './slow-runs';
import type {
  AnalyticsReport,
  FinishedJobRow,
  GroupDimension,
  GroupStats,
  OutcomeCounts,
  ReportBucket,
  ReportOptions,
  SlowRun,
  TrendBucket,
} from './report-types';

const HOUR_MS = 3_600_000;
const BUCKET_MS: Record<ReportBucket, number> = { hour: HOUR_MS, day: 24 * HOUR_MS };
/** Most trend buckets in a report (a year and a bit of hours). */
export const MAX_REPORT_BUCKETS = 10_000;

interface BucketAcc {
  completed: number;
  failed: number;
  cancelled: number;
  durations: number[];
}

interface GroupAcc {
  completed: number;
  failed: number;
  cancelled: number;
  retryTotal: number;
  retryMax: number;
  waits: number[];
  buckets: Map<number, BucketAcc>;
}

function newGroup(): GroupAcc {
  return { completed: 0, failed: 0, cancelled: 0, retryTotal: 0, retryMax: 0, waits: [], buckets: new Map() };
}

function counts(acc: { completed: number; failed: number; cancelled: number }): OutcomeCounts {
  return { completed: acc.completed, failed: acc.failed, cancelled: acc.cancelled, total: acc.completed + acc.failed + acc.cancelled };
}

/** completed / (completed + failed); null when no job completed or failed. */
export function successRate(completed: number, failed: number): number | null {
  return completed + failed === 0 ? null : completed / (completed + failed);
}

function isOutcome(status: string): status is 'completed' | 'failed' | 'cancelled' {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function validate(options: ReportOptions): { bucket: ReportBucket; bucketMs: number; offsetMs: number; first: number; count: number } {
  const { from, to } = options;
  if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
    throw new AppError('VALIDATION', `invalid report window: from (${String(from)}) must be before to (${String(to)})`);
  }
  const bucket = options.bucket ?? 'hour';
  const bucketMs = BUCKET_MS[bucket];
  if (!bucketMs) throw new AppError('VALIDATION', `invalid bucket "${String(bucket)}": expected hour or day`);
  const offsetMs = (options.tzOffsetMinutes ?? 0) * 60_000;
  if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > 14 * HOUR_MS) {
    throw new AppError('VALIDATION', `invalid tzOffsetMinutes ${String(options.tzOffsetMinutes)}: expected -840 to 840`);
  }
  const first = Math.floor((from + offsetMs) / bucketMs) * bucketMs - offsetMs;
  const count = Math.ceil((to - first) / bucketMs);
  if (count > MAX_REPORT_BUCKETS) {
    throw new AppError(
      'VALIDATION',
      `the window spans ${count} ${bucket} buckets; at most ${MAX_REPORT_BUCKETS} are allowed: use day buckets or a shorter window`,
    );
  }
  return { bucket, bucketMs, offsetMs, first, count };
}

function dimensions(groupBy: ReportOptions['groupBy']): GroupDimension[] {
  const list = groupBy === undefined ? ['type', 'queue'] : typeof groupBy === 'string' ? [groupBy] : [...groupBy];
  for (const d of list) {
    if (d !== 'type' && d !== 'queue') throw new AppError('VALIDATION', `invalid groupBy "${String(d)}": expected type or queue`);
  }
  return [...new Set(list)] as GroupDimension[];
}

function addRow(acc: GroupAcc, row: FinishedJobRow, outcome: 'completed' | 'failed' | 'cancelled', bucketIndex: number): void {
  acc[outcome]++;
  const retries = Math.max(0, (row.attempts || 0) - 1);
  acc.retryTotal += retries;
  if (retries > acc.retryMax) acc.retryMax = retries;
  let bucket = acc.buckets.get(bucketIndex);
  if (!bucket) acc.buckets.set(bucketIndex, (bucket = { completed: 0, failed: 0, cancelled: 0, durations: [] }));
  bucket[outcome]++;
  if (row.startedAt != null && row.finishedAt != null) {
    bucket.durations.push(row.finishedAt - row.startedAt);
    const readyAt = Math.max(row.createdAt, row.runAt ?? row.createdAt);
    acc.waits.push(Math.max(0, row.startedAt - readyAt));
  }
}

function finishGroup(
  dimension: GroupStats['dimension'],
  key: string,
  acc: GroupAcc,
  frame: { first: number; count: number; bucketMs: number; windowHours: number },
): GroupStats {
  const trend: TrendBucket[] = [];
  const allDurations: number[] = [];
  for (let i = 0; i < frame.count; i++) {
    const b = acc.buckets.get(i);
    const start = frame.first + i * frame.bucketMs;
    const sorted = sortSamples(b?.durations ?? []);
    if (b) for (const d of b.durations) allDurations.push(d);
    const c = counts(b ?? { completed: 0, failed: 0, cancelled: 0 });
    trend.push({
      start,
      end: start + frame.bucketMs,
      counts: c,
      successRate: successRate(c.completed, c.failed),
      durationP50: percentileOfSorted(sorted, 50),
      durationP95: percentileOfSorted(sorted, 95),
    });
  }
  const c = counts(acc);
  return {
    dimension,
    key,
    counts: c,
    successRate: successRate(c.completed, c.failed),
    throughputPerHour: c.total / frame.windowHours,
    completedPerHour: c.completed / frame.windowHours,
    duration: summarizeSorted(sortSamples(allDurations)),
    wait: summarizeSorted(sortSamples(acc.waits)),
    retries: { total: acc.retryTotal, mean: c.total === 0 ? null : acc.retryTotal / c.total, max: c.total === 0 ? null : acc.retryMax },
    trend,
  };
}

/**
 * Builds the analytics report incrementally: `add()` each row (sync or from an async source such as
 * a paged store listing), then `result()`. Memory as buildReport. Errors: the constructor throws
 * AppError VALIDATION for an empty or inverted window, an unknown bucket or groupBy, or more than
 * MAX_REPORT_BUCKETS buckets.
 */
export class ReportBuilder {
  private readonly frame: { bucket: ReportBucket; bucketMs: number; first: number; count: number };
  private readonly maxSlowRuns: number;
  private readonly thresholds: ReturnType<typeof slowRunThresholds> | null;
  private readonly overall = newGroup();
  private readonly byDim: Map<GroupDimension, Map<string, GroupAcc>>;
  private readonly failures: FailureGrouper;
  private slowRuns: SlowRun[] = [];
  private slowRunCount = 0;
  private counted = 0;
  private skipped = 0;

  constructor(private readonly options: ReportOptions) {
    this.frame = validate(options);
    this.byDim = new Map(dimensions(options.groupBy).map((d) => [d, new Map()]));
    this.maxSlowRuns = options.maxSlowRuns ?? 100;
    this.thresholds = options.history ? slowRunThresholds(options.history, options.slowRunRule) : null;
    this.failures = new FailureGrouper(options.maxFailureGroups ?? 1000);
  }

  /** Count one row (skipped when not terminal or finished outside the window). Never throws. */
  add(row: FinishedJobRow): void {
    const at = row.finishedAt;
    if (!isOutcome(row.status) || at == null || at < this.options.from || at >= this.options.to) {
      this.skipped++;
      return;
    }
    this.counted++;
    const bucketIndex = Math.floor((at - this.frame.first) / this.frame.bucketMs);
    addRow(this.overall, row, row.status, bucketIndex);
    for (const [dim, groups] of this.byDim) {
      const key = dim === 'type' ? row.type : row.queue;
      let acc = groups.get(key);
      if (!acc) groups.set(key, (acc = newGroup()));
      addRow(acc, row, row.status, bucketIndex);
    }
    this.failures.add(row);
    if (this.thresholds) {
      const slow = checkSlowRun(row, this.thresholds);
      if (slow) {
        this.slowRunCount++;
        this.slowRuns.push(slow);
        if (this.slowRuns.length > 2 * this.maxSlowRuns) this.slowRuns = this.slowRuns.sort(bySlowness).slice(0, this.maxSlowRuns);
      }
    }
  }

  /** The report of the rows added so far. Never throws. */
  result(): AnalyticsReport {
    const { options } = this;
    const { first, count, bucketMs, bucket } = this.frame;
    const frame = { first, count, bucketMs, windowHours: (options.to - options.from) / HOUR_MS };
    const groups: GroupStats[] = [];
    for (const [dim, accs] of this.byDim) {
      const keys = [...accs.keys()].sort();
      for (const key of keys) groups.push(finishGroup(dim, key, accs.get(key) as GroupAcc, frame));
    }
    return {
      from: options.from,
      to: options.to,
      bucket,
      bucketMs,
      rows: { counted: this.counted, skipped: this.skipped },
      overall: finishGroup('overall', '*', this.overall, frame),
      groups,
      failures: this.failures.result(),
      failuresOverflow: this.failures.overflow,
      slowRuns: [...this.slowRuns].sort(bySlowness).slice(0, this.maxSlowRuns),
      slowRunCount: this.slowRunCount,
    };
  }
}

function bySlowness(a: SlowRun, b: SlowRun): number {
  return b.durationMs / b.thresholdMs - a.durationMs / a.thresholdMs;
}

/**
 * Builds the analytics report in one pass.
 * Input: rows (any order; non-terminal rows and rows finished outside [from, to) are skipped and
 * counted in `rows.skipped`); options (window, bucket, groupBy, optional history for slow runs).
 * Output: the AnalyticsReport. Errors: AppError VALIDATION for an empty or inverted window, an
 * unknown bucket or groupBy, or more than MAX_REPORT_BUCKETS buckets.
 */
export function buildReport(rows: Iterable<FinishedJobRow>, options: ReportOptions): AnalyticsReport {
  const builder = new ReportBuilder(options);
  for (const row of rows) builder.add(row);
  return builder.result();
}
