/**
 * Events the engine emits, one map for every transport (in-process listeners, IPC, WebSocket).
 * Payloads are small and JSON-able; fetch the whole JobRecord with getJob when needed.
 */
import type { HealthReport, JobError, JobLogLine, JobStatus, WorkerInfo } from './model';

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
  'worker:changed': { worker: WorkerInfo; change: 'started' | 'ready' | 'draining' | 'exited' | 'crashed' };
  /* ---- live feed (pushed, never polled): see src/main/engine/live/live-feed.ts ---- */
  /** Log lines a running job wrote (no seq yet: they are numbered when stored; refetch with jobs:logs). */
  'job:log': { id: string; ts: number; stream: JobLogLine['stream']; line: string };
  /** Every ~2 s while someone listens: host load, counts by status (cached), workers, throughput. */
  'system:sample': SystemSample;
  /** When the health status or its set of issues changes (evaluated every ~12 s while someone listens). */
  'health:changed': { report: HealthReport; previous: HealthReport['status'] | null };
  /** The engine could not persist or reach its store; it keeps trying. */
  'engine:error': { code: string; message: string };
}

export type JobEventName = keyof JobEventMap;

/** The `system:sample` payload. */
export interface SystemSample {
  /** Epoch ms of the sample. */
  at: number;
  /** Host load from the governor's HostMonitor (null values: not measured yet). */
  host: { cpuPercent: number | null; memoryPercent: number | null };
  /** Jobs by status over the whole store; refreshed at most every few seconds (`countsAt`). */
  counts: Record<JobStatus, number>;
  /** Per queue, jobs by status (only non-zero statuses); null when the store cannot tell. */
  queues: Record<string, Partial<Record<JobStatus, number>>> | null;
  countsAt: number;
  running: number;
  /** pending + scheduled + retrying + waiting */
  pending: number;
  /** The worker processes with their CPU/memory (the Workers screen needs no polling), and their sums. */
  workers: { total: number; busy: number; cpuPercent: number | null; memoryMb: number | null; list: WorkerInfo[] };
  /** Jobs finished in the last minute. */
  throughputPerMinute: number;
  pausedQueues: string[];
  backpressure: { engaged: boolean; reason: string | null } | null;
}
