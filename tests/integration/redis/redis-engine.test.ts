/**
 * A whole engine on Redis: jobs run in real worker processes, retries, cancellation of a running
 * job by another process, backend auto-selection, and a bounded error when Redis is gone.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createBackend } from '../../../src/main/engine/backend/select';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import { loadConfig } from '../../../src/main/engine/config';
import { JobManager } from '../../../src/main/engine/manager';
import { makeTempDir, testConfig, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';
import { freePort, startRedisServer } from '../../helpers/redis-server';
import { redisSettings, removeRedisPrefix, startRedisEngine, uniqueRedisPrefix, type RedisAddress } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function engineOn(addr: RedisAddress, options: Parameters<typeof startRedisEngine>[1] = {}): Promise<TestEngine> {
  const e = await startRedisEngine(addr, options);
  cleanups.push(() => removeRedisPrefix(addr));
  cleanups.push(() => e.cleanup());
  return e;
}

describe.skipIf(!redis.single)('engine on Redis (single node)', () => {
  it('runs jobs in worker processes, retries transient failures, and reports the backend', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    const { manager: m } = await engineOn(addr);
    expect(m.backend.kind).toBe('redis');
    const jobs = await m.submitJobs(Array.from({ length: 20 }, (_, i) => ({ type: 'noop', parameters: { n: i } })));
    const done = await Promise.all(jobs.map((j) => m.waitForJob(j.id, 20_000)));
    expect(done.every((j) => j.status === 'completed')).toBe(true);
    expect(done[3]!.result).toEqual({ ok: true, n: 3 });
    const flaky = await m.submitJob({ type: 'fail-transient', parameters: {}, maxRetries: 2, retryDelaySeconds: 0.05 });
    const failed = await m.waitForJob(flaky.id, 20_000);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, error: { class: 'transient' } });
    expect((await m.getJobAttempts(flaky.id)).map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    const stats = await m.getQueueStats();
    expect(stats.backend).toBe('redis');
    expect(stats.counts).toMatchObject({ completed: 20, failed: 1, pending: 0, running: 0 });
  });

  it('cancels a running job from another process (a client manager) within the watch interval', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    const e = await engineOn(addr);
    const job = await e.manager.submitJob({ type: 'sleep', parameters: { ms: 30_000 } });
    await waitForEvent(e.manager, 'job:progress', (p) => p.id === job.id);
    const client = await e.open({ start: false, overrides: redisSettings(addr) });
    const requested = await client.cancelJob(job.id, 'stop it');
    expect(requested.cancelRequested).toBe(true);
    const final = await client.waitForJob(job.id, 15_000);
    expect(final).toMatchObject({ status: 'cancelled', error: { class: 'cancelled' } });
  });

  it('auto-selects Redis when REDIS_URL answers, else SQLite with a warning; `redis` without an address is a CONFIG error', async () => {
    const dir = makeTempDir();
    const prefix = uniqueRedisPrefix();
    const reachable = loadConfig({ env: { JOBHANDLE_DATA_DIR: dir, REDIS_URL: redis.single! }, overrides: { redis: { prefix } } });
    const a = await createBackend(reachable);
    expect(a).toMatchObject({ warning: null, backend: { kind: 'redis' } });
    await a.backend.close();

    const dead = `redis://127.0.0.1:${await freePort()}/0`;
    const started = Date.now();
    const b = await createBackend(loadConfig({ env: { JOBHANDLE_DATA_DIR: dir, REDIS_URL: dead } }));
    expect(Date.now() - started).toBeLessThan(6000);
    expect(b.backend.kind).toBe('sqlite');
    expect(b.warning).toMatch(/REDIS_URL is set but Redis could not be used .*127\.0\.0\.1.*local SQLite file/);
    const m = await JobManager.open({ config: loadConfig({ env: { JOBHANDLE_DATA_DIR: dir, REDIS_URL: dead } }) });
    const health = await m.performHealthCheck();
    expect(JSON.stringify(health)).toMatch(/REDIS_URL is set but Redis could not be used/);
    await m.close();

    const forcedSqlite = await createBackend(loadConfig({ env: { JOBHANDLE_DATA_DIR: dir, REDIS_URL: dead, JOBHANDLE_BACKEND: 'sqlite' } }));
    expect(forcedSqlite).toMatchObject({ warning: null, backend: { kind: 'sqlite' } });
    await expect(createBackend(testConfig(dir, { backend: 'redis' }))).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('rejects bad addresses and prefixes with errors naming the field', () => {
    expect(() => new RedisBackend({ url: 'http://x' })).toThrow(/protocol "http:" is not supported/);
    expect(() => new RedisBackend({ url: 'redis://h:6379/abc' })).toThrow(/database "abc"/);
    expect(() => new RedisBackend({ url: 'redis://h:6379', prefix: '{mine}' })).toThrow(/redis.prefix .*hash tag/);
    expect(() => new RedisBackend({ url: 'redis://h:6379', redisOptions: { keyPrefix: 'x:' } })).toThrow(/keyPrefix is not supported/);
    expect(() => new RedisBackend({ cluster: ['h:1', 'nope'] })).toThrow(/redis.cluster\[1\] "nope" is invalid/);
    const b = new RedisBackend({ url: 'rediss://user:secret@h.example:6380/2' });
    expect(b.location).toBe('rediss://h.example:6380/2');
  });
});

describe.skipIf(!redis.canSpawn)('Redis unreachable', () => {
  it('a producer gets BACKEND_UNAVAILABLE within a bounded time when Redis goes away', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.destroy());
    const dir = makeTempDir();
    const m = await JobManager.open({ config: testConfig(dir, redisSettings({ url: server.url, prefix: uniqueRedisPrefix() })) });
    cleanups.push(() => m.close());
    await m.submitJob({ type: 'noop', parameters: {} });
    await server.stop();
    const started = Date.now();
    await expect(m.submitJob({ type: 'noop', parameters: {} })).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(6000);
    // Opening against a dead address fails as quickly.
    const t = Date.now();
    await expect(
      JobManager.open({ config: testConfig(dir, redisSettings({ url: `redis://127.0.0.1:${server.port}`, prefix: 'x' })) }),
    ).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect(Date.now() - t).toBeLessThan(6000);
    await server.start();
    await waitUntil(() => m.backend.ping(), 'the connection to come back', 15_000, 200);
    expect((await m.submitJob({ type: 'noop', parameters: {} })).status).toBe('pending');
  });
});
