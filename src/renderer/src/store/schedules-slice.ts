/**
 * Schedules slice: the list of schedules with their next run, and the actions on them (pause,
 * resume, edit, delete, run now). Schedules have no events of their own; the list is refetched
 * when jobs appear (a fire adds a job) and after each action.
 */
import type { EventBatch } from '../../../shared/contract';
import type { JobRecord } from '../../../shared/model';
import type { ScheduleView } from '../../../shared/schedule-types';
import { describeError } from '../api/errors';
import type { SliceDeps } from './slice-types';

export interface SchedulesSlice {
  list: ScheduleView[];
  nextCursor: string | null;
  loaded: boolean;
  error: string | null;
  /** Fetch the first page (100 schedules, by next run). */
  refresh(): Promise<void>;
  /** Fetch the next page. */
  loadMore(): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** Apply a patch (fields of a definition; null clears one). Rejects with the engine's error. */
  update(id: string, patch: Record<string, unknown>): Promise<ScheduleView>;
  remove(id: string): Promise<void>;
  runNow(id: string): Promise<JobRecord>;
}

/** Create the schedules slice. */
export function createSchedulesSlice({ set, get, api }: SliceDeps<'schedules'>): SchedulesSlice {
  const replace = (view: ScheduleView): void => set((s) => ({ list: s.list.map((x) => (x.id === view.id ? view : x)) }));
  return {
    list: [],
    nextCursor: null,
    loaded: false,
    error: null,
    refresh: async () => {
      try {
        const page = await api['schedules:list']({ limit: 100 });
        set(() => ({ list: page.schedules, nextCursor: page.nextCursor, loaded: true, error: null }));
      } catch (err) {
        set(() => ({ loaded: true, error: describeError(err) }));
      }
    },
    loadMore: async () => {
      const cursor = get().schedules.nextCursor;
      if (!cursor) return;
      try {
        const page = await api['schedules:list']({ limit: 100, cursor });
        set((s) => ({ list: s.list.concat(page.schedules), nextCursor: page.nextCursor, error: null }));
      } catch (err) {
        set(() => ({ error: describeError(err) }));
      }
    },
    pause: async (id) => replace(await api['schedules:pause']({ id })),
    resume: async (id) => replace(await api['schedules:resume']({ id })),
    update: async (id, patch) => {
      const view = await api['schedules:update']({ id, patch });
      replace(view);
      return view;
    },
    remove: async (id) => {
      await api['schedules:delete']({ id });
      set((s) => ({ list: s.list.filter((x) => x.id !== id) }));
    },
    runNow: async (id) => {
      const job = await api['schedules:runNow']({ id });
      void get().schedules.refresh();
      return job;
    },
  };
}

/** Apply an event batch to the schedules slice (pure): schedules have no events; nothing changes. */
export function reduceScheduleEvents(_slice: SchedulesSlice, _batch: EventBatch): Partial<SchedulesSlice> {
  return {};
}
