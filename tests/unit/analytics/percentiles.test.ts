import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { percentile, percentileOfSorted, summarize } from '../../../src/main/engine/analytics';

describe('nearest-rank percentiles', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose

  it.each([
    [0, 1],
    [1, 1],
    [7, 7], // 7 * 100 / 100 is exactly 7: no float drift to rank 8
    [50, 50],
    [95, 95],
    [99, 99],
    [99.5, 100],
    [100, 100],
  ])('p%d of 1..100 is %d', (p, expected) => {
    expect(percentile(oneToHundred, p)).toBe(expected);
  });

  it('always returns one of the samples (no interpolation)', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([5], 99)).toBe(5);
  });

  it('with fewer than 20 samples p95 is the maximum', () => {
    const values = Array.from({ length: 19 }, (_, i) => i + 1);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile([...values, 20], 95)).toBe(19); // 20 samples: rank 19
  });

  it('ignores non-finite values and returns null when nothing is left', () => {
    expect(percentile([Number.NaN, 3, Infinity, 1, -Infinity, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNull();
    expect(percentile([Number.NaN], 50)).toBeNull();
  });

  it('rejects a percentile outside 0..100', () => {
    for (const p of [-1, 100.5, Number.NaN]) {
      expect(() => percentile([1], p)).toThrow(AppError);
      expect(() => percentileOfSorted([1], p)).toThrow(/0 to 100/);
    }
  });

  it('summarizes count, min, max, mean, p50, p95, p99', () => {
    expect(summarize(oneToHundred)).toEqual({ count: 100, min: 1, max: 100, mean: 50.5, p50: 50, p95: 95, p99: 99 });
    expect(summarize([])).toEqual({ count: 0, min: null, max: null, mean: null, p50: null, p95: null, p99: null });
  });

  it('does not modify its input', () => {
    const input = [3, 1, 2];
    summarize(input);
    expect(input).toEqual([3, 1, 2]);
  });
});
