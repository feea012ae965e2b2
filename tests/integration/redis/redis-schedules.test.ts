/**
 * Schedules in Redis mode: two engines sharing one Redis run schedulers on the same schedules;
 * each slot fires once (one fire record and one job a slot), pausing stops the fires, and the
 * overlap policy counts the schedule's jobs in Redis.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../helpers/engine';
import { removeRedisPrefix, startRedisEngine, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!redis.single)('schedules on Redis', () => {
  it('two engines on one Redis fire each every-second slot once', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const a = await startRedisEngine(addr);
    cleanups.push(() => a.cleanup());
    const b = await startRedisEngine(addr);
    cleanups.push(() => b.cleanup());
    expect(a.manager.schedulerService).not.toBeNull();
    expect(b.manager.schedulerService).not.toBeNull();
    const s = await a.manager.createSchedule({ type: 'noop', intervalSeconds: 1, overlapPolicy: 'allow' });
    await waitUntil(async () => ((await b.manager.getSchedule(s.id)).state.runs >= 5 ? true : null), 'five runs', 30_000, 100);
    await b.manager.pauseSchedule(s.id);
    const detail = await a.manager.getSchedule(s.id);
    const jobs = (await a.manager.listJobs({ limit: 1000 })).jobs.filter((j) => j.scheduleId === s.id);
    const slots = detail.fires.map((f) => f.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(detail.fires.length).toBe(detail.state.runs);
    expect(jobs.length).toBe(detail.state.runs);
    expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(detail.fires.map((f) => f.jobId)));
    for (let i = 1; i < slots.length; i++) expect(Math.abs(slots[i]! - slots[0]!) % 1000).toBe(0);
    // Paused: no more fires from either engine.
    const runs = detail.state.runs;
    await new Promise((r) => setTimeout(r, 1500)); // the absence of fires over 1.5 s is what is tested
    expect((await a.manager.getSchedule(s.id)).state.runs).toBe(runs);
    await a.manager.deleteSchedule(s.id);
    expect((await b.manager.listSchedules()).schedules).toEqual([]);
  });

  it('overlap "skip": a schedule whose run is still going does not fire again', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const a = await startRedisEngine(addr);
    cleanups.push(() => a.cleanup());
    const s = await a.manager.createSchedule({ type: 'sleep', parameters: { ms: 4000 }, intervalSeconds: 1, overlapPolicy: 'skip' });
    await waitUntil(async () => ((await a.manager.getSchedule(s.id)).state.skipped >= 2 ? true : null), 'two skipped slots', 30_000, 100);
    const detail = await a.manager.getSchedule(s.id);
    expect(detail.state.runs).toBe(1);
    await a.manager.deleteSchedule(s.id);
  });
});
