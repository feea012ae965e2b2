/**
 * Rate-limit pools are shared by every engine on one Redis: two engines drawing from one pool of
 * N a minute start, together, no more than burst + N·W/60000 jobs in any window of W ms (each
 * engine with its own bucket would start up to twice that). `pools set` in one process reaches
 * the others through Redis.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { ratePoolStoreFor } from '../../../src/main/engine/governor/rate-pool-store';
import { TOKEN_TTL_MS } from '../../../src/main/engine/governor/shared-rate-pools';
import { waitUntil } from '../../helpers/engine';
import { removeRedisPrefix, startRedisEngine, uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!redis.single)('rate pools shared through Redis', () => {
  it('two engines, one pool of 30 a minute: combined starts stay within burst + rate × window', async () => {
    const addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    cleanups.push(() => removeRedisPrefix(addr));
    const overrides = { ratePools: { api: { perMinute: 30, burst: 2 } }, workers: { min: 2, max: 2 } };
    const a = await startRedisEngine(addr, { overrides });
    cleanups.push(() => a.cleanup());
    const b = await startRedisEngine(addr, { overrides });
    cleanups.push(() => b.cleanup());
    const jobs = await a.manager.submitJobs(Array.from({ length: 12 }, (_, i) => ({ type: 'noop', parameters: { i }, limits: { ratePool: 'api' } })));
    const startsOf = async () =>
      // Completed runs only: a job claimed and handed back for want of a token has not started.
      (await Promise.all(jobs.map((j) => a.manager.getJob(j.id))))
        .filter((j) => j?.status === 'completed')
        .map((j) => j!.startedAt)
        .filter((t): t is number => t !== null);
    await waitUntil(async () => (await startsOf()).length >= 6, '6 jobs to run', 40_000, 100);
    const starts = (await startsOf()).sort((x, y) => x - y);
    // A token every 2 s after a burst of 2: for every window [starts[i], starts[j]], j - i + 1 starts.
    for (let i = 0; i < starts.length; i++) {
      for (let j = i; j < starts.length; j++) {
        // TOKEN_TTL_MS: a token may wait that long for its job; 250 ms: times are taken after the token.
        const windowMs = starts[j]! - starts[i]! + TOKEN_TTL_MS + 250;
        expect(j - i + 1).toBeLessThanOrEqual(2 + Math.floor((30 * windowMs) / 60_000));
      }
    }
    // The first six needed at least (6 - 2) tokens of refill: about 8 s, not 4 s as with two buckets.
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(6_000);
    // A pool declared through one engine's store is seen by the other.
    await ratePoolStoreFor(a.manager.backend).save({ name: 'crm', perMinute: 6, burst: 1, updatedAt: Date.now() });
    expect((await ratePoolStoreFor(b.manager.backend).list()).map((p) => p.name)).toEqual(['crm']);
  });
});
