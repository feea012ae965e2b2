/**
 * Types of the analytics report: the row it reads and the figures it returns. They live in
 * src/shared/analytics-types.ts because the contract returns them; re-exported here for the engine.
 */
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
} from '../../../shared/analytics-types';
