import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import type { ErrorClass, JobStatus } from '../../../src/shared/model';
import { buildReport, type FinishedJobRow, type GroupStats } from '../../../src/main/engine/analytics';

const T0 = Date.UTC(2025, 0, 15); // 2025-01-15T00:00:00Z
const H = 3_600_000;
const FROM = T0;
const TO = T0 + 4 * H;

function job(
  id: string,
  type: string,
  queue: string,
  status: JobStatus,
  attempts: number,
  created: number,
  started: number | null,
  finished: number | null,
  error: [ErrorClass, string] | null = null,
  runAt: number | null = null,
): FinishedJobRow {
  return {
    id,
    type,
    queue,
    status,
    attempts,
    createdAt: T0 + created,
    runAt: runAt === null ? null : T0 + runAt,
    startedAt: started === null ? null : T0 + started,
    finishedAt: finished === null ? null : T0 + finished,
    errorClass: error?.[0] ?? null,
    errorMessage: error?.[1] ?? null,
  };
}

/**
 * The seeded jobs. Durations (finished − started) / waits (started − max(created, runAt)):
 * j1 10000/1000  j2 20000/2000  j3 30000/3000  j4 40000/2000 (runAt)  j5 never started
 * j6 1000/500    j7 2000/1000   j8 5000/0      j9 3000/1000  j10 500/250  j11 10000/1000
 */
const ROWS: FinishedJobRow[] = [
  job('j1', 'extraction', 'default', 'completed', 1, 0, 1_000, 11_000),
  job('j2', 'extraction', 'default', 'completed', 2, 60_000, 62_000, 82_000),
  job('j3', 'extraction', 'default', 'failed', 3, H, H + 3_000, H + 33_000, ['timeout', 'Job 3 timed out after 30000 ms']),
  job('j4', 'extraction', 'default', 'completed', 1, H + 100_000, H + 104_000, H + 144_000, null, H + 102_000),
  job('j5', 'extraction', 'default', 'cancelled', 0, 2 * H, null, 2 * H + 100_000, ['cancelled', 'cancelled by user']),
  job('j6', 'http', 'fast', 'failed', 4, 100_000, 100_500, 101_500, ['transient', 'connect ECONNREFUSED 127.0.0.1:6379']),
  job('j7', 'http', 'fast', 'failed', 4, 2 * H + 100_000, 2 * H + 101_000, 2 * H + 103_000, ['transient', 'connect ECONNREFUSED 10.0.0.7:6380']),
  job('j8', 'http', 'fast', 'completed', 1, 3 * H, 3 * H, 3 * H + 5_000),
  job('j9', 'http', 'fast', 'failed', 1, 3 * H + 100_000, 3 * H + 101_000, 3 * H + 104_000, ['permanent', 'HTTP 503 from https://api.example.com/v1/items/42']),
  job('j10', 'extraction', 'default', 'failed', 2, H + 50_000, H + 50_250, H + 50_750, ['transient', 'connect ECONNREFUSED 127.0.0.1:6379']),
  job('j11', 'extraction', 'fast', 'cancelled', 1, H + 200_000, H + 201_000, H + 211_000, ['cancelled', 'cancelled by user']),
  // skipped: finished before the window, exactly at its (exclusive) end, not finished, not terminal
  job('j12', 'extraction', 'default', 'completed', 1, -10_000, -5_000, -1),
  job('j13', 'http', 'fast', 'completed', 1, 4 * H - 10_000, 4 * H - 5_000, 4 * H),
  job('j14', 'http', 'fast', 'running', 1, H, H + 1_000, null),
  job('j15', 'http', 'fast', 'retrying', 2, H, H + 1_000, H + 2_000, ['transient', 'socket hang up']),
];

function bucket(i: number, c: number, f: number, x: number, successRate: number | null, p50: number | null, p95: number | null) {
  return {
    start: T0 + i * H,
    end: T0 + (i + 1) * H,
    counts: { completed: c, failed: f, cancelled: x, total: c + f + x },
    successRate,
    durationP50: p50,
    durationP95: p95,
  };
}

function group(report: ReturnType<typeof buildReport>, dimension: string, key: string): GroupStats {
  const g = report.groups.find((x) => x.dimension === dimension && x.key === key);
  if (!g) throw new Error(`no group ${dimension}/${key}`);
  return g;
}

describe('buildReport on seeded jobs', () => {
  const report = buildReport(ROWS, { from: FROM, to: TO, bucket: 'hour' });

  it('frames the window and counts the rows it used', () => {
    expect(report.from).toBe(FROM);
    expect(report.to).toBe(TO);
    expect(report.bucket).toBe('hour');
    expect(report.bucketMs).toBe(H);
    expect(report.rows).toEqual({ counted: 11, skipped: 4 });
    expect(report.groups.map((g) => `${g.dimension}/${g.key}`)).toEqual([
      'type/extraction',
      'type/http',
      'queue/default',
      'queue/fast',
    ]);
  });

  it('overall figures', () => {
    expect(report.overall).toEqual({
      dimension: 'overall',
      key: '*',
      counts: { completed: 4, failed: 5, cancelled: 2, total: 11 },
      successRate: 4 / 9,
      throughputPerHour: 2.75,
      completedPerHour: 1,
      // sorted: 500 1000 2000 3000 5000 10000 10000 20000 30000 40000
      duration: { count: 10, min: 500, max: 40_000, mean: 12_150, p50: 5_000, p95: 40_000, p99: 40_000 },
      // sorted: 0 250 500 1000 1000 1000 1000 2000 2000 3000
      wait: { count: 10, min: 0, max: 3_000, mean: 1_175, p50: 1_000, p95: 3_000, p99: 3_000 },
      retries: { total: 10, mean: 10 / 11, max: 3 },
      trend: [
        bucket(0, 2, 1, 0, 2 / 3, 10_000, 20_000),
        bucket(1, 1, 2, 1, 1 / 3, 10_000, 40_000),
        bucket(2, 0, 1, 1, 0, 2_000, 2_000),
        bucket(3, 1, 1, 0, 0.5, 3_000, 5_000),
      ],
    });
  });

  it('per type: extraction', () => {
    expect(group(report, 'type', 'extraction')).toEqual({
      dimension: 'type',
      key: 'extraction',
      counts: { completed: 3, failed: 2, cancelled: 2, total: 7 },
      successRate: 0.6,
      throughputPerHour: 1.75,
      completedPerHour: 0.75,
      duration: { count: 6, min: 500, max: 40_000, mean: 110_500 / 6, p50: 10_000, p95: 40_000, p99: 40_000 },
      wait: { count: 6, min: 250, max: 3_000, mean: 9_250 / 6, p50: 1_000, p95: 3_000, p99: 3_000 },
      retries: { total: 4, mean: 4 / 7, max: 2 },
      trend: [
        bucket(0, 2, 0, 0, 1, 10_000, 20_000),
        bucket(1, 1, 2, 1, 1 / 3, 10_000, 40_000),
        bucket(2, 0, 0, 1, null, null, null),
        bucket(3, 0, 0, 0, null, null, null),
      ],
    });
  });

  it('per type: http', () => {
    expect(group(report, 'type', 'http')).toEqual({
      dimension: 'type',
      key: 'http',
      counts: { completed: 1, failed: 3, cancelled: 0, total: 4 },
      successRate: 0.25,
      throughputPerHour: 1,
      completedPerHour: 0.25,
      duration: { count: 4, min: 1_000, max: 5_000, mean: 2_750, p50: 2_000, p95: 5_000, p99: 5_000 },
      wait: { count: 4, min: 0, max: 1_000, mean: 625, p50: 500, p95: 1_000, p99: 1_000 },
      retries: { total: 6, mean: 1.5, max: 3 },
      trend: [
        bucket(0, 0, 1, 0, 0, 1_000, 1_000),
        bucket(1, 0, 0, 0, null, null, null),
        bucket(2, 0, 1, 0, 0, 2_000, 2_000),
        bucket(3, 1, 1, 0, 0.5, 3_000, 5_000),
      ],
    });
  });

  it('per queue', () => {
    const def = group(report, 'queue', 'default');
    expect(def.counts).toEqual({ completed: 3, failed: 2, cancelled: 1, total: 6 });
    expect(def.successRate).toBe(0.6);
    expect(def.throughputPerHour).toBe(1.5);
    expect(def.duration).toEqual({ count: 5, min: 500, max: 40_000, mean: 20_100, p50: 20_000, p95: 40_000, p99: 40_000 });
    expect(def.wait).toEqual({ count: 5, min: 250, max: 3_000, mean: 1_650, p50: 2_000, p95: 3_000, p99: 3_000 });
    expect(def.retries).toEqual({ total: 4, mean: 4 / 6, max: 2 });
    expect(def.trend.map((b) => b.counts.total)).toEqual([2, 3, 1, 0]);

    const fast = group(report, 'queue', 'fast');
    expect(fast.counts).toEqual({ completed: 1, failed: 3, cancelled: 1, total: 5 });
    expect(fast.successRate).toBe(0.25);
    expect(fast.throughputPerHour).toBe(1.25);
    expect(fast.completedPerHour).toBe(0.25);
    expect(fast.duration).toEqual({ count: 5, min: 1_000, max: 10_000, mean: 4_200, p50: 3_000, p95: 10_000, p99: 10_000 });
    expect(fast.wait).toEqual({ count: 5, min: 0, max: 1_000, mean: 700, p50: 1_000, p95: 1_000, p99: 1_000 });
    expect(fast.retries).toEqual({ total: 6, mean: 1.2, max: 3 });
    expect(fast.trend).toEqual([
      bucket(0, 0, 1, 0, 0, 1_000, 1_000),
      bucket(1, 0, 0, 1, null, 10_000, 10_000),
      bucket(2, 0, 1, 0, 0, 2_000, 2_000),
      bucket(3, 1, 1, 0, 0.5, 3_000, 5_000),
    ]);
  });

  it('failure groups by fingerprint, with first/last seen, types, queues and examples', () => {
    expect(report.failuresOverflow).toBe(0);
    expect(report.failures).toEqual([
      {
        key: expect.stringMatching(/^transient:[0-9a-f]{16}$/),
        errorClass: 'transient',
        normalized: 'connect ECONNREFUSED <ip>:<port>',
        count: 3,
        firstSeen: T0 + 101_500,
        lastSeen: T0 + 2 * H + 103_000,
        types: ['extraction', 'http'],
        queues: ['default', 'fast'],
        exampleJobIds: ['j7', 'j10', 'j6'],
        lastMessage: 'connect ECONNREFUSED 10.0.0.7:6380',
      },
      {
        key: expect.stringMatching(/^permanent:/),
        errorClass: 'permanent',
        normalized: 'HTTP 503 from https://api.example.com/<path>',
        count: 1,
        firstSeen: T0 + 3 * H + 104_000,
        lastSeen: T0 + 3 * H + 104_000,
        types: ['http'],
        queues: ['fast'],
        exampleJobIds: ['j9'],
        lastMessage: 'HTTP 503 from https://api.example.com/v1/items/42',
      },
      {
        key: expect.stringMatching(/^timeout:/),
        errorClass: 'timeout',
        normalized: 'Job <n> timed out after <n> ms',
        count: 1,
        firstSeen: T0 + H + 33_000,
        lastSeen: T0 + H + 33_000,
        types: ['extraction'],
        queues: ['default'],
        exampleJobIds: ['j3'],
        lastMessage: 'Job 3 timed out after 30000 ms',
      },
    ]);
  });

  it('lists no slow runs without a history', () => {
    expect(report.slowRuns).toEqual([]);
    expect(report.slowRunCount).toBe(0);
  });

  it('does not depend on row order', () => {
    const reversed = buildReport([...ROWS].reverse(), { from: FROM, to: TO, bucket: 'hour' });
    expect(reversed).toEqual(report);
  });

  it('reads rows from any iterable, once', () => {
    let reads = 0;
    function* gen() {
      for (const r of ROWS) {
        reads++;
        yield r;
      }
    }
    expect(buildReport(gen(), { from: FROM, to: TO })).toEqual(report);
    expect(reads).toBe(ROWS.length);
  });
});

describe('buildReport options', () => {
  it('groups by one dimension only', () => {
    const r = buildReport(ROWS, { from: FROM, to: TO, groupBy: 'queue' });
    expect(r.groups.map((g) => g.key)).toEqual(['default', 'fast']);
    expect(buildReport(ROWS, { from: FROM, to: TO, groupBy: [] }).groups).toEqual([]);
  });

  it('day buckets, aligned to UTC midnight or to a local midnight', () => {
    const r = buildReport(ROWS, { from: FROM, to: TO, bucket: 'day' });
    expect(r.overall.trend).toHaveLength(1);
    expect(r.overall.trend[0]).toMatchObject({ start: T0, end: T0 + 24 * H, counts: { total: 11 } });
    // UTC+2: local midnight is 22:00Z the day before; the window (00:00Z–04:00Z) is inside that local day.
    const local = buildReport(ROWS, { from: FROM, to: TO, bucket: 'day', tzOffsetMinutes: 120 });
    expect(local.overall.trend.map((b) => [b.start, b.end])).toEqual([[T0 - 2 * H, T0 + 22 * H]]);
  });

  it('a window not on a bucket boundary starts its first bucket at the boundary before it', () => {
    const r = buildReport(ROWS, { from: T0 + 30 * 60_000, to: T0 + 90 * 60_000 });
    expect(r.overall.trend.map((b) => b.start)).toEqual([T0, T0 + H]);
    expect(r.overall.counts.total).toBe(4); // j3, j4, j10, j11 finished in 00:30–01:30
    expect(r.overall.throughputPerHour).toBe(4);
  });

  it('an empty window gives zero counts and null figures', () => {
    const r = buildReport([], { from: FROM, to: TO });
    expect(r.overall.counts).toEqual({ completed: 0, failed: 0, cancelled: 0, total: 0 });
    expect(r.overall.successRate).toBeNull();
    expect(r.overall.duration.p50).toBeNull();
    expect(r.overall.retries).toEqual({ total: 0, mean: null, max: null });
    expect(r.overall.trend).toHaveLength(4);
    expect(r.failures).toEqual([]);
  });

  it('keeps the 5 most recent example ids per failure group', () => {
    const rows = Array.from({ length: 8 }, (_, i) =>
      job(`f${i}`, 'http', 'q', 'failed', 1, i * 1000, i * 1000, i * 1000 + 10, ['transient', `socket hang up after ${i} ms`]),
    );
    const r = buildReport(rows, { from: FROM, to: TO });
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ count: 8, firstSeen: T0 + 10, lastSeen: T0 + 7010, exampleJobIds: ['f7', 'f6', 'f5', 'f4', 'f3'] });
  });

  it('counts failures beyond maxFailureGroups in one "other" group', () => {
    const rows = ['alpha', 'beta', 'gamma', 'delta'].map((word, i) =>
      job(`o${i}`, 'http', 'q', 'failed', 1, i, i, i + 1, ['permanent', `bad ${word}`]),
    );
    const r = buildReport(rows, { from: FROM, to: TO, maxFailureGroups: 2 });
    expect(r.failuresOverflow).toBe(2);
    expect(r.failures.map((f) => [f.errorClass, f.count])).toEqual([
      ['other', 2],
      ['permanent', 1],
      ['permanent', 1],
    ]);
    expect(r.failures[0]?.exampleJobIds).toEqual(['o3', 'o2']);
  });

  it('a failure without an error class is "unclassified"', () => {
    const r = buildReport([job('u1', 'http', 'q', 'failed', 1, 0, 0, 1)], { from: FROM, to: TO });
    expect(r.failures[0]).toMatchObject({ errorClass: 'unclassified', normalized: '', key: expect.stringMatching(/^unclassified:/) });
  });

  it('lists slow runs when given a history (slowest first, capped)', () => {
    // extraction history: 20 runs of 3500 ms → threshold max(3500×3, 3500×10) = 35000 ms: only j4 (40000) is slow.
    const history = new Map([['extraction', Array.from({ length: 20 }, () => 3_500)]]);
    const r = buildReport(ROWS, { from: FROM, to: TO, history });
    expect(r.slowRunCount).toBe(1);
    expect(r.slowRuns).toEqual([
      {
        id: 'j4',
        type: 'extraction',
        queue: 'default',
        status: 'completed',
        finishedAt: T0 + H + 144_000,
        durationMs: 40_000,
        thresholdMs: 35_000,
        historyP50: 3_500,
        historyP95: 3_500,
        historySamples: 20,
      },
    ]);
    const lower = new Map([['extraction', Array.from({ length: 20 }, () => 1_000)]]); // threshold 10000
    const many = buildReport(ROWS, { from: FROM, to: TO, history: lower, maxSlowRuns: 2 });
    expect(many.slowRunCount).toBe(3); // j2 20000, j3 30000, j4 40000 (j1 and j11 at 10000 are not above)
    expect(many.slowRuns.map((s) => s.id)).toEqual(['j4', 'j3']);
  });

  it('rejects a bad window, bucket, groupBy or too many buckets', () => {
    expect(() => buildReport([], { from: TO, to: FROM })).toThrow(AppError);
    expect(() => buildReport([], { from: FROM, to: FROM })).toThrow(/window/);
    expect(() => buildReport([], { from: Number.NaN, to: TO })).toThrow(/window/);
    expect(() => buildReport([], { from: FROM, to: TO, bucket: 'week' as never })).toThrow(/bucket/);
    expect(() => buildReport([], { from: FROM, to: TO, groupBy: 'worker' as never })).toThrow(/groupBy/);
    expect(() => buildReport([], { from: FROM, to: FROM + 2 * 365 * 24 * H })).toThrow(/day buckets/);
    expect(() => buildReport([], { from: FROM, to: TO, tzOffsetMinutes: 2000 })).toThrow(/tzOffsetMinutes/);
  });
});
