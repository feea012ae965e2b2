/**
 * The analytics report through the SQLite path: a store seeded with known jobs at exact
 * timestamps, every figure checked; the listing fallback (stores without an analytics repository,
 * e.g. Redis) gives the same report.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AnalyticsService } from '../../../src/main/engine/analytics/analytics-service';
import type { QueueBackend } from '../../../src/main/engine/backend/queue-backend';
import { startEngine, type TestEngine } from '../../helpers/engine';
import { fixedClock, seedJobs, type SeedJob } from '../../helpers/analytics-seed';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;

function run(id: string, type: string, queue: string, status: SeedJob['status'], createdAt: number, waitMs: number, durationMs: number, extra: Partial<SeedJob> = {}): SeedJob {
  const readyAt = extra.runAt ?? createdAt;
  const startedAt = readyAt + waitMs;
  return { id, type, queue, status, createdAt, startedAt, finishedAt: startedAt + durationMs, ...extra };
}

const JOBS: SeedJob[] = [
  run('a1', 'alpha', 'q1', 'completed', T0, 1000, 2000),
  run('a2', 'alpha', 'q1', 'completed', T0 + 10 * MIN, 500, 4000, { attempts: 2 }),
  run('a4', 'alpha', 'q1', 'completed', T0 + 20 * MIN, 0, 15_000),
  run('b3', 'beta', 'q2', 'failed', T0 + 30 * MIN, 100, 500, { errorClass: 'permanent', errorMessage: 'Job 123 timed out after 30000 ms' }),
  run('a3', 'alpha', 'q2', 'failed', T0 + HOUR, 3000, 1000, { attempts: 3, errorClass: 'transient', errorMessage: 'connect ECONNREFUSED 127.0.0.1:6379' }),
  run('b1', 'beta', 'q2', 'failed', T0 + HOUR + 5 * MIN, 200, 6000, {
    runAt: T0 + HOUR + 6 * MIN,
    errorClass: 'transient',
    errorMessage: 'connect ECONNREFUSED 10.0.0.5:6380',
  }),
  { id: 'b2', type: 'beta', queue: 'q1', status: 'cancelled', createdAt: T0 + HOUR + 10 * MIN, finishedAt: T0 + HOUR + 11 * MIN, errorClass: 'cancelled', errorMessage: 'cancelled by user' },
  // Outside the window: finished exactly at `to` (exclusive), still pending.
  run('x1', 'alpha', 'q1', 'completed', T0 + 2 * HOUR - 3000, 0, 3000),
  { id: 'x2', type: 'alpha', queue: 'q1', status: 'pending', createdAt: T0 + 5 * MIN },
  // History before the window: 20 alpha runs of 1 s each → slow threshold max(1000×3, 1000×10) = 10 s.
  ...Array.from({ length: 20 }, (_, i) => run(`h${i}`, 'alpha', 'q1', 'completed', T0 - (i + 1) * HOUR, 0, 1000)),
];

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

async function seeded(): Promise<TestEngine> {
  engine = await startEngine({ start: false, clock: fixedClock(T0 + 3 * HOUR) });
  seedJobs(engine.manager, JOBS);
  return engine;
}

describe('analytics report on SQLite', () => {
  it('computes every figure of a seeded window exactly', async () => {
    const { manager } = await seeded();
    const r = await manager.getAnalyticsReport({ from: T0, to: T0 + 2 * HOUR, bucket: 'hour' });

    expect(r.rows).toEqual({ counted: 7, skipped: 0 });
    expect(r.overall.counts).toEqual({ completed: 3, failed: 3, cancelled: 1, total: 7 });
    expect(r.overall.successRate).toBe(0.5);
    expect(r.overall.throughputPerHour).toBe(3.5);
    expect(r.overall.completedPerHour).toBe(1.5);
    expect(r.overall.duration).toEqual({ count: 6, min: 500, max: 15_000, mean: 4750, p50: 2000, p95: 15_000, p99: 15_000 });
    expect(r.overall.wait).toEqual({ count: 6, min: 0, max: 3000, mean: 800, p50: 200, p95: 3000, p99: 3000 });
    expect(r.overall.retries).toEqual({ total: 3, mean: 3 / 7, max: 2 });
    expect(r.overall.trend).toEqual([
      { start: T0, end: T0 + HOUR, counts: { completed: 3, failed: 1, cancelled: 0, total: 4 }, successRate: 0.75, durationP50: 2000, durationP95: 15_000 },
      { start: T0 + HOUR, end: T0 + 2 * HOUR, counts: { completed: 0, failed: 2, cancelled: 1, total: 3 }, successRate: 0, durationP50: 1000, durationP95: 6000 },
    ]);

    const group = (dim: string, key: string) => r.groups.find((g) => g.dimension === dim && g.key === key)!;
    expect(r.groups.map((g) => `${g.dimension}:${g.key}`)).toEqual(['type:alpha', 'type:beta', 'queue:q1', 'queue:q2']);
    const alpha = group('type', 'alpha');
    expect(alpha.counts).toEqual({ completed: 3, failed: 1, cancelled: 0, total: 4 });
    expect(alpha.successRate).toBe(0.75);
    expect(alpha.duration).toEqual({ count: 4, min: 1000, max: 15_000, mean: 5500, p50: 2000, p95: 15_000, p99: 15_000 });
    expect(alpha.wait).toEqual({ count: 4, min: 0, max: 3000, mean: 1125, p50: 500, p95: 3000, p99: 3000 });
    expect(alpha.retries).toEqual({ total: 3, mean: 0.75, max: 2 });
    const beta = group('type', 'beta');
    expect(beta.counts).toEqual({ completed: 0, failed: 2, cancelled: 1, total: 3 });
    expect(beta.successRate).toBe(0);
    expect(beta.duration).toEqual({ count: 2, min: 500, max: 6000, mean: 3250, p50: 500, p95: 6000, p99: 6000 });
    expect(beta.wait).toEqual({ count: 2, min: 100, max: 200, mean: 150, p50: 100, p95: 200, p99: 200 });
    expect(beta.throughputPerHour).toBe(1.5);
    expect(group('queue', 'q1').counts).toEqual({ completed: 3, failed: 0, cancelled: 1, total: 4 });
    expect(group('queue', 'q1').successRate).toBe(1);
    expect(group('queue', 'q2').counts).toEqual({ completed: 0, failed: 3, cancelled: 0, total: 3 });

    // Failure analysis: the two ECONNREFUSED failures are one group (ips and ports folded).
    expect(r.failures).toHaveLength(2);
    const [refused, timedOut] = r.failures;
    expect(refused).toMatchObject({
      errorClass: 'transient',
      normalized: 'connect ECONNREFUSED <ip>:<port>',
      count: 2,
      firstSeen: T0 + HOUR + 4000,
      lastSeen: T0 + HOUR + 6 * MIN + 6200,
      types: ['alpha', 'beta'],
      queues: ['q2'],
      exampleJobIds: ['b1', 'a3'],
      lastMessage: 'connect ECONNREFUSED 10.0.0.5:6380',
    });
    expect(timedOut).toMatchObject({
      errorClass: 'permanent',
      normalized: 'Job <n> timed out after <n> ms',
      count: 1,
      firstSeen: T0 + 30 * MIN + 600,
      lastSeen: T0 + 30 * MIN + 600,
      types: ['beta'],
      queues: ['q2'],
      exampleJobIds: ['b3'],
    });
    expect(r.failuresOverflow).toBe(0);

    // Slow runs: history is the period before `from`; only a4 (15 s > 10 s) is flagged.
    expect(r.slowRunCount).toBe(1);
    expect(r.slowRuns).toEqual([
      { id: 'a4', type: 'alpha', queue: 'q1', status: 'completed', finishedAt: T0 + 20 * MIN + 15_000, durationMs: 15_000, thresholdMs: 10_000, historyP50: 1000, historyP95: 1000, historySamples: 20 },
    ]);
  });

  it('filters by type and queue, buckets by day, and answers the failure analysis', async () => {
    const { manager } = await seeded();
    const alphaQ2 = await manager.getAnalyticsReport({ from: T0, to: T0 + 2 * HOUR, type: 'alpha', queue: 'q2' });
    expect(alphaQ2.overall.counts).toEqual({ completed: 0, failed: 1, cancelled: 0, total: 1 });
    const daily = await manager.getAnalyticsReport({ from: T0, to: T0 + 2 * HOUR, bucket: 'day' });
    expect(daily.overall.trend).toEqual([
      { start: T0, end: T0 + 24 * HOUR, counts: { completed: 3, failed: 3, cancelled: 1, total: 7 }, successRate: 0.5, durationP50: 2000, durationP95: 15_000 },
    ]);
    const f = await manager.getFailureAnalysis({ from: T0, to: T0 + 2 * HOUR });
    expect(f.failed).toBe(3);
    expect(f.groups.map((g) => [g.errorClass, g.count])).toEqual([['transient', 2], ['permanent', 1]]);
    // The default window is the 24 h before now (T0 + 3 h): the same jobs plus the history runs that fall in it.
    const recent = await manager.getAnalyticsReport({});
    expect(recent.from).toBe(T0 - 21 * HOUR);
    expect(recent.overall.counts.total).toBe(7 + 1 + 20);
  });

  it('gives the same report from the backend listing (stores without an analytics repository)', async () => {
    const { manager } = await seeded();
    const backend = manager.backend;
    const listingOnly = new Proxy(backend, {
      get(target, prop) {
        if (prop === 'analytics') return undefined;
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as QueueBackend;
    const viaListing = new AnalyticsService({ backend: listingOnly, repository: () => null, clock: manager.clock });
    const window = { from: T0, to: T0 + 2 * HOUR };
    expect(await viaListing.report(window)).toEqual(await manager.getAnalyticsReport(window));
  });
});
