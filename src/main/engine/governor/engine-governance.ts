/**
 * EngineGovernance: the governor, the host monitor (→ backpressure), the per-job resource
 * monitor (→ memory/CPU enforcement) and the auto-scaling loop, composed for one running
 * engine. The JobManager creates it in `start()`, hands it to the Dispatcher as its
 * DispatchGovernor, and stops it in `stop()`.
 */
import { AppError } from '../../../shared/errors';
import type { JobError, WorkerInfo } from '../../../shared/model';
import type { QueueBackend } from '../backend/queue-backend';
import { systemTimerClock, type TimerClock } from '../clock';
import type { Config } from '../config';
import type { ClaimedJob } from '../backend/queue-backend';
import { HostMonitor, type HostSample } from '../monitor/host-monitor';
import type { HostSampler } from '../monitor/host-sampler';
import { ProcessSampler } from '../monitor/process-sampler';
import type { ProcessTableReader } from '../monitor/process-readers';
import type { WorkerPool } from '../pool/worker-pool';
import { AutoScalerLoop, type AutoScalerStatus } from './auto-scaler-loop';
import type { AutoScalerInput } from './auto-scaler';
import { Governor, type ClaimPlan, type DispatchGovernor, type GovernorState } from './governor';
import type { RatePoolInfo } from './rate-pools';
import { ratePoolStoreFor, type RatePoolStore } from './rate-pool-store';
import { ResourceMonitor } from './resource-monitor';
import { SharedRatePools } from './shared-rate-pools';

/** What governance needs of the dispatcher. */
/** Host sampling interval of an idle engine (no job running, no backpressure). */
const IDLE_HOST_INTERVAL_MS = 5000;

export interface GovernedDispatcher {
  wake(): void;
  abortForLimit(id: string, error: JobError): boolean;
  readonly running: ReadonlyMap<string, { job: ClaimedJob; pids: number[] }>;
}

/** Test and embedding hooks. */
export interface GovernanceHooks {
  /** Time and timers of rate pools, the host monitor and the auto-scaler (default: real). */
  clock?: TimerClock;
  /** Host figures (tests inject scripted samples here). */
  hostSampler?: HostSampler;
  /** Process-table reader for per-job sampling. */
  processReader?: ProcessTableReader;
  /** Replaces the auto-scaler's backlog measurement (tests script a backlog). */
  backlogProbe?: () => Promise<{ backlog: number; oldestWaitMs: number | null }>;
}

export interface EngineGovernanceOptions extends GovernanceHooks {
  config: Config;
  backend: QueueBackend;
  pool: WorkerPool;
  /** The engine's clock (job timestamps), for the oldest job's wait. */
  engineNow: () => number;
  onError: (err: unknown) => void;
}

export interface GovernanceState extends GovernorState {
  autoScaling: AutoScalerStatus;
  host: HostSample | null;
  monitoring: boolean;
}

export class EngineGovernance implements DispatchGovernor {
  readonly governor: Governor;
  readonly host: HostMonitor | null;
  readonly resources: ResourceMonitor | null;
  readonly autoScaler: AutoScalerLoop;
  readonly store: RatePoolStore;
  private dispatcher: GovernedDispatcher | null = null;
  private readonly clock: TimerClock;
  private readonly offReady: () => void;

  constructor(private readonly o: EngineGovernanceOptions) {
    const c = o.config;
    this.clock = o.clock ?? systemTimerClock();
    this.store = ratePoolStoreFor(o.backend);
    const shared = o.backend.sharedRatePools;
    const pools = shared
      ? new SharedRatePools({ clock: this.clock, store: shared, onTokens: () => this.dispatcher?.wake(), onError: (e) => o.onError(e) })
      : undefined;
    this.governor = new Governor({ config: c, clock: this.clock, onEase: () => this.dispatcher?.wake(), ...(pools ? { pools } : {}) });
    const monitoring = c.resources.monitoring;
    this.host = monitoring
      ? new HostMonitor({
          intervalMs: c.resources.hostIntervalMs,
          // Nothing running and nothing held back: sample every few seconds, not every second.
          nextInterval: (ms) => (this.dispatcher?.running.size || this.governor.backpressure.state().engaged ? ms : Math.max(ms, IDLE_HOST_INTERVAL_MS)),
          dataDir: c.dataDir,
          clock: this.clock,
          ...(o.hostSampler ? { sampler: o.hostSampler } : {}),
        })
      : null;
    this.host?.onSample((s) => this.governor.onHostSample(s));
    this.host?.onError((e) => o.onError(e));
    this.resources = monitoring
      ? new ResourceMonitor({
          sampler: new ProcessSampler(o.processReader ? { reader: o.processReader } : {}),
          tracker: this.governor.tracker,
          clock: systemTimerClock(),
          intervalMs: c.resources.sampleIntervalMs,
          workers: () => o.pool.list().map((w) => ({ name: w.name, pid: w.pid, jobs: w.currentJobs })),
          jobs: () => [...(this.dispatcher?.running.values() ?? [])].map((r) => ({ id: r.job.id, limits: r.job.limits, pids: r.pids })),
          onKill: (id, error) => this.dispatcher?.abortForLimit(id, error),
          onThrottle: (id, reason) => this.governor.setThrottled(id, reason),
          onCpu: (id, cpu) => this.governor.recordCpu(id, cpu),
          onError: (e) => o.onError(e),
        })
      : null;
    const onReady = () => this.resources?.kick();
    o.pool.on('ready', onReady);
    this.offReady = () => o.pool.off('ready', onReady);
    this.autoScaler = new AutoScalerLoop({
      clock: this.clock,
      intervalMs: c.resources.autoScaleIntervalMs,
      config: { minWorkers: c.workers.min, maxWorkers: c.workers.max, jobsPerWorker: c.workers.concurrency },
      measure: () => this.measure(),
      resize: (n) => o.pool.resize(n),
      onError: (e) => o.onError(e),
    });
  }

  /** Connect the dispatcher (created after governance, since it takes governance as an option). */
  attach(dispatcher: GovernedDispatcher): void {
    this.dispatcher = dispatcher;
  }

  /** Load stored pools, start sampling the host and (if enabled) auto-scaling. */
  async start(): Promise<void> {
    await this.reloadPools();
    if (this.host) {
      this.host.start();
      await this.host.sampleNow().catch(() => undefined); // backpressure known before the first claim
    }
    this.resources?.kick();
    if (this.o.config.resources.autoScale) this.autoScaler.start();
  }

  /** Stop the loops that decide (before the dispatcher drains). */
  stopLoops(): void {
    this.autoScaler.stop();
    this.host?.stop();
  }

  /** Stop everything (after the dispatcher drained). */
  close(): void {
    this.stopLoops();
    this.resources?.stop();
    this.offReady();
    this.governor.close();
  }

  /** Apply the pools stored by `pools set` (from any process) over the settings file's. */
  async reloadPools(): Promise<void> {
    for (const p of await this.store.list()) {
      const cur = this.governor.pools.list().find((x) => x.name === p.name);
      if (!cur || cur.perMinute !== p.perMinute || cur.burst !== p.burst) this.governor.setPool(p.name, p.perMinute, p.burst);
    }
  }

  private async measure(): Promise<AutoScalerInput> {
    const workers = this.o.pool.list().filter((w) => w.state !== 'draining' && w.state !== 'stopped' && w.state !== 'crashed');
    let probe: { backlog: number; oldestWaitMs: number | null };
    if (this.o.backlogProbe) probe = await this.o.backlogProbe();
    else {
      const { counts, oldestPendingCreatedAt } = await this.o.backend.countByStatus();
      probe = { backlog: counts.pending, oldestWaitMs: oldestPendingCreatedAt === null ? null : Math.max(0, this.o.engineNow() - oldestPendingCreatedAt) };
    }
    return {
      current: workers.length,
      backlog: probe.backlog,
      oldestWaitMs: probe.oldestWaitMs,
      busyWorkers: workers.filter((w) => w.currentJobs.length > 0).length,
      backpressure: this.governor.backpressure.state().engaged,
    };
  }

  /* ------------------------------------------------------------ DispatchGovernor */

  plan(): ClaimPlan {
    return this.governor.plan();
  }
  isThrottled(worker: string): boolean {
    return this.governor.isThrottled(worker);
  }
  admit(job: ClaimedJob, worker: string): boolean {
    const ok = this.governor.admit(job, worker);
    if (ok) this.resources?.kick();
    return ok;
  }
  finished(jobId: string): void {
    this.governor.finished(jobId);
  }
  acquire(pool: string, tokens: number, signal: AbortSignal): Promise<void> {
    return this.governor.acquire(pool, tokens, signal);
  }
  metricsOf(jobId: string) {
    return this.governor.metricsOf(jobId);
  }

  /* ------------------------------------------------------------ operations */

  /** Workers with their sampled CPU % and memory (whole process tree). */
  withUsage(workers: WorkerInfo[]): WorkerInfo[] {
    if (!this.resources) return workers;
    return workers.map((w) => {
      const u = this.resources!.workerUsage(w.name);
      return u ? { ...w, cpuPercent: u.cpuPercent, memoryMb: u.memoryMb } : w;
    });
  }

  /** Manual scale to `count` workers, kept within min and max. Errors: VALIDATION. */
  scale(count: number): number {
    if (!Number.isInteger(count) || count < 0) throw new AppError('VALIDATION', `invalid count: expected a whole number of workers, got ${count}`);
    const { minWorkers, maxWorkers } = this.autoScaler.status();
    const target = Math.min(maxWorkers, Math.max(minWorkers, count));
    this.o.pool.resize(target);
    this.autoScaler.noteManualScale();
    return target;
  }

  /** Change auto-scaling bounds and on/off. Errors: VALIDATION when min > max. */
  setAutoScaling(opts: { min?: number; max?: number; enabled?: boolean }): AutoScalerStatus {
    const cur = this.autoScaler.status();
    const min = opts.min ?? cur.minWorkers;
    const max = opts.max ?? cur.maxWorkers;
    if (min > max) throw new AppError('VALIDATION', `invalid bounds: min ${min} is above max ${max}`);
    this.autoScaler.setBounds(min, max);
    if (opts.enabled === true) this.autoScaler.start();
    if (opts.enabled === false) this.autoScaler.stop();
    const live = this.o.pool.list().filter((w) => w.state !== 'draining').length;
    if (live < min || live > max) this.o.pool.resize(Math.min(max, Math.max(min, live)));
    return this.autoScaler.status();
  }

  /** Declare or change a pool here and in the store. Errors: VALIDATION. */
  async setPool(name: string, perMinute: number, burst = 1): Promise<RatePoolInfo> {
    this.governor.setPool(name, perMinute, burst);
    await this.store.save({ name, perMinute, burst, updatedAt: this.clock.now() });
    return this.governor.pools.list().find((p) => p.name === name)!;
  }

  /** See GovernanceState. */
  state(): GovernanceState {
    return { ...this.governor.state(), autoScaling: this.autoScaler.status(), host: this.host?.latest() ?? null, monitoring: this.host !== null };
  }
}
