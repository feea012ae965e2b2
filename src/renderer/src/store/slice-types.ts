/**
 * The shape of the dashboard store and the rules of its slices. The store is one zustand store of
 * seven slices, each under its own key. A slice gets a `set` that can only replace its own key,
 * so no slice writes another's state; event batches are applied by pure per-slice reducers in
 * one `set()` per batch (see event-reducers.ts).
 */
import type { ContractApi } from '../../../shared/contract';
import type { AnalyticsSlice } from './analytics-slice';
import type { JobsSlice } from './jobs-slice';
import type { SchedulesSlice } from './schedules-slice';
import type { SettingsSlice } from './settings-slice';
import type { SystemSlice } from './system-slice';
import type { UiSlice } from './ui-slice';
import type { WorkersSlice } from './workers-slice';

export interface AppState {
  jobs: JobsSlice;
  schedules: SchedulesSlice;
  workers: WorkersSlice;
  system: SystemSlice;
  analytics: AnalyticsSlice;
  settings: SettingsSlice;
  ui: UiSlice;
}

export type SliceKey = keyof AppState;

/** Replace some fields of one slice, computed from that slice (and, read-only, the whole state). */
export type SliceSet<K extends SliceKey> = (update: (slice: AppState[K], state: AppState) => Partial<AppState[K]>) => void;

/** What a slice factory receives: its own setter, a reader of the whole state, the engine API. */
export interface SliceDeps<K extends SliceKey> {
  set: SliceSet<K>;
  get: () => AppState;
  api: ContractApi;
  /** Epoch ms; injectable for tests. */
  now: () => number;
}
