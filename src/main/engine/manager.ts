/**
 * JobManager: the engine's facade and composition root.
 *
 * Opened alone it is a client of the store (submit, list, cancel… from the CLI while another
 * process runs the jobs). `start()` makes it an engine: it registers itself, recovers jobs left
 * running by a dead engine, starts the worker pool and the dispatcher, and watches the store for
 * changes made by other processes. `stop()` shuts down gracefully; parts close in reverse order.
 */
import { EventEmitter } from 'node:events';
import { hostname, cpus, loadavg, totalmem, freemem } from 'node:os';
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
import { Dispatcher } from './dispatcher/dispatcher';
import { createEngineHandlers } from './handlers/engine-handlers';
import { HandlerRegistry } from './handlers/registry';
import { evaluateHealth } from './health/health-check';
import { shortId } from './ids';
import { ForkSpawner } from './pool/fork-spawner';
import type { ProcessSpawner } from './pool/process-spawner';
import { WorkerPool } from './pool/worker-pool';
import { recoverOrphanedJobs } from './recovery';
import { parseSubmission, toNewJob, type JobSubmission } from './submission';

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
}

const MAX_BULK = 100_000;
const HEARTBEAT_MS = 5_000;
const STALE_ENGINE_MS = 30_000;

export class JobManager extends EventEmitter<{ [K in keyof JobEventMap]: [JobEventMap[K]] }> {
  readonly config: Config;
  readonly clock: Clock;
  readonly registry: HandlerRegistry;
  readonly engineId = `${hostname()}-${process.pid}-${shortId()}`;
  private readonly backendStore: QueueBackend;
  private pool: WorkerPool | null = null;
  private dispatcher: Dispatcher | null = null;
  private timers: NodeJS.Timeout[] = [];
  private lastChangeToken = -1;
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

  /** Become an engine: recover, start workers, dispatch. */
  async start(): Promise<void> {
    if (this.state !== 'open') throw new AppError('CONFLICT', `the engine is ${this.state}`);
    this.state = 'starting';
    const now = this.clock.now();
    await this.backendStore.registerEngine({
      id: this.engineId,
      pid: process.pid,
      hostname: hostname(),
      startedAt: now,
      heartbeatAt: now,
      queues: this.options.queues ?? null,
    });
    await this.recover();
    const pool = new WorkerPool({
      spawner: this.options.spawner ?? new ForkSpawner(),
      size: this.config.workers.min || 1,
      concurrency: this.config.workers.concurrency,
      namePrefix: this.options.workerNamePrefix ?? 'worker',
      handlers: this.registry.workerRegistrations(),
      now: () => this.clock.now(),
    });
    this.pool = pool;
    this.dispatcher = new Dispatcher({
      backend: this.backendStore,
      pool,
      clock: this.clock,
      engineId: this.engineId,
      queues: this.options.queues ?? null,
      engineHandlers: createEngineHandlers({
        cleanup: (days, statuses) => this.cleanupOldJobs(days, statuses as JobStatus[]),
        maintenance: this.backendStore.maintenance?.bind(this.backendStore),
      }),
      maxRetryDelaySeconds: this.config.jobs.maxRetryDelaySeconds,
      maxLogLines: this.config.jobs.maxLogLines,
      cancelGraceMs: this.config.cancelGraceSeconds * 1000,
      emit: (event, payload) => {
        if (this.listenerCount(event) > 0) (this.emit as (e: string, p: unknown) => boolean)(event, payload);
      },
    });
    await pool.start();
    await this.dispatcher.start();
    this.lastChangeToken = this.backendStore.changeToken?.() ?? -1;
    this.every(this.options.watchIntervalMs ?? 200, () => this.watchStore());
    this.every(HEARTBEAT_MS, async () => {
      await this.backendStore.heartbeat(this.engineId, this.clock.now());
      await this.recover();
    });
    this.state = 'running';
  }

  private every(ms: number, fn: () => Promise<void> | void): void {
    const t = setInterval(() => {
      Promise.resolve(fn()).catch((err: unknown) => {
        const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error).message);
        if (this.listenerCount('engine:error')) this.emit('engine:error', { code: e.code, message: e.message });
      });
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Jobs left running by engines that died → retried or failed, as their retry policy says. */
  private async recover(): Promise<number> {
    return recoverOrphanedJobs({
      backend: this.backendStore,
      selfId: this.engineId,
      now: this.clock.now(),
      host: hostname(),
      staleAfterMs: STALE_ENGINE_MS,
      maxRetryDelaySeconds: this.config.jobs.maxRetryDelaySeconds,
    });
  }

  /** React to other processes' writes: new jobs, cancellations, paused queues. */
  private async watchStore(): Promise<void> {
    const token = this.backendStore.changeToken?.();
    if (token === undefined || token === this.lastChangeToken || !this.dispatcher) return;
    this.lastChangeToken = token;
    for (const id of await this.backendStore.pendingCancels(this.engineId)) this.dispatcher.abort(id, 'cancelled');
    this.dispatcher.setPausedQueues(await this.backendStore.pausedQueues());
    await this.dispatcher.refreshDue();
  }

  /**
   * Graceful shutdown: stop claiming, let running jobs finish for up to `graceMs` (default: the
   * config's shutdownGraceSeconds), hand the rest back for the next start, stop the workers.
   */
  async stop(graceMs = this.config.shutdownGraceSeconds * 1000): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.dispatcher?.drain(graceMs);
    await this.pool?.stop();
    await this.backendStore.unregisterEngine(this.engineId);
    this.dispatcher = null;
    this.pool = null;
    this.state = 'open';
  }

  /** Stop (if running) and close the store. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    await this.stop();
    await this.backendStore.close();
    this.state = 'closed';
  }

  /* ------------------------------------------------------------------ jobs */

  /** Validate and persist one job. Throws VALIDATION / UNKNOWN_JOB_TYPE naming the field. */
  async submitJob(input: JobSubmission): Promise<JobRecord> {
    const [job] = await this.submitJobs([input], 'job');
    return job!;
  }

  /** Validate all, then persist all in one transaction, or none. */
  async submitJobs(inputs: JobSubmission[], subject = 'jobs'): Promise<JobRecord[]> {
    if (!Array.isArray(inputs)) throw new AppError('VALIDATION', `invalid ${subject}: expected an array of jobs`);
    if (inputs.length > MAX_BULK) {
      throw new AppError('PAYLOAD_TOO_LARGE', `invalid ${subject}: ${inputs.length} jobs; at most ${MAX_BULK} per call`);
    }
    const now = this.clock.now();
    const rows = inputs.map((input, i) =>
      toNewJob(parseSubmission(input, this.registry, subject === 'job' ? 'job' : `${subject}[${i}]`), this.config, now),
    );
    await this.backendStore.insertJobs(rows);
    if (this.dispatcher) {
      let earliest = Infinity;
      for (const r of rows) if (r.status === 'scheduled') earliest = Math.min(earliest, r.runAt);
      if (earliest < Infinity) this.dispatcher.armDue(earliest);
      this.dispatcher.wake();
    }
    const records = rows.map((r) => this.recordOf(r));
    if (this.listenerCount('job:added')) {
      for (const r of records) {
        this.emit('job:added', { id: r.id, type: r.type, queue: r.queue, priority: r.priority, status: r.status, runAt: r.runAt });
      }
    }
    return records;
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
    this.dispatcher?.abort(id, 'cancelled');
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
    return this.pool?.list() ?? [];
  }

  private hostSample(): { cpuPercent: number; memoryPercent: number } {
    const cores = cpus().length || 1;
    return {
      cpuPercent: Math.min(100, (loadavg()[0]! / cores) * 100),
      memoryPercent: ((totalmem() - freemem()) / totalmem()) * 100,
    };
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
      pending_jobs: counts.pending + counts.scheduled + counts.retrying,
      cpu_usage_percent: Math.round(host.cpuPercent * 10) / 10,
      memory_usage_percent: Math.round(host.memoryPercent * 10) / 10,
      cache_size: (this.dispatcher?.inFlight ?? 0) + (this.dispatcher?.bufferedWrites ?? 0),
      workers: workers.length,
      busy_workers: workers.filter((w) => w.state === 'busy').length,
      throughput_per_minute: await this.backendStore.countFinishedSince(now - 60_000),
      pausedQueues: await this.backendStore.pausedQueues(),
      oldestPendingAgeMs: oldestPendingCreatedAt === null ? null : Math.max(0, now - oldestPendingCreatedAt),
    };
  }

  /** The original `perform_health_check()`: `{status, issues, checks}`. */
  async performHealthCheck(): Promise<HealthReport> {
    const now = this.clock.now();
    const reachable = await this.backendStore.ping();
    const counts = reachable ? await this.backendStore.countByStatus() : null;
    const overdue = reachable ? await this.backendStore.listOverdueRunning(now, 20) : [];
    const host = this.hostSample();
    return evaluateHealth({
      now,
      backend: { kind: this.backendStore.kind, location: this.backendStore.location, reachable, warning: this.backendWarning },
      workers: this.pool
        ? { running: this.pool.list().filter((w) => w.state !== 'crashed' && w.state !== 'stopped').length, minimum: this.config.workers.min }
        : null,
      backlog: {
        pending: counts?.counts.pending ?? 0,
        oldestPendingAgeMs: counts?.oldestPendingCreatedAt ? now - counts.oldestPendingCreatedAt : null,
      },
      overdueJobs: overdue.map((j) => ({ id: j.id, type: j.type, runningForMs: now - (j.startedAt ?? now), timeoutSeconds: j.timeoutSeconds })),
      host: { ...host, cpuThreshold: this.config.thresholds.cpuPercent, memoryThreshold: this.config.thresholds.memoryPercent },
      stalledAfterMs: 10 * 60_000,
    });
  }

  /** The original `cleanup_old_jobs(days_old)`: delete finished jobs older than that; returns the count. */
  async cleanupOldJobs(daysOld: number, statuses: readonly JobStatus[] = TERMINAL_STATUSES): Promise<number> {
    if (!Number.isFinite(daysOld) || daysOld < 0) {
      throw new AppError('VALIDATION', `invalid daysOld: expected a number of days, 0 or more (got ${daysOld})`);
    }
    return this.backendStore.deleteFinishedBefore(this.clock.now() - daysOld * 86_400_000, statuses);
  }
}
