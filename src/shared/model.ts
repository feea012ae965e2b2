/**
 * The job model shared by the engine, the transports and the dashboard.
 *
 * Every type here is inferred from a zod schema so that what crosses an edge (IPC, HTTP, CLI,
 * settings file) is validated by the same definition the code is typed with. Pure TypeScript:
 * no node, no electron, no DOM.
 *
 * Names follow the original Python module (JobStatus, JobPriority, JobType, ResourceLimits,
 * JobSchedule, JobDependency, JobMetrics) in camelCase.
 */
import { z } from 'zod';

/* ------------------------------------------------------------------------------------------ */
/* Enumerations                                                                                */
/* ------------------------------------------------------------------------------------------ */

/**
 * Lifecycle of a job.
 * - pending: runnable now (or waiting for a free worker)
 * - scheduled: has a run-at time in the future
 * - running: claimed by an engine and executing in a worker
 * - retrying: failed with a transient error; waits for its backoff delay, then runs again
 * - waiting: has dependencies (other jobs) whose outcome it waits for; it is never claimed.
 *   When every dependency is met it becomes pending (or scheduled, if its run-at is still
 *   ahead); when one can no longer be met it is cancelled naming that dependency. A status of its
 *   own (not `scheduled`) because it has no time at which it becomes runnable, and a user must
 *   see that it waits for other jobs, not for a clock (see docs/scheduling.md, Dependencies).
 * - completed / failed / cancelled: terminal
 */
export const JOB_STATUSES = [
  'pending',
  'scheduled',
  'running',
  'completed',
  'failed',
  'cancelled',
  'retrying',
  'waiting',
] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
/** Not started and not finished: waiting for a worker, a time, a retry or other jobs. */
export const WAITING_STATUSES: readonly JobStatus[] = ['pending', 'scheduled', 'retrying', 'waiting'];

export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/** Priorities, lowest to highest. The numeric rank orders claims (URGENT first). */
export const JOB_PRIORITIES = ['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const;
export type JobPriority = (typeof JOB_PRIORITIES)[number];
export const PRIORITY_RANK: Record<JobPriority, number> = { LOW: 0, NORMAL: 1, HIGH: 2, URGENT: 3 };
export function priorityFromRank(rank: number): JobPriority {
  return JOB_PRIORITIES[rank] ?? 'NORMAL';
}
/** Accepts `HIGH`, `high` or `High`; anything else is rejected with the list of valid names. */
export const JobPrioritySchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toUpperCase() : v),
  z.enum(JOB_PRIORITIES, { error: () => `expected one of ${JOB_PRIORITIES.join(', ')}` }),
);

/**
 * Job types. The first five are the original module's; the next three are built-in handlers.
 * Applications register more (see the handler registry); a type name is a short identifier.
 */
export const BUILTIN_JOB_TYPES = [
  'extraction',
  'batch_extraction',
  'taxonomy_processing',
  'cleanup',
  'maintenance',
  'command',
  'http',
  'module',
] as const;
export const JobTypeSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_.-]{0,63}$/,
    'expected a type name: lowercase letters, digits, "_", "-" or ".", starting with a letter, at most 64 characters',
  );
export type JobType = string;

export const QueueNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/,
    'expected a queue name: letters, digits, "_", "-", "." or ":", at most 64 characters',
  );
export const DEFAULT_QUEUE = 'default';

/** How an error is classified; decides whether a job is retried. */
export const ERROR_CLASSES = [
  'transient', // retried with backoff
  'permanent', // never retried (bad input, 4xx, UnrecoverableError)
  'timeout', // exceeded its timeout; retried like a transient error
  'cancelled', // cancelled by a user or a dependency
  'resource_limit', // exceeded a memory or CPU limit; retried only if the job's limits say so
  'worker_crash', // its worker process died mid-job
  'engine_crash', // the engine died while it ran; found at recovery
] as const;
export const ErrorClassSchema = z.enum(ERROR_CLASSES);
export type ErrorClass = z.infer<typeof ErrorClassSchema>;

/* ------------------------------------------------------------------------------------------ */
/* Configuration objects of a job                                                              */
/* ------------------------------------------------------------------------------------------ */

const positiveNumber = z.number().finite().positive();

/** Per-job resource limits (defaults come from JOB_MAX_* settings). */
export const ResourceLimitsSchema = z.strictObject({
  maxCpuPercent: positiveNumber.max(100 * 1024).optional(),
  maxMemoryMb: positiveNumber.max(1024 * 1024).optional(),
  maxApiCallsPerMinute: positiveNumber.max(1_000_000).optional(),
  /** Named rate-limit pool the job takes one token from before it starts. */
  ratePool: z.string().min(1).max(64).optional(),
  /** Retry a job that was killed for exceeding a limit (default false). */
  retryOnLimit: z.boolean().optional(),
});
export type ResourceLimits = z.infer<typeof ResourceLimitsSchema>;

export const MISFIRE_POLICIES = ['skip', 'run_once', 'run_all'] as const;
export const OVERLAP_POLICIES = ['allow', 'skip', 'queue'] as const;

/** An ISO-8601 timestamp (with zone) or epoch milliseconds; stored as epoch milliseconds. */
export const TimestampSchema = z.union([
  z.iso.datetime({ offset: true, error: 'expected an ISO-8601 date-time such as 2025-01-31T09:00:00Z' }),
  z.number().int().nonnegative(),
]);
export function toEpochMs(value: string | number | Date): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  return Date.parse(value);
}

/**
 * When a job runs: once at `scheduledTime`, every `intervalSeconds`, or on a `cronExpression`
 * (5 or 6 fields) in `timezone`. Recurring schedules are managed by the scheduler.
 */
export const JobScheduleSchema = z.strictObject({
  scheduledTime: TimestampSchema.optional(),
  intervalSeconds: positiveNumber.max(366 * 86400).optional(),
  cronExpression: z.string().min(1).max(200).optional(),
  timezone: z.string().min(1).max(64).optional(),
  startDate: TimestampSchema.optional(),
  endDate: TimestampSchema.optional(),
  maxRuns: z.number().int().positive().optional(),
  maxRetries: z.number().int().min(0).max(100).optional(),
  timeoutSeconds: positiveNumber.optional(),
  misfirePolicy: z.enum(MISFIRE_POLICIES).optional(),
  overlapPolicy: z.enum(OVERLAP_POLICIES).optional(),
});
export type JobSchedule = z.infer<typeof JobScheduleSchema>;

export const DEPENDENCY_TRIGGERS = ['completion', 'success', 'failure'] as const;
export const DependencyTriggerSchema = z.enum(DEPENDENCY_TRIGGERS);
/** A prerequisite: this job runs once `jobId` reached the `trigger` outcome. */
export const JobDependencySchema = z.strictObject({
  jobId: z.string().min(1).max(100),
  trigger: DependencyTriggerSchema.default('success'),
});
export type JobDependency = z.infer<typeof JobDependencySchema>;

/** Measured figures of a job's last run. */
export const JobMetricsSchema = z.object({
  durationMs: z.number().optional(),
  waitMs: z.number().optional(),
  cpuPercent: z.number().optional(),
  peakMemoryMb: z.number().optional(),
  apiCalls: z.number().optional(),
});
export type JobMetrics = z.infer<typeof JobMetricsSchema>;

export const JobErrorSchema = z.object({
  class: ErrorClassSchema,
  message: z.string(),
  stack: z.string().optional(),
  code: z.string().optional(),
});
export type JobError = z.infer<typeof JobErrorSchema>;

/* ------------------------------------------------------------------------------------------ */
/* The job record                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** Parameters, results and logs are JSON. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface JobRecord {
  id: string;
  type: JobType;
  queue: string;
  parameters: Record<string, unknown>;
  priority: JobPriority;
  status: JobStatus;
  /** 0–100 */
  progress: number;
  progressMessage: string | null;
  /** How many times the job has been started (the running attempt included). */
  attempts: number;
  /** Retries allowed after the first attempt. */
  maxRetries: number;
  /** Base delay of the exponential backoff, in seconds. */
  retryDelaySeconds: number;
  timeoutSeconds: number;
  /** Epoch ms: when the job becomes runnable. */
  runAt: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  /** Name of the worker process that runs or ran the job. */
  worker: string | null;
  result: unknown;
  error: JobError | null;
  metrics: JobMetrics;
  limits: ResourceLimits;
  dependencies: JobDependency[];
  scheduleId: string | null;
  /** Set while a cancel was requested for a running job and not yet carried out. */
  cancelRequested: boolean;
}

export interface JobAttempt {
  attempt: number;
  startedAt: number;
  finishedAt: number | null;
  worker: string | null;
  outcome: 'completed' | 'failed' | 'retrying' | 'cancelled' | 'interrupted';
  error: JobError | null;
  durationMs: number | null;
}

export interface JobLogLine {
  seq: number;
  ts: number;
  stream: 'out' | 'err' | 'log';
  line: string;
}

/* ------------------------------------------------------------------------------------------ */
/* Submission                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** Largest accepted parameters object, serialized (bytes). */
export const MAX_PARAMETERS_BYTES = 256 * 1024;

const ParametersSchema = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    let size: number;
    try {
      size = JSON.stringify(value).length;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be serializable to JSON' });
      return;
    }
    if (size > MAX_PARAMETERS_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `is ${size} bytes as JSON; at most ${MAX_PARAMETERS_BYTES} bytes are accepted`,
      });
    }
  });

/** What a caller submits. Everything but `type` has a default. */
export const JobSubmissionSchema = z.strictObject({
  type: JobTypeSchema,
  parameters: ParametersSchema.default({}),
  queue: QueueNameSchema.optional(),
  priority: JobPrioritySchema.optional(),
  /** Run at or after this time. */
  runAt: TimestampSchema.optional(),
  timeoutSeconds: positiveNumber.max(366 * 86400).optional(),
  maxRetries: z.number().int().min(0).max(100).optional(),
  retryDelaySeconds: z.number().finite().min(0).max(86400).optional(),
  limits: ResourceLimitsSchema.optional(),
  dependencies: z.array(JobDependencySchema).max(1000).optional(),
  schedule: JobScheduleSchema.optional(),
});
export type JobSubmission = z.input<typeof JobSubmissionSchema>;
export type ParsedJobSubmission = z.output<typeof JobSubmissionSchema>;

/* ------------------------------------------------------------------------------------------ */
/* Queries                                                                                     */
/* ------------------------------------------------------------------------------------------ */

export const JOB_SORT_FIELDS = ['createdAt', 'updatedAt', 'priority', 'runAt', 'finishedAt'] as const;

function oneOrMany<T extends z.ZodType>(schema: T) {
  return z.union([schema, z.array(schema).max(20)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);
}

export const JobListQuerySchema = z.strictObject({
  status: oneOrMany(JobStatusSchema).optional(),
  type: oneOrMany(JobTypeSchema).optional(),
  queue: oneOrMany(QueueNameSchema).optional(),
  priority: oneOrMany(JobPrioritySchema).optional(),
  /** Free text matched against id, parameters, result and error message. */
  text: z.string().min(1).max(200).optional(),
  createdAfter: TimestampSchema.optional(),
  createdBefore: TimestampSchema.optional(),
  sort: z.enum(JOB_SORT_FIELDS).default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().min(1).max(1000).default(50),
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  cursor: z.string().max(500).optional(),
});
export type JobListQuery = z.input<typeof JobListQuerySchema>;
export type ParsedJobListQuery = z.output<typeof JobListQuerySchema>;

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
}

/** The original `get_queue_stats()`, in camelCase plus the original snake_case keys users know. */
export interface QueueStats {
  backend: 'sqlite' | 'redis';
  counts: Record<JobStatus, number>;
  total: number;
  running_jobs: number;
  pending_jobs: number;
  cpu_usage_percent: number;
  memory_usage_percent: number;
  /** Jobs the engine holds in memory (in flight, awaiting write). */
  cache_size: number;
  workers: number;
  busy_workers: number;
  throughput_per_minute: number;
  pausedQueues: string[];
  oldestPendingAgeMs: number | null;
  /** Host backpressure of the engine in this process (null: no engine runs here). */
  backpressure: BackpressureInfo | null;
}

/** Whether new jobs are held back because the host is busy, why, and since when. */
export interface BackpressureInfo {
  engaged: boolean;
  reason: string | null;
  since: number | null;
}

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';
export interface HealthIssue {
  check: string;
  severity: 'warning' | 'critical';
  message: string;
  action: string;
}
export interface HealthReport {
  status: HealthStatus;
  issues: HealthIssue[];
  checks: Record<string, { ok: boolean; [key: string]: unknown }>;
  checkedAt: number;
}

export interface WorkerInfo {
  name: string;
  pid: number | null;
  state: 'starting' | 'idle' | 'busy' | 'draining' | 'stopped' | 'crashed';
  concurrency: number;
  currentJobs: string[];
  jobsDone: number;
  jobsFailed: number;
  startedAt: number;
  cpuPercent: number | null;
  memoryMb: number | null;
}
