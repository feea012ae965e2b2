/**
 * Messages between the engine and a worker process. Compact and batched: the engine sends
 * arrays of jobs, a worker sends arrays of events, at most one message per event-loop turn
 * each way, so that IPC costs per batch, not per job.
 */
import type { JobPriority } from '../../../shared/model';
import type { HandlerRegistration } from '../config';
import type { AbortReason, SerializedJobError } from '../handlers/handler-types';

export interface RunSpec {
  id: string;
  type: string;
  queue: string;
  priority: JobPriority;
  attempt: number;
  maxRetries: number;
  timeoutSeconds: number;
  params: Record<string, unknown>;
}

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
  | ['ok', string, unknown, number] // done: id, result, duration ms
  | ['err', string, SerializedJobError, number]; // failed: id, error, duration ms

export type FromWorker = { t: 'ready'; pid: number } | { t: 'ev'; ev: WorkerEvent[] };
