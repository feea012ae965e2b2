/**
 * The port through which the scheduler keeps schedules. The SQLite and Redis backends
 * implement it; the scheduler's pure core (planTick) never sees it.
 *
 * Exactly-once firing across engines sharing a store: an engine plans a tick from the record it
 * read, then claims it with `advance(id, expectedNextFireAt, nextState)`, which succeeds for one
 * engine only (compare-and-set on nextFireAt, which only moves forward under planTick). The
 * winner creates one job per fire and calls `recordFire(scheduleId, slot, jobId)`; a backend
 * that can (SQLite) does advance, the job inserts and recordFire in one transaction. recordFire is
 * unique per (scheduleId, slot), so a retried tick after a crash cannot create a second job.
 *
 * All methods are async (Redis needs it; SQLite resolves at once). Errors are AppErrors:
 * NOT_FOUND for an unknown id where a schedule must exist, BACKEND_UNAVAILABLE when the store
 * cannot be reached, STORAGE_FULL when it cannot be written. Definitions are validated before
 * they reach the store; the store does not re-validate them.
 */
import type { NewJob } from '../backend/queue-backend';
import type { ScheduleDefinition, ScheduleState } from './schedule-definition';

/**
 * One planned tick to commit at once: the compare-and-set of advance, the jobs of its fires
 * (each linked to the schedule by `scheduleId`) and their fire records.
 */
export interface TickCommit {
  id: string;
  expectedNextFireAt: number | null;
  nextState: ScheduleState;
  fires: Array<{ slot: number; job: NewJob }>;
  now: number;
}

/** A schedule's runs in progress, for the overlap policy. */
export interface InProgressCounts {
  running: number;
  /** Created and not started: pending, scheduled, retrying, waiting. */
  queued: number;
}

/** A stored schedule. */
export interface ScheduleRecord {
  id: string;
  definition: ScheduleDefinition;
  state: ScheduleState;
  createdAt: number;
  updatedAt: number;
}

/** Filters for `list`; all optional, combined with AND. */
export interface ScheduleListQuery {
  paused?: boolean;
  /** Only schedules that have not ended (nextFireAt not null). */
  active?: boolean;
  /** Only schedules with nextFireAt ≤ this instant (what a tick must plan). */
  dueAtOrBefore?: number;
  /** Only schedules whose job type is one of these. */
  type?: string[];
  /** Default 100, at most 1000. */
  limit?: number;
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  cursor?: string;
}

/** One page of schedules, ordered by nextFireAt ascending (ended schedules last), then id. */
export interface SchedulePage {
  schedules: ScheduleRecord[];
  nextCursor: string | null;
}

/** One run a schedule created: which slot, which job, when it was recorded. */
export interface ScheduleFire {
  scheduleId: string;
  slot: number;
  jobId: string;
  recordedAt: number;
}

/** Where schedules and their fire history live. */
export interface ScheduleStore {
  /**
   * Store a new schedule. Input: a validated definition, its initial state
   * (initialScheduleState), the creation time. Output: the record with a new id.
   * Errors: BACKEND_UNAVAILABLE, STORAGE_FULL.
   */
  create(definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord>;

  /**
   * Replace a schedule's definition and state (from applyScheduleUpdate and
   * updatedScheduleState) unconditionally. Output: the updated record.
   * Errors: NOT_FOUND, BACKEND_UNAVAILABLE.
   */
  update(id: string, definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord>;

  /** The schedule with this id, or null. Errors: BACKEND_UNAVAILABLE. */
  get(id: string): Promise<ScheduleRecord | null>;

  /** Schedules matching `query`, one page at a time. Errors: VALIDATION (bad cursor), BACKEND_UNAVAILABLE. */
  list(query?: ScheduleListQuery): Promise<SchedulePage>;

  /**
   * Remove a schedule and its fire history (its jobs stay, their scheduleId still names it).
   * Output: true when it existed. Errors: BACKEND_UNAVAILABLE.
   */
  delete(id: string): Promise<boolean>;

  /**
   * Pause or resume: store `paused` with the state computed by pausedScheduleState or
   * resumedScheduleState. Output: the updated record. Errors: NOT_FOUND, BACKEND_UNAVAILABLE.
   */
  setPaused(id: string, paused: boolean, state: ScheduleState, now: number): Promise<ScheduleRecord>;

  /**
   * Claim a planned tick: store `nextState` only if the stored state's nextFireAt still equals
   * `expectedNextFireAt` and the schedule is not paused. Output: true when stored (this
   * engine owns the tick's fires), false when another engine, a pause or an update got there
   * first (re-read and re-plan). Errors: NOT_FOUND, BACKEND_UNAVAILABLE.
   */
  advance(id: string, expectedNextFireAt: number | null, nextState: ScheduleState): Promise<boolean>;

  /**
   * Link the job created for `slot` to its schedule (history shows every run). Output: true
   * when recorded, false when this slot already has a job (nothing is written: the caller must
   * not keep a second job). Errors: NOT_FOUND, BACKEND_UNAVAILABLE.
   */
  recordFire(scheduleId: string, slot: number, jobId: string): Promise<boolean>;

  /** The latest fires of a schedule, newest first (default 50). Errors: BACKEND_UNAVAILABLE. */
  listFires(scheduleId: string, limit?: number): Promise<ScheduleFire[]>;

  /**
   * Commit planned ticks, each all-or-nothing and atomically: if the schedule's nextFireAt still
   * equals `expectedNextFireAt` and it is not paused, store `nextState`, insert the fires' jobs
   * and record each fire (a slot that already has a job is not inserted again). Output: one
   * boolean per commit, true when it won (its jobs exist now), false when another engine, a
   * pause, an update or a delete got there first (re-read and re-plan). A store that can
   * (SQLite) commits the whole batch in one transaction. Errors: BACKEND_UNAVAILABLE, STORAGE_FULL.
   */
  commitTicks(commits: readonly TickCommit[]): Promise<boolean[]>;

  /** Running and queued jobs of each schedule in `ids` (absent ids: none). Errors: BACKEND_UNAVAILABLE. */
  inProgress(ids: readonly string[]): Promise<Map<string, InProgressCounts>>;
}
