/**
 * Per-job resource enforcement: samples the process trees of the worker processes and of the
 * processes jobs registered (`ctx.trackProcess`, `command` jobs) on an interval, only while jobs
 * run, attributes the usage to jobs, and applies the resource policy (resource-policy.ts).
 *
 * Attribution rule (docs/resources.md):
 * - processes a job registered count wholly for that job (their whole trees);
 * - the worker process itself (and any unregistered children) counts for the jobs it runs: its
 *   memory ABOVE its idle baseline (its RSS the last time it was sampled with no job), and its
 *   CPU, split evenly between the jobs it runs at that moment.
 * One read of the process table serves every tree each tick. Workers' own totals (CPU %, RSS,
 * children included) are kept for `listWorkers()`.
 */
import type { JobError, ResourceLimits } from '../../../shared/model';
import type { TimerClock, TimerHandle } from '../clock';
import type { ProcessSampler, ProcessTreeUsage } from '../monitor/process-sampler';
import type { ResourceDecision, ResourceTracker } from './resource-policy';

export interface MonitoredWorker {
  name: string;
  pid: number | null;
  /** Ids of the jobs it runs now. */
  jobs: string[];
}

export interface MonitoredJob {
  id: string;
  limits: ResourceLimits;
  /** Processes the job registered. */
  pids: number[];
}

export interface ResourceMonitorOptions {
  sampler: ProcessSampler;
  tracker: ResourceTracker;
  clock: TimerClock;
  intervalMs: number;
  workers: () => MonitoredWorker[];
  jobs: () => MonitoredJob[];
  /** A job went over a limit with the kill policy: abort it with this failure. */
  onKill: (jobId: string, error: JobError) => void;
  /** A job is held back by the CPU throttle policy (reason) or no longer (null). */
  onThrottle: (jobId: string, reason: string | null) => void;
  /** A job's attributed CPU at one sample (for its average). */
  onCpu?: (jobId: string, cpuPercent: number) => void;
  onError?: (err: unknown) => void;
}

export interface WorkerUsage {
  cpuPercent: number | null;
  memoryMb: number;
}

const MB = 1024 * 1024;

export class ResourceMonitor {
  private timer: TimerHandle | null = null;
  private running = false;
  private sampling = false;
  private readonly baselines = new Map<number, number>();
  private readonly usage = new Map<string, WorkerUsage>();
  private readonly decided = new Set<string>();
  private readonly throttled = new Set<string>();
  /** Wall time of the last tick, ms (the monitor's own cost). */
  lastCostMs = 0;

  constructor(private readonly o: ResourceMonitorOptions) {}

  /** Make sure the loop runs (a job started, a worker became ready). Cheap when it already runs. */
  kick(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stop sampling (engine stop). */
  stop(): void {
    this.running = false;
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The last CPU % and memory of each worker (whole tree), by name. */
  workerUsage(name: string): WorkerUsage | null {
    return this.usage.get(name) ?? null;
  }

  private schedule(ms: number): void {
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, ms);
  }

  private async tick(): Promise<void> {
    if (!this.running || this.sampling) return;
    this.sampling = true;
    const started = performance.now();
    try {
      const workers = this.o.workers().filter((w) => w.pid !== null);
      const jobs = new Map(this.o.jobs().map((j) => [j.id, j]));
      const needBaseline = workers.some((w) => !this.baselines.has(w.pid!));
      if (jobs.size === 0 && !needBaseline) {
        this.running = false; // idle: sample again when a job starts
        this.o.sampler.reset();
        return;
      }
      const roots = [...workers.map((w) => w.pid!), ...[...jobs.values()].flatMap((j) => j.pids)];
      const sample = await this.o.sampler.sample(roots);
      this.apply(workers, jobs, sample.trees, sample.at);
    } catch (err) {
      this.o.onError?.(err);
    } finally {
      this.sampling = false;
      this.lastCostMs = performance.now() - started;
      if (this.running) this.schedule(this.o.intervalMs);
    }
  }

  private apply(workers: MonitoredWorker[], jobs: Map<string, MonitoredJob>, trees: Map<number, ProcessTreeUsage>, at: number): void {
    const jobUsage = new Map<string, { cpu: number | null; rss: number }>();
    const add = (id: string, cpu: number | null, rss: number) => {
      const u = jobUsage.get(id) ?? { cpu: null, rss: 0 };
      u.rss += rss;
      if (cpu !== null) u.cpu = (u.cpu ?? 0) + cpu;
      jobUsage.set(id, u);
    };
    // Registered processes count wholly for their job, and not again for the worker.
    const owned = new Set<number>();
    for (const job of jobs.values()) {
      for (const pid of job.pids) {
        const t = trees.get(pid);
        if (!t?.alive) continue;
        for (const p of t.processes) owned.add(p.pid);
        add(job.id, t.cpuPercent, t.rssBytes);
      }
    }
    const live = new Set<number>();
    for (const w of workers) {
      const t = trees.get(w.pid!);
      if (!t?.alive) continue;
      live.add(w.pid!);
      this.usage.set(w.name, { cpuPercent: t.cpuPercent, memoryMb: t.memoryMb });
      const own = t.processes.filter((p) => !owned.has(p.pid));
      const rss = own.reduce((sum, p) => sum + p.rssBytes, 0);
      const cpu = t.cpuPercent === null ? null : own.reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0);
      const mine = w.jobs.filter((id) => jobs.has(id));
      if (mine.length === 0) {
        this.baselines.set(w.pid!, rss);
        continue;
      }
      const baseline = this.baselines.get(w.pid!) ?? rss;
      if (!this.baselines.has(w.pid!)) this.baselines.set(w.pid!, rss);
      for (const id of mine) add(id, cpu === null ? null : cpu / mine.length, Math.max(0, rss - baseline) / mine.length);
    }
    for (const pid of this.baselines.keys()) if (!live.has(pid)) this.baselines.delete(pid);

    for (const [id, u] of jobUsage) {
      const job = jobs.get(id)!;
      this.o.tracker.record(id, { at, cpuPercent: u.cpu, rssBytes: u.rss });
      if (u.cpu !== null) this.o.onCpu?.(id, u.cpu);
      if (this.decided.has(id)) continue;
      this.act(id, this.o.tracker.evaluate(id, job.limits, at));
    }
    for (const id of [...this.decided]) if (!jobs.has(id)) this.decided.delete(id);
    for (const id of [...this.throttled]) if (!jobs.has(id)) this.throttled.delete(id);
  }

  private act(id: string, d: ResourceDecision): void {
    if (d.action === 'kill') {
      this.decided.add(id);
      this.o.onKill(id, d.error);
    } else if (d.action === 'throttle') {
      this.throttled.add(id);
      this.o.onThrottle(id, d.reason);
    } else if (this.throttled.delete(id)) {
      this.o.onThrottle(id, null);
    }
  }
}

/** MiB of a byte count, rounded to 0.1 (for display). */
export function toMb(bytes: number): number {
  return Math.round((bytes / MB) * 10) / 10;
}
