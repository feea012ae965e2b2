/**
 * RedisScheduleStore: the ScheduleStore port on Redis (docs/redis.md, "Schedules").
 *
 * Keys, all under the global `{<prefix>}` slot so that one Lua script sees a schedule whole:
 * - `sch:<id>` hash: `def` (definition JSON), `state` (JSON), `paused` (0|1), `created`, `updated`;
 * - `sch:next` sorted set: id → nextFireAt (NEVER when ended), the due index;
 * - `sch:fires:<id>` hash: slot → `{ jobId, recordedAt }`, written with HSETNX: one job a slot;
 * - `sch:jobs:<id>` set: the schedule's jobs not known to be finished (for the overlap policy).
 *
 * commitTicks runs, per tick, one script (jhScheduleCas) doing the compare-and-set on nextFireAt
 * (and "not paused"), the new state and the fire records; only then are the won fires' jobs
 * added to their queues (other slots in a cluster). So two engines fire a slot once. A crash
 * between the two steps loses that run (the slot is recorded without its job): at most once, never
 * twice.
 */
import { AppError } from '../../../../shared/errors';
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
import type { NewJob } from '../queue-backend';
import type { RedisContext } from './redis-context';
import { statusOf } from './redis-job-codec';
import { decodeCursor, encodeCursor } from '../page-cursor';

const decodeScheduleCursor = (text: string) =>
  decodeCursor<{ n: number; id: string }>(text, (c) => typeof c.n === 'number' && typeof c.id === 'string', 'schedule query');

/** Sort key of "no next fire" (ended schedules list last). */
const NEVER = 8.64e15;

function score(state: ScheduleState): number {
  return state.nextFireAt ?? NEVER;
}

export class RedisScheduleStore implements ScheduleStore {
  constructor(
    private readonly ctx: () => RedisContext,
    private readonly op: <T>(fn: () => Promise<T>) => Promise<T>,
    private readonly insertJobs: (jobs: NewJob[]) => Promise<void>,
  ) {}

  private k(suffix: string): string {
    return this.ctx().keys.g(suffix);
  }

  private toRecord(id: string, h: Record<string, string>): ScheduleRecord | null {
    if (!h.def || !h.state) return null;
    const state = JSON.parse(h.state) as ScheduleState;
    return {
      id,
      definition: JSON.parse(h.def) as ScheduleDefinition,
      state: { ...state, paused: h.paused === '1' },
      createdAt: Number(h.created),
      updatedAt: Number(h.updated),
    };
  }

  private async require(id: string): Promise<ScheduleRecord> {
    const r = await this.get(id);
    if (!r) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
    return r;
  }

  /** See ScheduleStore.create. Ids are `sch-` + a UUIDv7. */
  async create(definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    const id = `sch-${newId(now)}`;
    await this.op(() =>
      this.ctx()
        .client.multi()
        .hset(this.k(`sch:${id}`), 'def', JSON.stringify(definition), 'state', JSON.stringify(state), 'paused', state.paused ? '1' : '0', 'created', String(now), 'updated', String(now))
        .zadd(this.k('sch:next'), score(state), id)
        .exec(),
    );
    return this.require(id);
  }

  /** See ScheduleStore.update (unconditional). Errors: NOT_FOUND. */
  async update(id: string, definition: ScheduleDefinition, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    await this.require(id);
    await this.op(() =>
      this.ctx()
        .client.multi()
        .hset(this.k(`sch:${id}`), 'def', JSON.stringify(definition), 'state', JSON.stringify(state), 'paused', state.paused ? '1' : '0', 'updated', String(now))
        .zadd(this.k('sch:next'), score(state), id)
        .exec(),
    );
    return this.require(id);
  }

  /** See ScheduleStore.get. */
  async get(id: string): Promise<ScheduleRecord | null> {
    const h = await this.op(() => this.ctx().client.hgetall(this.k(`sch:${id}`)));
    return this.toRecord(id, h);
  }

  /** See ScheduleStore.list: the due index in order, filtered here. */
  async list(query: ScheduleListQuery = {}): Promise<SchedulePage> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const after = query.cursor ? decodeScheduleCursor(query.cursor) : null;
    const max = query.dueAtOrBefore ?? (query.active ? NEVER - 1 : NEVER);
    const min = after ? after.n : -Infinity;
    const raw = await this.op(() => this.ctx().client.zrangebyscore(this.k('sch:next'), min === -Infinity ? '-inf' : String(min), String(max), 'WITHSCORES'));
    const entries: Array<{ id: string; n: number }> = [];
    for (let i = 0; i < raw.length; i += 2) {
      const e = { id: raw[i]!, n: Number(raw[i + 1]) };
      if (after && (e.n < after.n || (e.n === after.n && e.id <= after.id))) continue;
      entries.push(e);
    }
    entries.sort((a, b) => a.n - b.n || a.id.localeCompare(b.id));
    const out: Array<{ rec: ScheduleRecord; n: number }> = [];
    for (let i = 0; i < entries.length && out.length <= limit; i += 200) {
      const chunk = entries.slice(i, i + 200);
      const p = this.ctx().client.pipeline();
      for (const e of chunk) p.hgetall(this.k(`sch:${e.id}`));
      const res = (await this.op(() => p.exec())) ?? [];
      chunk.forEach((e, j) => {
        const rec = this.toRecord(e.id, (res[j]?.[1] as Record<string, string>) ?? {});
        if (!rec) return;
        if (query.paused !== undefined && rec.state.paused !== query.paused) return;
        if (query.type?.length && !query.type.includes(rec.definition.type)) return;
        if (out.length <= limit) out.push({ rec, n: e.n });
      });
    }
    const more = out.length > limit;
    const page = more ? out.slice(0, limit) : out;
    const last = page[page.length - 1];
    return {
      schedules: page.map((x) => x.rec),
      nextCursor: more && last ? encodeCursor({ n: last.n, id: last.rec.id }) : null,
    };
  }

  /** See ScheduleStore.delete (the schedule, its fires and its job set; the jobs stay). */
  async delete(id: string): Promise<boolean> {
    const res = await this.op(() =>
      this.ctx().client.multi().del(this.k(`sch:${id}`)).del(this.k(`sch:fires:${id}`)).del(this.k(`sch:jobs:${id}`)).zrem(this.k('sch:next'), id).exec(),
    );
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }

  /** See ScheduleStore.setPaused. Errors: NOT_FOUND. */
  async setPaused(id: string, paused: boolean, state: ScheduleState, now: number): Promise<ScheduleRecord> {
    await this.require(id);
    const next = { ...state, paused };
    await this.op(() =>
      this.ctx()
        .client.multi()
        .hset(this.k(`sch:${id}`), 'state', JSON.stringify(next), 'paused', paused ? '1' : '0', 'updated', String(now))
        .zadd(this.k('sch:next'), score(next), id)
        .exec(),
    );
    return this.require(id);
  }

  /** One compare-and-set (with fire records); null when the schedule does not exist. */
  private async cas(
    id: string,
    expected: number | null,
    next: ScheduleState,
    now: number,
    fires: Array<{ slot: number; jobId: string }>,
  ): Promise<{ won: boolean; recorded: number[] } | null> {
    const args = fires.flatMap((f) => [String(f.slot), JSON.stringify({ jobId: f.jobId, recordedAt: now })]);
    const res = await this.op(() =>
      this.ctx().client.jhScheduleCas(
        this.k(`sch:${id}`), this.k('sch:next'), this.k(`sch:fires:${id}`), this.k(`sch:jobs:${id}`),
        id, String(expected ?? NEVER), JSON.stringify({ ...next, paused: false }), String(score(next)), String(now), ...args,
      ),
    );
    if (Number(res[0]) === -1) return null;
    return { won: Number(res[0]) === 1, recorded: res.slice(1).map(Number) };
  }

  /** See ScheduleStore.advance. Errors: NOT_FOUND. */
  async advance(id: string, expectedNextFireAt: number | null, nextState: ScheduleState): Promise<boolean> {
    const res = await this.cas(id, expectedNextFireAt, nextState, Date.now(), []);
    if (res === null) throw new AppError('NOT_FOUND', `no schedule with id ${id}`);
    return res.won;
  }

  /** See ScheduleStore.recordFire. Errors: NOT_FOUND. */
  async recordFire(scheduleId: string, slot: number, jobId: string): Promise<boolean> {
    const c = this.ctx().client;
    const exists = await this.op(() => c.exists(this.k(`sch:${scheduleId}`)));
    if (!exists) throw new AppError('NOT_FOUND', `no schedule with id ${scheduleId}`);
    const res = await this.op(() =>
      c.multi().hsetnx(this.k(`sch:fires:${scheduleId}`), String(slot), JSON.stringify({ jobId, recordedAt: Date.now() })).sadd(this.k(`sch:jobs:${scheduleId}`), jobId).exec(),
    );
    return Number(res?.[0]?.[1] ?? 0) === 1;
  }

  /** See ScheduleStore.listFires: newest slot first. */
  async listFires(scheduleId: string, limit = 50): Promise<ScheduleFire[]> {
    const all = await this.op(() => this.ctx().client.hgetall(this.k(`sch:fires:${scheduleId}`)));
    return Object.entries(all)
      .map(([slot, json]) => {
        const f = JSON.parse(json) as { jobId: string; recordedAt: number };
        return { scheduleId, slot: Number(slot), jobId: f.jobId, recordedAt: f.recordedAt };
      })
      .sort((a, b) => b.slot - a.slot)
      .slice(0, limit);
  }

  /**
   * See ScheduleStore.commitTicks: per tick one jhScheduleCas (compare-and-set, state, fire
   * records, all or nothing), then the jobs of the fires it recorded are added to their queues.
   */
  async commitTicks(commits: readonly TickCommit[]): Promise<boolean[]> {
    const out: boolean[] = [];
    const jobs: NewJob[] = [];
    for (const c of commits) {
      const res = await this.cas(c.id, c.expectedNextFireAt, c.nextState, c.now, c.fires.map((f) => ({ slot: f.slot, jobId: f.job.id })));
      const won = res?.won ?? false;
      out.push(won);
      if (won) for (const f of c.fires) if (res!.recorded.includes(f.slot)) jobs.push(f.job);
    }
    if (jobs.length) await this.insertJobs(jobs);
    return out;
  }

  /** See ScheduleStore.inProgress: the job sets, read against the jobs' states (finished ones leave the set). */
  async inProgress(ids: readonly string[]): Promise<Map<string, InProgressCounts>> {
    const out = new Map<string, InProgressCounts>();
    const ctx = this.ctx();
    for (const id of ids) {
      const jobIds = await this.op(() => ctx.client.smembers(this.k(`sch:jobs:${id}`)));
      if (!jobIds.length) continue;
      const queues = await this.op(() => ctx.client.hmget(ctx.keys.g('ids'), ...jobIds));
      const byQueue = new Map<string, string[]>();
      jobIds.forEach((j, i) => {
        const q = queues[i];
        if (q) byQueue.set(q, [...(byQueue.get(q) ?? []), j]);
      });
      const c: InProgressCounts = { running: 0, queued: 0 };
      const live = new Set<string>();
      for (const [queue, list] of byQueue) {
        for (const snap of await this.op(() => ctx.readJobs(queue, list))) {
          const status = statusOf(snap.state, snap.hash);
          if (status === 'completed' || status === 'failed' || status === 'cancelled') continue;
          live.add(snap.id);
          if (status === 'running') c.running++;
          else c.queued++;
        }
      }
      const gone = jobIds.filter((j) => !live.has(j));
      if (gone.length) await this.op(() => ctx.client.srem(this.k(`sch:jobs:${id}`), ...gone));
      if (c.running || c.queued) out.set(id, c);
    }
    return out;
  }
}
