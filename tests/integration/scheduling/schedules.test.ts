/**
 * Schedules on the real engine: an interval schedule firing real jobs that link back to it,
 * two engines on one SQLite file firing each slot once, and a recurring submission (the
 * original API) creating a schedule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine, TEST_HANDLERS, waitUntil, type TestEngine } from '../../helpers/engine';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('schedules on the engine', () => {
  it('an interval schedule creates real jobs that run and link back to it', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const s = await m.createSchedule({ type: 'noop', parameters: { n: 7 }, intervalSeconds: 1, overlapPolicy: 'allow', name: 'tick' });
    expect(s.nextFire).not.toBeNull();
    const done = await waitUntil(async () => {
      const page = await m.listJobs({ status: 'completed', limit: 100 });
      const mine = page.jobs.filter((j) => j.scheduleId === s.id);
      return mine.length >= 3 ? mine : null;
    }, 'three completed runs of the schedule', 20_000, 100);
    expect(done.every((j) => j.type === 'noop' && (j.result as { n: number }).n === 7)).toBe(true);
    const detail = await m.getSchedule(s.id);
    expect(detail.state.runs).toBeGreaterThanOrEqual(3);
    const fired = new Set(detail.fires.map((f) => f.jobId));
    for (const j of done) expect(fired.has(j.id)).toBe(true);
    // Slots are anchor + k·interval: whole seconds apart.
    const slots = detail.fires.map((f) => f.slot).sort();
    for (let i = 1; i < slots.length; i++) expect((slots[i]! - slots[0]!) % 1000).toBe(0);

    await m.pauseSchedule(s.id);
    const runs = (await m.getSchedule(s.id)).state.runs;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await m.getSchedule(s.id)).state.runs).toBe(runs);
    const preview = await m.previewSchedule(s.id, 3);
    expect(preview.fires).toHaveLength(3);
    await m.deleteSchedule(s.id);
    expect((await m.listSchedules()).schedules).toEqual([]);
  });

  it('two engines on one file fire each slot once', async () => {
    engine = await startEngine();
    const second = await engine.open();
    const s = await engine.manager.createSchedule({ type: 'noop', intervalSeconds: 1, overlapPolicy: 'allow' });
    await waitUntil(async () => ((await engine!.manager.getSchedule(s.id)).state.runs >= 5 ? true : null), 'five runs', 20_000, 100);
    await engine.manager.pauseSchedule(s.id);
    const detail = await second.getSchedule(s.id);
    const page = await second.listJobs({ limit: 1000 });
    const jobs = page.jobs.filter((j) => j.scheduleId === s.id);
    const slots = detail.fires.map((f) => f.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(jobs.length).toBe(detail.state.runs);
    expect(detail.fires.length).toBe(detail.state.runs);
    // Both engines are running schedulers on the same store.
    expect(engine.manager.schedulerService).not.toBeNull();
    expect(second.schedulerService).not.toBeNull();
  });

  it('a job submitted with a recurring schedule creates the schedule and its first run', async () => {
    engine = await startEngine({ start: false, overrides: { handlers: { extraction: TEST_HANDLERS.noop! } } });
    const m = engine.manager;
    const first = await m.submitJob({ type: 'noop', schedule: { cronExpression: '0 9 * * *', timezone: 'Europe/London', maxRetries: 2 } });
    expect(first.status).toBe('scheduled');
    expect(first.maxRetries).toBe(2);
    expect(first.scheduleId).toMatch(/^sch-/);
    const s = await m.getSchedule(first.scheduleId!);
    expect(s.definition.cronExpression).toBe('0 9 * * *');
    expect(s.state.runs).toBe(1);
    expect(s.fires).toEqual([{ slot: first.runAt, jobId: first.id, recordedAt: expect.any(Number) }]);
    expect(new Date(first.runAt).getUTCMinutes()).toBe(0);
    expect(s.nextFire!.at).toBeGreaterThan(first.runAt);
    const id = await m.submitExtractionJob({ url: 'x' }, { schedule: { intervalSeconds: 3600 } });
    expect((await m.requireJob(id)).scheduleId).toMatch(/^sch-/);
  });
});
