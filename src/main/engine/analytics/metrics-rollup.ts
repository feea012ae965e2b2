/**
 * Downsampling of the metrics history: the samples of one minute (or hour) become one row whose
 * figures are the sample-weighted means (rate-limit waits: the sum; queue depths: the mean per
 * queue and status). Pure: the store decides which rows to roll up (docs/analytics.md).
 */
import type { MetricResolution, StoredMetricSample } from '../../../shared/analytics-types';

export const RESOLUTION_MS: Readonly<Record<Exclude<MetricResolution, 'raw'>, number>> = Object.freeze({
  minute: 60_000,
  hour: 3_600_000,
});

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Rolls samples up into buckets of `resolution`, each stamped with its start (aligned to UTC).
 * Input: samples of a finer resolution, in any order. Output: one row per non-empty bucket, oldest
 * first. Never throws.
 */
export function rollUpSamples(samples: Iterable<StoredMetricSample>, resolution: Exclude<MetricResolution, 'raw'>): StoredMetricSample[] {
  const size = RESOLUTION_MS[resolution];
  const acc = new Map<number, { n: number; cpu: number; mem: number; running: number; pending: number; workers: number; tput: number; waits: number; depths: Map<string, number> }>();
  for (const s of samples) {
    const start = Math.floor(s.ts / size) * size;
    let a = acc.get(start);
    if (!a) acc.set(start, (a = { n: 0, cpu: 0, mem: 0, running: 0, pending: 0, workers: 0, tput: 0, waits: 0, depths: new Map() }));
    const w = Math.max(1, s.samples);
    a.n += w;
    a.cpu += s.cpuPercent * w;
    a.mem += s.memoryPercent * w;
    a.running += s.running * w;
    a.pending += s.pending * w;
    a.workers += s.workers * w;
    a.tput += s.throughputPerMin * w;
    a.waits += s.rateLimitWaits;
    for (const [queue, byStatus] of Object.entries(s.queueDepths ?? {})) {
      for (const [status, count] of Object.entries(byStatus)) {
        const key = `${queue}\u0000${status}`;
        a.depths.set(key, (a.depths.get(key) ?? 0) + count * w);
      }
    }
  }
  return [...acc.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([ts, a]) => {
      const queueDepths: Record<string, Record<string, number>> = {};
      for (const [key, total] of a.depths) {
        const [queue, status] = key.split('\u0000') as [string, string];
        (queueDepths[queue] ??= {})[status] = round(total / a.n);
      }
      return {
        ts,
        resolution,
        samples: a.n,
        cpuPercent: round(a.cpu / a.n),
        memoryPercent: round(a.mem / a.n),
        running: round(a.running / a.n),
        pending: round(a.pending / a.n),
        workers: round(a.workers / a.n),
        throughputPerMin: round(a.tput / a.n),
        rateLimitWaits: a.waits,
        queueDepths,
      };
    });
}
