/**
 * EngineRuntime: what a JobManager runs while it is an engine — the worker pool, resource
 * governance, the dispatcher, the scheduler, the live feed and the periodic duties (watching the
 * store for other processes' writes, heartbeat and crash recovery). Built by `start()` in
 * dependency order and closed by `stop()` in reverse; the JobManager facade holds one while it
 * runs and none otherwise.
 */
import { hostname, cpus, freemem, loadavg, totalmem } from 'node:os';
import type { JobEventMap } from '../../shared/events';
import type { HealthReport, JobRecord, JobStatus, WorkerInfo } from '../../shared/model';
import type { EngineAnalytics } from './analytics/engine-analytics';
import type { NewJob, QueueBackend } from './backend/queue-backend';
import type { Clock } from './clock';
import type { Config } from './config';
import { Dispatcher } from './dispatcher/dispatcher';
import { EngineGovernance, type GovernanceHooks } from './governor/engine-governance';
import { backpressureView } from './governor/resource-views';
import { createEngineHandlers } from './handlers/engine-handlers';
import type { HandlerRegistry } from './handlers/registry';
import { LiveFeed } from './live/live-feed';
import { ForkSpawner } from './pool/fork-spawner';
import type { ProcessSpawner } from './pool/process-spawner';
import { WorkerPool } from './pool/worker-pool';
import { recoverOrphanedJobs } from './recovery';
import { scheduledJob } from './scheduler/schedule-jobs';
import { SchedulerService } from './scheduler/scheduler-service';
import type { JobSubmission } from './submission';

const HEARTBEAT_MS = 5_000;
const STALE_ENGINE_MS = 30_000;

/** What the runtime needs of the JobManager that owns it. */
export interface RuntimeHost {
  readonly config: Config;
  readonly clock: Clock;
  readonly registry: HandlerRegistry;
  readonly engineId: string;
  readonly backend: QueueBackend;
  readonly analytics: EngineAnalytics;
  /** Emit an engine event (only when someone listens). */
  emitEvent<K extends keyof JobEventMap>(event: K, payload: JobEventMap[K]): void;
  listenerCount(event: keyof JobEventMap): number;
  announceInserted(rows: NewJob[]): void;
  reportError(err: unknown): void;
  cleanupOldJobs(daysOld: number, statuses: readonly JobStatus[]): Promise<number>;
  submitJob(input: JobSubmission): Promise<JobRecord>;
  performHealthCheck(): Promise<HealthReport>;
}

export interface RuntimeOptions {
  spawner?: ProcessSpawner;
  queues?: string[] | null;
  workerNamePrefix?: string;
  watchIntervalMs?: number;
  governance?: GovernanceHooks;
}

export class EngineRuntime {
  private timers: NodeJS.Timeout[] = [];
  private lastChangeToken = -1;
  scheduler: SchedulerService | null = null;
  live: LiveFeed | null = null;

  private constructor(
    private readonly host: RuntimeHost,
    private readonly options: RuntimeOptions,
    readonly pool: WorkerPool,
    readonly governance: EngineGovernance,
    readonly dispatcher: Dispatcher,
  ) {}

  /** Register the engine, recover orphans, start workers, governance, dispatch, schedules, live feed and duties. */
  static async start(host: RuntimeHost, options: RuntimeOptions): Promise<EngineRuntime> {
    const { config, backend, clock } = host;
    const now = clock.now();
    await backend.registerEngine({ id: host.engineId, pid: process.pid, hostname: hostname(), startedAt: now, heartbeatAt: now, queues: options.queues ?? null });
    await recoverOrphans(host);
    await backend.startEngineUpkeep?.();
    const pool = new WorkerPool({
      spawner: options.spawner ?? new ForkSpawner(),
      size: config.workers.min || 1,
      concurrency: config.workers.concurrency,
      namePrefix: options.workerNamePrefix ?? 'worker',
      handlers: host.registry.workerRegistrations(),
      now: () => clock.now(),
    });
    const governance = new EngineGovernance({
      ...options.governance,
      config,
      backend,
      pool,
      engineNow: () => clock.now(),
      onError: (err) => host.reportError(err),
    });
    pool.on('changed', (info, change) => {
      if (host.listenerCount('worker:changed')) host.emitEvent('worker:changed', { worker: governance.withUsage([info])[0]!, change });
    });
    const dispatcher = new Dispatcher({
      governor: governance,
      backend,
      pool,
      clock,
      engineId: host.engineId,
      queues: options.queues ?? null,
      engineHandlers: createEngineHandlers({
        cleanup: (days, statuses) => host.cleanupOldJobs(days, statuses as JobStatus[]),
        maintenance: async (opts, log) => ({ ...(await host.analytics.runMaintenance(opts, log)) }),
      }),
      maxRetryDelaySeconds: config.jobs.maxRetryDelaySeconds,
      maxLogLines: config.jobs.maxLogLines,
      cancelGraceMs: config.cancelGraceSeconds * 1000,
      emit: (event, payload) => host.emitEvent(event, payload),
    });
    governance.attach(dispatcher);
    const runtime = new EngineRuntime(host, options, pool, governance, dispatcher);
    await pool.start();
    await governance.start();
    await dispatcher.start();
    await runtime.startDuties();
    return runtime;
  }

  private async startDuties(): Promise<void> {
    const { host } = this;
    if (host.backend.schedules) {
      this.scheduler = new SchedulerService({
        store: host.backend.schedules,
        clock: host.clock,
        buildJob: (def, id, now) => scheduledJob(def, id, now, host.registry, host.config),
        onFired: (jobs) => host.announceInserted(jobs),
        onError: (err) => host.reportError(err),
      });
      await this.scheduler.start();
    }
    this.lastChangeToken = host.backend.changeToken?.() ?? -1;
    this.every(this.options.watchIntervalMs ?? 200, () => this.watchStore());
    this.every(HEARTBEAT_MS, async () => {
      await host.backend.heartbeat(host.engineId, host.clock.now());
      await recoverOrphans(host);
    });
    host.analytics.start({
      hostSample: () => this.hostSample(),
      workers: () => this.listWorkers().filter((w) => w.state !== 'crashed' && w.state !== 'stopped').length,
      submitMaintenance: () =>
        host.submitJob({ type: 'maintenance', parameters: { backup: host.config.maintenance.backup, keepBackups: host.config.maintenance.keepBackups } }),
    });
    this.live = new LiveFeed({
      backend: host.backend,
      now: () => host.clock.now(),
      listeners: (event) => host.listenerCount(event),
      emitSample: (sample) => host.emitEvent('system:sample', sample),
      emitHealth: (payload) => host.emitEvent('health:changed', payload),
      host: () => this.hostSample(),
      workers: () => this.listWorkers(),
      backpressure: () => this.backpressure(),
      health: () => host.performHealthCheck(),
      onError: (err) => host.reportError(err),
    });
    this.live.start();
  }

  private every(ms: number, fn: () => Promise<void> | void): void {
    const t = setInterval(() => {
      Promise.resolve(fn()).catch((err: unknown) => this.host.reportError(err));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** React to other processes' writes: new jobs, cancellations, paused queues, schedules, pools. */
  private async watchStore(): Promise<void> {
    const { backend } = this.host;
    const token = backend.changeToken?.();
    if (token === undefined || token === this.lastChangeToken) return;
    this.lastChangeToken = token;
    for (const id of await backend.pendingCancels(this.host.engineId)) this.dispatcher.abort(id, 'cancelled', 'cancelled from another process');
    this.dispatcher.setPausedQueues(await backend.pausedQueues());
    await this.dispatcher.refreshDue();
    await this.scheduler?.refresh();
    await this.governance.reloadPools();
  }

  /** Host CPU and memory: the governor's monitor sample, else the OS's load average. */
  hostSample(): { cpuPercent: number; memoryPercent: number } {
    return hostSampleOf(this.governance);
  }

  listWorkers(): WorkerInfo[] {
    return this.governance.withUsage(this.pool.list());
  }

  backpressure() {
    return backpressureView(this.governance.governor.backpressure.state());
  }

  /** Stop in reverse order; running jobs get `graceMs` to finish, the rest are handed back. */
  async stop(graceMs: number): Promise<void> {
    await this.scheduler?.stop();
    this.scheduler = null;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.host.analytics.stop();
    this.live?.stop();
    this.live = null;
    this.governance.stopLoops();
    await this.dispatcher.drain(graceMs);
    this.governance.close();
    await this.pool.stop();
    await this.host.backend.unregisterEngine(this.host.engineId);
  }
}

/** Jobs left running by engines that died → retried or failed, as their retry policy says. */
function recoverOrphans(host: RuntimeHost): Promise<number> {
  return recoverOrphanedJobs({
    backend: host.backend,
    selfId: host.engineId,
    now: host.clock.now(),
    host: hostname(),
    staleAfterMs: STALE_ENGINE_MS,
    maxRetryDelaySeconds: host.config.jobs.maxRetryDelaySeconds,
  });
}

/** Host CPU and memory from the governor's monitor when it runs, else from the OS. */
export function hostSampleOf(governance: EngineGovernance | null): { cpuPercent: number; memoryPercent: number } {
  const sampled = governance?.host?.latest();
  if (sampled) return { cpuPercent: sampled.cpuPercent, memoryPercent: sampled.memoryPercent };
  const cores = cpus().length || 1;
  return {
    cpuPercent: Math.min(100, (loadavg()[0]! / cores) * 100),
    memoryPercent: ((totalmem() - freemem()) / totalmem()) * 100,
  };
}
