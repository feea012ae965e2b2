/**
 * Samples the host on an interval: CPU load %, memory (active) %, and free disk space of the data
 * directory's file system. CPU and memory are read every `intervalMs` (default 1 s: one sample
 * costs a few ms, see tests/unit/monitor); disk is read every `diskIntervalMs` (default 30 s)
 * because listing file systems is slower and free space changes slowly — between disk reads a
 * sample repeats the last disk figures with their own timestamp `diskAt`.
 *
 * Ticks are chained one-shot timers, never overlapping: a slow sample delays the next tick
 * instead of piling up. A failed read is reported to `onError` listeners and the loop goes on.
 */
import { systemTimerClock, type TimerClock, type TimerHandle } from '../governor/timer-clock';
import { systemHostSampler, type HostSampler } from './host-sampler';

/** One host sample, as health, stats and backpressure read it. */
export interface HostSample {
  /** Epoch ms. */
  at: number;
  cpuPercent: number;
  memoryPercent: number;
  memoryActiveBytes: number;
  memoryTotalBytes: number;
  /** Free bytes of the data directory's file system; null before the first disk read or when unknown. */
  diskFreeBytes: number | null;
  diskTotalBytes: number | null;
  diskMount: string | null;
  /** When the disk figures were read (epoch ms), null if never. */
  diskAt: number | null;
  /** Wall time this sample took, ms (the monitor's own cost). */
  costMs: number;
}

export interface HostMonitorOptions {
  /** CPU/memory sampling interval, ms (default 1000, at least 100). */
  intervalMs?: number;
  /** Disk sampling interval, ms (default 30000). */
  diskIntervalMs?: number;
  /** Directory whose file system's free space is reported (the data directory); none: no disk figures. */
  dataDir?: string;
  /** Source of figures; systeminformation by default. */
  sampler?: HostSampler;
  /** Time and timers. */
  clock?: TimerClock;
  /**
   * The delay before the next sample, given the configured interval; lets an idle engine sample
   * less often (default: always the interval).
   */
  nextInterval?: (intervalMs: number) => number;
}

type Listener<T> = (value: T) => void;

export class HostMonitor {
  private readonly intervalMs: number;
  private readonly nextInterval: (intervalMs: number) => number;
  private readonly diskIntervalMs: number;
  private readonly dataDir: string | undefined;
  private readonly sampler: HostSampler;
  private readonly clock: TimerClock;
  private readonly sampleListeners = new Set<Listener<HostSample>>();
  private readonly errorListeners = new Set<Listener<unknown>>();
  private last: HostSample | null = null;
  private disk: { at: number; mount: string | null; free: number | null; total: number | null } | null = null;
  private timer: TimerHandle | null = null;
  private running = false;
  /** Incremented by each start(), so that a tick from before a stop/start does not re-arm. */
  private generation = 0;
  private inFlight: Promise<HostSample> | null = null;

  constructor(options: HostMonitorOptions = {}) {
    this.intervalMs = Math.max(100, options.intervalMs ?? 1000);
    this.nextInterval = options.nextInterval ?? ((ms) => ms);
    this.diskIntervalMs = Math.max(this.intervalMs, options.diskIntervalMs ?? 30_000);
    this.dataDir = options.dataDir;
    this.sampler = options.sampler ?? systemHostSampler();
    this.clock = options.clock ?? systemTimerClock();
  }

  /** Starts sampling: one sample now, then every interval. Calling it twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.generation += 1;
    void this.tick(this.generation);
  }

  /** Stops sampling; a sample in flight still completes and is delivered. */
  stop(): void {
    this.running = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether `start()` was called and `stop()` not since. */
  isRunning(): boolean {
    return this.running;
  }

  /** The latest sample, or null before the first. */
  latest(): HostSample | null {
    return this.last;
  }

  /** Subscribes to samples; returns the unsubscribe function. */
  onSample(listener: Listener<HostSample>): () => void {
    this.sampleListeners.add(listener);
    return () => this.sampleListeners.delete(listener);
  }

  /** Subscribes to read failures; returns the unsubscribe function. */
  onError(listener: Listener<unknown>): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /**
   * Takes one sample now (joining one already in flight), stores it as `latest()` and delivers
   * it to listeners. Errors: rejects when the CPU/memory read fails; a failed disk read only
   * keeps the previous disk figures (and is reported to `onError`).
   */
  sampleNow(): Promise<HostSample> {
    if (!this.inFlight) {
      this.inFlight = this.takeSample().finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  private async takeSample(): Promise<HostSample> {
    const started = performance.now();
    const now = this.clock.now();
    const diskDue = this.dataDir !== undefined && (this.disk === null || now - this.disk.at >= this.diskIntervalMs);
    const [cpuMem, diskResult] = await Promise.all([
      this.sampler.readCpuMemory(),
      diskDue ? this.sampler.readDisk(this.dataDir!).then((d) => ({ ok: true as const, d }), (e: unknown) => ({ ok: false as const, e })) : null,
    ]);
    if (diskResult?.ok) {
      const d = diskResult.d;
      this.disk = { at: now, mount: d?.mount ?? null, free: d?.freeBytes ?? null, total: d?.totalBytes ?? null };
    } else if (diskResult && !diskResult.ok) {
      this.emitError(diskResult.e);
    }
    const sample: HostSample = {
      at: now,
      ...cpuMem,
      diskFreeBytes: this.disk?.free ?? null,
      diskTotalBytes: this.disk?.total ?? null,
      diskMount: this.disk?.mount ?? null,
      diskAt: this.disk?.at ?? null,
      costMs: performance.now() - started,
    };
    this.last = sample;
    for (const listener of this.sampleListeners) {
      try {
        listener(sample);
      } catch (err) {
        this.emitError(err);
      }
    }
    return sample;
  }

  private async tick(generation: number): Promise<void> {
    try {
      await this.sampleNow();
    } catch (err) {
      this.emitError(err);
    }
    if (!this.running || generation !== this.generation) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.tick(generation);
    }, Math.max(100, this.nextInterval(this.intervalMs)));
  }

  private emitError(err: unknown): void {
    for (const listener of this.errorListeners) {
      try {
        listener(err);
      } catch {
        // a failing error listener must not stop the monitor
      }
    }
  }
}
