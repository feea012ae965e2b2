/**
 * Redis forgets its scripts (`SCRIPT FLUSH` by an operator, or a script cache evicted) while the
 * engine drains: the claim and outcome transactions get NOSCRIPT inside EXEC, where ioredis cannot
 * reload them by itself. The engine must load them again and go on: every job completes.
 * A dedicated redis-server (never the shared one).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../helpers/engine';
import { redisCli, startRedisServer } from '../../helpers/redis-server';
import { startRedisEngine, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!redis.canSpawn)('Redis script cache flushed mid-run', () => {
  it('loads the scripts again and completes every job', async () => {
    const server = await startRedisServer({});
    cleanups.push(() => server.destroy());
    const e = await startRedisEngine({ url: server.url, prefix: uniqueRedisPrefix() }, { overrides: { workers: { min: 2, max: 2, concurrency: 50 } } });
    cleanups.push(() => e.cleanup());
    const m = e.manager;
    const n = 3000;
    const jobs = await m.submitJobs(Array.from({ length: n }, (_, i) => ({ type: 'noop', parameters: { i } })));
    const completed = async () => (await m.getQueueStats().catch(() => null))?.counts.completed ?? 0;
    await waitUntil(async () => (await completed()) >= 200, 'the drain to start', 20_000, 20);
    for (let i = 0; i < 3; i++) {
      redisCli(server.port, 'SCRIPT', 'FLUSH');
      await new Promise((r) => setTimeout(r, 300));
    }
    // A claim whose transaction failed part-way leaves its jobs to the stalled-job check (~30 s).
    await waitUntil(async () => (await completed()) === n, `all ${n} jobs to complete after the flushes`, 100_000, 200);
    const counts = (await m.getQueueStats()).counts;
    expect(counts).toMatchObject({ completed: n, running: 0, pending: 0, failed: 0 });
    for (const j of jobs.slice(0, 50)) expect((await m.getJob(j.id))?.status).toBe('completed');
  }, 150_000);
});
