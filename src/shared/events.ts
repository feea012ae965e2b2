/**
 * Events the engine emits, one map for every transport (in-process listeners, IPC, WebSocket).
 * Payloads are small and JSON-able; fetch the whole JobRecord with getJob when needed.
 */
import type { JobError, JobStatus, WorkerInfo } from './model';

export interface JobEventMap {
  'job:added': { id: string; type: string; queue: string; priority: string; status: JobStatus; runAt: number };
  'job:started': { id: string; type: string; queue: string; attempt: number; worker: string; startedAt: number };
  'job:progress': { id: string; progress: number; message: string | null };
  'job:completed': { id: string; type: string; queue: string; attempt: number; result: unknown; durationMs: number; finishedAt: number };
  'job:failed': { id: string; type: string; queue: string; attempt: number; error: JobError; finishedAt: number };
  'job:retrying': { id: string; type: string; queue: string; attempt: number; error: JobError; runAt: number };
  'job:cancelled': { id: string; type: string; queue: string; reason: string; finishedAt: number };
  'queue:paused': { queue: string };
  'queue:resumed': { queue: string };
  'worker:changed': { worker: WorkerInfo; change: 'started' | 'ready' | 'exited' | 'crashed' };
  /** The engine could not persist or reach its store; it keeps trying. */
  'engine:error': { code: string; message: string };
}

export type JobEventName = keyof JobEventMap;
