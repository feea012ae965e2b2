/** Mapping between the `jobs` table's rows and the model's JobRecord / ClaimedJob. */
import { priorityFromRank, type ErrorClass, type JobRecord, type JobStatus } from '../../../../shared/model';
import type { ClaimedJob } from '../queue-backend';

export interface JobRow {
  seq: number;
  id: string;
  type: string;
  queue: string;
  parameters: string;
  priority: number;
  status: JobStatus;
  progress: number;
  progress_message: string | null;
  attempts: number;
  attempt_base: number;
  max_retries: number;
  retry_delay_s: number;
  timeout_s: number;
  run_at: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
  worker: string | null;
  engine_id: string | null;
  result: string | null;
  error_class: string | null;
  error_message: string | null;
  error_stack: string | null;
  error_code: string | null;
  metrics: string | null;
  limits: string | null;
  dependencies: string | null;
  schedule_id: string | null;
  cancel_requested: number;
}

/** Columns a claim needs, in the order of a claim's raw rows; keeps the claim's RETURNING narrow. */
export const CLAIM_FIELDS = [
  'id',
  'type',
  'queue',
  'parameters',
  'priority',
  'attempts',
  'attempt_base',
  'max_retries',
  'retry_delay_s',
  'timeout_s',
  'limits',
  'created_at',
  'run_at',
  'started_at',
  'seq',
] as const satisfies ReadonlyArray<keyof JobRow>;
export const CLAIM_COLUMNS = CLAIM_FIELDS.join(', ');

export type ClaimRow = Pick<JobRow, (typeof CLAIM_FIELDS)[number]>;

/** A claim's row as values in CLAIM_FIELDS order (a JSON array written by SQLite, SqliteBackend.claimRows): no keys to build, send or parse. */
export type RawClaimRow = unknown[];

export function claimRowFromRaw(raw: RawClaimRow): ClaimRow {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < CLAIM_FIELDS.length; i++) row[CLAIM_FIELDS[i]!] = raw[i];
  return row as ClaimRow;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  return JSON.parse(text) as T;
}

export function rowToJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    parameters: parseJson(row.parameters, {}),
    priority: priorityFromRank(row.priority),
    status: row.status,
    progress: row.progress,
    progressMessage: row.progress_message,
    attempts: row.attempts,
    maxRetries: row.max_retries,
    retryDelaySeconds: row.retry_delay_s,
    timeoutSeconds: row.timeout_s,
    runAt: row.run_at,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    updatedAt: row.updated_at,
    worker: row.worker,
    result: parseJson(row.result, null),
    error: row.error_class
      ? {
          class: row.error_class as ErrorClass,
          message: row.error_message ?? '',
          ...(row.error_stack ? { stack: row.error_stack } : {}),
          ...(row.error_code ? { code: row.error_code } : {}),
        }
      : null,
    metrics: parseJson(row.metrics, {}),
    limits: parseJson(row.limits, {}),
    dependencies: parseJson(row.dependencies, []),
    scheduleId: row.schedule_id,
    cancelRequested: row.cancel_requested === 1,
  };
}

export function rowToClaimed(row: ClaimRow): ClaimedJob {
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    priority: row.priority,
    attempt: row.attempts,
    attemptsSinceRestart: row.attempts - row.attempt_base,
    maxRetries: row.max_retries,
    retryDelaySeconds: row.retry_delay_s,
    timeoutSeconds: row.timeout_s,
    limits: parseJson(row.limits, {}),
    createdAt: row.created_at,
    runAt: row.run_at,
    startedAt: row.started_at ?? row.run_at,
  };
}
