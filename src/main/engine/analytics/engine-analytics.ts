/**
 * The engine's analytics part, composed by the JobManager: the AnalyticsService (reports, failure
 * analysis, metrics history, CSV exports), the MetricsRecorder (started with the engine), the
 * health check's extra facts (disk, integrity, failure rate), maintenance, and the daily
 * maintenance job. The metrics repository is the backend's own (SQLite) or, for a store without
 * one (Redis), a local `<dataDir>/analytics.db` opened when first needed.
 */
import { join } from 'node:path';
import type { HealthReport } from '../../../shared/model';
import type { AnalyticsRepository } from '../backend/analytics-repository';
import type { QueueBackend } from '../backend/queue-backend';
import { openLocalAnalyticsStore } from '../backend/sqlite/local-analytics-store';
import type { Clock } from '../clock';
import type { Config } from '../config';
import { evaluateHealth, type HealthFacts } from '../health/health-check';
import { gatherHealthFacts, IntegrityCache } from '../health/health-facts';
import { ensureDailyMaintenance, runMaintenance, type MaintenanceResult, type MaintenanceRunOptions } from '../maintenance/maintenance-service';
import { AnalyticsService } from './analytics-service';
import { MetricsRecorder, type HostFigures } from './metrics-recorder';

export interface EngineAnalyticsOptions {
  backend: QueueBackend;
  config: Config;
  clock: Clock;
  onError: (err: unknown) => void;
}

export interface EngineHooks {
  /** Host CPU/memory: the engine's HostMonitor sample when it has one, else os figures. */
  hostSample: () => HostFigures | Promise<HostFigures>;
  /** Live workers. */
  workers: () => number;
  /** Submit a `maintenance` job (validated and dispatched like any job). */
  submitMaintenance: () => Promise<unknown>;
}

export class EngineAnalytics {
  readonly service: AnalyticsService;
  private readonly integrity: IntegrityCache;
  private recorder: MetricsRecorder | null = null;
  private local: { repository: AnalyticsRepository; close: () => void } | null = null;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: EngineAnalyticsOptions) {
    this.integrity = new IntegrityCache(options.config.health.integrityCheckMinutes * 60_000);
    this.service = new AnalyticsService({ backend: options.backend, repository: () => this.repository(), clock: options.clock });
  }

  /** The metrics repository: the backend's, or the local fallback file (opened on first use). */
  repository(): AnalyticsRepository {
    const own = this.options.backend.analytics;
    if (own) return own;
    this.local ??= openLocalAnalyticsStore(join(this.options.config.dataDir, 'analytics.db'));
    return this.local.repository;
  }

  /** The engine's recorder while it runs (the governor reports rate-limit waits to it). */
  get metrics(): MetricsRecorder | null {
    return this.recorder;
  }

  /** Start metrics sampling and the daily maintenance check (engine mode). */
  start(hooks: EngineHooks): void {
    const { config, clock } = this.options;
    if (config.metrics.enabled) {
      this.recorder = new MetricsRecorder({
        backend: this.options.backend,
        repository: this.repository(),
        clock,
        hostSample: hooks.hostSample,
        workers: hooks.workers,
        intervalMs: config.metrics.sampleIntervalSeconds * 1000,
        onError: this.options.onError,
      });
      this.recorder.start();
    }
    if (config.maintenance.daily) {
      const check = () =>
        void ensureDailyMaintenance({ backend: this.options.backend, now: clock.now(), submit: hooks.submitMaintenance }).catch(this.options.onError);
      const first = setTimeout(() => {
        check();
        const hourly = setInterval(check, 3_600_000);
        hourly.unref();
        this.timers.push(hourly);
      }, config.maintenance.firstCheckSeconds * 1000);
      first.unref();
      this.timers.push(first);
    }
  }

  /** Stop sampling and the maintenance check. */
  stop(): void {
    this.recorder?.stop();
    this.recorder = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /** Stop, and close the local fallback file if one was opened. */
  close(): void {
    this.stop();
    this.local?.close();
    this.local = null;
  }

  /**
   * The health report: the manager's facts (workers, host) plus store, backlog, stuck jobs, disk,
   * integrity and failure rate. Never throws.
   */
  async healthCheck(
    base: { workers: HealthFacts['workers']; host: HealthFacts['host']; backendWarning: string | null },
    extra: Partial<HealthFacts> = {},
  ): Promise<HealthReport> {
    const facts = await gatherHealthFacts({
      now: this.options.clock.now(),
      backend: this.options.backend,
      backendWarning: base.backendWarning,
      repository: this.options.backend.analytics ?? null,
      workers: base.workers,
      host: base.host,
      minFreeDiskBytes: this.options.config.health.minFreeDiskMb * 1048576,
      integrity: this.integrity,
    });
    return evaluateHealth({ ...facts, ...extra });
  }

  /**
   * Maintenance now: retention (config.retention), metrics roll-up, checkpoint, vacuum when
   * worthwhile, backup. Output: what each step did. Errors: the failing step's AppError.
   */
  runMaintenance(options: MaintenanceRunOptions, log: (line: string) => void): Promise<MaintenanceResult> {
    const { backend, config, clock } = this.options;
    return runMaintenance(
      {
        backend,
        retention: config.retention,
        now: () => clock.now(),
        compactMetrics: () => this.repository().compactMetrics(clock.now()),
      },
      options,
      log,
    );
  }
}
