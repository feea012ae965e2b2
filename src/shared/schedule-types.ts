/**
 * Shapes of schedules and job dependencies as every client sees them (contract results). Pure
 * TypeScript. The engine validates schedule definitions (cron, zone) in
 * src/main/engine/scheduler/schedule-definition.ts; these types mirror its output.
 */
import type { JobPriority, JobRecord, JobStatus, ResourceLimits } from './model';

/** A stored schedule definition (times in epoch ms, zone canonical). */
export interface ScheduleDefinitionView {
  name?: string;
  type: string;
  parameters: Record<string, unknown>;
  queue?: string;
  priority?: JobPriority;
  timeoutSeconds?: number;
  maxRetries?: number;
  retryDelaySeconds?: number;
  limits?: ResourceLimits;
  cronExpression?: string;
  intervalSeconds?: number;
  scheduledTime?: number;
  timezone: string;
  startDate?: number;
  endDate?: number;
  maxRuns?: number;
  misfirePolicy: 'skip' | 'run_once' | 'run_all';
  misfireThresholdSeconds: number;
  maxCatchUp: number;
  overlapPolicy: 'allow' | 'skip' | 'queue';
}

/** What a schedule carries between ticks (see docs/scheduling.md). */
export interface ScheduleStateView {
  nextFireAt: number | null;
  lastFireAt: number | null;
  lastSlotAt: number | null;
  runs: number;
  skipped: number;
  paused: boolean;
  anchorAt: number;
  endedReason: 'max_runs' | 'end_date' | 'once_done' | null;
}

/** One fire time, in UTC and on the schedule's own clock. */
export interface FireTimeView {
  at: number;
  utc: string;
  local: string;
  zone: string;
}

/** A schedule as listed and shown. */
export interface ScheduleView {
  id: string;
  definition: ScheduleDefinitionView;
  state: ScheduleStateView;
  createdAt: number;
  updatedAt: number;
  /** The next fire time, or null when paused or ended. */
  nextFire: FireTimeView | null;
}

/** A schedule with its latest runs (newest first). */
export interface ScheduleDetail extends ScheduleView {
  fires: Array<{ slot: number; jobId: string; recordedAt: number }>;
}

export interface SchedulePageView {
  schedules: ScheduleView[];
  nextCursor: string | null;
}

/** The next fire times of a schedule (or of a definition not yet created). */
export interface SchedulePreviewView {
  zone: string;
  fires: FireTimeView[];
}

/** One dependency edge, seen from one end, with the other job's status. */
export interface DependencyEdgeView {
  jobId: string;
  dependsOn: string;
  trigger: 'completion' | 'success' | 'failure';
  state: 'waiting' | 'met' | 'unmet';
  resolvedAt: number | null;
  otherStatus: JobStatus | null;
}

/** A job's dependencies (what it waits for) and dependents (what waits for it). */
export interface JobDependenciesView {
  id: string;
  status: JobStatus;
  dependencies: DependencyEdgeView[];
  dependents: DependencyEdgeView[];
}

/** A submitted flow: the id each ref got and the jobs in input order. */
export interface FlowResultView {
  ids: Record<string, string>;
  jobs: JobRecord[];
}
