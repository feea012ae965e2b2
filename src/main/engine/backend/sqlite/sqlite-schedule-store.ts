/**
 * SqliteScheduleStore: the ScheduleStore port on the SQLite file (tables of migration 2).
 * commitTicks does, per schedule, the compare-and-set on next_fire_at, the job inserts and the
 * fire records in one transaction for the whole batch, so two engines on one file fire each
 * slot once and a crash cannot leave a fire without its job or a job without its fire.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../../../../shared/errors';
import type { NewJob } from '../queue-backend';
import { newId } from '../../ids';
import type { ScheduleDefinition, ScheduleState } from '../../scheduler/schedule-definition';
import type {
  InProgressCounts,
  ScheduleFire,
  ScheduleListQuery,
  SchedulePage,
  ScheduleRecord,
  ScheduleStore,
  TickCommit,
} from '../../scheduler/schedule-store';
import { decodeCursor, encodeCursor } from '../page-cursor';

const decodeScheduleCursor = (text: string) =>
  decodeCursor<{ n: number; id: string }>(text, (c) => typeof c.n === 'number' && typeof c.id === 'string', 'schedule query');

interface ScheduleRow {
  id: string;
  definition: string;
  next_fire_at: number | null;
  last_fire_at: number | null;
  last_slot_at: number | null;
  runs: number;
  skipped: number;
  paused: number;
  anchor_at: number;
  ended_reason: ScheduleState['endedReason'];
  created_at: number;
  updated_at: number;
}

/** Sort key of "no next fire" (ended schedules list last). */
const NEVER = 8.64e15;

function toRecord(r: ScheduleRow): ScheduleRecord {
  return {
    id: r.id,
    definition: JSON.parse(r.definition) as ScheduleDefinition,
    state: {
      nextFireAt: r.next_fire_at,
      lastFireAt: r.last_fire_at,
      lastSlotAt: r.last_slot_at,
      runs: r.runs,
      skipped: r.skipped,
      paused: r.paused === 1,
      anchorAt: r.anchor_at,
      endedReason: r.ended_reason,
    },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function stateParams(state: ScheduleState) {
  return {
    nextFireAt: state.nextFireAt,
    lastFireAt: state.lastFireAt,
    lastSlotAt: state.lastSlotAt,
    runs: state.runs,
    skipped: state.skipped,
    paused: state.paused ? 1 : 0,
    anchorAt: state.anchorAt,
    endedReason: state.endedReason,
  };
}

export class SqliteScheduleStore implements ScheduleStore {
  private readonly s: Record<string, Statement>;

  /**
   * `insertJobs` inserts job rows inside the caller's transaction (SqliteBackend's own insert);
   * `guard` maps SQLite errors to AppErrors.
   */
  constructor(
    private readonly db: Database,
    private readonly insertJobs: (jobs: NewJob[]) => void,
    private readonly guard: <T>(fn: () => T) => T,
  ) {
    const STATE_SET = `next_fire_at = @nextFireAt, last_fire_at = @lastFireAt, last_slot_at = @lastSlotAt, runs = @runs,
      skipped = @skipped, paused = @paused, anchor_at = @anchorAt, ended_reason = @endedReason`;
    this.s = {
      insert: db.prepare(`INSERT INTO schedules (id, name, type, definition, next_fire_at, last_fire_at, last_slot_at, runs,
          skipped, paused, anchor_at, ended_reason, created_at, updated_at)
        VALUES (@id, @name, @type, @definition, @nextFireAt, @lastFireAt, @lastSlotAt, @runs, @skipped, @paused, @anchorAt,
          @endedReason, @now, @now)`),
      get: db.prepare('SELECT * FROM schedules WHERE id = ?'),
      update: db.prepare(`UPDATE schedules SET name = @name, type = @type, definition = @definition, ${STATE_SET},
        updated_at = @now WHERE id = @id`),
      setState: db.prepare(`UPDATE schedules SET ${STATE_SET}, updated_at = @now WHERE id = @id`),
      advance: db.prepare(`UPDATE schedules SET ${STATE_SET}, updated_at = @now
        WHERE id = @id AND paused = 0 AND next_fire_at IS @expected`),
      delete: db.prepare('DELETE FROM schedules WHERE id = ?'),
      deleteFires: db.prepare('DELETE FROM schedule_fires WHERE schedule_id = ?'),
      recordFire: db.prepare(
        'INSERT OR IGNORE INTO schedule_fires (schedule_id, slot, job_id, recorded_at) VALUES (?, ?, ?, ?)',
      ),
      exists: db.prepare('SELECT 1 FROM schedules WHERE id = ?'),
      fires: db.prepare(
        'SELECT schedule_id, slot, job_id, recorded_at FROM schedule_fires WHERE schedule_id = ? ORDER BY slot DESC LIMIT ?',
      ),
    };
  }

  private require(id: string): ScheduleRecord {
    const row = this.s.get!.get(id) as ScheduleRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
    return toRecord(row);
  }

  /** See ScheduleStore.create. Ids are `sch-` + a UUIDv7. */
  async create(definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    const id = `sch-${newId(now)}`;
    return this.guard(() => {
      this.s.insert!.run({
        id,
        name: definition.name ?? null,
        type: definition.type,
        definition: JSON.stringify(definition),
        now,
        ...stateParams(state),
      });
      return this.require(id);
    });
  }

  /** See ScheduleStore.update. */
  async update(id: string, definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    return this.guard(() => {
      const changed = this.s.update!.run({
        id,
        name: definition.name ?? null,
        type: definition.type,
        definition: JSON.stringify(definition),
        now,
        ...stateParams(state),
      }).changes;
      if (!changed) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
      return this.require(id);
    });
  }

  /** See ScheduleStore.get. */
  async get(id: string): Promise<ScheduleRecord | null> {
    const row = this.guard(() => this.s.get!.get(id) as ScheduleRow | undefined);
    return row ? toRecord(row) : null;
  }

  /** See ScheduleStore.list. */
  async list(query: ScheduleListQuery = {}): Promise<SchedulePage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.paused !== undefined) {
      where.push('paused = ?');
      params.push(query.paused ? 1 : 0);
    }
    if (query.active) where.push('next_fire_at IS NOT NULL');
    if (query.dueAtOrBefore !== undefined) {
      where.push('next_fire_at <= ?');
      params.push(query.dueAtOrBefore);
    }
    if (query.type?.length) {
      where.push(`type IN (${query.type.map(() => '?').join(', ')})`);
      params.push(...query.type);
    }
    const key = `COALESCE(next_fire_at, ${NEVER})`;
    if (query.cursor) {
      const c = decodeScheduleCursor(query.cursor);
      where.push(`(${key} > ? OR (${key} = ? AND id > ?))`);
      params.push(c.n, c.n, c.id);
    }
    const sql = `SELECT *, ${key} AS sort_key FROM schedules${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY sort_key, id LIMIT ?`;
    const rows = this.guard(() => this.db.prepare(sql).all(...params, limit + 1) as Array<ScheduleRow & { sort_key: number }>);
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    return {
      schedules: page.map(toRecord),
      nextCursor: more && last ? encodeCursor({ n: last.sort_key, id: last.id }) : null,
    };
  }

  /** See ScheduleStore.delete. */
  async delete(id: string): Promise<boolean> {
    return this.guard(() =>
      this.db.transaction(() => {
        this.s.deleteFires!.run(id);
        return this.s.delete!.run(id).changes > 0;
      }).immediate(),
    );
  }

  /** See ScheduleStore.setPaused. */
  async setPaused(id: string, paused: boolean, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    return this.guard(() => {
      if (!this.s.setState!.run({ id, now, ...stateParams({ ...state, paused }) }).changes) {
        throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
      }
      return this.require(id);
    });
  }

  /** See ScheduleStore.advance. */
  async advance(id: string, expectedNextFireAt: number | null, nextState: ScheduleState): Promise<boolean> {
    return this.guard(() => {
      if (!this.s.exists!.get(id)) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
      return this.s.advance!.run({ id, expected: expectedNextFireAt, now: Date.now(), ...stateParams(nextState) }).changes > 0;
    });
  }

  /** See ScheduleStore.recordFire. */
  async recordFire(scheduleId: string, slot: number, jobId: string): Promise<boolean> {
    return this.guard(() => {
      if (!this.s.exists!.get(scheduleId)) throw new AppError('NOT_FOUND', `no schedule with id ${scheduleId}`);
      return this.s.recordFire!.run(scheduleId, slot, jobId, Date.now()).changes > 0;
    });
  }

  /** See ScheduleStore.listFires. */
  async listFires(scheduleId: string, limit = 50): Promise<ScheduleFire[]> {
    const rows = this.guard(
      () => this.s.fires!.all(scheduleId, limit) as Array<{ schedule_id: string; slot: number; job_id: string; recorded_at: number }>,
    );
    return rows.map((r) => ({ scheduleId: r.schedule_id, slot: r.slot, jobId: r.job_id, recordedAt: r.recorded_at }));
  }

  /** See ScheduleStore.commitTicks: the whole batch in one IMMEDIATE transaction. */
  async commitTicks(commits: readonly TickCommit[]): Promise<boolean[]> {
    if (!commits.length) return [];
    return this.guard(() =>
      this.db
        .transaction(() =>
          commits.map((c) => {
            const won =
              this.s.advance!.run({ id: c.id, expected: c.expectedNextFireAt, now: c.now, ...stateParams(c.nextState) }).changes > 0;
            if (!won) return false;
            const jobs: NewJob[] = [];
            for (const f of c.fires) {
              if (this.s.recordFire!.run(c.id, f.slot, f.job.id, c.now).changes > 0) jobs.push(f.job);
            }
            if (jobs.length) this.insertJobs(jobs);
            return true;
          }),
        )
        .immediate(),
    );
  }

  /** See ScheduleStore.inProgress. */
  async inProgress(ids: readonly string[]): Promise<Map<string, InProgressCounts>> {
    const out = new Map<string, InProgressCounts>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = this.guard(
        () =>
          this.db
            .prepare(
              `SELECT schedule_id, status, COUNT(*) AS n FROM jobs
               WHERE schedule_id IN (${chunk.map(() => '?').join(', ')})
                 AND schedule_id IS NOT NULL AND status NOT IN ('completed', 'failed', 'cancelled')
               GROUP BY schedule_id, status`,
            )
            .all(...chunk) as Array<{ schedule_id: string; status: string; n: number }>,
      );
      for (const r of rows) {
        const c = out.get(r.schedule_id) ?? { running: 0, queued: 0 };
        if (r.status === 'running') c.running += r.n;
        else c.queued += r.n;
        out.set(r.schedule_id, c);
      }
    }
    return out;
  }
}
