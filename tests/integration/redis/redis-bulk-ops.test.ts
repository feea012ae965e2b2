/**
 * Bulk delete and priority change on Redis, below the contract (backend-contract.test.ts): a
 * deleted job leaves no key and no reference behind (BullMQ's nor JobHandle's), and a job added by
 * plain BullMQ (no envelope, not in the id index) can be found, re-prioritised and deleted.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { NewJob } from '../../../src/main/engine/backend/queue-backend';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import { uniqueRedisPrefix } from './redis-test-util';
import { newJob } from '../../helpers/new-job';

const redis = inject('redis');

describe.skipIf(!redis.single)('bulk operations on Redis', () => {
  let prefix: string;
  let b: RedisBackend;
  let raw: Redis;
  let n = 0;
  const job = (over: Partial<NewJob> = {}): NewJob => {
    const createdAt = Date.now() + n++;
    return newJob(createdAt, { parameters: { n }, ...over });
  };
  const claim = (queues: string[]) => b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now: Date.now(), queues });

  /** Every key under the prefix, and every key whose value mentions `id` (hash field, set or list member). */
  async function traces(id: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await raw.scan(cursor, 'MATCH', `{${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const found: string[] = [];
    for (const key of keys) {
      if (key.includes(id)) {
        found.push(key);
        continue;
      }
      const type = await raw.type(key);
      const has =
        type === 'hash' ? (await raw.hexists(key, id)) === 1
        : type === 'set' ? (await raw.sismember(key, id)) === 1
        : type === 'zset' ? (await raw.zscore(key, id)) !== null
        : type === 'list' ? (await raw.lpos(key, id)) !== null
        : false;
      if (has) found.push(key);
    }
    return found.sort();
  }

  beforeEach(async () => {
    prefix = uniqueRedisPrefix();
    b = new RedisBackend({ url: redis.single!, prefix });
    await b.open();
    raw = new Redis(redis.single!);
  });
  afterEach(async () => {
    await b.removeAllData().catch(() => undefined);
    await b.close();
    raw.disconnect();
  });

  it('a deleted job leaves no key or reference behind; its dependents keep theirs', async () => {
    const pre = job();
    const failed = job({ queue: 'other' });
    await b.insertJobs([pre, failed]);
    await claim(['default', 'other']);
    const at = Date.now();
    await b.write({
      outcomes: [
        { kind: 'completed', id: pre.id, attempt: 1, at, worker: 'w1', result: { ok: 1 }, metrics: {} },
        { kind: 'failed', id: failed.id, attempt: 1, at, worker: 'w1', error: { class: 'permanent', message: 'x' }, metrics: {} },
      ],
      logs: [{ jobId: pre.id, ts: at, stream: 'out', line: 'done' }],
    });
    const dependent = job({ dependencies: [{ jobId: pre.id, trigger: 'success' }, { jobId: failed.id, trigger: 'failure' }] });
    await b.insertJobs([dependent]);
    expect((await b.getJob(dependent.id))?.status).toBe('pending');
    expect((await traces(pre.id)).length).toBeGreaterThan(3);

    expect(await b.deleteJobs([pre.id])).toEqual([{ id: pre.id, ok: true }]);
    expect(await traces(pre.id)).toEqual([]);
    // The dependent's edge to the other prerequisite is still there.
    expect((await b.dependencies.edgesOf(dependent.id)).dependencies.map((e) => [e.dependsOn, e.state])).toEqual([[failed.id, 'met']]);
    expect(await b.deleteJobs([failed.id])).toEqual([{ id: failed.id, ok: true }]);
    expect(await traces(failed.id)).toEqual([]);
    expect((await b.dependencies.edgesOf(dependent.id)).dependencies).toEqual([]);
  });

  it('finds, re-prioritises and deletes a job added by plain BullMQ', async () => {
    await b.insertJobs([job({ queue: 'plain' })]); // makes the queue known to JobHandle
    const queue = new Queue('plain', { connection: { host: new URL(redis.single!).hostname, port: Number(new URL(redis.single!).port || 6379) }, prefix: `{${prefix}:plain}` });
    try {
      const added = await queue.add('noop', { x: 1 }, { jobId: 'plain-1', priority: 3 });
      expect(added.id).toBe('plain-1');
      expect((await b.getJob('plain-1'))?.priority).toBe('NORMAL');
      expect(await b.setPriority(['plain-1'], 3, Date.now())).toEqual([{ id: 'plain-1', ok: true }]);
      expect(await b.getJob('plain-1')).toMatchObject({ priority: 'URGENT', parameters: { x: 1 } });
      expect((await queue.getJob('plain-1'))?.priority).toBe(1);
      const [first] = await claim(['plain']);
      expect(first?.id).toBe('plain-1');
      await b.write({ outcomes: [{ kind: 'completed', id: 'plain-1', attempt: 1, at: Date.now(), worker: 'w1', result: null, metrics: {} }] });
      expect(await b.deleteJobs(['plain-1'])).toEqual([{ id: 'plain-1', ok: true }]);
      expect(await b.getJob('plain-1')).toBeNull();
      expect(await traces('plain-1')).toEqual([]);
    } finally {
      await queue.close();
    }
  });
});
