/**
 * Jobs slice: the jobs table (filters, cursor-paged rows, selection), job details, and the live
 * state of jobs that events touched (status, progress, worker). Rows merge their record with the
 * live patch of their own id, so a progress event re-renders one row, not the table.
 */
import type { BulkResult } from '../../../shared/contract';
import type { JobError, JobListQuery, JobPriority, JobRecord, JobStatus } from '../../../shared/model';
import type { EventBatch } from '../../../shared/contract';
import type { SliceDeps } from './slice-types';
import { describeError } from '../api/errors';

/** Rows fetched per cursor page while scrolling. */
export const JOB_PAGE_SIZE = 200;
/** Most jobs kept in the live map; the oldest finished ones are dropped beyond it. */
export const LIVE_JOBS_CAP = 5000;

export type JobSortField = 'createdAt' | 'updatedAt' | 'priority' | 'runAt' | 'finishedAt';

/** What the user filters the jobs table by. Empty arrays and '' mean "any". */
export interface JobFilters {
  status: JobStatus[];
  type: string[];
  queue: string[];
  priority: JobPriority[];
  text: string;
  createdAfter: number | null;
  createdBefore: number | null;
  sort: JobSortField;
  order: 'asc' | 'desc';
}

export const DEFAULT_JOB_FILTERS: JobFilters = {
  status: [],
  type: [],
  queue: [],
  priority: [],
  text: '',
  createdAfter: null,
  createdBefore: null,
  sort: 'createdAt',
  order: 'desc',
};

/** What events told us about a job since its record was fetched. */
export interface LiveJob {
  status?: JobStatus;
  progress?: number;
  message?: string | null;
  worker?: string | null;
  attempts?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: JobError | null;
  /** When the last event about it arrived (epoch ms). */
  at: number;
}

export interface JobsTable {
  filters: JobFilters;
  /** The loaded rows, in order. Append-only within one query (pages are pushed in place). */
  rows: JobRecord[];
  nextCursor: string | null;
  /** True once the first page arrived (an empty table then means "no jobs match"). */
  loaded: boolean;
  loading: boolean;
  error: string | null;
  /** Increments with each new query; late pages of an older query are dropped. */
  requestId: number;
}

export type BulkAction = 'cancel' | 'restart' | 'delete' | 'priority';

/** Most log lines kept for the watched job (older ones scroll away). */
export const LIVE_LOG_CAP = 2000;

/** A log line pushed by `job:log` (numbered here: stored lines get their seq from the engine). */
export interface LiveLogLine {
  key: number;
  ts: number;
  stream: 'out' | 'err' | 'log';
  line: string;
}

/** The log tail of the one job whose detail screen is open, fed by `job:log` events. */
export interface LiveLog {
  id: string | null;
  lines: LiveLogLine[];
  nextKey: number;
}

export interface JobsSlice {
  table: JobsTable;
  live: Record<string, LiveJob>;
  details: Record<string, JobRecord>;
  selected: Record<string, true>;
  /** Jobs added (events) since the table was loaded: offered as "N new jobs — refresh". */
  addedSinceLoad: number;
  /** Increments whenever a job appears or changes status; lists that show status refetch on it. */
  changeSeq: number;
  /** Change the filters and reload from the first page. */
  setFilters(update: Partial<JobFilters>): void;
  /** Fetch the next cursor page, unless one is in flight or there is none. */
  loadMore(): Promise<void>;
  /** Reload the table from the first page with the same filters. */
  refresh(): Promise<void>;
  toggleSelected(id: string): void;
  setSelected(ids: string[], selected: boolean): void;
  clearSelection(): void;
  /** Cancel, restart, delete or re-prioritize these jobs; refreshes the table after. Rejects with the engine's error. */
  bulk(action: BulkAction, ids: string[], priority?: JobPriority): Promise<BulkResult>;
  /** The pushed log of the watched job. */
  liveLog: LiveLog;
  /** Watch job `id`'s log (null: none): keeps `job:log` lines of that job only, starting empty. */
  watchLog(id: string | null): void;
  /** Fetch one job into `details`. Rejects with the engine's error. */
  loadJob(id: string): Promise<JobRecord>;
  /** Store a record fetched or returned elsewhere (submit, cancel, restart). */
  putJob(job: JobRecord): void;
}

/** The contract query for some filters (without cursor and limit). */
export function filtersToQuery(f: JobFilters): JobListQuery {
  const q: JobListQuery = { sort: f.sort, order: f.order };
  if (f.status.length) q.status = f.status;
  if (f.type.length) q.type = f.type;
  if (f.queue.length) q.queue = f.queue;
  if (f.priority.length) q.priority = f.priority;
  if (f.text.trim()) q.text = f.text.trim();
  if (f.createdAfter !== null) q.createdAfter = f.createdAfter;
  if (f.createdBefore !== null) q.createdBefore = f.createdBefore;
  return q;
}

function emptyTable(filters: JobFilters, requestId: number): JobsTable {
  return { filters, rows: [], nextCursor: null, loaded: false, loading: false, error: null, requestId };
}

/** Create the jobs slice. */
export function createJobsSlice({ set, get, api }: SliceDeps<'jobs'>): JobsSlice {
  const loadMore = async (): Promise<void> => {
    const { table } = get().jobs;
    if (table.loading || (table.loaded && table.nextCursor === null)) return;
    const requestId = table.requestId;
    set((s) => ({ table: { ...s.table, loading: true, error: null } }));
    try {
      const query = { ...filtersToQuery(table.filters), limit: JOB_PAGE_SIZE, ...(table.nextCursor ? { cursor: table.nextCursor } : {}) };
      const page = await api['jobs:list'](query);
      set((s) => {
        if (s.table.requestId !== requestId) return {};
        // The page is appended in place: O(page), not a copy of every loaded row (100,000 rows are
        // 500 pages). `rows` only grows within one query (a new query starts a new array), and the
        // table is a new object, so selectors of `rows.length` and `rows[i]` see the new rows.
        const rows = s.table.rows;
        for (const job of page.jobs) rows.push(job);
        return { table: { ...s.table, rows, nextCursor: page.nextCursor, loaded: true, loading: false } };
      });
    } catch (err) {
      set((s) => (s.table.requestId !== requestId ? {} : { table: { ...s.table, loading: false, loaded: true, error: describeError(err) } }));
    }
  };

  const restart = (filters: JobFilters): Promise<void> => {
    set((s) => ({ table: emptyTable(filters, s.table.requestId + 1), addedSinceLoad: 0, selected: {} }));
    return loadMore();
  };

  return {
    table: emptyTable(DEFAULT_JOB_FILTERS, 0),
    live: {},
    details: {},
    selected: {},
    addedSinceLoad: 0,
    changeSeq: 0,
    setFilters: (update) => void restart({ ...get().jobs.table.filters, ...update }),
    loadMore,
    refresh: () => restart(get().jobs.table.filters),
    toggleSelected: (id) =>
      set((s) => {
        const selected = { ...s.selected };
        if (selected[id]) delete selected[id];
        else selected[id] = true;
        return { selected };
      }),
    setSelected: (ids, on) =>
      set((s) => {
        const selected = { ...s.selected };
        for (const id of ids) {
          if (on) selected[id] = true;
          else delete selected[id];
        }
        return { selected };
      }),
    clearSelection: () => set(() => ({ selected: {} })),
    liveLog: { id: null, lines: [], nextKey: 1 },
    watchLog: (id) => set((s) => (s.liveLog.id === id ? {} : { liveLog: { id, lines: [], nextKey: s.liveLog.nextKey } })),
    bulk: async (action, ids, priority) => {
      const result =
        action === 'cancel'
          ? await api['jobs:bulkCancel']({ ids })
          : action === 'restart'
            ? await api['jobs:bulkRestart']({ ids })
            : action === 'delete'
              ? await api['jobs:bulkDelete']({ ids })
              : await api['jobs:bulkSetPriority']({ ids, priority: priority ?? 'NORMAL' });
      set(() => ({ selected: {} }));
      void restart(get().jobs.table.filters);
      return result;
    },
    loadJob: async (id) => {
      const job = await api['jobs:get']({ id });
      get().jobs.putJob(job);
      return job;
    },
    putJob: (job) =>
      set((s) => {
        const live = s.live[job.id];
        // A fresh record supersedes what events said before it was read.
        const nextLive = live && live.at <= job.updatedAt ? withoutKey(s.live, job.id) : s.live;
        return { details: { ...s.details, [job.id]: job }, live: nextLive };
      }),
  };
}

function withoutKey<T>(map: Record<string, T>, key: string): Record<string, T> {
  const next = { ...map };
  delete next[key];
  return next;
}

/** A job record with what events said about it since (the row and detail views show this). */
export function mergeLive(job: JobRecord, live: LiveJob | undefined): JobRecord {
  if (!live) return job;
  return {
    ...job,
    status: live.status ?? job.status,
    progress: live.progress ?? job.progress,
    progressMessage: live.message !== undefined ? live.message : job.progressMessage,
    worker: live.worker !== undefined ? live.worker : job.worker,
    attempts: live.attempts ?? job.attempts,
    startedAt: live.startedAt ?? job.startedAt,
    finishedAt: live.finishedAt ?? job.finishedAt,
    error: live.error !== undefined ? live.error : job.error,
  };
}

function patch(live: Record<string, LiveJob>, id: string, update: Omit<LiveJob, 'at'>, at: number): void {
  live[id] = { ...live[id], ...update, at };
}

function capLive(live: Record<string, LiveJob>): Record<string, LiveJob> {
  const ids = Object.keys(live);
  if (ids.length <= LIVE_JOBS_CAP) return live;
  const order = ids.sort((a, b) => (live[a]?.at ?? 0) - (live[b]?.at ?? 0));
  const next = { ...live };
  for (const id of order.slice(0, ids.length - LIVE_JOBS_CAP)) delete next[id];
  return next;
}

/**
 * Apply an event batch to the jobs slice (pure). Input: the slice, the batch, the time of arrival.
 * Output: the fields that changed (empty when the batch had no job event).
 */
export function reduceJobEvents(slice: JobsSlice, batch: EventBatch, at: number): Partial<JobsSlice> {
  let live: Record<string, LiveJob> | null = null;
  let logLines: LiveLogLine[] | null = null;
  let nextKey = slice.liveLog.nextKey;
  let added = 0;
  let changes = 0;
  const w = (): Record<string, LiveJob> => (live ??= { ...slice.live });
  for (const item of batch) {
    switch (item.event) {
      case 'job:added':
        added++;
        changes++;
        break;
      case 'job:started': {
        const p = item.payload;
        patch(w(), p.id, { status: 'running', attempts: p.attempt, worker: p.worker, startedAt: p.startedAt, progress: 0, message: null }, at);
        changes++;
        break;
      }
      case 'job:progress':
        patch(w(), item.payload.id, { progress: item.payload.progress, message: item.payload.message }, at);
        break;
      case 'job:completed':
        patch(w(), item.payload.id, { status: 'completed', progress: 100, finishedAt: item.payload.finishedAt, error: null }, at);
        changes++;
        break;
      case 'job:failed':
        patch(w(), item.payload.id, { status: 'failed', error: item.payload.error, finishedAt: item.payload.finishedAt }, at);
        changes++;
        break;
      case 'job:retrying':
        patch(w(), item.payload.id, { status: 'retrying', error: item.payload.error }, at);
        changes++;
        break;
      case 'job:cancelled':
        patch(w(), item.payload.id, { status: 'cancelled', finishedAt: item.payload.finishedAt }, at);
        changes++;
        break;
      case 'job:log':
        if (item.payload.id === slice.liveLog.id) {
          logLines ??= slice.liveLog.lines.slice();
          logLines.push({ key: nextKey++, ts: item.payload.ts, stream: item.payload.stream, line: item.payload.line });
        }
        break;
      default:
        break;
    }
  }
  const out: Partial<JobsSlice> = {};
  if (logLines) out.liveLog = { id: slice.liveLog.id, lines: logLines.length > LIVE_LOG_CAP ? logLines.slice(-LIVE_LOG_CAP) : logLines, nextKey };
  if (live) out.live = capLive(live);
  if (added) out.addedSinceLoad = slice.addedSinceLoad + added;
  if (changes) out.changeSeq = slice.changeSeq + 1;
  return out;
}
