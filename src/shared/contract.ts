/**
 * THE contract between the engine and every client: the dashboard (over IPC in Electron, over
 * HTTP/WebSocket in a browser), scripts (REST) and tests. Each method has a zod input schema, a
 * result type and its REST route; each event has a payload type. The IPC transport, the preload
 * API, the REST/WebSocket server and the renderer's client are all derived from this one object:
 * add a method here and every transport has it.
 *
 * Pure TypeScript: no node, no electron, no DOM.
 */
import { z } from 'zod';
import type { WireError } from './errors';
import type { JobEventMap } from './events';
import {
  JobListQuerySchema,
  JobPrioritySchema,
  JobScheduleSchema,
  JobSubmissionSchema,
  QueueNameSchema,
  type HealthReport,
  type JobAttempt,
  type JobLogLine,
  type JobPage,
  type JobRecord,
  type QueueStats,
  type WorkerInfo,
} from './model';

export type HttpVerb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface MethodSpec<I extends z.ZodType = z.ZodType, R = unknown> {
  summary: string;
  input: I;
  /** REST route; `:name` segments are taken from the path into the input. */
  http: { method: HttpVerb; path: string };
  /** Phantom: carries the result type. */
  readonly result?: R;
}

function method<R>() {
  return <I extends z.ZodType>(spec: Omit<MethodSpec<I, R>, 'result'>): MethodSpec<I, R> => spec;
}

const JobIdSchema = z.string().min(1).max(100);
const IdInput = z.strictObject({ id: JobIdSchema });
const IdsInput = z.strictObject({ ids: z.array(JobIdSchema).min(1).max(10_000) });
const Empty = z.strictObject({});

/** The outcome of a bulk action: what was done, and why the rest was not. */
export interface BulkResult {
  done: string[];
  failed: Array<{ id: string; error: WireError }>;
}

export interface SystemInfo {
  version: string;
  backend: 'sqlite' | 'redis';
  location: string;
  engineId: string;
  engineRunning: boolean;
  dataDir: string;
  jobTypes: string[];
}

export const CONTRACT = {
  'jobs:submit': method<JobRecord>()({
    summary: 'Submit one job',
    input: JobSubmissionSchema,
    http: { method: 'POST', path: '/api/jobs' },
  }),
  'jobs:submitBulk': method<JobRecord[]>()({
    summary: 'Submit many jobs, all or nothing',
    input: z.strictObject({ jobs: z.array(z.unknown()).min(1).max(100_000) }),
    http: { method: 'POST', path: '/api/jobs/bulk' },
  }),
  'jobs:list': method<JobPage>()({
    summary: 'List jobs with filters, sorting and cursor paging',
    input: JobListQuerySchema,
    http: { method: 'GET', path: '/api/jobs' },
  }),
  'jobs:get': method<JobRecord>()({
    summary: 'Get one job',
    input: IdInput,
    http: { method: 'GET', path: '/api/jobs/:id' },
  }),
  'jobs:logs': method<JobLogLine[]>()({
    summary: "A job's log lines after a sequence number",
    input: z.strictObject({
      id: JobIdSchema,
      afterSeq: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(10_000).default(1000),
    }),
    http: { method: 'GET', path: '/api/jobs/:id/logs' },
  }),
  'jobs:attempts': method<JobAttempt[]>()({
    summary: "A job's attempt history",
    input: IdInput,
    http: { method: 'GET', path: '/api/jobs/:id/attempts' },
  }),
  'jobs:cancel': method<JobRecord>()({
    summary: 'Cancel a waiting or running job',
    input: z.strictObject({ id: JobIdSchema, reason: z.string().max(500).optional() }),
    http: { method: 'POST', path: '/api/jobs/:id/cancel' },
  }),
  'jobs:restart': method<JobRecord>()({
    summary: 'Run a failed or cancelled job again',
    input: IdInput,
    http: { method: 'POST', path: '/api/jobs/:id/restart' },
  }),
  'jobs:bulkCancel': method<BulkResult>()({
    summary: 'Cancel many jobs',
    input: IdsInput,
    http: { method: 'POST', path: '/api/jobs/bulk/cancel' },
  }),
  'jobs:bulkRestart': method<BulkResult>()({
    summary: 'Restart many failed or cancelled jobs',
    input: IdsInput,
    http: { method: 'POST', path: '/api/jobs/bulk/restart' },
  }),
  'extraction:submit': method<{ job_id: string; status: string }>()({
    summary: 'Submit an extraction job (the original POST /api/extraction/)',
    input: z.strictObject({
      parameters: z.record(z.string(), z.unknown()),
      priority: JobPrioritySchema.optional(),
      schedule: JobScheduleSchema.optional(),
    }),
    http: { method: 'POST', path: '/api/extraction' },
  }),
  'queues:pause': method<{ queue: string; paused: true }>()({
    summary: 'Pause a queue: no new job of it starts',
    input: z.strictObject({ queue: QueueNameSchema }),
    http: { method: 'POST', path: '/api/queues/:queue/pause' },
  }),
  'queues:resume': method<{ queue: string; paused: false }>()({
    summary: 'Resume a paused queue',
    input: z.strictObject({ queue: QueueNameSchema }),
    http: { method: 'POST', path: '/api/queues/:queue/resume' },
  }),
  'stats:get': method<QueueStats>()({
    summary: 'Queue statistics (the original get_queue_stats)',
    input: Empty,
    http: { method: 'GET', path: '/api/stats' },
  }),
  'health:get': method<HealthReport>()({
    summary: 'Health check (the original perform_health_check)',
    input: Empty,
    http: { method: 'GET', path: '/api/health' },
  }),
  'workers:list': method<WorkerInfo[]>()({
    summary: 'Worker processes and what they run',
    input: Empty,
    http: { method: 'GET', path: '/api/workers' },
  }),
  'maintenance:cleanup': method<{ removed: number }>()({
    summary: 'Delete finished jobs older than N days (the original cleanup_old_jobs)',
    input: z.strictObject({ daysOld: z.number().min(0).max(36500) }),
    http: { method: 'POST', path: '/api/maintenance/cleanup' },
  }),
  'system:info': method<SystemInfo>()({
    summary: 'Version, active backend and job types',
    input: Empty,
    http: { method: 'GET', path: '/api/system' },
  }),
} as const satisfies Record<string, MethodSpec>;

export type Contract = typeof CONTRACT;
export type MethodName = keyof Contract;
export type MethodInput<M extends MethodName> = z.input<Contract[M]['input']>;
export type ParsedMethodInput<M extends MethodName> = z.output<Contract[M]['input']>;
export type MethodResult<M extends MethodName> = Contract[M] extends MethodSpec<z.ZodType, infer R> ? R : never;

/** The API a client sees: one async function per method. */
export type ContractApi = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodResult<M>> };

/** Main-side implementation of every method, given already-validated input. */
export type ContractHandlers = { [M in MethodName]: (input: ParsedMethodInput<M>) => Promise<MethodResult<M>> };

/** Every event a client can subscribe to. */
export type EventMap = JobEventMap;
export type EventName = keyof EventMap;
export const EVENT_NAMES = [
  'job:added',
  'job:started',
  'job:progress',
  'job:completed',
  'job:failed',
  'job:retrying',
  'job:cancelled',
  'queue:paused',
  'queue:resumed',
  'worker:changed',
  'engine:error',
] as const satisfies readonly EventName[];

/** One batch of events as a transport delivers it (coalesced: the latest progress of a job wins). */
export type EventBatch = Array<{ [E in EventName]: { event: E; payload: EventMap[E] } }[EventName]>;

/** What a transport answers to an invocation. */
export type Envelope<R> = { ok: true; result: R } | { ok: false; error: WireError };

export const METHOD_NAMES = Object.keys(CONTRACT) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(CONTRACT, name);
}
