/**
 * System slice: engine info, queue statistics, health, engine errors and the recent CPU/memory
 * samples the Overview charts draw. Samples live in fixed-size arrays; charts read them through
 * a store subscription and redraw themselves without re-rendering the screen.
 */
import type { EventBatch, SystemInfo } from '../../../shared/contract';
import type { HealthReport, QueueStats } from '../../../shared/model';
import type { SystemSample } from '../../../shared/events';
import { describeError } from '../api/errors';
import type { SliceDeps } from './slice-types';

/** Samples kept for the live charts (at one sample per 2 s: the last 10 minutes). */
export const SAMPLE_CAPACITY = 300;

export interface SystemSamples {
  /** Epoch seconds (uPlot's x unit). */
  t: number[];
  hostCpu: number[];
  hostMemory: number[];
  /** Sum of the workers' CPU percent (null when unknown). */
  workersCpu: Array<number | null>;
  /** Sum of the workers' memory in MB (null when unknown). */
  workersMemoryMb: Array<number | null>;
}

export interface SystemSlice {
  info: SystemInfo | null;
  stats: QueueStats | null;
  health: HealthReport | null;
  samples: SystemSamples;
  pausedQueues: string[];
  /** Per queue, jobs by status, from the latest `system:sample` (null until one arrived or when the store cannot tell). */
  queueCounts: SystemSample['queues'];
  engineErrors: Array<{ code: string; message: string; at: number }>;
  /** Why the last refresh failed, in plain words with its code; null when it worked. */
  error: string | null;
  loadInfo(): Promise<void>;
  /** Fetch stats and add a CPU/memory sample. */
  refreshStats(): Promise<void>;
  refreshHealth(): Promise<void>;
  /** Pause or resume a queue. Rejects with the engine's error. */
  setQueuePaused(queue: string, paused: boolean): Promise<void>;
  dismissEngineErrors(): void;
}

function push<T>(values: T[], value: T): T[] {
  const next = values.length >= SAMPLE_CAPACITY ? values.slice(values.length - SAMPLE_CAPACITY + 1) : values.slice();
  next.push(value);
  return next;
}

/** Add one sample to the series (pure). */
export function addSample(samples: SystemSamples, at: number, stats: QueueStats, workersCpu: number | null, workersMemoryMb: number | null): SystemSamples {
  return {
    t: push(samples.t, at / 1000),
    hostCpu: push(samples.hostCpu, stats.cpu_usage_percent),
    hostMemory: push(samples.hostMemory, stats.memory_usage_percent),
    workersCpu: push(samples.workersCpu, workersCpu),
    workersMemoryMb: push(samples.workersMemoryMb, workersMemoryMb),
  };
}

/** Create the system slice. */
export function createSystemSlice({ set, get, api, now }: SliceDeps<'system'>): SystemSlice {
  return {
    info: null,
    stats: null,
    health: null,
    samples: { t: [], hostCpu: [], hostMemory: [], workersCpu: [], workersMemoryMb: [] },
    pausedQueues: [],
    queueCounts: null,
    engineErrors: [],
    error: null,
    loadInfo: async () => {
      try {
        const info = await api['system:info']({});
        set(() => ({ info, error: null }));
      } catch (err) {
        set(() => ({ error: describeError(err) }));
      }
    },
    refreshStats: async () => {
      try {
        const stats = await api['stats:get']({});
        const workers = get().workers.list;
        const known = workers.filter((w) => w.cpuPercent !== null);
        const cpu = known.length ? known.reduce((sum, w) => sum + (w.cpuPercent ?? 0), 0) : null;
        const mem = known.length ? workers.reduce((sum, w) => sum + (w.memoryMb ?? 0), 0) : null;
        set((s) => ({ stats, pausedQueues: stats.pausedQueues, samples: addSample(s.samples, now(), stats, cpu, mem), error: null }));
      } catch (err) {
        set(() => ({ error: describeError(err) }));
      }
    },
    refreshHealth: async () => {
      try {
        const health = await api['health:get']({});
        set(() => ({ health, error: null }));
      } catch (err) {
        set(() => ({ error: describeError(err) }));
      }
    },
    setQueuePaused: async (queue, paused) => {
      if (paused) await api['queues:pause']({ queue });
      else await api['queues:resume']({ queue });
      set((s) => ({ pausedQueues: paused ? [...new Set([...s.pausedQueues, queue])] : s.pausedQueues.filter((q) => q !== queue) }));
    },
    dismissEngineErrors: () => set(() => ({ engineErrors: [] })),
  };
}

/** QueueStats as a `system:sample` updates them (fields a sample does not carry keep their last fetched value). */
export function statsFromSample(prev: QueueStats | null, s: SystemSample): QueueStats {
  return {
    backend: prev?.backend ?? 'sqlite',
    cache_size: prev?.cache_size ?? 0,
    oldestPendingAgeMs: prev?.oldestPendingAgeMs ?? null,
    counts: s.counts,
    total: Object.values(s.counts).reduce((a, b) => a + b, 0),
    running_jobs: s.running,
    pending_jobs: s.pending,
    cpu_usage_percent: s.host.cpuPercent === null ? (prev?.cpu_usage_percent ?? 0) : Math.round(s.host.cpuPercent * 10) / 10,
    memory_usage_percent: s.host.memoryPercent === null ? (prev?.memory_usage_percent ?? 0) : Math.round(s.host.memoryPercent * 10) / 10,
    workers: s.workers.total,
    busy_workers: s.workers.busy,
    throughput_per_minute: s.throughputPerMinute,
    pausedQueues: s.pausedQueues,
    backpressure: s.backpressure
      ? { engaged: s.backpressure.engaged, reason: s.backpressure.reason, since: prev?.backpressure?.engaged === s.backpressure.engaged ? prev.backpressure.since : s.at }
      : null,
  };
}

/** Apply an event batch to the system slice (pure): samples, health, paused queues and engine errors. */
export function reduceSystemEvents(slice: SystemSlice, batch: EventBatch, at: number): Partial<SystemSlice> {
  let paused: string[] | null = null;
  let errors: SystemSlice['engineErrors'] | null = null;
  const out: Partial<SystemSlice> = {};
  for (const item of batch) {
    if (item.event === 'system:sample') {
      const sample = item.payload;
      const stats = statsFromSample(out.stats ?? slice.stats, sample);
      out.stats = stats;
      out.queueCounts = sample.queues;
      out.samples = addSample(out.samples ?? slice.samples, sample.at, stats, sample.workers.cpuPercent, sample.workers.memoryMb);
      paused = sample.pausedQueues.slice();
      continue;
    }
    if (item.event === 'health:changed') {
      out.health = item.payload.report;
      continue;
    }
    if (item.event === 'queue:paused') {
      paused ??= slice.pausedQueues.slice();
      if (!paused.includes(item.payload.queue)) paused.push(item.payload.queue);
    } else if (item.event === 'queue:resumed') {
      paused = (paused ?? slice.pausedQueues).filter((q) => q !== item.payload.queue);
    } else if (item.event === 'engine:error') {
      errors ??= slice.engineErrors.slice(-19);
      errors.push({ ...item.payload, at });
    }
  }
  if (paused) out.pausedQueues = paused;
  if (errors) out.engineErrors = errors;
  return out;
}
