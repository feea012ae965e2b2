/**
 * MetricsRecorder: the engine's periodic sample of itself, kept as the metrics history.
 *
 * Every `intervalMs` (default 10 s) it stores one raw sample: host CPU and memory (from the
 * injected `hostSample()`, which is the engine's one HostMonitor when it has one), jobs running and
 * pending, per-queue depth by status, live workers, jobs finished in the last minute and the
 * rate-limit waits counted since the previous sample. Cost: three indexed queries and one insert.
 * Every `compactEveryMs` (default 5 min) it rolls old samples up (raw 24 h → minute 7 days → hour
 * 1 year, docs/analytics.md). Ticks are chained one-shot timers, never overlapping.
 */
import type { MetricSample } from '../../../shared/analytics-types';
import type { AnalyticsRepository, CompactionResult, MetricsRetention } from '../backend/analytics-repository';
import type { QueueBackend } from '../backend/queue-backend';
import type { Clock } from '../clock';

export interface HostFigures {
  cpuPercent: number;
  memoryPercent: number;
}

export interface MetricsRecorderOptions {
  backend: Pick<QueueBackend, 'countByStatus' | 'countFinishedSince'>;
  repository: AnalyticsRepository;
  clock: Clock;
  /** Host CPU/memory now; the engine passes its HostMonitor's latest sample (or os figures). */
  hostSample: () => HostFigures | Promise<HostFigures>;
  /** Live worker processes. */
  workers: () => number;
  intervalMs?: number;
  compactEveryMs?: number;
  retention?: MetricsRetention;
  /** A failed sample or compaction (the loop goes on). */
  onError?: (err: unknown) => void;
}

export class MetricsRecorder {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private rateLimitWaits = 0;
  private lastCompaction = -Infinity;
  readonly intervalMs: number;

  constructor(private readonly options: MetricsRecorderOptions) {
    this.intervalMs = Math.max(1000, options.intervalMs ?? 10_000);
  }

  /** Count jobs that had to wait for a rate-limit token (the governor calls this). */
  recordRateLimitWait(count = 1): void {
    this.rateLimitWaits += count;
  }

  /** Start sampling: one sample now, then every interval. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  /** Stop sampling; a sample in flight completes. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    try {
      await this.sampleOnce();
      const now = this.options.clock.now();
      if (now - this.lastCompaction >= (this.options.compactEveryMs ?? 300_000)) {
        this.lastCompaction = now;
        await this.compact();
      }
    } catch (err) {
      this.options.onError?.(err);
    }
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Take and store one raw sample now. Output: the sample. Errors: a store error (AppError
   * BACKEND_UNAVAILABLE); the rate-limit waits are kept for the next sample then.
   */
  async sampleOnce(): Promise<MetricSample> {
    const o = this.options;
    const ts = o.clock.now();
    const [{ counts }, throughput, queueDepths, host] = await Promise.all([
      o.backend.countByStatus(),
      o.backend.countFinishedSince(ts - 60_000),
      o.repository.queueDepths(),
      o.hostSample(),
    ]);
    const waits = this.rateLimitWaits;
    const sample: MetricSample = {
      ts,
      cpuPercent: Math.round(host.cpuPercent * 10) / 10,
      memoryPercent: Math.round(host.memoryPercent * 10) / 10,
      running: counts.running,
      pending: counts.pending,
      workers: o.workers(),
      throughputPerMin: throughput,
      rateLimitWaits: waits,
      queueDepths,
    };
    await o.repository.insertMetricSample(sample);
    this.rateLimitWaits -= waits;
    return sample;
  }

  /** Roll up and expire old samples now (also run by the maintenance job). */
  compact(): Promise<CompactionResult> {
    return this.options.repository.compactMetrics(this.options.clock.now(), this.options.retention);
  }
}
