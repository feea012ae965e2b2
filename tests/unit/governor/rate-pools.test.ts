import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { createManualClock, RatePools, TokenBucket } from '../../../src/main/engine/governor';

/** Lets resolved promise callbacks run. */
const flush = () => new Promise<void>((r) => setImmediate(r));

/**
 * A manual clock plus pools whose grant instants are recorded exactly: grants happen either
 * synchronously in a call (observe() after it) or inside a timer callback (observed right after
 * the callback, at the timer's own time).
 */
function instrumented(pool: string) {
  const clock = createManualClock(0);
  const grants: number[] = [];
  let seen = 0;
  const observe = () => {
    const granted = pools.list().find((p) => p.name === pool)?.granted ?? 0;
    for (; seen < granted; seen++) grants.push(clock.now());
  };
  const pools: RatePools = new RatePools({
    clock: {
      ...clock,
      setTimeout: (fn, ms) =>
        clock.setTimeout(() => {
          fn();
          observe();
        }, ms),
    },
  });
  return { clock, pools, grants, observe };
}

describe('TokenBucket', () => {
  it('starts full at its burst and refills continuously', () => {
    const b = new TokenBucket(60, 3, 0);
    expect(b.tryTake(3, 0)).toBe(true);
    expect(b.tryTake(1, 0)).toBe(false);
    expect(b.msUntil(1, 0)).toBe(1000);
    expect(b.available(500)).toBeCloseTo(0.5);
    expect(b.tryTake(1, 1000)).toBe(true);
    expect(b.available(60_000)).toBe(3); // capped at burst
    expect(b.msUntil(4, 0)).toBe(Infinity);
  });

  it('rejects a non-positive rate or a burst below 1', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(AppError);
    expect(() => new TokenBucket(10, 0.5, 0)).toThrow(/burst/);
  });
});

describe('RatePools', () => {
  it('grants immediately while tokens last, then makes callers wait (not fail)', async () => {
    const clock = createManualClock(0);
    const pools = new RatePools({ clock });
    pools.define('api', 60, 2); // one token a second, burst 2
    const order: string[] = [];
    await pools.acquire('api');
    await pools.acquire('api');
    const third = pools.acquire('api').then(() => order.push('third'));
    await flush();
    expect(order).toEqual([]);
    expect(pools.list()[0]).toMatchObject({ name: 'api', waiting: 1, granted: 2 });
    clock.advance(999);
    await flush();
    expect(order).toEqual([]);
    clock.advance(1);
    await third;
    expect(order).toEqual(['third']);
    expect(pools.list()[0]).toMatchObject({ waiting: 0, granted: 3, waits: 1, totalWaitMs: 1000 });
  });

  it('serves waiters first-in first-out with one timer per pool, no polling', async () => {
    const clock = createManualClock(0);
    const pools = new RatePools({ clock });
    pools.define('p', 6, 2); // one token every 10 s
    expect(pools.tryAcquire('p', 2)).toBe(true);
    const order: string[] = [];
    const a = pools.acquire('p', 2).then(() => order.push('a(2)'));
    const b = pools.acquire('p', 1).then(() => order.push('b(1)'));
    const c = pools.acquire('p', 1).then(() => order.push('c(1)'));
    expect(clock.pendingTimers()).toBe(1);
    // A small request behind a big one waits its turn; tryAcquire does not jump the queue.
    clock.advance(10_000);
    await flush();
    expect(order).toEqual([]);
    expect(pools.tryAcquire('p')).toBe(false);
    clock.advance(10_000);
    await a;
    clock.advance(10_000);
    await b;
    clock.advance(10_000);
    await c;
    expect(order).toEqual(['a(2)', 'b(1)', 'c(1)']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('abandons a wait on abort and moves the queue on', async () => {
    const clock = createManualClock(0);
    const pools = new RatePools({ clock });
    pools.define('p', 60, 1);
    await pools.acquire('p');
    const controller = new AbortController();
    const first = pools.acquire('p', 1, controller.signal);
    const second = pools.acquire('p');
    controller.abort(new Error('job cancelled'));
    await expect(first).rejects.toThrow('job cancelled');
    clock.advance(1000);
    await second;
    expect(pools.list()[0]).toMatchObject({ aborted: 1, waiting: 0, granted: 2 });
    await expect(pools.acquire('p', 1, AbortSignal.abort())).rejects.toBeDefined();
  });

  it('names unknown pools and impossible requests; close() rejects waiters', async () => {
    const clock = createManualClock(0);
    const pools = new RatePools({ clock });
    await expect(pools.acquire('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    pools.define('p', 10, 2);
    await expect(pools.acquire('p', 3)).rejects.toMatchObject({ code: 'VALIDATION' });
    pools.ensure('p', 999); // ensure never overrides a declared pool
    expect(pools.list()[0]!.perMinute).toBe(10);
    await pools.acquire('p', 2);
    const waiting = pools.acquire('p');
    pools.close();
    await expect(waiting).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(clock.pendingTimers()).toBe(0);
  });

  it('re-defining a pool changes its rate for the waiters already queued', async () => {
    const clock = createManualClock(0);
    const pools = new RatePools({ clock });
    pools.define('p', 1, 1); // one a minute
    await pools.acquire('p');
    let done = false;
    const w = pools.acquire('p').then(() => (done = true));
    pools.define('p', 600, 1); // one every 100 ms
    clock.advance(100);
    await w;
    expect(done).toBe(true);
  });

  it('never grants more than N + burst in any 60-s window, across two job types sharing a pool', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }), // perMinute
        fc.integer({ min: 1, max: 10 }), // burst
        fc.array(fc.tuple(fc.integer({ min: 0, max: 180_000 }), fc.constantFrom('email', 'report'), fc.boolean()), {
          minLength: 1,
          maxLength: 150,
        }),
        async (perMinute, burst, arrivals) => {
          const { clock, pools, grants, observe } = instrumented('shared');
          pools.define('shared', perMinute, burst);
          const byType = { email: 0, report: 0 };
          const sorted = [...arrivals].sort((a, b) => a[0] - b[0]);
          const pending: Promise<void>[] = [];
          for (const [at, type, useTry] of sorted) {
            clock.advanceTo(at);
            if (useTry) {
              if (pools.tryAcquire('shared')) byType[type] += 1;
            } else {
              pending.push(pools.acquire('shared').then(() => void (byType[type] += 1)));
            }
            observe();
          }
          clock.advance((arrivals.length + burst + 1) * (60_000 / perMinute) + 1);
          await Promise.all(pending);
          expect(pools.list()[0]!.waiting).toBe(0);
          grants.sort((a, b) => a - b);
          let lo = 0;
          for (let hi = 0; hi < grants.length; hi++) {
            while (grants[hi]! - grants[lo]! >= 60_000) lo++;
            expect(hi - lo + 1).toBeLessThanOrEqual(perMinute + burst);
          }
          expect(byType.email + byType.report).toBe(grants.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a saturated pool grants exactly its rate per minute over a long run', async () => {
    const { clock, pools, grants, observe } = instrumented('api');
    pools.define('api', 60, 1);
    const all = Array.from({ length: 200 }, () => pools.acquire('api'));
    observe();
    clock.advance(120_000 - 1);
    expect(grants.filter((t) => t < 60_000).length).toBe(60); // 1 at t=0 (burst), then 1 a second
    expect(grants.filter((t) => t >= 60_000 && t < 120_000).length).toBe(60);
    expect(clock.pendingTimers()).toBe(1);
    pools.close();
    await Promise.allSettled(all);
  });
});
