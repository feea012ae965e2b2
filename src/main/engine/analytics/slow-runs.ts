/**
 * Slow-run detection: a run is flagged when it took far longer than its own type usually does.
 *
 * Rule: with at least `minSamples` (20) past durations for the run's type, the run is flagged when
 * its duration (finishedAt − startedAt) is strictly greater than
 *   max(p95(history) × 3, p50(history) × 10)
 * (nearest-rank percentiles). The p95 term tolerates types with a long tail; the p50 term keeps
 * types whose runs are almost all equal from flagging small variations. Types with too little
 * history are never flagged.
 */
import { percentileOfSorted, sortSamples } from './percentiles';
import type { DurationHistory, FinishedJobRow, SlowRun, SlowRunRule } from './report-types';

export const DEFAULT_SLOW_RUN_RULE: Readonly<Required<SlowRunRule>> = Object.freeze({
  minSamples: 20,
  p95Factor: 3,
  p50Factor: 10,
});

/** A type's threshold, derived from its history. */
export interface SlowRunThreshold {
  samples: number;
  p50: number;
  p95: number;
  thresholdMs: number;
}

/**
 * Builds a duration history from past rows: durations of completed runs, by type.
 * Input: rows (any order; non-completed or never-started rows are ignored).
 * Output: type → durations (ms). Never throws.
 */
export function durationHistory(rows: Iterable<FinishedJobRow>): Map<string, number[]> {
  const history = new Map<string, number[]>();
  for (const row of rows) {
    if (row.status !== 'completed' || row.startedAt == null || row.finishedAt == null) continue;
    let list = history.get(row.type);
    if (!list) history.set(row.type, (list = []));
    list.push(row.finishedAt - row.startedAt);
  }
  return history;
}

/**
 * Thresholds of every type of the history that has enough samples.
 * Input: history, optional rule overrides. Output: type → threshold. Never throws.
 */
export function slowRunThresholds(history: DurationHistory, rule: SlowRunRule = {}): Map<string, SlowRunThreshold> {
  const { minSamples, p95Factor, p50Factor } = { ...DEFAULT_SLOW_RUN_RULE, ...rule };
  const thresholds = new Map<string, SlowRunThreshold>();
  for (const [type, durations] of history) {
    const sorted = sortSamples(durations);
    if (sorted.length < minSamples || sorted.length === 0) continue;
    const p50 = percentileOfSorted(sorted, 50) as number;
    const p95 = percentileOfSorted(sorted, 95) as number;
    thresholds.set(type, { samples: sorted.length, p50, p95, thresholdMs: Math.max(p95 * p95Factor, p50 * p50Factor) });
  }
  return thresholds;
}

/**
 * Checks one row against precomputed thresholds.
 * Output: the SlowRun when the row is flagged, else null. Never throws.
 */
export function checkSlowRun(row: FinishedJobRow, thresholds: ReadonlyMap<string, SlowRunThreshold>): SlowRun | null {
  if (row.startedAt == null || row.finishedAt == null) return null;
  const threshold = thresholds.get(row.type);
  if (!threshold) return null;
  const durationMs = row.finishedAt - row.startedAt;
  if (!(durationMs > threshold.thresholdMs)) return null;
  return {
    id: row.id,
    type: row.type,
    queue: row.queue,
    status: row.status,
    finishedAt: row.finishedAt,
    durationMs,
    thresholdMs: threshold.thresholdMs,
    historyP50: threshold.p50,
    historyP95: threshold.p95,
    historySamples: threshold.samples,
  };
}

/**
 * Flags the runs that are far slower than their type's history (rule in the module comment).
 * Input: the runs to check; the history of past durations by type (normally runs before the ones
 * checked, see durationHistory()); optional rule overrides.
 * Output: the flagged runs in input order. Never throws.
 */
export function flagSlowRuns(
  rows: Iterable<FinishedJobRow>,
  history: DurationHistory,
  rule: SlowRunRule = {},
): SlowRun[] {
  const thresholds = slowRunThresholds(history, rule);
  const flagged: SlowRun[] = [];
  for (const row of rows) {
    const slow = checkSlowRun(row, thresholds);
    if (slow) flagged.push(slow);
  }
  return flagged;
}
