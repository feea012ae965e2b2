/**
 * The contract between the engine and the code that runs a job.
 *
 * Worker handlers run inside a worker process: they get a JobContext and return a JSON-able
 * result or throw. Engine handlers (cleanup, maintenance) run inside the engine because they
 * touch the store, which worker processes never open.
 */
import type { ErrorClass, JobPriority } from '../../../shared/model';

export interface JobContext {
  readonly job: {
    readonly id: string;
    readonly type: string;
    readonly queue: string;
    readonly priority: JobPriority;
    /** 1 for the first run, 2 for the first retry, ... */
    readonly attempt: number;
    readonly maxRetries: number;
    readonly timeoutSeconds: number;
  };
  /** The job's parameters (already validated as a JSON object). */
  readonly params: Record<string, unknown>;
  /** Aborted when the job is cancelled, times out or the engine shuts down. `signal.reason` says which. */
  readonly signal: AbortSignal;
  /** Report progress, 0–100, with an optional message. Cheap: coalesced before it leaves the worker. */
  progress(percent: number, message?: string): void;
  /** Append a line to the job's log (bounded; the tail is kept). */
  log(line: string, stream?: 'out' | 'err' | 'log'): void;
  /** Tell the engine about a child process the job started, so that its CPU and memory count for the job. */
  trackProcess(pid: number): void;
  /**
   * Take `tokens` (default 1) from the named rate pool; resolves when the engine granted them.
   * Waits as long as needed (it never fails for want of a token). Errors: rejects when the job
   * is aborted while waiting, or the pool cannot grant that many (more than its burst).
   */
  acquire(pool: string, tokens?: number): Promise<void>;
}

export type JobHandler = (ctx: JobContext) => unknown;

/** Why a job's signal was aborted. */
export type AbortReason = 'cancelled' | 'timeout' | 'shutdown' | 'resource_limit';

/**
 * Throw to fail a job without retrying it (bad input, a resource that will never exist).
 * `UnrecoverableError` from BullMQ is treated the same.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly permanent = true;
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Throw to fail a job in a way that is worth retrying (a network hiccup, a busy service). */
export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** An error as it travels from a worker to the engine. */
export interface SerializedJobError {
  class: ErrorClass;
  message: string;
  stack?: string;
  code?: string;
}
