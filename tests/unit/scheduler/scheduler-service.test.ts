/**
 * SchedulerService with a fake clock (wall and monotonic) over a real SqliteScheduleStore in a
 * temp file: misfire policies, overlap policies with real job counts, a 6-hour forward jump
 * while running, and one DST transition end to end. Time moves only through tick(now) and
 * checkClock(); no timers run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob } from '../../../src/main/engine/backend/queue-backend';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import { newId } from '../../../src/main/engine/ids';
import { initialScheduleState, type ScheduleDefinition } from '../../../src/main/engine/scheduler';
import { SchedulerService } from '../../../src/main/engine/scheduler/scheduler-service';
import { HOUR, isos, MINUTE, schedule, t } from './helpers';

let dir: string;
let backend: SqliteBackend;
let wall: number;
let mono: number;
let service: SchedulerService;

function job(def: ScheduleDefinition, scheduleId: string, now: number): NewJob {
  return {
    id: newId(now),
    type: def.type,
    queue: 'default',
    parameters: def.parameters,
    priority: 1,
    status: 'pending',
    runAt: now,
    maxRetries: 0,
    retryDelaySeconds: 0,
    timeoutSeconds: 60,
    limits: {},
    dependencies: [],
    scheduleId,
    createdAt: now,
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'jobhandle-sched-'));
  backend = new SqliteBackend({ path: join(dir, 'jobs.db') });
  await backend.open();
  wall = t('2025-01-06T00:00:00Z');
  mono = 1_000;
  service = new SchedulerService({
    store: backend.schedules,
    clock: { now: () => wall },
    monotonicNow: () => mono,
    buildJob: job,
    useTimers: false,
  });
  await service.start();
});
afterEach(async () => {
  await service.stop();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

async function create(fields: Record<string, unknown>, now = wall) {
  const def = schedule(fields);
  return backend.schedules.create(def, initialScheduleState(def, now), now);
}

async function jobsOf(scheduleId: string) {
  const page = await backend.listJobs({ sort: 'createdAt', order: 'asc', limit: 1000 } as never);
  return page.jobs.filter((j) => j.scheduleId === scheduleId);
}

describe('SchedulerService: firing', () => {
  it('fires an interval schedule on its slots, links each job to it, and never twice for one slot', async () => {
    const s = await create({ intervalSeconds: 60, overlapPolicy: 'allow' });
    expect((await service.tick(wall + 30_000)).fired).toEqual([]);
    const first = await service.tick(wall + MINUTE);
    expect(first.fired.map((f) => f.slot)).toEqual([wall + MINUTE]);
    expect((await service.tick(wall + MINUTE)).fired).toEqual([]);
    const second = await service.tick(wall + 2 * MINUTE + 500);
    expect(second.fired.map((f) => [f.slot, f.latenessMs])).toEqual([[wall + 2 * MINUTE, 500]]);
    const jobs = await jobsOf(s.id);
    expect(jobs.map((j) => j.id)).toEqual([first.fired[0]!.jobId, second.fired[0]!.jobId]);
    const fires = await backend.schedules.listFires(s.id);
    expect(fires.map((f) => [f.slot, f.jobId])).toEqual([
      [wall + 2 * MINUTE, second.fired[0]!.jobId],
      [wall + MINUTE, first.fired[0]!.jobId],
    ]);
    expect((await backend.schedules.get(s.id))!.state.runs).toBe(2);
  });

  it('creates nothing for a paused schedule, and does not catch up the paused slots after resume', async () => {
    const s = await create({ intervalSeconds: 60, overlapPolicy: 'allow' });
    const rec = (await backend.schedules.get(s.id))!;
    await backend.schedules.setPaused(s.id, true, { ...rec.state, paused: true }, wall);
    expect((await service.tick(wall + 10 * MINUTE)).fired).toEqual([]);
    const { resumedScheduleState } = await import('../../../src/main/engine/scheduler');
    const paused = (await backend.schedules.get(s.id))!;
    const resumedAt = wall + 10.5 * MINUTE;
    await backend.schedules.setPaused(s.id, false, resumedScheduleState(paused.definition, paused.state, resumedAt), resumedAt);
    expect((await service.tick(resumedAt + 1)).fired).toEqual([]);
    expect((await service.tick(wall + 11 * MINUTE)).fired.map((f) => f.slot)).toEqual([wall + 11 * MINUTE]);
  });
});

describe('SchedulerService: misfire policies (engine off 06:00–08:20, hourly)', () => {
  const missed = (policy: string, extra: Record<string, unknown> = {}) =>
    create({ cronExpression: '0 * * * *', misfirePolicy: policy, overlapPolicy: 'allow', ...extra }, t('2025-01-06T05:30:00Z'));
  const woken = t('2025-01-06T08:20:00Z');

  it('skip: nothing runs now; all three slots are skipped', async () => {
    const s = await missed('skip');
    const r = await service.tick(woken);
    expect(r.fired).toEqual([]);
    expect(r.skipped.map((k) => k.reason)).toEqual(['misfire', 'misfire', 'misfire']);
    expect((await backend.schedules.get(s.id))!.state.nextFireAt).toBe(t('2025-01-06T09:00:00Z'));
  });

  it('run_once: one catch-up run for the latest missed slot', async () => {
    const s = await missed('run_once');
    const r = await service.tick(woken);
    expect(r.fired.map((f) => [new Date(f.slot).toISOString(), f.catchUp])).toEqual([['2025-01-06T08:00:00.000Z', true]]);
    expect(r.skipped.map((k) => k.reason)).toEqual(['coalesced', 'coalesced']);
    expect(await jobsOf(s.id)).toHaveLength(1);
  });

  it('run_all: every missed slot, capped by maxCatchUp (oldest dropped)', async () => {
    const s = await missed('run_all', { maxCatchUp: 2 });
    const r = await service.tick(woken);
    expect(isos(r.fired.map((f) => f.slot))).toEqual(['2025-01-06T07:00:00.000Z', '2025-01-06T08:00:00.000Z']);
    expect(r.skipped).toEqual([{ scheduleId: s.id, slot: t('2025-01-06T06:00:00Z'), reason: 'catch_up_cap' }]);
    expect(await jobsOf(s.id)).toHaveLength(2);
  });
});

describe('SchedulerService: overlap policies with the real counts of its jobs', () => {
  async function claimAll() {
    return backend.claimJobs({ engineId: 'e', worker: 'w', limit: 100, now: wall });
  }

  it('skip: no new run while one is queued or running; fires again once it finished', async () => {
    const s = await create({ intervalSeconds: 60, overlapPolicy: 'skip' });
    expect((await service.tick(wall + MINUTE)).fired).toHaveLength(1); // queued (pending)
    const r2 = await service.tick(wall + 2 * MINUTE);
    expect(r2.fired).toEqual([]);
    expect(r2.skipped.map((k) => k.reason)).toEqual(['overlap']);
    const [running] = await claimAll();
    expect((await service.tick(wall + 3 * MINUTE)).skipped.map((k) => k.reason)).toEqual(['overlap']);
    await backend.write({
      outcomes: [{ kind: 'completed', id: running!.id, attempt: running!.attempt, at: wall, worker: 'w', result: null, metrics: {} }],
    });
    expect((await service.tick(wall + 4 * MINUTE)).fired).toHaveLength(1);
    expect((await backend.schedules.get(s.id))!.state.skipped).toBe(2);
  });

  it('queue: one run may wait behind the running one; a second waiting run is skipped', async () => {
    await create({ intervalSeconds: 60, overlapPolicy: 'queue' });
    expect((await service.tick(wall + MINUTE)).fired).toHaveLength(1);
    await claimAll(); // 1 running
    expect((await service.tick(wall + 2 * MINUTE)).fired).toHaveLength(1); // waits behind it
    const r3 = await service.tick(wall + 3 * MINUTE); // 1 running + 1 queued
    expect(r3.fired).toEqual([]);
    expect(r3.skipped.map((k) => k.reason)).toEqual(['overlap']);
  });

  it('allow: a run every slot whatever is in progress', async () => {
    const s = await create({ intervalSeconds: 60, overlapPolicy: 'allow' });
    for (let k = 1; k <= 3; k++) expect((await service.tick(wall + k * MINUTE)).fired).toHaveLength(1);
    expect(await jobsOf(s.id)).toHaveLength(3);
  });
});

describe('SchedulerService: wall-clock jumps while running', () => {
  it('notices a 6-hour forward jump (sleep) at the next slow check and applies the misfire policy', async () => {
    const s = await create({ cronExpression: '0 * * * *', misfirePolicy: 'run_once', overlapPolicy: 'allow' });
    // Awake: 5 s pass on both clocks → no jump; the 00:00 slot fires on its timer (here: a tick).
    wall += 5_000;
    mono += 5_000;
    expect((await service.checkClock()).jumped).toBe(false);
    expect((await service.tick(wall)).fired.map((f) => f.catchUp)).toEqual([false]);
    // Asleep for 6 hours: the wall clock moves, the monotonic clock does not.
    wall += 6 * HOUR;
    mono += 5_000;
    const jump = await service.checkClock();
    expect(jump.direction).toBe('forward');
    expect(jump.deltaMs).toBe(6 * HOUR - 5_000);
    // 01:00…05:00 were missed (coalesced); 06:00 is 5 s late, within the 60 s threshold: it runs
    // and, under run_once, stands for the missed ones.
    const jobs = await jobsOf(s.id);
    expect(jobs).toHaveLength(2);
    const state = (await backend.schedules.get(s.id))!.state;
    expect(state.lastFireAt).toBe(t('2025-01-06T06:00:00Z'));
    expect(state.skipped).toBe(5);
    expect(state.nextFireAt).toBe(t('2025-01-06T07:00:00Z'));
    // Without a jump the same wall time would not have been planned until the timer fired.
    expect((await service.tick(wall)).fired).toEqual([]);
  });

  it('fires nothing twice after a backward jump', async () => {
    const s = await create({ intervalSeconds: 60, overlapPolicy: 'allow' });
    await service.tick(wall + 2 * MINUTE);
    wall += 2 * MINUTE;
    mono += 2 * MINUTE;
    await service.checkClock();
    wall -= 10 * MINUTE;
    mono += 1_000;
    expect((await service.checkClock()).direction).toBe('backward');
    expect((await service.tick(wall + 5 * MINUTE)).fired).toEqual([]);
    expect(await jobsOf(s.id)).toHaveLength(2);
  });
});

describe('SchedulerService: DST end to end (America/New_York)', () => {
  it('spring 2025-03-09: 02:30 fires once at 03:00 EDT; autumn 2025-11-02: 01:30 fires once', async () => {
    const spring = await create({ cronExpression: '30 2 * * *', timezone: 'America/New_York', overlapPolicy: 'allow' }, t('2025-03-08T12:00:00Z'));
    expect((await service.tick(t('2025-03-09T06:59:59Z'))).fired).toEqual([]);
    expect(isos((await service.tick(t('2025-03-09T07:00:00Z'))).fired.map((f) => f.slot))).toEqual(['2025-03-09T07:00:00.000Z']);
    expect((await service.tick(t('2025-03-09T07:30:00Z'))).fired).toEqual([]);
    expect((await backend.schedules.get(spring.id))!.state.nextFireAt).toBe(t('2025-03-10T06:30:00Z'));

    const autumn = await create({ cronExpression: '30 1 * * *', timezone: 'America/New_York', overlapPolicy: 'allow' }, t('2025-11-01T12:00:00Z'));
    const first = await service.tick(t('2025-11-02T05:30:00Z'));
    expect(isos(first.fired.filter((f) => f.scheduleId === autumn.id).map((f) => f.slot))).toEqual(['2025-11-02T05:30:00.000Z']);
    const repeated = await service.tick(t('2025-11-02T06:30:00Z')); // 01:30 EST, the repeated hour
    expect(repeated.fired.filter((f) => f.scheduleId === autumn.id)).toEqual([]);
    expect((await backend.schedules.get(autumn.id))!.state.nextFireAt).toBe(t('2025-11-03T06:30:00Z'));
  });
});
