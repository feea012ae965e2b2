/**
 * AnalyticsService: reports, failure analysis, metrics history and the CSV exports, over the
 * QueueBackend port. Finished jobs come from the backend's AnalyticsRepository when it has one
 * (SQLite: a cursor, constant memory) or else from the backend's listing, page by page (sorted by
 * finishedAt, newest first, stopping at the window's start): on Redis that listing is the shared
 * store, so a report covers every engine sharing it. Definitions: docs/analytics.md.
 */
import { AppError } from '../../../shared/errors';
import type { AnalyticsReport, FailureAnalysis, FinishedJobRow, MetricResolution, ReportBucket, StoredMetricSample } from '../../../shared/analytics-types';
import { JobListQuerySchema, TERMINAL_STATUSES, type JobListQuery, type JobRecord } from '../../../shared/model';
import type { AnalyticsRepository, FinishedJobFilter, RowSource } from '../backend/analytics-repository';
import { DEFAULT_METRICS_RETENTION } from '../backend/analytics-repository';
import type { QueueBackend } from '../backend/queue-backend';
import type { Clock } from '../clock';
import {
  FAILURE_CSV_COLUMNS,
  JOB_CSV_COLUMNS,
  METRIC_CSV_COLUMNS,
  REPORT_GROUP_CSV_COLUMNS,
  REPORT_TREND_CSV_COLUMNS,
  failureCsvRows,
  reportGroupRows,
  reportTrendRows,
} from './csv-columns';
import type { CsvExportResult, CsvOptions } from './csv-export';
import { writeCsv, type CsvTarget } from './csv-target';
import { rollUpSamples } from './metrics-rollup';
import { ReportBuilder } from './report';

export type { FailureAnalysis };

const DAY_MS = 86_400_000;
const PAGE = 1000;

export interface ReportRequest {
  /** Epoch ms; default: `to` − 24 h. */
  from?: number;
  /** Epoch ms; default: now. */
  to?: number;
  type?: string | readonly string[];
  queue?: string | readonly string[];
  bucket?: ReportBucket;
  tzOffsetMinutes?: number;
  /** Days before `from` whose completed runs form the slow-run history (default 30; 0: no slow runs). */
  historyDays?: number;
}

export interface MetricsRequest {
  from?: number;
  to?: number;
  /** Default: the finest resolution still kept at `from`. */
  resolution?: MetricResolution;
}

export interface AnalyticsServiceOptions {
  backend: QueueBackend;
  /** The repository for metrics: the backend's, or a local fallback (Redis mode); null: none. */
  repository: () => AnalyticsRepository | null;
  clock: Clock;
}

function list(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? [value] : [...value];
}

export class AnalyticsService {
  constructor(private readonly options: AnalyticsServiceOptions) {}

  /** Finished jobs of the window from the backend's repository, or its listing (async pages). */
  finishedJobs(filter: FinishedJobFilter): RowSource<FinishedJobRow> {
    const repo = this.options.backend.analytics;
    if (repo) return repo.finishedJobs(filter);
    return this.finishedFromListing(filter);
  }

  private async *finishedFromListing(filter: FinishedJobFilter): AsyncGenerator<FinishedJobRow> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.options.backend.listJobs(
        JobListQuerySchema.parse({
          status: [...(filter.statuses ?? TERMINAL_STATUSES)],
          ...(filter.types?.length ? { type: [...filter.types] } : {}),
          ...(filter.queues?.length ? { queue: [...filter.queues] } : {}),
          sort: 'finishedAt',
          order: 'desc',
          limit: PAGE,
          ...(cursor ? { cursor } : {}),
        }),
      );
      for (const j of page.jobs) {
        if (j.finishedAt === null || j.finishedAt >= filter.to) continue;
        if (j.finishedAt < filter.from) return;
        yield {
          id: j.id,
          type: j.type,
          queue: j.queue,
          status: j.status,
          attempts: j.attempts,
          createdAt: j.createdAt,
          runAt: j.runAt,
          startedAt: j.startedAt,
          finishedAt: j.finishedAt,
          errorClass: j.error?.class ?? null,
          errorMessage: j.error?.message ?? null,
        };
      }
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  private window(from: number | undefined, to: number | undefined): { from: number; to: number } {
    const end = to ?? this.options.clock.now();
    const start = from ?? end - DAY_MS;
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new AppError('VALIDATION', `invalid window: from (${new Date(start).toISOString()}) must be before to (${new Date(end).toISOString()})`);
    }
    return { from: start, to: end };
  }

  /**
   * The analytics report of jobs finished in [from, to), by type and queue, with trend, failure
   * groups and slow runs (history: completed runs of the `historyDays` before `from`).
   * Errors: AppError VALIDATION (window, bucket), BACKEND_UNAVAILABLE.
   */
  async report(req: ReportRequest = {}): Promise<AnalyticsReport> {
    const { from, to } = this.window(req.from, req.to);
    const types = list(req.type);
    const queues = list(req.queue);
    const historyDays = req.historyDays ?? 30;
    let history: Map<string, number[]> | undefined;
    if (historyDays > 0) {
      history = new Map();
      const source = this.finishedJobs({ from: from - historyDays * DAY_MS, to: from, statuses: ['completed'], ...(types ? { types } : {}) });
      const add = (r: FinishedJobRow) => {
        if (r.startedAt == null || r.finishedAt == null || (queues && !queues.includes(r.queue))) return;
        let durations = history!.get(r.type);
        if (!durations) history!.set(r.type, (durations = []));
        durations.push(r.finishedAt - r.startedAt);
      };
      if (Symbol.asyncIterator in source) for await (const r of source) add(r);
      else for (const r of source) add(r);
    }
    const builder = new ReportBuilder({
      from,
      to,
      bucket: req.bucket ?? 'hour',
      ...(req.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: req.tzOffsetMinutes } : {}),
      ...(history ? { history } : {}),
    });
    const rows = this.finishedJobs({ from, to, ...(types ? { types } : {}), ...(queues ? { queues } : {}) });
    // A SQLite cursor is consumed without awaiting, so no other statement runs on its connection meanwhile.
    if (Symbol.asyncIterator in rows) for await (const r of rows) builder.add(r);
    else for (const r of rows) builder.add(r);
    return builder.result();
  }

  /** Failure groups of the window (the report's failure analysis). Errors as report(). */
  async failures(req: ReportRequest = {}): Promise<FailureAnalysis> {
    const report = await this.report({ ...req, historyDays: 0 });
    return { from: report.from, to: report.to, failed: report.overall.counts.failed, groups: report.failures, overflow: report.failuresOverflow };
  }

  /**
   * Metrics samples of [from, to) at one resolution (default: the finest still kept at `from`).
   * Coarser resolutions include the finer rows not yet rolled up, rolled up on the fly, so a
   * series is complete up to now. Empty when no repository is available.
   */
  async metricsHistory(req: MetricsRequest = {}): Promise<StoredMetricSample[]> {
    const { from, to } = this.window(req.from, req.to);
    const repo = this.options.repository();
    if (!repo) return [];
    const age = this.options.clock.now() - from;
    const resolution =
      req.resolution ?? (age <= DEFAULT_METRICS_RETENTION.rawMs ? 'raw' : age <= DEFAULT_METRICS_RETENTION.minuteMs ? 'minute' : 'hour');
    const read = (r: MetricResolution) => {
      const out: StoredMetricSample[] = [];
      const src = repo.metricSamples(from, to, r);
      for (const s of src as Iterable<StoredMetricSample>) out.push(s);
      return out;
    };
    if (resolution === 'raw') return read('raw');
    if (resolution === 'minute') return [...read('minute'), ...rollUpSamples(read('raw'), 'minute')].sort((a, b) => a.ts - b.ts);
    return [...read('hour'), ...rollUpSamples([...read('minute'), ...read('raw')], 'hour')].sort((a, b) => a.ts - b.ts);
  }

  /** Every job matching the listing filters, page by page (keyset paging: constant memory). */
  async *jobs(query: JobListQuery = {}): AsyncGenerator<JobRecord> {
    let cursor: string | undefined = undefined;
    const base = JobListQuerySchema.parse({ ...query, limit: PAGE, cursor: undefined });
    for (;;) {
      const page = await this.options.backend.listJobs({ ...base, ...(cursor ? { cursor } : {}) });
      yield* page.jobs;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }

  /**
   * Stream the filtered job list as CSV (columns: docs/analytics.md): on SQLite one cursor on a
   * read-only connection, else page by page. Errors: VALIDATION, STORAGE_FULL.
   */
  exportJobs(target: CsvTarget, query: JobListQuery = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    const repo = this.options.backend.analytics;
    if (repo?.exportJobRows && repo.storageDir !== null) {
      return writeCsv(target, JOB_CSV_COLUMNS, repo.exportJobRows(JobListQuerySchema.parse({ ...query, cursor: undefined })), options);
    }
    return writeCsv(target, JOB_CSV_COLUMNS, this.jobs(query), options);
  }

  /** The report as CSV: the group table (default) or the trend table. */
  async exportReport(target: CsvTarget, req: ReportRequest = {}, options: CsvOptions & { table?: 'groups' | 'trend' } = {}): Promise<CsvExportResult> {
    const report = await this.report({ ...req, historyDays: 0 });
    return options.table === 'trend'
      ? writeCsv(target, REPORT_TREND_CSV_COLUMNS, reportTrendRows(report), options)
      : writeCsv(target, REPORT_GROUP_CSV_COLUMNS, reportGroupRows(report), options);
  }

  /** The failure groups as CSV. */
  async exportFailures(target: CsvTarget, req: ReportRequest = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    const analysis = await this.failures(req);
    return writeCsv(target, FAILURE_CSV_COLUMNS, failureCsvRows(analysis.groups), options);
  }

  /** The metrics history as CSV. */
  async exportMetrics(target: CsvTarget, req: MetricsRequest = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    return writeCsv(target, METRIC_CSV_COLUMNS, await this.metricsHistory(req), options);
  }
}

