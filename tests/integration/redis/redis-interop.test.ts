/**
 * JobHandle's Redis queues are ordinary BullMQ queues: a plain BullMQ Worker runs a job that
 * JobHandle submitted, and a job added with a plain BullMQ Queue.add (no envelope) is run by a
 * JobHandle engine with defaults.
 */
import { Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startRedisEngine, removeRedisPrefix, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function connection() {
  const u = new URL(redis.single!);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null };
}

describe.skipIf(!redis.single)('interop with plain BullMQ', () => {
  it('a plain BullMQ Worker runs a job submitted by JobHandle (name = type, data = { params, jh })', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const e = await startRedisEngine(addr, { start: false });
    cleanups.push(() => e.cleanup());
    const job = await e.manager.submitJob({ type: 'noop', queue: 'interop', parameters: { url: 'u1' }, priority: 'HIGH' });
    const seen: unknown[] = [];
    const worker = new Worker(
      'interop',
      async (j) => {
        seen.push({ id: j.id, name: j.name, data: j.data, priority: j.opts.priority });
        return { rows: 2 };
      },
      { connection: connection(), prefix: `{${addr.prefix}:interop}` },
    );
    cleanups.push(() => worker.close());
    const done = await e.manager.waitForJob(job.id, 15_000, 100);
    expect(seen).toEqual([
      { id: job.id, name: 'noop', data: { params: { url: 'u1' }, jh: expect.objectContaining({ v: 1, priority: 2 }) }, priority: 2 },
    ]);
    expect(done).toMatchObject({ status: 'completed', result: { rows: 2 } });
  });

  it('a JobHandle engine runs a job added by plain BullMQ Queue.add, with defaults', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const queue = new Queue('plain', { connection: connection(), prefix: `{${addr.prefix}:plain}` });
    cleanups.push(() => queue.close());
    const e = await startRedisEngine(addr, { manager: { queues: ['plain'] } });
    cleanups.push(() => e.cleanup());
    const added = await queue.add('noop', { n: 42 });
    const done = await e.manager.waitForJob(String(added.id), 15_000, 100);
    expect(done).toMatchObject({ type: 'noop', queue: 'plain', status: 'completed', parameters: { n: 42 }, result: { ok: true, n: 42 }, priority: 'NORMAL' });
    // BullMQ tooling sees an ordinary completed job.
    const viaBull = await queue.getJob(String(added.id));
    expect(await viaBull!.getState()).toBe('completed');
    expect(viaBull!.returnvalue).toEqual({ ok: true, n: 42 });
  });
});
