/**
 * Exact percentiles by the nearest-rank method.
 *
 * For n sorted samples x[1..n] and a percentile p in (0, 100], the p-th percentile is
 * x[ceil(p / 100 × n)]; p = 0 gives the minimum. The result is always one of the samples
 * (never interpolated), so "p95 = 1200 ms" means a real run took 1200 ms and at least 95 % of the
 * runs took at most that. With fewer than 20 samples p95 and p99 are the maximum.
 */
import { AppError } from '../../../shared/errors';

export type { PercentileSummary } from '../../../shared/analytics-types';
import type { PercentileSummary } from '../../../shared/analytics-types';

/** The summary of an empty sample set. */
export const EMPTY_SUMMARY: Readonly<PercentileSummary> = Object.freeze({
  count: 0,
  min: null,
  max: null,
  mean: null,
  p50: null,
  p95: null,
  p99: null,
});

/**
 * Sorts finite samples ascending into a new Float64Array (non-finite values are dropped).
 * Input: any numbers. Output: a sorted copy; the input is not modified. Never throws.
 */
export function sortSamples(values: Iterable<number>): Float64Array {
  const finite: number[] = [];
  for (const v of values) if (Number.isFinite(v)) finite.push(v);
  return Float64Array.from(finite).sort();
}

function checkPercent(p: number): void {
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new AppError('VALIDATION', `percentile must be a number from 0 to 100, got ${String(p)}`);
  }
}

/**
 * The nearest-rank p-th percentile of samples that are already sorted ascending.
 * Input: sorted samples, p in [0, 100]. Output: one of the samples, or null when there are none.
 * Errors: AppError VALIDATION when p is outside [0, 100] or not a number.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | null {
  checkPercent(p);
  const n = sorted.length;
  if (n === 0) return null;
  // p * n / 100 rather than p / 100 * n keeps integer products exact (7 % of 100 is 7, not 7.000…1);
  // the epsilon absorbs the rounding of fractional p.
  const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
  return sorted[Math.min(rank, n) - 1] ?? null;
}

/**
 * The nearest-rank p-th percentile of unsorted samples (non-finite values ignored).
 * Input: samples, p in [0, 100]. Output: one of the samples, or null when there are none.
 * Errors: AppError VALIDATION when p is outside [0, 100].
 */
export function percentile(values: Iterable<number>, p: number): number | null {
  checkPercent(p);
  return percentileOfSorted(sortSamples(values), p);
}

/**
 * Summary of samples already sorted ascending: count, min, max, mean, p50, p95, p99.
 * Input: sorted finite samples. Output: a PercentileSummary (null figures when empty). Never throws.
 */
export function summarizeSorted(sorted: ArrayLike<number>): PercentileSummary {
  const n = sorted.length;
  if (n === 0) return { ...EMPTY_SUMMARY };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    count: n,
    min: sorted[0] as number,
    max: sorted[n - 1] as number,
    mean: sum / n,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
  };
}

/**
 * Summary of unsorted samples (non-finite values ignored): count, min, max, mean, p50, p95, p99.
 * Input: samples. Output: a PercentileSummary (null figures when empty). Never throws.
 */
export function summarize(values: Iterable<number>): PercentileSummary {
  return summarizeSorted(sortSamples(values));
}
