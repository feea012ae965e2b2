/**
 * Dependencies, schedules and shared rate pools on a 3-master Redis Cluster: the bookkeeping sits
 * in the global `{prefix}` slot while the jobs sit in their queues' slots.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../../helpers/engine';
import { removeRedisPrefix, startRedisEngine, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!redis.cluster)('Redis Cluster: dependencies, schedules, rate pools', () => {
  it('a flow across queues in different slots, a schedule and a pooled job all run', async () => {
    const addr = { cluster: redis.cluster!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const e = await startRedisEngine(addr, { overrides: { ratePools: { api: { perMinute: 600, burst: 2 } } } });
    cleanups.push(() => e.cleanup());
    const m = e.manager;
    const flow = await m.submitFlow({
      jobs: [
        { ref: 'head', type: 'noop', queue: 'alpha' },
        { ref: 'mid', type: 'noop', queue: 'beta', dependsOn: [{ ref: 'head' }] },
        { ref: 'tail', type: 'noop', queue: 'gamma', dependsOn: [{ ref: 'mid', trigger: 'completion' }], limits: { ratePool: 'api' } },
        { ref: 'never', type: 'noop', queue: 'delta', dependsOn: [{ ref: 'head', trigger: 'failure' }] },
      ],
    });
    const done = await Promise.all(['head', 'mid', 'tail', 'never'].map((r) => m.waitForJob(flow.ids[r]!, 30_000)));
    expect(done.map((j) => j.status)).toEqual(['completed', 'completed', 'completed', 'cancelled']);
    expect(done[3]!.error?.code).toBe('DEPENDENCY');
    const s = await m.createSchedule({ type: 'noop', queue: 'epsilon', intervalSeconds: 1, overlapPolicy: 'allow' });
    await waitUntil(async () => ((await m.getSchedule(s.id)).state.runs >= 2 ? true : null), 'two scheduled runs', 20_000, 100);
    const detail = await m.getSchedule(s.id);
    expect(new Set(detail.fires.map((f) => f.slot)).size).toBe(detail.fires.length);
    await m.deleteSchedule(s.id);
  }, 60_000);
});
