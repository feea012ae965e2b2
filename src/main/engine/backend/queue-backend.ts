/**
 * The QueueBackend port: everything the engine asks of a job store. SqliteBackend (embedded,
 * default) and RedisBackend implement it; one contract suite runs against both.
 *
 * The engine decides (retry or fail, backoff delays, recovery policy); a backend records. Every
 * write that can come in bulk takes a batch so that a store can commit it at once (one SQLite
 * transaction, one Redis pipeline).
 */
import type {
  ErrorClass,
  JobAttempt,
  JobDependency,
  JobError,
  JobLogLine,
  JobMetrics,
  JobPage,
  JobRecord,
  JobStatus,
  ParsedJobListQuery,
  ResourceLimits,
} from '../../../shared/model';
import type { MaintenanceOptions } from '../handlers/engine-handlers';
import type { AnalyticsRepository } from './analytics-repository';
import type { DependencyStore } from '../dependencies/dependency-types';
import type { ScheduleStore } from '../scheduler/schedule-store';
import type { RatePoolStore } from '../governor/rate-pool-store';
import type { SharedBucketStore } from '../governor/shared-rate-pools';

/**
 * A bulk insert in parts (QueueBackend.openBulkInsert): every part added, then `end`. The parts
 * are added with no await between them and `end`, so that nothing else reaches the store in
 * between; all of them are inserted, or none.
 */
export interface BulkInsert {
  /** Jobs per part: the caller validates this many, then adds them. */
  readonly partSize: number;
  add(jobs: NewJob[]): void;
  /** Commit (true) or roll back (false) what was added. Throws as insertJobs does (CONFLICT, VALIDATION...). */
  end(commit: boolean): Promise<void>;
}

/** A job as the engine hands it to a backend for insertion. */
export interface NewJob {
  id: string;
  type: string;
  queue: string;
  parameters: Record<string, unknown>;
  /** 0 (LOW) … 3 (URGENT) */
  priority: number;
  status: 'pending' | 'scheduled';
  runAt: number;
  maxRetries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  limits: ResourceLimits;
  dependencies: JobDependency[];
  scheduleId: string | null;
  createdAt: number;
}

/** What the dispatcher needs to run a claimed job. */
export interface ClaimedJob {
  id: string;
  type: string;
  queue: string;
  parameters: Record<string, unknown>;
  priority: number;
  /** The attempt now starting (1-based, counting every start). */
  attempt: number;
  /** Attempts made since the last restart, this one included; retries are counted from here. */
  attemptsSinceRestart: number;
  maxRetries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  limits: ResourceLimits;
  createdAt: number;
  runAt: number;
  startedAt: number;
}

export interface ClaimRequest {
  engineId: string;
  worker: string;
  limit: number;
  now: number;
  /** Only these queues (a worker started with --queue); default: all. */
  queues?: readonly string[];
  /** Never these queues (paused ones, or at their concurrency limit). */
  excludeQueues?: readonly string[];
  /** Never these job types (at their concurrency limit, or their rate pool is dry). */
  excludeTypes?: readonly string[];
  /** Never jobs whose `limits.ratePool` is one of these (dry rate pools). */
  excludeRatePools?: readonly string[];
}

/** How one run ended, as the engine decided. */
export type JobOutcome =
  | { kind: 'completed'; id: string; attempt: number; at: number; worker: string | null; result: unknown; metrics: JobMetrics }
  | { kind: 'failed'; id: string; attempt: number; at: number; worker: string | null; error: JobError; metrics: JobMetrics }
  | {
      kind: 'retrying';
      id: string;
      attempt: number;
      at: number;
      worker: string | null;
      error: JobError;
      metrics: JobMetrics;
      runAt: number;
    }
  | { kind: 'cancelled'; id: string; attempt: number; at: number; worker: string | null; error: JobError; metrics: JobMetrics }
  /** Handed back unfinished (graceful shutdown): pending again, the attempt not counted. */
  | { kind: 'released'; id: string; attempt: number; at: number; worker: string | null };

export interface ProgressUpdate {
  id: string;
  progress: number;
  message: string | null;
}

export interface LogEntry {
  jobId: string;
  ts: number;
  stream: JobLogLine['stream'];
  line: string;
}

/** One group commit. */
export interface WriteBatch {
  outcomes?: JobOutcome[];
  progress?: ProgressUpdate[];
  logs?: LogEntry[];
}

export type CancelResult =
  | { state: 'cancelled'; job: JobRecord }
  /** The job is running: the engine that runs it must abort it. */
  | { state: 'requested'; job: JobRecord; engineId: string | null };

export interface EngineRegistration {
  id: string;
  pid: number;
  hostname: string;
  startedAt: number;
  heartbeatAt: number;
  queues: string[] | null;
}

export interface StatusCounts {
  counts: Record<JobStatus, number>;
  oldestPendingCreatedAt: number | null;
}

/** One id's outcome in a bulk store operation. */
export type BulkOpOutcome = { id: string; ok: true } | { id: string; ok: false; code: 'NOT_FOUND' | 'CONFLICT'; message: string };

export interface QueueBackend {
  readonly kind: 'sqlite' | 'redis';
  /** A label for logs and health (file path or Redis URL without password). */
  readonly location: string;

  /** Open, migrate. Throws AppError BACKEND_UNAVAILABLE when the store cannot be opened. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Cheap liveness check. */
  ping(): Promise<boolean>;

  /**
   * Insert all jobs or none. Throws CONFLICT when an id exists. Jobs with `dependencies` get
   * their edges in the same write and start `waiting` (or cancelled) as DependencyStore says;
   * an unknown prerequisite id throws VALIDATION.
   */
  insertJobs(jobs: NewJob[]): Promise<void>;
  /**
   * A bulk insert of `rows` jobs in parts, stored while the caller validates the next part; or
   * null when this store has no way to overlap the two (the caller then uses insertJobs).
   */
  openBulkInsert?(rows: number): BulkInsert | null;
  getJob(id: string): Promise<JobRecord | null>;
  listJobs(query: ParsedJobListQuery): Promise<JobPage>;
  getLogs(id: string, afterSeq?: number, limit?: number): Promise<JobLogLine[]>;
  getAttempts(id: string): Promise<JobAttempt[]>;

  /** Claim up to `limit` runnable jobs (highest priority first, FIFO within a priority) for one worker. */
  claimJobs(req: ClaimRequest): Promise<ClaimedJob[]>;
  /**
   * Several claimJobs calls may be in flight at once, each atomic on its own (true for SQLite).
   * The dispatcher then sends one claim per worker together, so that the store works on the next
   * while the engine hands out the previous.
   */
  readonly overlappingClaims?: boolean;
  /** Move scheduled/retrying jobs whose run-at has come to pending. Returns how many. */
  promoteDueJobs(now: number): Promise<number>;
  /** The earliest run-at of a scheduled or retrying job, or null. */
  nextRunAt(): Promise<number | null>;
  /** Persist outcomes, progress and log lines in one commit. */
  write(batch: WriteBatch): Promise<void>;
  /**
   * Two write calls may be in flight at once, each atomic on its own, when no job is in both
   * (true for Redis). The dispatcher then sends a batch while the one before is still on its way,
   * so that the store works on one while the engine builds the next.
   */
  readonly overlappingWrites?: boolean;
  /** Trim a job's log to its last `keep` lines. */
  trimLogs(jobId: string, keep: number): Promise<void>;

  /** Cancel a waiting job, or flag a running one. Throws NOT_FOUND, CONFLICT (already finished). */
  requestCancel(id: string, now: number, reason: string): Promise<CancelResult>;
  /** Running jobs of `engineId` whose cancellation was requested. */
  pendingCancels(engineId: string): Promise<string[]>;
  /** failed|cancelled → pending with a fresh retry budget. Throws NOT_FOUND, CONFLICT. */
  restartJob(id: string, now: number): Promise<JobRecord>;

  setQueuePaused(queue: string, paused: boolean, now: number): Promise<void>;
  pausedQueues(): Promise<string[]>;

  countByStatus(): Promise<StatusCounts>;
  /** Jobs that finished (any terminal status) at or after `since`. */
  countFinishedSince(since: number): Promise<number>;
  /** Running jobs past their timeout by `now` (for health). */
  listOverdueRunning(now: number, limit: number): Promise<JobRecord[]>;
  /** Delete terminal jobs that finished before `before` (with logs, attempts and dependency edges). Returns the count. */
  deleteFinishedBefore(before: number, statuses: readonly JobStatus[]): Promise<number>;

  registerEngine(engine: EngineRegistration): Promise<void>;
  heartbeat(engineId: string, now: number): Promise<void>;
  unregisterEngine(engineId: string): Promise<void>;
  listEngines(): Promise<EngineRegistration[]>;
  /** Running jobs whose engine is not among `liveEngineIds` (their engine died). */
  orphanedRunningJobs(liveEngineIds: readonly string[]): Promise<ClaimedJob[]>;

  /**
   * A number that changes when another process changed the store (SQLite's data_version), for
   * stores that cannot push changes. The engine polls it cheaply.
   */
  changeToken?(): number;
  /** Schedules (scheduler/schedule-store.ts); absent where the store cannot keep them yet. */
  readonly schedules?: ScheduleStore;
  /** Job dependency edges (dependencies/dependency-types.ts); absent where not supported yet. */
  readonly dependencies?: DependencyStore;
  /** Rate pools declared and token buckets shared by every engine on the store (Redis); absent: per-engine buckets. */
  readonly sharedRatePools?: RatePoolStore & SharedBucketStore;
  /**
   * Called when an engine starts on this store (not for short-lived clients): start background
   * upkeep such as SQLite's WAL checkpoints off the event loop. Undone by close().
   */
  startEngineUpkeep?(): Promise<void>;
  /** Store upkeep run by the `maintenance` job; absent where the store needs none. */
  maintenance?(options: MaintenanceOptions, log: (line: string) => void): Promise<Record<string, unknown>>;
  /** Analytics, metrics history and integrity queries (after open()); absent: the engine falls back (analytics-service.ts). */
  readonly analytics?: AnalyticsRepository;

  /* ---- bulk delete / priority and per-queue counts (dashboard bulk actions, live feed); optional: absent = not supported yet ---- */
  /**
   * Delete finished (completed/failed/cancelled) jobs among `ids` with their logs, attempts and
   * dependency edges. Output: per id, deleted, or why not (NOT_FOUND, CONFLICT with the status).
   */
  deleteJobs?(ids: readonly string[]): Promise<BulkOpOutcome[]>;
  /**
   * Set the priority (0 LOW … 3 URGENT) of waiting jobs (pending/scheduled/retrying/waiting) among
   * `ids`; it changes their claim order. Output: per id, changed, or why not (NOT_FOUND, CONFLICT).
   */
  setPriority?(ids: readonly string[], priority: number, now: number): Promise<BulkOpOutcome[]>;
  /** Jobs by queue and status (non-zero only). */
  countByQueueStatus?(): Promise<Record<string, Partial<Record<JobStatus, number>>>>;
}

export type { ErrorClass };
