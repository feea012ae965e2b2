/**
 * The daily maintenance job: the engine submits it by itself (no scheduler), it shows in the job
 * list, applies the retention settings and writes a backup; it is not submitted twice a day.
 */
import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDailyMaintenance } from '../../../src/main/engine/maintenance/maintenance-service';
import { makeTempDir, startEngine, waitUntil, type TestEngine } from '../../helpers/engine';
import { seedJobs } from '../../helpers/analytics-seed';

let engine: TestEngine | null = null;
let dir: string | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('daily maintenance', () => {
  it('is submitted by the engine, shows in the job list, applies retention and writes a backup', async () => {
    dir = makeTempDir();
    const client = await startEngine({ dir, start: false });
    const now = Date.now();
    const DAY = 86_400_000;
    seedJobs(client.manager, [
      { id: 'old-done', type: 'noop', status: 'completed', createdAt: now - 11 * DAY, startedAt: now - 11 * DAY, finishedAt: now - 11 * DAY },
      { id: 'old-failed', type: 'noop', status: 'failed', createdAt: now - 11 * DAY, startedAt: now - 11 * DAY, finishedAt: now - 11 * DAY },
      { id: 'new-done', type: 'noop', status: 'completed', createdAt: now - DAY, startedAt: now - DAY, finishedAt: now - DAY },
    ]);
    await client.cleanup();
    engine = await startEngine({
      dir,
      // No host monitoring: on a busy test machine the CPU backpressure would hold every job back.
      overrides: { maintenance: { firstCheckSeconds: 0 }, retention: { completed: 10, failed: 30, cancelled: 10 }, resources: { monitoring: false } },
    });
    const m = engine.manager;
    const job = await waitUntil(async () => {
      const page = await m.listJobs({ type: 'maintenance' });
      return page.jobs[0]?.status === 'completed' ? page.jobs[0] : null;
    }, 'the maintenance job to complete');
    const result = job.result as { retention: Record<string, number>; store: { backup: string; checkpoint: unknown } };
    expect(result.retention).toEqual({ completed: 1, failed: 0, cancelled: 0 });
    expect(result.store.checkpoint).not.toBeNull();
    expect(existsSync(result.store.backup)).toBe(true);
    expect(await m.getJob('old-done')).toBeNull();
    expect(await m.getJob('old-failed')).not.toBeNull();
    expect((await m.getJobLogs(job.id)).map((l) => l.line).join('\n')).toMatch(/backup written to/);
    // Ran within the last 24 h: not submitted again.
    expect(await ensureDailyMaintenance({ backend: m.backend, now: Date.now(), submit: () => m.submitJob({ type: 'maintenance' }) })).toBe(false);
    expect(await ensureDailyMaintenance({ backend: m.backend, now: Date.now() + 86_400_001, submit: async () => 'submitted' })).toBe(true);
  });
});
