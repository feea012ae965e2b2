/**
 * Analytics: exact percentiles, error fingerprints, the report (overall / per type / per queue,
 * trend, failure groups, slow runs) and streamed CSV export. Pure building blocks: the store feeds
 * rows in, nothing here touches a database. Definitions: docs/analytics.md.
 */
export {
  EMPTY_SUMMARY,
  percentile,
  percentileOfSorted,
  sortSamples,
  summarize,
  summarizeSorted,
  type PercentileSummary,
} from './percentiles';
export {
  MAX_MESSAGE_INPUT,
  MAX_NORMALIZED_LENGTH,
  fingerprint,
  normalizeErrorMessage,
  type ErrorFingerprint,
} from './error-fingerprint';
export type {
  AnalyticsReport,
  DurationHistory,
  FailureGroup,
  FinishedJobRow,
  GroupDimension,
  GroupStats,
  OutcomeCounts,
  ReportBucket,
  ReportOptions,
  RetryStats,
  SlowRun,
  SlowRunRule,
  TrendBucket,
} from './report-types';
export { MAX_REPORT_BUCKETS, ReportBuilder, buildReport, successRate } from './report';
export { FAILURE_EXAMPLES, FailureGrouper } from './failure-groups';
export {
  DEFAULT_SLOW_RUN_RULE,
  checkSlowRun,
  durationHistory,
  flagSlowRuns,
  slowRunThresholds,
  type SlowRunThreshold,
} from './slow-runs';
export { createCsvStream, exportToFile, type CsvColumn, type CsvExportResult, type CsvOptions } from './csv-export';
export {
  FAILURE_CSV_COLUMNS,
  JOB_CSV_COLUMNS,
  METRIC_CSV_COLUMNS,
  REPORT_GROUP_CSV_COLUMNS,
  REPORT_TREND_CSV_COLUMNS,
  failureCsvRows,
  reportGroupRows,
  reportTrendRows,
  type FailureCsvRow,
  type MetricSample,
  type ReportGroupCsvRow,
  type ReportTrendCsvRow,
} from './csv-columns';
