/**
 * Workers slice: the worker processes (state, current jobs, CPU, memory), kept current by
 * `worker:changed` events.
 */
import type { AutoScalingView, EventBatch, GovernorView, RatePoolView } from '../../../shared/contract';
import type { WorkerInfo } from '../../../shared/model';
import { describeError } from '../api/errors';
import type { SliceDeps } from './slice-types';

export interface WorkersSlice {
  list: WorkerInfo[];
  loaded: boolean;
  error: string | null;
  /** Backpressure, concurrency, rate pools and auto-scaling; null until fetched. */
  governor: GovernorView | null;
  governorError: string | null;
  refresh(): Promise<void>;
  refreshGovernor(): Promise<void>;
  /** Scale the pool by hand to `count` workers. Rejects with the engine's error. */
  scale(count: number): Promise<void>;
  /** Change auto-scaling bounds or switch it. Rejects with the engine's error. */
  setAutoscale(change: { min?: number; max?: number; enabled?: boolean }): Promise<AutoScalingView>;
  /** Declare or change a rate pool. Rejects with the engine's error. */
  setPool(name: string, perMinute: number, burst?: number): Promise<RatePoolView>;
}

/** Create the workers slice. */
export function createWorkersSlice({ set, get, api }: SliceDeps<'workers'>): WorkersSlice {
  return {
    list: [],
    loaded: false,
    error: null,
    governor: null,
    governorError: null,
    refreshGovernor: async () => {
      try {
        const governor = await api['governor:state']({});
        set(() => ({ governor, governorError: null }));
      } catch (err) {
        set(() => ({ governorError: describeError(err) }));
      }
    },
    scale: async (count) => {
      const result = await api['workers:scale']({ count });
      set(() => ({ list: result.workers }));
      void get().workers.refreshGovernor();
    },
    setAutoscale: async (change) => {
      const view = await api['workers:autoscale'](change);
      set((s) => ({ governor: s.governor ? { ...s.governor, autoScaling: view } : s.governor }));
      return view;
    },
    setPool: async (name, perMinute, burst) => {
      const pool = await api['pools:set']({ name, perMinute, ...(burst !== undefined ? { burst } : {}) });
      void get().workers.refreshGovernor();
      return pool;
    },
    refresh: async () => {
      try {
        const list = await api['workers:list']({});
        set(() => ({ list, loaded: true, error: null }));
      } catch (err) {
        set(() => ({ loaded: true, error: describeError(err) }));
      }
    },
  };
}

/**
 * Apply an event batch to the workers slice (pure): upsert changed workers, drop exited ones; a
 * `system:sample` replaces the list (with CPU/memory) and refreshes the governor's load figures.
 */
export function reduceWorkerEvents(slice: WorkersSlice, batch: EventBatch): Partial<WorkersSlice> {
  let list: WorkerInfo[] | null = null;
  let governor: GovernorView | null = null;
  for (const item of batch) {
    if (item.event === 'system:sample') {
      const s = item.payload;
      list = s.workers.list.slice();
      const g: GovernorView | null = governor ?? slice.governor;
      if (g) {
        governor = {
          ...g,
          backpressure: {
            ...g.backpressure,
            ...(s.backpressure ? { engaged: s.backpressure.engaged, reason: s.backpressure.reason } : {}),
            cpuPercent: s.host.cpuPercent,
            memoryPercent: s.host.memoryPercent,
          },
          concurrency: { ...g.concurrency, running: s.running, free: g.concurrency.limit === null ? null : Math.max(0, g.concurrency.limit - s.running) },
        };
      }
      continue;
    }
    if (item.event !== 'worker:changed') continue;
    list ??= slice.list.slice();
    const { worker, change } = item.payload;
    const at = list.findIndex((w) => w.name === worker.name);
    if (change === 'exited') {
      if (at >= 0) list.splice(at, 1);
    } else if (at >= 0) list[at] = worker;
    else list.push(worker);
  }
  const out: Partial<WorkersSlice> = {};
  if (list) {
    out.list = list;
    out.loaded = true;
  }
  if (governor) out.governor = governor;
  return out;
}
