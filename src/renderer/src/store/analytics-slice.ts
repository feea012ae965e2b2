/**
 * Analytics slice: the report for a chosen window (success rates, throughput, duration and wait
 * figures, trends per bucket) and the failure groups of that window.
 */
import type { AnalyticsReport, FailureAnalysis } from '../../../shared/analytics-types';
import { describeError } from '../api/errors';
import type { SliceDeps } from './slice-types';

export type AnalyticsRange = '24h' | '7d' | '30d';
export const RANGE_MS: Record<AnalyticsRange, number> = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export interface AnalyticsSlice {
  range: AnalyticsRange;
  report: AnalyticsReport | null;
  failures: FailureAnalysis | null;
  loading: boolean;
  error: string | null;
  /** The window of the last load (epoch ms), used by exports. */
  window: { from: number; to: number } | null;
  setRange(range: AnalyticsRange): void;
  /** Fetch the report and failure groups for the current range. */
  load(): Promise<void>;
}

/** Create the analytics slice. */
export function createAnalyticsSlice({ set, get, api, now }: SliceDeps<'analytics'>): AnalyticsSlice {
  return {
    range: '24h',
    report: null,
    failures: null,
    loading: false,
    error: null,
    window: null,
    setRange: (range) => {
      set(() => ({ range }));
      void get().analytics.load();
    },
    load: async () => {
      const { range } = get().analytics;
      const to = now();
      const from = to - RANGE_MS[range];
      const bucket = range === '24h' ? 'hour' : 'day';
      set(() => ({ loading: true, window: { from, to } }));
      try {
        const tzOffsetMinutes = -new Date(to).getTimezoneOffset();
        const [report, failures] = await Promise.all([
          api['analytics:report']({ from, to, bucket, tzOffsetMinutes }),
          api['analytics:failures']({ from, to }),
        ]);
        set(() => ({ report, failures, loading: false, error: null }));
      } catch (err) {
        set(() => ({ loading: false, error: describeError(err) }));
      }
    },
  };
}
