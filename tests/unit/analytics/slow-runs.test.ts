import { describe, expect, it } from 'vitest';
import { durationHistory, flagSlowRuns, slowRunThresholds, type FinishedJobRow } from '../../../src/main/engine/analytics';

function run(id: string, type: string, durationMs: number, status: FinishedJobRow['status'] = 'completed'): FinishedJobRow {
  return { id, type, queue: 'default', status, attempts: 1, createdAt: 0, startedAt: 1_000, finishedAt: 1_000 + durationMs, errorClass: null, errorMessage: null };
}

describe('slow runs: duration > max(p95 × 3, p50 × 10) with at least 20 samples', () => {
  // 1000, 2000, … 20000: p50 = 10000 (rank 10), p95 = 19000 (rank 19) → max(57000, 100000) = 100000
  const steady = new Map([['extraction', Array.from({ length: 20 }, (_, i) => (i + 1) * 1_000)]]);

  it('uses the p50 term when it is larger; "exceeds" is strict', () => {
    expect(slowRunThresholds(steady).get('extraction')).toEqual({ samples: 20, p50: 10_000, p95: 19_000, thresholdMs: 100_000 });
    const flagged = flagSlowRuns([run('a', 'extraction', 100_000), run('b', 'extraction', 100_001)], steady);
    expect(flagged.map((f) => f.id)).toEqual(['b']);
    expect(flagged[0]).toMatchObject({ durationMs: 100_001, thresholdMs: 100_000, historyP50: 10_000, historyP95: 19_000, historySamples: 20 });
  });

  it('uses the p95 term for a long-tailed type', () => {
    // 18 × 1000 and 2 × 50000: p50 = 1000, p95 = 50000 → max(150000, 10000) = 150000
    const tail = new Map([['http', [...Array.from({ length: 18 }, () => 1_000), 50_000, 50_000]]]);
    expect(slowRunThresholds(tail).get('http')?.thresholdMs).toBe(150_000);
    expect(flagSlowRuns([run('x', 'http', 149_999), run('y', 'http', 150_001)], tail).map((f) => f.id)).toEqual(['y']);
  });

  it('never flags a type with fewer than 20 samples, or with no history', () => {
    const short = new Map([['extraction', Array.from({ length: 19 }, () => 10)]]);
    expect(slowRunThresholds(short).size).toBe(0);
    expect(flagSlowRuns([run('a', 'extraction', 1e9), run('b', 'other', 1e9)], short)).toEqual([]);
  });

  it('the rule can be tuned', () => {
    const short = new Map([['extraction', [100, 100, 100]]]);
    expect(flagSlowRuns([run('a', 'extraction', 201)], short, { minSamples: 3, p50Factor: 2, p95Factor: 1 }).map((f) => f.id)).toEqual(['a']);
  });

  it('flags runs of any outcome but skips runs that never started', () => {
    const failed = run('f', 'extraction', 200_000, 'failed');
    const neverStarted = { ...run('n', 'extraction', 0, 'cancelled'), startedAt: null };
    expect(flagSlowRuns([failed, neverStarted], steady).map((f) => f.id)).toEqual(['f']);
  });

  it('durationHistory keeps completed runs that started, by type', () => {
    const rows = [run('a', 't1', 5), run('b', 't1', 7), run('c', 't2', 9), run('d', 't1', 100, 'failed'), { ...run('e', 't2', 1), startedAt: null }];
    expect(durationHistory(rows)).toEqual(new Map([['t1', [5, 7]], ['t2', [9]]]));
  });
});
