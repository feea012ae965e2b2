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
  TimestampSchema,
  type HealthReport,
  type JobAttempt,
  type JobLogLine,
  type JobPage,
  type JobRecord,
  type BackpressureInfo,
  type QueueStats,
  type WorkerInfo,
} from './model';
import type {
  FlowResultView,
  JobDependenciesView,
  ScheduleDetail,
  SchedulePageView,
  SchedulePreviewView,
  ScheduleView,
} from './schedule-types';
import {
  METRIC_RESOLUTIONS,
  type AnalyticsReport,
  type FailureAnalysis,
  type MaintenanceRunResult,
  type StoredMetricSample,
} from './analytics-types';

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

/* ---- Scheduling and dependencies (issue 3): schedules:*, jobs:submitFlow, jobs:dependencies ---- */
/** A schedule definition or patch; the engine validates it field by field (docs/scheduling.md). */
const ScheduleBodySchema = z.record(z.string(), z.unknown());
const ScheduleIdInput = z.strictObject({ id: z.string().min(1).max(100) });
function SCHEDULING_METHODS() {
  return {
    'schedules:create': method<ScheduleView>()({
      summary: 'Create a schedule (cron with zone, interval or run-once; misfire and overlap policies)',
      input: ScheduleBodySchema,
      http: { method: 'POST', path: '/api/schedules' },
    }),
    'schedules:update': method<ScheduleView>()({
      summary: 'Change a schedule; null clears an optional field',
      input: z.strictObject({ id: z.string().min(1).max(100), patch: ScheduleBodySchema }),
      http: { method: 'PATCH', path: '/api/schedules/:id' },
    }),
    'schedules:pause': method<ScheduleView>()({
      summary: 'Pause a schedule',
      input: ScheduleIdInput,
      http: { method: 'POST', path: '/api/schedules/:id/pause' },
    }),
    'schedules:resume': method<ScheduleView>()({
      summary: 'Resume a paused schedule (missed slots are not caught up)',
      input: ScheduleIdInput,
      http: { method: 'POST', path: '/api/schedules/:id/resume' },
    }),
    'schedules:delete': method<{ id: string; deleted: true }>()({
      summary: 'Delete a schedule (its jobs stay)',
      input: ScheduleIdInput,
      http: { method: 'DELETE', path: '/api/schedules/:id' },
    }),
    'schedules:list': method<SchedulePageView>()({
      summary: 'List schedules by next fire time',
      input: z.strictObject({
        paused: z.boolean().optional(),
        active: z.boolean().optional(),
        type: z.array(z.string().min(1).max(64)).max(20).optional(),
        limit: z.number().int().min(1).max(1000).default(100),
        cursor: z.string().max(500).optional(),
      }),
      http: { method: 'GET', path: '/api/schedules' },
    }),
    'schedules:get': method<ScheduleDetail>()({
      summary: 'One schedule with its latest runs',
      input: ScheduleIdInput,
      http: { method: 'GET', path: '/api/schedules/:id' },
    }),
    'schedules:preview': method<SchedulePreviewView>()({
      summary: 'Next fire times of a schedule (id) or a definition, in its zone and UTC',
      input: z.union([
        z.strictObject({ id: z.string().min(1).max(100), count: z.number().int().min(1).max(1000).default(5) }),
        z.strictObject({ definition: ScheduleBodySchema, count: z.number().int().min(1).max(1000).default(5) }),
      ]),
      http: { method: 'POST', path: '/api/schedules/preview' },
    }),
    'schedules:runNow': method<JobRecord>()({
      summary: 'Create one run of a schedule now',
      input: ScheduleIdInput,
      http: { method: 'POST', path: '/api/schedules/:id/run' },
    }),
    'jobs:submitFlow': method<FlowResultView>()({
      summary: 'Submit a graph of jobs with local refs and dependencies, all or nothing',
      input: z.strictObject({ jobs: z.array(z.record(z.string(), z.unknown())).min(1).max(10_000) }),
      http: { method: 'POST', path: '/api/jobs/flow' },
    }),
    'jobs:dependencies': method<JobDependenciesView>()({
      summary: "A job's dependencies and dependents with their states",
      input: IdInput,
      http: { method: 'GET', path: '/api/jobs/:id/dependencies' },
    }),
  } as const;
}

/* ---- Analytics, metrics history, maintenance and CSV export (issue 6) ---- */
/** A time in an input: ISO-8601, epoch ms, or epoch ms as digits (query strings). */
const AnalyticsTime = z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), TimestampSchema);
/** A boolean that also accepts "true"/"false"/"1"/"0" (query strings). */
const QueryFlag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
const NameOrNames = z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(50)]);
const AnalyticsWindow = {
  /** Default: `to` − 24 h. */
  from: AnalyticsTime.optional(),
  /** Default: now. */
  to: AnalyticsTime.optional(),
};
export const AnalyticsReportInput = z.strictObject({
  ...AnalyticsWindow,
  type: NameOrNames.optional(),
  queue: NameOrNames.optional(),
  bucket: z.enum(['hour', 'day']).default('hour'),
  tzOffsetMinutes: z.number().int().min(-840).max(840).optional(),
});
export const FailureAnalysisInput = z.strictObject({ ...AnalyticsWindow, type: NameOrNames.optional(), queue: NameOrNames.optional() });
export const MetricsHistoryInput = z.strictObject({ ...AnalyticsWindow, resolution: z.enum(METRIC_RESOLUTIONS).optional() });
export const MaintenanceRunInput = z.strictObject({
  retention: z.boolean().optional(),
  checkpoint: z.boolean().optional(),
  vacuumFreeRatio: z.number().min(0).max(1).optional(),
  backup: z.boolean().optional(),
  keepBackups: z.number().int().min(1).max(365).optional(),
});
function ANALYTICS_METHODS() {
  return {
    'analytics:report': method<AnalyticsReport>()({
      summary: 'Analytics report of jobs finished in a window, by type and queue, with trend, failures and slow runs',
      input: AnalyticsReportInput,
      http: { method: 'GET', path: '/api/analytics/report' },
    }),
    'analytics:failures': method<FailureAnalysis>()({
      summary: 'Failures of a window grouped by error class and normalized message',
      input: FailureAnalysisInput,
      http: { method: 'GET', path: '/api/analytics/failures' },
    }),
    'metrics:history': method<StoredMetricSample[]>()({
      summary: 'Metrics history samples (raw 24 h, per-minute 7 days, per-hour 1 year)',
      input: MetricsHistoryInput,
      http: { method: 'GET', path: '/api/metrics/history' },
    }),
    'maintenance:run': method<MaintenanceRunResult>()({
      summary: 'Run maintenance now: retention, metrics roll-up, WAL checkpoint, VACUUM when worthwhile, backup',
      input: MaintenanceRunInput,
      http: { method: 'POST', path: '/api/maintenance/run' },
    }),
  } as const;
}

const CsvBom = { bom: QueryFlag.default(false) };
/**
 * CSV downloads (streamed, UTF-8, optional BOM): the HTTP server serves `GET <path>` with the query
 * string parsed by `input`, and streams `writeCsvExport(manager, name, input, response)`
 * (src/main/services/csv-exports.ts) with `Content-Type: text/csv; charset=utf-8` and
 * `Content-Disposition: attachment; filename="<filename>"`.
 */
export const CSV_EXPORTS = {
  jobs: {
    path: '/api/export/jobs.csv',
    filename: 'jobs.csv',
    input: JobListQuerySchema.omit({ limit: true, cursor: true }).extend(CsvBom),
  },
  report: {
    path: '/api/export/report.csv',
    filename: 'report.csv',
    input: AnalyticsReportInput.extend({ ...CsvBom, table: z.enum(['groups', 'trend']).default('groups') }),
  },
  failures: { path: '/api/export/failures.csv', filename: 'failures.csv', input: FailureAnalysisInput.extend(CsvBom) },
  metrics: { path: '/api/export/metrics.csv', filename: 'metrics.csv', input: MetricsHistoryInput.extend(CsvBom) },
} as const;
export type CsvExportName = keyof typeof CSV_EXPORTS;
export const CSV_EXPORT_NAMES = Object.keys(CSV_EXPORTS) as CsvExportName[];

/* ---- Resource governance: workers, auto-scaling, rate pools (issue 4) ---- */
/** One rate pool as `pools:list` shows it. `available`/`waiting`/… are null when no engine runs here. */
export interface RatePoolView {
  name: string;
  perMinute: number;
  burst: number;
  available: number | null;
  waiting: number | null;
  granted: number | null;
  waits: number | null;
  totalWaitMs: number | null;
  /** Where it is declared: the settings file, the store (`pools set`), or created on first use. */
  source: 'settings' | 'store' | 'engine';
}
export interface AutoScalingView {
  enabled: boolean;
  minWorkers: number;
  maxWorkers: number;
  intervalMs: number;
  decisions: Array<{ at: number; action: 'up' | 'down' | 'hold'; target: number; reason: string }>;
  steps: Array<{ at: number; action: 'up' | 'down' | 'hold'; target: number; reason: string }>;
}
export interface GovernorView {
  backpressure: BackpressureInfo & { cpuPercent: number | null; memoryPercent: number | null; cpuThreshold: number; memoryThreshold: number };
  concurrency: {
    running: number;
    limit: number | null;
    free: number | null;
    saturatedQueues: string[];
    saturatedTypes: string[];
    perQueue: Record<string, number>;
    perType: Record<string, number>;
  };
  pools: RatePoolView[];
  typePools: Record<string, string>;
  throttled: Record<string, string>;
  cpuPolicy: 'throttle' | 'kill';
  autoScaling: AutoScalingView;
  monitoring: boolean;
}
const PoolName = z.string().min(1).max(64);
function RESOURCE_METHODS() {
  return {
    'workers:scale': method<{ target: number; workers: WorkerInfo[] }>()({
      summary: 'Scale the worker pool by hand (kept within min and max; removed workers finish their jobs first)',
      input: z.strictObject({ count: z.number().int().min(0).max(256) }),
      http: { method: 'POST', path: '/api/workers/scale' },
    }),
    'workers:autoscale': method<AutoScalingView>()({
      summary: 'Change auto-scaling bounds, or turn it on or off',
      input: z.strictObject({
        min: z.number().int().min(0).max(256).optional(),
        max: z.number().int().min(1).max(256).optional(),
        enabled: z.boolean().optional(),
      }),
      http: { method: 'POST', path: '/api/workers/autoscale' },
    }),
    'pools:list': method<RatePoolView[]>()({
      summary: 'Rate-limit pools with their rate, burst, tokens available and waits',
      input: Empty,
      http: { method: 'GET', path: '/api/pools' },
    }),
    'pools:set': method<RatePoolView>()({
      summary: 'Declare or change a rate-limit pool (waiting jobs get the new rate at once)',
      input: z.strictObject({ name: PoolName, perMinute: z.number().positive().max(1_000_000), burst: z.number().int().min(1).max(1_000_000).optional() }),
      http: { method: 'PUT', path: '/api/pools/:name' },
    }),
    'governor:state': method<GovernorView>()({
      summary: 'Backpressure, concurrency limits and saturation, rate pools, CPU throttling and auto-scaling of the engine',
      input: Empty,
      http: { method: 'GET', path: '/api/governor' },
    }),
  } as const;
}

/* ---- Settings, connection test, bulk delete/priority, save-as export (dashboard gaps) ---- */
/** What `settings:get` answers: the effective engine Config minus secrets, and the desktop settings in the app. */
export interface SettingsView {
  /** The effective Config the engine runs with (Redis passwords shown as `***`). */
  engine: Record<string, unknown>;
  /** The settings file `settings:update` writes, and what it holds now ({} when there is none). */
  settingsPath: string;
  file: Record<string, unknown>;
  /** The desktop app's own settings (tray, notifications, sleep, API server); null outside the app. */
  desktop: Record<string, unknown> | null;
  desktopSettingsPath: string | null;
  /** Settings-file fields (dotted) that `settings:update` applies to the running engine at once; the rest need a restart. */
  liveFields: string[];
}
export interface SettingsUpdateResult {
  settings: SettingsView;
  /** Changed fields (dotted paths) now in effect in the running engine or app. */
  applied: string[];
  /** Changed fields written to the file that take effect at the next start. */
  restartRequired: string[];
}
export interface ConnectionTestResult {
  ok: boolean;
  latencyMs: number | null;
  /** One plain sentence: what works, or what is wrong and what to do. */
  message: string;
  /** What was checked: address, server version, cluster state, journal mode, integrity… */
  details: Record<string, unknown>;
}
const PatchObject = z.record(z.string(), z.unknown());
function GAP_METHODS() {
  return {
    'settings:get': method<SettingsView>()({
      summary: 'The effective settings (Redis password masked), the settings file, and the desktop settings in the app',
      input: Empty,
      http: { method: 'GET', path: '/api/settings' },
    }),
    'settings:update': method<SettingsUpdateResult>()({
      summary: 'Change settings: `engine` is a partial settings file (merged, validated, written atomically), `desktop` the desktop app\'s own',
      input: z.strictObject({ engine: PatchObject.optional(), desktop: PatchObject.optional() }),
      http: { method: 'PATCH', path: '/api/settings' },
    }),
    'backend:testConnection': method<ConnectionTestResult>()({
      summary: 'Test a SQLite file or a Redis (single node or cluster) before switching to it; says what is wrong',
      input: z.strictObject({
        backend: z.enum(['sqlite', 'redis']),
        url: z.string().min(1).max(2000).optional(),
        cluster: z.array(z.string().min(1).max(300)).min(1).max(100).optional(),
        dbPath: z.string().min(1).max(4096).optional(),
        timeoutMs: z.number().int().min(100).max(30_000).default(3000),
      }),
      http: { method: 'POST', path: '/api/backend/test' },
    }),
    'jobs:bulkDelete': method<BulkResult>()({
      summary: 'Delete finished (completed, failed, cancelled) jobs with their logs, attempts and dependency edges',
      input: IdsInput,
      http: { method: 'POST', path: '/api/jobs/bulk/delete' },
    }),
    'jobs:bulkSetPriority': method<BulkResult>()({
      summary: 'Change the priority of waiting jobs (pending, scheduled, retrying, waiting); it changes their claim order',
      input: z.strictObject({ ids: IdsInput.shape.ids, priority: JobPrioritySchema }),
      http: { method: 'POST', path: '/api/jobs/bulk/priority' },
    }),
    'exports:save': method<{ saved: boolean; path: string | null; rows: number; bytes: number }>()({
      summary: 'Desktop app only: ask where to save a CSV export and write it there (over HTTP: 404, use the export URL)',
      input: z.strictObject({ name: z.enum(Object.keys(CSV_EXPORTS) as [CsvExportName, ...CsvExportName[]]), input: PatchObject.default({}) }),
      http: { method: 'POST', path: '/api/exports/save' },
    }),
  } as const;
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
  ...SCHEDULING_METHODS(),
  ...ANALYTICS_METHODS(),
  ...RESOURCE_METHODS(),
  ...GAP_METHODS(),
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

/* ---- Desktop shell (issue 7): events the app itself sends to its window ---- */
export interface DesktopEventMap {
  /** Show this job in the dashboard (a tray or notification click). Sent by the desktop shell, not the engine. */
  'ui:navigate': { jobId: string };
}

/** Every event a client can subscribe to. */
export type EventMap = JobEventMap & DesktopEventMap;
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
  'job:log',
  'system:sample',
  'health:changed',
] as const satisfies readonly EventName[];

/** One batch of events as a transport delivers it (coalesced: the latest progress of a job wins). */
export type EventBatch = Array<{ [E in EventName]: { event: E; payload: EventMap[E] } }[EventName]>;

/** What a transport answers to an invocation. */
export type Envelope<R> = { ok: true; result: R } | { ok: false; error: WireError };

export const METHOD_NAMES = Object.keys(CONTRACT) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(CONTRACT, name);
}
