/**
 * Metrics history on SQLite with a fake clock: the recorder's sample figures, and retention with
 * downsampling (raw 24 h → minute 7 days → hour 1 year).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../../src/main/engine/analytics/metrics-recorder';
import { startEngine, type TestEngine } from '../../helpers/engine';
import { fixedClock, seedJobs } from '../../helpers/analytics-seed';

const NOW = Date.parse('2025-06-01T12:00:00.000Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('metrics history', () => {
  it('samples queue depth, running, throughput, workers, host and rate-limit waits', async () => {
    const clock = fixedClock(NOW);
    engine = await startEngine({ start: false, clock });
    const m = engine.manager;
    seedJobs(m, [
      { id: 'p1', type: 'noop', queue: 'mail', status: 'pending', createdAt: NOW - 5000 },
      { id: 'p2', type: 'noop', queue: 'mail', status: 'pending', createdAt: NOW - 4000 },
      { id: 'r1', type: 'noop', queue: 'default', status: 'running', createdAt: NOW - 4000, startedAt: NOW - 3000 },
      { id: 'c1', type: 'noop', status: 'completed', createdAt: NOW - 4000, startedAt: NOW - 3000, finishedAt: NOW - 2000 },
      { id: 'c0', type: 'noop', status: 'completed', createdAt: NOW - 5 * MIN, startedAt: NOW - 5 * MIN, finishedAt: NOW - 4 * MIN },
    ]);
    const recorder = new MetricsRecorder({
      backend: m.backend,
      repository: m.backend.analytics!,
      clock,
      hostSample: () => ({ cpuPercent: 12.34, memoryPercent: 56.78 }),
      workers: () => 3,
    });
    recorder.recordRateLimitWait(4);
    const sample = await recorder.sampleOnce();
    expect(sample).toEqual({
      ts: NOW,
      cpuPercent: 12.3,
      memoryPercent: 56.8,
      running: 1,
      pending: 2,
      workers: 3,
      throughputPerMin: 1,
      rateLimitWaits: 4,
      queueDepths: { mail: { pending: 2 }, default: { running: 1 } },
    });
    clock.set(NOW + 10_000);
    expect((await recorder.sampleOnce()).rateLimitWaits).toBe(0);
    const history = await m.getMetricsHistory({ from: NOW - HOUR, to: NOW + HOUR });
    expect(history.map((s) => [s.resolution, s.ts, s.rateLimitWaits])).toEqual([
      ['raw', NOW, 4],
      ['raw', NOW + 10_000, 0],
    ]);
  });

  it('rolls raw samples into minutes after 24 h, minutes into hours after 7 days, and drops hours after a year', async () => {
    const clock = fixedClock(NOW);
    engine = await startEngine({ start: false, clock });
    const m = engine.manager;
    let cpu = 0;
    const recorder = new MetricsRecorder({
      backend: m.backend,
      repository: m.backend.analytics!,
      clock,
      hostSample: () => ({ cpuPercent: cpu, memoryPercent: 50 }),
      workers: () => 2,
    });
    const sampleAt = async (ts: number, cpuPercent: number, waits = 0) => {
      clock.set(ts);
      cpu = cpuPercent;
      recorder.recordRateLimitWait(waits);
      await recorder.sampleOnce();
    };
    const oldMinute = NOW - 30 * HOUR; // aligned to a minute (NOW is)
    await sampleAt(oldMinute, 10, 1);
    await sampleAt(oldMinute + 10_000, 20, 2);
    await sampleAt(oldMinute + 20_000, 30, 3);
    const oldHour = NOW - 10 * DAY;
    await sampleAt(oldHour + 5 * MIN, 40);
    await sampleAt(oldHour + 35 * MIN, 60);
    await sampleAt(NOW - 400 * DAY, 99);
    await sampleAt(NOW - HOUR, 70);

    clock.set(NOW);
    const result = await recorder.compact();
    expect(result).toEqual({ minuteRows: 4, hourRows: 2, deleted: 6 + 3 + 1 });

    const raw = await m.getMetricsHistory({ from: NOW - 2 * DAY, to: NOW, resolution: 'raw' });
    expect(raw.map((s) => [s.ts, s.cpuPercent])).toEqual([[NOW - HOUR, 70]]);
    const minutes = await m.getMetricsHistory({ from: NOW - 2 * DAY, to: NOW - 2 * HOUR, resolution: 'minute' });
    expect(minutes).toEqual([
      { ts: oldMinute, resolution: 'minute', samples: 3, cpuPercent: 20, memoryPercent: 50, running: 0, pending: 0, workers: 2, throughputPerMin: 0, rateLimitWaits: 6, queueDepths: {} },
    ]);
    const hours = await m.getMetricsHistory({ from: NOW - 500 * DAY, to: NOW - DAY, resolution: 'hour' });
    // The sample of 400 days ago is gone; the two of 10 days ago are one hour row; the minute row of 30 h ago rolls up on the fly.
    expect(hours.map((s) => [s.ts, s.samples, s.cpuPercent, s.rateLimitWaits])).toEqual([
      [oldHour, 2, 50, 0],
      [oldMinute - (oldMinute % HOUR), 3, 20, 6],
    ]);
    // Compaction is idempotent.
    expect(await recorder.compact()).toEqual({ minuteRows: 0, hourRows: 0, deleted: 0 });
  });
});
