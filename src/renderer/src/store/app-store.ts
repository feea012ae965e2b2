/**
 * The dashboard store: one zustand store composed of seven slices (jobs, schedules, workers,
 * system, analytics, settings, ui). Each slice is created with a setter bound to its own key.
 * `applyBatch` applies one event batch to every slice's reducer in a single `set()`.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ContractApi, EventBatch } from '../../../shared/contract';
import { createAnalyticsSlice } from './analytics-slice';
import { createJobsSlice, reduceJobEvents } from './jobs-slice';
import { createSchedulesSlice, reduceScheduleEvents } from './schedules-slice';
import { createSettingsSlice } from './settings-slice';
import type { AppState, SliceDeps, SliceKey } from './slice-types';
import { createSystemSlice, reduceSystemEvents } from './system-slice';
import { createUiSlice, reduceUiEvents } from './ui-slice';
import { createWorkersSlice, reduceWorkerEvents } from './workers-slice';

export type AppStore = StoreApi<AppState>;

export interface AppStoreOptions {
  /** Epoch ms; tests pass a fixed clock. */
  now?: () => number;
}

/**
 * Build the store. Input: the engine API (the dashboard client's `api`, or a fake in tests).
 * Output: a vanilla zustand store; React reads it through StoreProvider/useAppStore.
 */
export function createAppStore(api: ContractApi, options: AppStoreOptions = {}): AppStore {
  const now = options.now ?? Date.now;
  return createStore<AppState>()((set, get) => {
    const deps = <K extends SliceKey>(key: K): SliceDeps<K> => ({
      set: (update) => set((state) => ({ [key]: { ...state[key], ...update(state[key], state) } }) as Partial<AppState>),
      get,
      api,
      now,
    });
    return {
      jobs: createJobsSlice(deps('jobs')),
      schedules: createSchedulesSlice(deps('schedules')),
      workers: createWorkersSlice(deps('workers')),
      system: createSystemSlice(deps('system')),
      analytics: createAnalyticsSlice(deps('analytics')),
      settings: createSettingsSlice(deps('settings')),
      ui: createUiSlice(deps('ui')),
    };
  });
}

function merge<T extends object>(slice: T, changes: Partial<T>): T {
  return Object.keys(changes).length ? { ...slice, ...changes } : slice;
}

/**
 * Apply one event batch in one `set()`: each slice's pure reducer returns its own changed keys;
 * slices the batch does not touch keep their identity (their subscribers do not re-render).
 */
export function applyBatch(store: AppStore, batch: EventBatch, at: number): void {
  if (batch.length === 0) return;
  store.setState((state) => {
    const next: Partial<AppState> = {};
    const jobs = merge(state.jobs, reduceJobEvents(state.jobs, batch, at));
    if (jobs !== state.jobs) next.jobs = jobs;
    const workers = merge(state.workers, reduceWorkerEvents(state.workers, batch));
    if (workers !== state.workers) next.workers = workers;
    const system = merge(state.system, reduceSystemEvents(state.system, batch, at));
    if (system !== state.system) next.system = system;
    const schedules = merge(state.schedules, reduceScheduleEvents(state.schedules, batch));
    if (schedules !== state.schedules) next.schedules = schedules;
    const ui = merge(state.ui, reduceUiEvents(state.ui, batch));
    if (ui !== state.ui) next.ui = ui;
    return next;
  });
}
