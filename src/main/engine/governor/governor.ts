/**
 * Governor: what the dispatcher asks before it claims and starts jobs.
 *
 * - `plan()` before a claim: nothing at all while host backpressure is engaged; otherwise at
 *   most the global concurrency headroom, leaving out queues and job types at their concurrency
 *   limit and jobs whose rate pool is dry (so that saturated work never starves the rest).
 * - `admit(job)` for each claimed job: the concurrency limits must still allow it, and a job with
 *   a rate pool (its `limits.ratePool`, else the pool its type is declared with in `typePools`)
 *   takes one token. A job refused here is handed back to the store (pending, attempt not
 *   counted) without ever occupying a worker slot; a dry pool is left out of the next claims and
 *   a timer wakes the dispatcher when its next token is due. So a job waits for a token, it
 *   never fails for want of one.
 * - `finished(id)` frees its concurrency slot; `acquire()` serves `ctx.acquire()` from handlers.
 */
import type { JobMetrics } from '../../../shared/model';
import type { ClaimedJob } from '../backend/queue-backend';
import type { TimerClock, TimerHandle } from '../clock';
import type { Config } from '../config';
import { Backpressure, type BackpressureState, type LoadSample } from './backpressure';
import { ConcurrencyLimits, type ConcurrencyCapacity } from './concurrency-limits';
import { RatePools, type RatePoolInfo } from './rate-pools';
import { ResourceTracker } from './resource-policy';

/** What the dispatcher may claim now. */
export interface ClaimPlan {
  /** Why nothing may start (backpressure), or null. */
  blocked: string | null;
  /** Most jobs to start now across all workers (null: bounded by free worker slots only). */
  free: number | null;
  excludeQueues: string[];
  excludeTypes: string[];
  excludeRatePools: string[];
}

/** The dispatcher's view of governance (implemented by Governor; absent: no governance). */
export interface DispatchGovernor {
  plan(): ClaimPlan;
  /** Whether `worker` runs a job held back by the CPU policy (no co-scheduling beside it). */
  isThrottled(worker: string): boolean;
  /** Whether a claimed job may start on `worker` now; counts it as running if so. */
  admit(job: ClaimedJob, worker: string): boolean;
  /** A job ended (any outcome): free its slot. Idempotent. */
  finished(jobId: string): void;
  /** Serve a handler's `ctx.acquire(pool, tokens)`. Errors: see RatePools.acquire. */
  acquire(pool: string, tokens: number, signal: AbortSignal): Promise<void>;
  /** Resource figures of a running job for its metrics (peak memory, average CPU). */
  metricsOf(jobId: string): Partial<JobMetrics>;
}

export type GovernorConfig = Pick<Config, 'concurrency' | 'ratePools' | 'typePools' | 'limits' | 'thresholds' | 'resources'>;

export interface GovernorOptions {
  config: GovernorConfig;
  /** Time and timers of the rate pools and the dry-pool wake-up. */
  clock: TimerClock;
  /** Something that held claims back eased: the dispatcher should claim again. */
  onEase: () => void;
  /** The rate pools (default: per-engine buckets; SharedRatePools when the store shares them). */
  pools?: RatePools;
}

/** What `governor:state` shows. */
export interface GovernorState {
  backpressure: BackpressureState & { cpuThreshold: number; memoryThreshold: number };
  concurrency: ConcurrencyCapacity & { perQueue: Record<string, number>; perType: Record<string, number> };
  pools: RatePoolInfo[];
  typePools: Record<string, string>;
  /** Jobs held back by the CPU policy: job id → reason. */
  throttled: Record<string, string>;
  cpuPolicy: 'throttle' | 'kill';
}

const MIN_WAKE_MS = 20;

/** metricsOf() of a job without resource figures. */
const NO_METRICS: Partial<JobMetrics> = Object.freeze({});

export class Governor implements DispatchGovernor {
  readonly limits: ConcurrencyLimits;
  readonly pools: RatePools;
  readonly backpressure: Backpressure;
  readonly tracker: ResourceTracker;
  private readonly throttledJobs = new Map<string, string>();
  private readonly jobWorker = new Map<string, string>();
  private readonly cpu = new Map<string, { sum: number; count: number }>();
  private wakeTimer: TimerHandle | null = null;
  private wakeAt = Infinity;

  /** Errors: AppError VALIDATION for a bad limit or pool in the config. */
  constructor(private readonly o: GovernorOptions) {
    const c = o.config;
    this.limits = new ConcurrencyLimits({ global: c.concurrency.global, perQueue: c.concurrency.perQueue, perType: c.concurrency.perType });
    this.pools = o.pools ?? new RatePools({ clock: o.clock });
    for (const [name, p] of Object.entries(c.ratePools)) this.pools.define(name, p.perMinute, p.burst ?? 1);
    this.backpressure = new Backpressure({ cpuThreshold: c.thresholds.cpuPercent, memoryThreshold: c.thresholds.memoryPercent });
    this.tracker = new ResourceTracker({ cpuPolicy: c.resources.cpuPolicy, cpuSustainMs: c.resources.cpuSustainSeconds * 1000 });
  }

  /** The pool a job takes a token from before it starts, or null. */
  poolOf(job: Pick<ClaimedJob, 'type' | 'limits'>): string | null {
    return job.limits.ratePool ?? this.o.config.typePools[job.type] ?? null;
  }

  /** Defines an undeclared pool at the job's (or the default) rate: JOB_MAX_API_CALLS_PER_MINUTE. */
  private ensurePool(name: string, perMinute?: number): void {
    this.pools.ensure(name, perMinute ?? this.o.config.limits.maxApiCallsPerMinute);
  }

  /** See ClaimPlan. Arms a wake-up for the earliest dry pool's next token. */
  plan(): ClaimPlan {
    const bp = this.backpressure.state();
    const cap = this.limits.capacity();
    const dry: string[] = [];
    let soonest = Infinity;
    for (const p of this.pools.list()) {
      if (p.waiting === 0 && p.available >= 1 - 1e-9) continue;
      dry.push(p.name);
      soonest = Math.min(soonest, Math.max(MIN_WAKE_MS, Math.ceil(((1 - Math.min(1, p.available)) * 60_000) / p.perMinute)));
    }
    if (soonest < Infinity) this.armWake(soonest);
    const dryTypes =
      dry.length === 0
        ? []
        : Object.entries(this.o.config.typePools)
            .filter(([, pool]) => dry.includes(pool))
            .map(([type]) => type);
    return {
      blocked: bp.engaged ? (bp.reason ?? 'host backpressure') : null,
      free: cap.free,
      excludeQueues: cap.saturatedQueues,
      excludeTypes: dryTypes.length === 0 ? cap.saturatedTypes : [...new Set([...cap.saturatedTypes, ...dryTypes])],
      excludeRatePools: dry,
    };
  }

  private armWake(ms: number): void {
    const at = this.o.clock.now() + ms;
    if (at >= this.wakeAt) return;
    if (this.wakeTimer !== null) this.o.clock.clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = this.o.clock.setTimeout(() => {
      this.wakeTimer = null;
      this.wakeAt = Infinity;
      this.o.onEase();
    }, ms);
  }

  isThrottled(worker: string): boolean {
    for (const id of this.throttledJobs.keys()) if (this.jobWorker.get(id) === worker) return true;
    return false;
  }

  admit(job: ClaimedJob, worker: string): boolean {
    if (!this.limits.canStart(job)) return false;
    const pool = this.poolOf(job);
    if (pool !== null) {
      this.ensurePool(pool, job.limits.ratePool ? job.limits.maxApiCallsPerMinute : undefined);
      if (!this.pools.tryAcquire(pool)) return false;
    }
    this.limits.started(job);
    this.jobWorker.set(job.id, worker);
    return true;
  }

  // Runs once per job: no allocation (anyAtLimit instead of a capacity() report).
  finished(jobId: string): void {
    const wasHeld = this.limits.anyAtLimit();
    const freed = this.limits.finishedId(jobId);
    const wasThrottled = this.throttledJobs.delete(jobId);
    this.jobWorker.delete(jobId);
    this.tracker.forget(jobId);
    this.cpu.delete(jobId);
    if ((freed && wasHeld) || wasThrottled) this.o.onEase();
  }

  acquire(pool: string, tokens: number, signal: AbortSignal): Promise<void> {
    if (typeof pool === 'string' && pool.length > 0 && pool.length <= 64) this.ensurePool(pool);
    return this.pools.acquire(pool, tokens, signal);
  }

  /** Records one CPU figure of a job (for its average in the metrics). */
  recordCpu(jobId: string, cpuPercent: number): void {
    const c = this.cpu.get(jobId) ?? { sum: 0, count: 0 };
    c.sum += cpuPercent;
    c.count += 1;
    this.cpu.set(jobId, c);
  }

  metricsOf(jobId: string): Partial<JobMetrics> {
    const peak = this.tracker.peakMemoryMb(jobId);
    const c = this.cpu.get(jobId);
    // Most jobs end before their first resource sample: share one empty (frozen) answer.
    if (peak === null && !(c && c.count > 0)) return NO_METRICS;
    const out: Partial<JobMetrics> = {};
    if (peak !== null) out.peakMemoryMb = peak;
    if (c && c.count > 0) out.cpuPercent = Math.round((c.sum / c.count) * 10) / 10;
    return out;
  }

  /** Marks (reason) or clears (null) a job held back by the CPU policy. */
  setThrottled(jobId: string, reason: string | null): void {
    if (reason !== null) {
      if (this.jobWorker.has(jobId)) this.throttledJobs.set(jobId, reason);
    } else if (this.throttledJobs.delete(jobId)) this.o.onEase();
  }

  /** Feeds one host sample to backpressure; wakes the dispatcher when backpressure releases. */
  onHostSample(sample: LoadSample): BackpressureState {
    const before = this.backpressure.state().engaged;
    const after = this.backpressure.update(sample);
    if (before && !after.engaged) this.o.onEase();
    return after;
  }

  /** Declares or changes a rate pool (waiting jobs get the new rate at once). Errors: VALIDATION. */
  setPool(name: string, perMinute: number, burst = 1): void {
    this.pools.define(name, perMinute, burst);
    this.o.onEase();
  }

  /** See GovernorState. */
  state(): GovernorState {
    const bp = this.backpressure.settings();
    return {
      backpressure: { ...this.backpressure.state(), cpuThreshold: bp.cpuThreshold, memoryThreshold: bp.memoryThreshold },
      concurrency: { ...this.limits.capacity(), perQueue: this.o.config.concurrency.perQueue, perType: this.o.config.concurrency.perType },
      pools: this.pools.list(),
      typePools: this.o.config.typePools,
      throttled: Object.fromEntries(this.throttledJobs),
      cpuPolicy: this.tracker.settings().cpuPolicy,
    };
  }

  /** Clears timers and rejects handlers still waiting for tokens (SHUTTING_DOWN). */
  close(): void {
    if (this.wakeTimer !== null) this.o.clock.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.wakeAt = Infinity;
    this.pools.close();
  }
}
