/**
 * JobManager: the engine's facade and composition root.
 *
 * Opened alone it is a client of the store (submit, list, cancel… from the CLI while another
 * process runs the jobs). `start()` makes it an engine: it registers itself, recovers jobs left
 * running by a dead engine, starts the worker pool and the dispatcher, and watches the store for
 * changes made by other processes. `stop()` shuts down gracefully; parts close in reverse order.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { AppError, parseOrThrow } from '../../shared/errors';
import type { JobEventMap } from '../../shared/events';
import {
  isTerminalStatus,
  JobListQuerySchema,
  QueueNameSchema,
  TERMINAL_STATUSES,
  type HealthReport,
  type JobAttempt,
  type JobListQuery,
  type JobLogLine,
  type JobPage,
  type JobPriority,
  type JobRecord,
  type JobSchedule,
  type JobStatus,
  type QueueStats,
  type WorkerInfo,
} from '../../shared/model';
import type { QueueBackend } from './backend/queue-backend';
import { createBackend } from './backend/select';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { Dispatcher } from './dispatcher/dispatcher';
import { HandlerRegistry } from './handlers/registry';
import { shortId } from './ids';
import type { ProcessSpawner } from './pool/process-spawner';
import type { EngineGovernance, GovernanceHooks } from './governor/engine-governance';
import type { AnalyticsReport, StoredMetricSample } from '../../shared/analytics-types';
import { EngineAnalytics } from './analytics/engine-analytics';
import type { FailureAnalysis, MetricsRequest, ReportRequest } from './analytics/analytics-service';
import type { CsvExportResult, CsvOptions } from './analytics/csv-export';
import type { CsvTarget } from './analytics/csv-target';
import { MaintenanceParamsSchema, type MaintenanceOptions } from './handlers/engine-handlers';
import { applyRetention, type MaintenanceResult, type RetentionDays } from './maintenance/maintenance-service';
import { isRecurring, parseSubmission, toNewJob, type JobSubmission } from './submission';
import type { NewJob } from './backend/queue-backend';
import { DependencyApi } from './dependencies/dependency-api';
import type { DependencyEffects } from './dependencies/dependency-types';
import { ScheduleApi, type ScheduleListQueryInput } from './scheduler/schedule-api';
import { scheduledJob } from './scheduler/schedule-jobs';
import type { SchedulerService } from './scheduler/scheduler-service';
import type { FlowResultView, JobDependenciesView, ScheduleDetail, SchedulePageView, SchedulePreviewView, ScheduleView } from '../../shared/schedule-types';
import type { LiveFeed } from './live/live-feed';
import { EngineRuntime, hostSampleOf, type RuntimeHost } from './engine-runtime';

export interface JobManagerOptions {
  config: Config;
  clock?: Clock;
  /** Use this store instead of the one the config selects. */
  backend?: QueueBackend;
  spawner?: ProcessSpawner;
  /** Engine: only run jobs of these queues (default: all). */
  queues?: string[] | null;
  /** Worker names are `<prefix>-1`, `<prefix>-2`, … */
  workerNamePrefix?: string;
  /** Poll interval for changes made by other processes (ms). */
  watchIntervalMs?: number;
  /** Resource governance hooks: timer clock, scripted host samples, backlog probe (tests). */
  governance?: GovernanceHooks;
}

const MAX_BULK = 100_000;

export class JobManager extends EventEmitter<{ [K in keyof JobEventMap]: [JobEventMap[K]] }> {
  readonly config: Config;
  readonly clock: Clock;
  readonly registry: HandlerRegistry;
  readonly engineId = `${hostname()}-${process.pid}-${shortId()}`;
  private readonly backendStore: QueueBackend;
  private runtime: EngineRuntime | null = null;
  /** Reports, failure analysis, metrics history, exports, health facts, maintenance (analytics/engine-analytics.ts). */
  readonly analytics: EngineAnalytics;
  private readonly scheduleApi: ScheduleApi | null;
  private readonly dependencyApi: DependencyApi;
  private backendWarning: string | null;
  private state: 'open' | 'starting' | 'running' | 'stopping' | 'closed' = 'open';

  private constructor(
    private readonly options: JobManagerOptions,
    backend: QueueBackend,
    backendWarning: string | null,
  ) {
    super();
    // waitForJob listens once per waiting caller: many concurrent waits are normal, not a leak.
    this.setMaxListeners(0);
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.registry = new HandlerRegistry(options.config.handlers);
    this.backendStore = backend;
    this.backendWarning = backendWarning;
    this.analytics = new EngineAnalytics({ backend, config: this.config, clock: this.clock, onError: (err) => this.reportError(err) });
    this.scheduleApi = backend.schedules
      ? new ScheduleApi({
          store: backend.schedules,
          clock: this.clock,
          buildJob: (def, id, now) => scheduledJob(def, id, now, this.registry, this.config),
          insertJobs: async (jobs) => void (await this.insertAndAnnounce(jobs)),
          onJobsCreated: (jobs) => this.announceInserted(jobs),
          onChanged: () => void this.runtime?.scheduler?.refresh().catch((err: unknown) => this.reportError(err)),
        })
      : null;
    this.dependencyApi = new DependencyApi({
      backend,
      build: (submission, subject) => toNewJob(parseSubmission(submission, this.registry, subject), this.config, this.clock.now()),
      insert: (rows) => this.insertAndAnnounce(rows),
    });
    backend.dependencies?.onEffects((effects) => this.onDependencyEffects(effects));
  }

  /** Open the store. Throws AppError CONFIG / BACKEND_UNAVAILABLE. */
  static async open(options: JobManagerOptions): Promise<JobManager> {
    const selected = options.backend ? { backend: options.backend, warning: null } : await createBackend(options.config);
    await selected.backend.open();
    return new JobManager(options, selected.backend, selected.warning);
  }

  get backend(): QueueBackend {
    return this.backendStore;
  }

  get isEngine(): boolean {
    return this.state === 'running';
  }

  /* ------------------------------------------------------------------ engine lifecycle */

  /** Become an engine: recover, start workers, dispatch (see engine-runtime.ts). */
  async start(): Promise<void> {
    if (this.state !== 'open') throw new AppError('CONFLICT', `the engine is ${this.state}`);
    this.state = 'starting';
    try {
      this.runtime = await EngineRuntime.start(this.runtimeHost(), this.options);
    } catch (err) {
      this.state = 'open';
      throw err;
    }
    this.state = 'running';
  }

  /** The view of this manager the engine runtime works through. */
  private runtimeHost(): RuntimeHost {
    return {
      config: this.config,
      clock: this.clock,
      registry: this.registry,
      engineId: this.engineId,
      backend: this.backendStore,
      analytics: this.analytics,
      emitEvent: (event, payload) => {
        if (this.listenerCount(event) > 0) (this.emit as (e: string, p: unknown) => boolean)(event, payload);
      },
      listenerCount: (event) => this.listenerCount(event),
      announceInserted: (rows) => this.announceInserted(rows),
      reportError: (err) => this.reportError(err),
      cleanupOldJobs: (days, statuses) => this.cleanupOldJobs(days, statuses),
      submitJob: (input) => this.submitJob(input),
      performHealthCheck: () => this.performHealthCheck(),
    };
  }

  /** The live feed (system:sample, health:changed) of the engine running here; null when none runs. */
  get liveFeed(): LiveFeed | null {
    return this.runtime?.live ?? null;
  }

  private get dispatcher(): Dispatcher | null {
    return this.runtime?.dispatcher ?? null;
  }

  /**
   * Graceful shutdown: stop claiming, let running jobs finish for up to `graceMs` (default: the
   * config's shutdownGraceSeconds), hand the rest back for the next start, stop the workers.
   */
  async stop(graceMs = this.config.shutdownGraceSeconds * 1000): Promise<void> {
    if (this.state !== 'running' || !this.runtime) return;
    this.state = 'stopping';
    await this.runtime.stop(graceMs);
    this.runtime = null;
    this.state = 'open';
  }

  /** Stop (if running) and close the store. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.stop();
    this.analytics.close();
    await this.backendStore.close();
    this.state = 'closed';
  }

  /* ------------------------------------------------------------------ jobs */

  /** Validate and persist one job. Throws VALIDATION / UNKNOWN_JOB_TYPE naming the field. */
  async submitJob(input: JobSubmission): Promise<JobRecord> {
    const [job] = await this.submitJobs([input], 'job');
    return job!;
  }

  /**
   * Validate all, then persist all in one transaction, or none. A large bulk is stored in parts
   * while the next part is validated (QueueBackend.openBulkInsert): on SQLite the store thread
   * inserts part n while this thread validates part n + 1, in one transaction.
   */
  async submitJobs(inputs: JobSubmission[], subject = 'jobs'): Promise<JobRecord[]> {
    if (!Array.isArray(inputs)) throw new AppError('VALIDATION', `invalid ${subject}: expected an array of jobs`);
    if (inputs.length > MAX_BULK) {
      throw new AppError('PAYLOAD_TOO_LARGE', `invalid ${subject}: ${inputs.length} jobs; at most ${MAX_BULK} per call`);
    }
    const now = this.clock.now();
    const at = (i: number) => (subject === 'job' ? 'job' : `${subject}[${i}]`);
    if (inputs.length === 1) {
      const parsed = parseSubmission(inputs[0], this.registry, at(0));
      // The original API took a recurring JobSchedule on submit: it creates a schedule (see docs/scheduling.md).
      if (isRecurring(parsed)) return [this.recordOf(await this.requireSchedules().createFromSubmission(parsed))];
      return this.insertAndAnnounce([toNewJob(parsed, this.config, now)]);
    }
    const bulk = this.backendStore.openBulkInsert?.(inputs.length) ?? null;
    const part = bulk?.partSize ?? inputs.length;
    const rows = new Array<NewJob>(inputs.length);
    try {
      // No await from here to bulk.end: nothing else reaches the store between the parts.
      for (let start = 0; start < inputs.length; start += part) {
        const end = Math.min(start + part, inputs.length);
        for (let i = start; i < end; i++) {
          const parsed = parseSubmission(inputs[i], this.registry, at(i));
          if (isRecurring(parsed)) throw new AppError('VALIDATION', `invalid ${at(i)}: a recurring schedule is submitted alone, not in a batch`);
          rows[i] = toNewJob(parsed, this.config, now);
        }
        bulk?.add(rows.slice(start, end));
      }
    } catch (err) {
      bulk?.end(false).catch(() => undefined);
      throw err;
    }
    if (!bulk) return this.insertAndAnnounce(rows);
    await bulk.end(true);
    return this.announceStored(rows);
  }

  /** Insert rows, wake the dispatcher, emit job:added; jobs with dependencies are re-read (waiting/cancelled). */
  private async insertAndAnnounce(rows: NewJob[]): Promise<JobRecord[]> {
    await this.backendStore.insertJobs(rows);
    return this.announceStored(rows);
  }

  /** Rows just stored: their records (jobs with dependencies re-read: waiting/cancelled), announced. */
  private async announceStored(rows: NewJob[]): Promise<JobRecord[]> {
    // One promise per job with dependencies only (a bulk submit of 10k plain jobs makes no promises).
    const records = rows.map((r) => this.recordOf(r));
    for (let i = 0; i < rows.length; i++) {
      if (rows[i]!.dependencies.length) records[i] = (await this.backendStore.getJob(rows[i]!.id)) ?? records[i]!;
    }
    this.announceInserted(rows, records);
    return records;
  }

  /** After jobs were inserted (by a submission or a schedule): arm, wake, emit job:added. */
  private announceInserted(rows: NewJob[], records = rows.map((r) => this.recordOf(r))): void {
    if (this.dispatcher) {
      let earliest = Infinity;
      for (const r of records) if (r.status === 'scheduled') earliest = Math.min(earliest, r.runAt);
      if (earliest < Infinity) this.dispatcher.armDue(earliest);
      this.dispatcher.wake();
    }
    if (this.listenerCount('job:added')) {
      for (const r of records) {
        this.emit('job:added', { id: r.id, type: r.type, queue: r.queue, priority: r.priority, status: r.status, runAt: r.runAt });
      }
    }
  }

  /** Dependents released or cancelled by a write of this process: wake the dispatcher, announce. */
  private onDependencyEffects(effects: DependencyEffects): void {
    if (this.dispatcher && effects.released.length) {
      let earliest = Infinity;
      for (const r of effects.released) if (r.status === 'scheduled') earliest = Math.min(earliest, r.runAt);
      if (earliest < Infinity) this.dispatcher.armDue(earliest);
      this.dispatcher.wake();
    }
    if (this.listenerCount('job:cancelled')) for (const c of effects.cancelled) this.emit('job:cancelled', c);
  }

  private reportError(err: unknown): void {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error)?.message ?? String(err));
    if (this.listenerCount('engine:error')) this.emit('engine:error', { code: e.code, message: e.message });
  }

  /* ------------------------------------------------------------------ schedules and dependencies */

  private requireSchedules(): ScheduleApi {
    if (!this.scheduleApi) throw new AppError('CONFLICT', `the ${this.backendStore.kind} backend does not support schedules yet`);
    return this.scheduleApi;
  }

  /** Create a schedule (docs/scheduling.md). Throws VALIDATION naming the field. */
  createSchedule(def: unknown): Promise<ScheduleView> {
    return this.requireSchedules().create(def);
  }

  /** Change a schedule; `null` clears an optional field. Throws NOT_FOUND, VALIDATION. */
  updateSchedule(id: string, patch: unknown): Promise<ScheduleView> {
    return this.requireSchedules().update(id, patch);
  }

  /** Pause a schedule (no runs until resumed). Throws NOT_FOUND. */
  pauseSchedule(id: string): Promise<ScheduleView> {
    return this.requireSchedules().pause(id);
  }

  /** Resume a schedule; slots missed while paused are not caught up. Throws NOT_FOUND. */
  resumeSchedule(id: string): Promise<ScheduleView> {
    return this.requireSchedules().resume(id);
  }

  /** Delete a schedule (its jobs stay). Throws NOT_FOUND. */
  deleteSchedule(id: string): Promise<{ id: string; deleted: true }> {
    return this.requireSchedules().delete(id);
  }

  /** Schedules by next fire time. Throws VALIDATION (bad filter or cursor). */
  listSchedules(query: ScheduleListQueryInput = {}): Promise<SchedulePageView> {
    return this.requireSchedules().list(query);
  }

  /** A schedule with its latest runs. Throws NOT_FOUND. */
  getSchedule(id: string): Promise<ScheduleDetail> {
    return this.requireSchedules().get(id);
  }

  /** The next `count` fire times of a schedule (id) or a definition, in its zone and UTC. Throws NOT_FOUND, VALIDATION. */
  previewSchedule(idOrDefinition: string | Record<string, unknown>, count = 5): Promise<SchedulePreviewView> {
    return this.requireSchedules().preview(idOrDefinition, count);
  }

  /** Create one run of a schedule now, outside its timetable. Throws NOT_FOUND. */
  async runScheduleNow(id: string): Promise<JobRecord> {
    return this.recordOf(await this.requireSchedules().runNow(id));
  }

  /** The scheduler of the engine running in this process (null when none runs here). */
  get schedulerService(): SchedulerService | null {
    return this.runtime?.scheduler ?? null;
  }

  /** Submit a graph of jobs with local refs, all or nothing. Throws VALIDATION naming the job/ref. */
  submitFlow(input: unknown): Promise<FlowResultView> {
    return this.dependencyApi.submitFlow(input);
  }

  /** A job's dependencies and dependents with their states. Throws NOT_FOUND. */
  getJobDependencies(id: string): Promise<JobDependenciesView> {
    return this.dependencyApi.edgesOf(id);
  }

  /** The original `submit_extraction_job(parameters, priority, schedule)`; returns the job id. */
  async submitExtractionJob(
    parameters: Record<string, unknown>,
    options: { priority?: JobPriority; schedule?: JobSchedule; queue?: string } = {},
  ): Promise<string> {
    const job = await this.submitJob({ type: 'extraction', parameters, ...options });
    return job.id;
  }

  private recordOf(r: ReturnType<typeof toNewJob>): JobRecord {
    return {
      id: r.id,
      type: r.type,
      queue: r.queue,
      parameters: r.parameters,
      priority: (['LOW', 'NORMAL', 'HIGH', 'URGENT'] as const)[r.priority]!,
      status: r.status,
      progress: 0,
      progressMessage: null,
      attempts: 0,
      maxRetries: r.maxRetries,
      retryDelaySeconds: r.retryDelaySeconds,
      timeoutSeconds: r.timeoutSeconds,
      runAt: r.runAt,
      createdAt: r.createdAt,
      startedAt: null,
      finishedAt: null,
      updatedAt: r.createdAt,
      worker: null,
      result: null,
      error: null,
      metrics: {},
      limits: r.limits,
      dependencies: r.dependencies,
      scheduleId: r.scheduleId,
      cancelRequested: false,
    };
  }

  /** The job, or null when there is none with that id. */
  async getJob(id: string): Promise<JobRecord | null> {
    return this.backendStore.getJob(String(id));
  }

  /** Like getJob, but throws NOT_FOUND. */
  async requireJob(id: string): Promise<JobRecord> {
    const job = await this.getJob(id);
    if (!job) throw new AppError('NOT_FOUND', `no job with id ${id}`);
    return job;
  }

  /** Filtered, sorted, cursor-paged listing. Throws VALIDATION naming the field. */
  async listJobs(query: JobListQuery = {}): Promise<JobPage> {
    return this.backendStore.listJobs(parseOrThrow(JobListQuerySchema, query, 'query'));
  }

  async getJobLogs(id: string, afterSeq = 0, limit = 1000): Promise<JobLogLine[]> {
    await this.requireJob(id);
    return this.backendStore.getLogs(id, afterSeq, limit);
  }

  async getJobAttempts(id: string): Promise<JobAttempt[]> {
    await this.requireJob(id);
    return this.backendStore.getAttempts(id);
  }

  /**
   * Cancel a waiting job at once, or abort a running one (its handler gets an aborted signal; its
   * worker is killed if it has not stopped after the grace period). Throws NOT_FOUND, CONFLICT.
   */
  async cancelJob(id: string, reason = 'cancelled by user'): Promise<JobRecord> {
    const res = await this.backendStore.requestCancel(id, this.clock.now(), reason);
    if (res.state === 'cancelled') {
      if (this.listenerCount('job:cancelled')) {
        this.emit('job:cancelled', { id, type: res.job.type, queue: res.job.queue, reason, finishedAt: res.job.finishedAt ?? this.clock.now() });
      }
      return res.job;
    }
    // Running here: abort now. Running in another engine: it sees the flag within its watch interval.
    this.dispatcher?.abort(id, 'cancelled', reason);
    return res.job;
  }

  /** A failed or cancelled job runs again with a fresh retry budget. Throws NOT_FOUND, CONFLICT. */
  async restartJob(id: string): Promise<JobRecord> {
    const job = await this.backendStore.restartJob(id, this.clock.now());
    this.dispatcher?.wake();
    return job;
  }

  /**
   * Resolve with the job once it reaches a terminal status; rejects with TIMEOUT after `timeoutMs`.
   * Works whichever process runs the job (events here, polling for others).
   */
  async waitForJob(id: string, timeoutMs = Infinity, pollMs = 250): Promise<JobRecord> {
    const first = await this.requireJob(id);
    if (isTerminalStatus(first.status)) return first;
    return new Promise<JobRecord>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | null, job?: JobRecord) => {
        if (done) return;
        done = true;
        clearInterval(poll);
        if (timer) clearTimeout(timer);
        for (const e of ['job:completed', 'job:failed', 'job:cancelled'] as const) this.off(e, onEvent);
        if (err) reject(err);
        else resolve(job!);
      };
      const check = async () => {
        const job = await this.getJob(id).catch(() => null);
        if (job && isTerminalStatus(job.status)) finish(null, job);
      };
      const onEvent = (e: { id: string }) => {
        if (e.id === id) void check();
      };
      for (const e of ['job:completed', 'job:failed', 'job:cancelled'] as const) this.on(e, onEvent);
      const poll = setInterval(() => void check(), pollMs);
      const timer =
        timeoutMs < Infinity
          ? setTimeout(() => finish(new AppError('TIMEOUT', `job ${id} did not finish within ${timeoutMs} ms`)), timeoutMs)
          : null;
    });
  }

  /* ------------------------------------------------------------------ queues, stats, health */

  async pauseQueue(queue: string): Promise<void> {
    parseOrThrow(QueueNameSchema, queue, 'queue');
    await this.backendStore.setQueuePaused(queue, true, this.clock.now());
    this.dispatcher?.setPausedQueues(await this.backendStore.pausedQueues());
    if (this.listenerCount('queue:paused')) this.emit('queue:paused', { queue });
  }

  async resumeQueue(queue: string): Promise<void> {
    parseOrThrow(QueueNameSchema, queue, 'queue');
    await this.backendStore.setQueuePaused(queue, false, this.clock.now());
    this.dispatcher?.setPausedQueues(await this.backendStore.pausedQueues());
    if (this.listenerCount('queue:resumed')) this.emit('queue:resumed', { queue });
  }

  listWorkers(): WorkerInfo[] {
    return this.runtime?.listWorkers() ?? [];
  }

  /** Resource governance of the engine running in this process; null when none runs here. */
  get governance(): EngineGovernance | null {
    return this.runtime?.governance ?? null;
  }

  /**
   * Scale the worker pool to `count` (kept within min and max; removed workers finish their
   * jobs first). Returns the new target. Throws CONFLICT when no engine runs here, VALIDATION.
   */
  scaleWorkers(count: number): number {
    if (!this.runtime) throw new AppError('CONFLICT', 'no engine runs in this process; scale the one running with `jobhandle start-worker --min/--max`');
    return this.runtime.governance.scale(count);
  }

  private hostSample(): { cpuPercent: number; memoryPercent: number } {
    return hostSampleOf(this.runtime?.governance ?? null);
  }

  /** The original `get_queue_stats()`. */
  async getQueueStats(): Promise<QueueStats> {
    const now = this.clock.now();
    const { counts, oldestPendingCreatedAt } = await this.backendStore.countByStatus();
    const workers = this.listWorkers();
    const host = this.hostSample();
    return {
      backend: this.backendStore.kind,
      counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      running_jobs: counts.running,
      pending_jobs: counts.pending + counts.scheduled + counts.retrying + counts.waiting,
      cpu_usage_percent: Math.round(host.cpuPercent * 10) / 10,
      memory_usage_percent: Math.round(host.memoryPercent * 10) / 10,
      cache_size: (this.dispatcher?.inFlight ?? 0) + (this.dispatcher?.bufferedWrites ?? 0),
      workers: workers.length,
      busy_workers: workers.filter((w) => w.state === 'busy').length,
      throughput_per_minute: await this.backendStore.countFinishedSince(now - 60_000),
      pausedQueues: await this.backendStore.pausedQueues(),
      oldestPendingAgeMs: oldestPendingCreatedAt === null ? null : Math.max(0, now - oldestPendingCreatedAt),
      backpressure: this.runtime?.backpressure() ?? null,
    };
  }

  /**
   * The original `perform_health_check()`: `{status, issues, checks}` over store, workers, backlog,
   * stuck jobs, host, disk, integrity and failure rate (docs/analytics.md). Never throws.
   */
  async performHealthCheck(): Promise<HealthReport> {
    const host = this.hostSample();
    return this.analytics.healthCheck(
      {
        backendWarning: this.backendWarning,
        workers: this.runtime
          ? { running: this.runtime.pool.list().filter((w) => w.state !== 'crashed' && w.state !== 'stopped').length, minimum: this.config.workers.min }
          : null,
        host: { ...host, cpuThreshold: this.config.thresholds.cpuPercent, memoryThreshold: this.config.thresholds.memoryPercent },
      },
      this.runtime ? { backpressure: this.runtime.backpressure() } : {},
    );
  }

  /** The original `cleanup_old_jobs(days_old)`: delete finished jobs older than that; returns the count. */
  async cleanupOldJobs(daysOld: number, statuses: readonly JobStatus[] = TERMINAL_STATUSES): Promise<number> {
    if (!Number.isFinite(daysOld) || daysOld < 0) {
      throw new AppError('VALIDATION', `invalid daysOld: expected a number of days, 0 or more (got ${daysOld})`);
    }
    return this.backendStore.deleteFinishedBefore(this.clock.now() - daysOld * 86_400_000, statuses);
  }

  /* ------------------------------------------------------------------ analytics, export, maintenance (issue 6) */

  /** The analytics report of a window (docs/analytics.md). Throws VALIDATION, BACKEND_UNAVAILABLE. */
  getAnalyticsReport(request: ReportRequest = {}): Promise<AnalyticsReport> {
    return this.analytics.service.report(request);
  }

  /** Failure groups of a window. Throws VALIDATION, BACKEND_UNAVAILABLE. */
  getFailureAnalysis(request: ReportRequest = {}): Promise<FailureAnalysis> {
    return this.analytics.service.failures(request);
  }

  /** Metrics history samples of a window. Throws VALIDATION. */
  getMetricsHistory(request: MetricsRequest = {}): Promise<StoredMetricSample[]> {
    return this.analytics.service.metricsHistory(request);
  }

  /** Stream the filtered job list as CSV to a file path or a stream (constant memory). */
  exportJobs(target: CsvTarget, query: JobListQuery = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    return this.analytics.service.exportJobs(target, query, options);
  }

  /** The report as CSV (`table`: groups, default, or trend). */
  exportReport(target: CsvTarget, request: ReportRequest = {}, options: CsvOptions & { table?: 'groups' | 'trend' } = {}): Promise<CsvExportResult> {
    return this.analytics.service.exportReport(target, request, options);
  }

  /** The failure groups as CSV. */
  exportFailures(target: CsvTarget, request: ReportRequest = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    return this.analytics.service.exportFailures(target, request, options);
  }

  /** The metrics history as CSV. */
  exportMetrics(target: CsvTarget, request: MetricsRequest = {}, options: CsvOptions = {}): Promise<CsvExportResult> {
    return this.analytics.service.exportMetrics(target, request, options);
  }

  /** Delete finished jobs past the per-status retention (settings `retention`). Returns counts per status. */
  applyRetention(retention: RetentionDays = this.config.retention): Promise<RetentionDays> {
    return applyRetention(this.backendStore, retention, this.clock.now());
  }

  /** Run maintenance now, in this process (retention, metrics roll-up, checkpoint, vacuum, backup). */
  runMaintenance(options: Partial<MaintenanceOptions> = {}, log: (line: string) => void = () => undefined): Promise<MaintenanceResult> {
    return this.analytics.runMaintenance(parseOrThrow(MaintenanceParamsSchema, options, 'options'), log);
  }
}
