/**
 * The live feed: what the dashboard used to poll, pushed as events — only while someone listens.
 *
 * - `system:sample` every `sampleMs` (default 2 s) while the engine has a `system:sample`
 *   listener: host CPU/memory from the governor's HostMonitor (no second sampler), counts by
 *   status and per queue (cached: the GROUP BY runs at most every `countsMaxAgeMs`, default 5 s),
 *   running/pending, workers with their CPU/memory, throughput over the last minute, paused queues
 *   and backpressure.
 * - `health:changed` when the health status or its set of issues changes; evaluated every
 *   `healthMs` (default 12 s) while there is a `health:changed` listener.
 * No listener: a timer tick that checks a listener count and returns.
 */
import type { HealthReport, JobStatus, WorkerInfo } from '../../../shared/model';
import { JOB_STATUSES } from '../../../shared/model';
import type { SystemSample } from '../../../shared/events';
import type { QueueBackend } from '../backend/queue-backend';

export interface LiveFeedOptions {
  backend: Pick<QueueBackend, 'countByStatus' | 'countFinishedSince' | 'pausedQueues' | 'countByQueueStatus'>;
  now: () => number;
  /** How many listeners an event has now. */
  listeners: (event: 'system:sample' | 'health:changed') => number;
  emitSample: (sample: SystemSample) => void;
  emitHealth: (payload: { report: HealthReport; previous: HealthReport['status'] | null }) => void;
  host: () => { cpuPercent: number | null; memoryPercent: number | null };
  workers: () => WorkerInfo[];
  backpressure: () => { engaged: boolean; reason: string | null } | null;
  health: () => Promise<HealthReport>;
  onError: (err: unknown) => void;
  sampleMs?: number;
  healthMs?: number;
  countsMaxAgeMs?: number;
}

interface CachedCounts {
  at: number;
  counts: Record<JobStatus, number>;
  queues: SystemSample['queues'];
  throughput: number;
  paused: string[];
}

/** The fingerprint `health:changed` compares: the status and the set of issues (check + severity; messages carry changing figures). */
export function healthKey(report: HealthReport): string {
  return `${report.status}|${report.issues.map((i) => `${i.check}:${i.severity}`).sort().join(',')}`;
}

export class LiveFeed {
  private timers: NodeJS.Timeout[] = [];
  private cache: CachedCounts | null = null;
  private refreshing: Promise<CachedCounts> | null = null;
  private lastHealth: string | null = null;
  private lastStatus: HealthReport['status'] | null = null;
  private healthBusy = false;
  private sampleBusy = false;

  constructor(private readonly o: LiveFeedOptions) {}

  /** Start the timers (cheap when nobody listens). Idempotent. */
  start(): void {
    if (this.timers.length) return;
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => void fn().catch((err: unknown) => this.o.onError(err)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.o.sampleMs ?? 2000, () => this.tickSample());
    every(this.o.healthMs ?? 12_000, () => this.tickHealth());
  }

  /** Stop the timers. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.lastHealth = null;
    this.lastStatus = null;
  }

  /** The counts, from the cache when younger than countsMaxAgeMs (one refresh in flight at a time). */
  async counts(): Promise<CachedCounts> {
    const now = this.o.now();
    if (this.cache && now - this.cache.at < (this.o.countsMaxAgeMs ?? 5000)) return this.cache;
    this.refreshing ??= (async () => {
      const [{ counts }, throughput, paused, queues] = await Promise.all([
        this.o.backend.countByStatus(),
        this.o.backend.countFinishedSince(now - 60_000),
        this.o.backend.pausedQueues(),
        this.o.backend.countByQueueStatus ? this.o.backend.countByQueueStatus() : Promise.resolve(null),
      ]);
      this.cache = { at: now, counts, queues, throughput, paused };
      return this.cache;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** Build one sample now. */
  async sample(): Promise<SystemSample> {
    const c = await this.counts();
    const workers = this.o.workers();
    const known = workers.filter((w) => w.cpuPercent !== null);
    const counts = { ...Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])), ...c.counts } as Record<JobStatus, number>;
    return {
      at: this.o.now(),
      host: this.o.host(),
      counts,
      queues: c.queues,
      countsAt: c.at,
      running: counts.running,
      pending: counts.pending + counts.scheduled + counts.retrying + counts.waiting,
      workers: {
        total: workers.length,
        busy: workers.filter((w) => w.state === 'busy').length,
        cpuPercent: known.length ? Math.round(known.reduce((s, w) => s + (w.cpuPercent ?? 0), 0) * 10) / 10 : null,
        memoryMb: known.length ? Math.round(workers.reduce((s, w) => s + (w.memoryMb ?? 0), 0)) : null,
        list: workers,
      },
      throughputPerMinute: c.throughput,
      pausedQueues: c.paused,
      backpressure: this.o.backpressure(),
    };
  }

  private async tickSample(): Promise<void> {
    if (this.o.listeners('system:sample') === 0 || this.sampleBusy) return;
    this.sampleBusy = true;
    try {
      this.o.emitSample(await this.sample());
    } finally {
      this.sampleBusy = false;
    }
  }

  /** Evaluate health now; emits `health:changed` when status or issues differ from the last. */
  async checkHealth(): Promise<void> {
    const report = await this.o.health();
    const key = healthKey(report);
    if (key === this.lastHealth) return;
    const previous = this.lastStatus;
    this.lastHealth = key;
    this.lastStatus = report.status;
    this.o.emitHealth({ report, previous });
  }

  private async tickHealth(): Promise<void> {
    if (this.o.listeners('health:changed') === 0) {
      this.lastHealth = null; // a new listener gets the current state at the next tick
      return;
    }
    if (this.healthBusy) return;
    this.healthBusy = true;
    try {
      await this.checkHealth();
    } finally {
      this.healthBusy = false;
    }
  }
}
