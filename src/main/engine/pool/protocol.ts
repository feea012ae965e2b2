/**
 * Messages between the engine and a worker process. Compact and batched: the engine sends
 * arrays of jobs, a worker sends arrays of events, at most one message per event-loop turn
 * each way, so that IPC costs per batch, not per job.
 */
import type { JobPriority } from '../../../shared/model';
import type { HandlerRegistration } from '../config';
import type { AbortReason, SerializedJobError } from '../handlers/handler-types';

/**
 * A job to run, as it travels to a worker: a tuple rather than an object, because an object's
 * keys were half the bytes of a batch and of the time spent serializing and parsing it. Read it
 * with the RUN_* indexes below.
 */
export type RunSpec = [
  id: string,
  type: string,
  queue: string,
  priority: JobPriority,
  attempt: number,
  maxRetries: number,
  timeoutSeconds: number,
  params: Record<string, unknown>,
];

export const RUN_ID = 0;
export const RUN_TYPE = 1;
export const RUN_QUEUE = 2;
export const RUN_PRIORITY = 3;
export const RUN_ATTEMPT = 4;
export const RUN_MAX_RETRIES = 5;
export const RUN_TIMEOUT_SECONDS = 6;
export const RUN_PARAMS = 7;

export type ToWorker =
  | { t: 'init'; name: string; handlers: Record<string, HandlerRegistration> }
  | { t: 'run'; jobs: RunSpec[] }
  | { t: 'abort'; id: string; reason: AbortReason }
  /** Answer to an 'acq' event: the tokens were granted (or, with `error`, will never be). */
  | { t: 'grant'; id: string; req: number; error?: string }
  /** Finish nothing new; exit when idle. */
  | { t: 'stop' };

export type WorkerEvent =
  | ['p', string, number, string | null] // progress: id, percent, message
  | ['l', string, 'out' | 'err' | 'log', string, number] // log: id, stream, line, ts
  | ['pid', string, number] // a child process the job started
  | ['acq', string, number, string, number] // ctx.acquire: id, request number, pool, tokens
  | ['ok', string, unknown, number] // done: id, result, duration in whole ms
  | ['err', string, SerializedJobError, number]; // failed: id, error, duration in whole ms

export type FromWorker = { t: 'ready'; pid: number } | { t: 'ev'; ev: WorkerEvent[] };
