/**
 * ScheduleApi: the schedule operations the JobManager offers (create, update, pause, resume,
 * delete, list, get, preview, run now, and a recurring job submission turned into a schedule),
 * over the ScheduleStore port. Validation happens here (schedule-definition.ts); the store
 * keeps what it is given.
 */
import { z } from 'zod';
import { AppError, parseOrThrow } from '../../../shared/errors';
import type { ParsedJobSubmission } from '../../../shared/model';
import type { ScheduleDetail, SchedulePageView, SchedulePreviewView, ScheduleView } from '../../../shared/schedule-types';
import type { NewJob } from '../backend/queue-backend';
import type { Clock } from '../clock';
import { preview } from './fire-times';
import {
  applyScheduleUpdate,
  parseScheduleDefinition,
  type ScheduleDefinition,
  type ScheduleDefinitionInput,
} from './schedule-definition';
import {
  initialScheduleState,
  pausedScheduleState,
  planTick,
  resumedScheduleState,
  updatedScheduleState,
} from './schedule-planner';
import type { ScheduleRecord, ScheduleStore } from './schedule-store';

export interface ScheduleApiOptions {
  store: ScheduleStore;
  clock: Clock;
  /** The job a run of `def` creates at `now`, linked to `scheduleId`. */
  buildJob: (def: ScheduleDefinition, scheduleId: string, now: number) => NewJob;
  /** Insert jobs outside a tick (run now), with the engine's usual after-insert work. */
  insertJobs: (jobs: NewJob[]) => Promise<void>;
  /** After jobs were created by a commit here (wake the dispatcher, emit events). */
  onJobsCreated: (jobs: NewJob[]) => void;
  /** After a schedule was created, changed, resumed or deleted (re-arm the scheduler). */
  onChanged: () => void;
}

/** Filters of `list` as a caller sends them. */
export const ScheduleListQuerySchema = z.strictObject({
  paused: z.boolean().optional(),
  active: z.boolean().optional(),
  type: z.array(z.string().min(1).max(64)).max(20).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
export type ScheduleListQueryInput = z.input<typeof ScheduleListQuerySchema>;

const CountSchema = z.number().int().min(1).max(1000);

/** A schedule with its next fire time, as clients see it. */
export function toView(r: ScheduleRecord): ScheduleView {
  const next = r.state.nextFireAt;
  const nextFire =
    next === null || r.state.paused ? null : (preview(r.definition, next - 1, 1, { anchorAt: r.state.anchorAt })[0] ?? null);
  return { id: r.id, definition: r.definition, state: r.state, createdAt: r.createdAt, updatedAt: r.updatedAt, nextFire };
}

export class ScheduleApi {
  constructor(private readonly o: ScheduleApiOptions) {}

  private async require(id: string): Promise<ScheduleRecord> {
    const r = await this.o.store.get(String(id));
    if (!r) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
    return r;
  }

  /** Validate and store a new schedule. Errors: VALIDATION naming the field, BACKEND_UNAVAILABLE. */
  async create(input: ScheduleDefinitionInput | unknown): Promise<ScheduleView> {
    const def = parseScheduleDefinition(input);
    this.o.buildJob(def, 'check', this.o.clock.now()); // the job template must be valid (type known, limits…)
    const now = this.o.clock.now();
    const record = await this.o.store.create(def, initialScheduleState(def, now), now);
    this.o.onChanged();
    return toView(record);
  }

  /**
   * Apply a partial change; runs so far are kept, the interval is re-anchored at the change and
   * past slots are not caught up. Errors: NOT_FOUND, VALIDATION.
   */
  async update(id: string, patch: unknown): Promise<ScheduleView> {
    const current = await this.require(id);
    const def = applyScheduleUpdate(current.definition, patch);
    this.o.buildJob(def, current.id, this.o.clock.now());
    const now = this.o.clock.now();
    const record = await this.o.store.update(current.id, def, updatedScheduleState(def, current.state, now), now);
    this.o.onChanged();
    return toView(record);
  }

  /** Pause: no job is created until resumed. Errors: NOT_FOUND. */
  async pause(id: string): Promise<ScheduleView> {
    const current = await this.require(id);
    const record = await this.o.store.setPaused(current.id, true, pausedScheduleState(current.state), this.o.clock.now());
    this.o.onChanged();
    return toView(record);
  }

  /** Resume: slots that passed while paused are not caught up. Errors: NOT_FOUND. */
  async resume(id: string): Promise<ScheduleView> {
    const current = await this.require(id);
    const now = this.o.clock.now();
    const record = await this.o.store.setPaused(current.id, false, resumedScheduleState(current.definition, current.state, now), now);
    this.o.onChanged();
    return toView(record);
  }

  /** Delete a schedule and its fire records (its jobs stay). Errors: NOT_FOUND. */
  async delete(id: string): Promise<{ id: string; deleted: true }> {
    if (!(await this.o.store.delete(String(id)))) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
    this.o.onChanged();
    return { id, deleted: true };
  }

  /** Schedules by next fire time (ended last). Errors: VALIDATION (bad filter or cursor). */
  async list(query: ScheduleListQueryInput = {}): Promise<SchedulePageView> {
    const q = parseOrThrow(ScheduleListQuerySchema, query, 'schedule query');
    const page = await this.o.store.list(q);
    return { schedules: page.schedules.map(toView), nextCursor: page.nextCursor };
  }

  /** One schedule with its latest fires. Errors: NOT_FOUND. */
  async get(id: string, fires = 20): Promise<ScheduleDetail> {
    const r = await this.require(id);
    const list = await this.o.store.listFires(r.id, fires);
    return { ...toView(r), fires: list.map((f) => ({ slot: f.slot, jobId: f.jobId, recordedAt: f.recordedAt })) };
  }

  /**
   * The next `count` fire times of a stored schedule (by id) or of a definition, from now, in
   * UTC and in the schedule's zone. Errors: NOT_FOUND, VALIDATION.
   */
  async preview(idOrDefinition: string | Record<string, unknown>, count = 5): Promise<SchedulePreviewView> {
    const n = parseOrThrow(CountSchema, count, 'count');
    const now = this.o.clock.now();
    if (typeof idOrDefinition === 'string') {
      const r = await this.require(idOrDefinition);
      const from = Math.max(now, r.state.lastSlotAt ?? -Infinity, r.state.lastFireAt ?? -Infinity);
      return { zone: r.definition.timezone, fires: preview(r.definition, from, n, { anchorAt: r.state.anchorAt, runs: r.state.runs }) };
    }
    const def = parseScheduleDefinition(idOrDefinition);
    const state = initialScheduleState(def, now);
    const from = def.scheduledTime !== undefined ? def.scheduledTime - 1 : now;
    return { zone: def.timezone, fires: preview(def, from, n, { anchorAt: state.anchorAt }) };
  }

  /** Create one run of the schedule now, outside its timetable (it does not count against maxRuns). Errors: NOT_FOUND. */
  async runNow(id: string): Promise<NewJob> {
    const r = await this.require(id);
    const now = this.o.clock.now();
    const job = this.o.buildJob(r.definition, r.id, now);
    await this.o.insertJobs([job]);
    await this.o.store.recordFire(r.id, now, job.id);
    return job;
  }

  /**
   * A submitted job whose `schedule` recurs (cron or interval), as the original API allowed:
   * creates the schedule, and its first run at once as a `scheduled` job (runAt = the first fire
   * time, linked by scheduleId). Output: that first job; its scheduleId names the schedule.
   * Errors: VALIDATION (bad schedule, or one that never fires).
   */
  async createFromSubmission(s: ParsedJobSubmission): Promise<NewJob> {
    const sch = s.schedule!;
    const input: Record<string, unknown> = {
      type: s.type,
      parameters: s.parameters,
      ...(s.queue !== undefined ? { queue: s.queue } : {}),
      ...(s.priority !== undefined ? { priority: s.priority } : {}),
      ...(s.retryDelaySeconds !== undefined ? { retryDelaySeconds: s.retryDelaySeconds } : {}),
      ...(s.limits !== undefined ? { limits: s.limits } : {}),
    };
    const timeout = sch.timeoutSeconds ?? s.timeoutSeconds;
    const retries = sch.maxRetries ?? s.maxRetries;
    if (timeout !== undefined) input.timeoutSeconds = timeout;
    if (retries !== undefined) input.maxRetries = retries;
    for (const k of ['cronExpression', 'intervalSeconds', 'timezone', 'startDate', 'endDate', 'maxRuns', 'misfirePolicy', 'overlapPolicy'] as const) {
      if (sch[k] !== undefined) input[k] = sch[k];
    }
    const def = parseScheduleDefinition(input);
    this.o.buildJob(def, 'check', this.o.clock.now());
    const now = this.o.clock.now();
    const state = initialScheduleState(def, now);
    const first = state.nextFireAt;
    if (first === null) throw new AppError('VALIDATION', 'invalid job: schedule: it never fires (its end date or maxRuns leaves no run)');
    const record = await this.o.store.create(def, state, now);
    const plan = planTick({ def, state, now: Math.max(first, now), runningJobsOfSchedule: 0, queuedJobsOfSchedule: 0 });
    const fire = plan.fires[plan.fires.length - 1];
    const job = { ...this.o.buildJob(def, record.id, now), runAt: fire?.slot ?? first };
    job.status = job.runAt > now ? 'scheduled' : 'pending';
    const [won] = await this.o.store.commitTicks([
      { id: record.id, expectedNextFireAt: first, nextState: plan.nextState, fires: [{ slot: job.runAt, job }], now },
    ]);
    if (!won) throw new AppError('CONFLICT', `schedule ${record.id} changed while its first run was being created`);
    this.o.onJobsCreated([job]);
    this.o.onChanged();
    return job;
  }
}
