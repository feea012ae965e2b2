/**
 * A rate pool of N per minute shared by two job types (one declared through typePools, one
 * through limits.ratePool, in two queues) and by ctx.acquire inside a handler: the grants never
 * exceed burst + N × window / 60 s, and every job completes (waiting, never failing).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { recordEvents, startEngine, type TestEngine } from '../../helpers/engine';
import { RESOURCE_HANDLERS, scriptedHost } from './resource-helpers';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

const PER_MINUTE = 240; // one token every 250 ms
const SPACING = 60_000 / PER_MINUTE;

describe('rate pools', () => {
  it('never grants more than N per minute across two job types, queues and ctx.acquire', async () => {
    engine = await startEngine({
      overrides: {
        handlers: RESOURCE_HANDLERS,
        workers: { min: 2, max: 2, concurrency: 4 },
        ratePools: { api: { perMinute: PER_MINUTE } },
        typePools: { stamp: 'api' },
        resources: { autoScale: false },
      },
      manager: { governance: { hostSampler: scriptedHost() } },
    });
    const m = engine.manager;
    const started = recordEvents(m, 'job:started');
    const jobs = [
      ...Array.from({ length: 4 }, () => m.submitJob({ type: 'stamp', queue: 'q1', parameters: {} })),
      ...Array.from({ length: 4 }, () => m.submitJob({ type: 'stamp-b', queue: 'q2', parameters: {}, limits: { ratePool: 'api' } })),
      m.submitJob({ type: 'stamp', queue: 'q1', parameters: { acquire: 2, pool: 'api' } }),
      // A job of no pool is never held back by it.
      m.submitJob({ type: 'noop', queue: 'q3', parameters: {} }),
    ];
    const records = await Promise.all(jobs);
    const done = await Promise.all(records.map((r) => m.waitForJob(r.id, 30_000)));
    started.stop();
    expect(done.every((j) => j.status === 'completed' && j.attempts === 1)).toBe(true);

    // Every token granted: job starts (engine side) and ctx.acquire grants (worker side).
    const pooled = new Set(records.filter((r) => r.type !== 'noop').map((r) => r.id));
    const grants = [
      ...started.events.filter((e) => pooled.has(e.id)).map((e) => e.startedAt),
      ...done.flatMap((j) => ((j.result as { grants?: number[] } | null)?.grants ?? [])),
    ].sort((a, b) => a - b);
    expect(grants).toHaveLength(11);
    // In any window from grant i to grant j: at most 1 (burst) + rate × span, i.e. the span
    // between grants k apart is at least (k − 1) × spacing (a few ms of timer slack).
    for (let i = 0; i < grants.length; i++) {
      for (let j = i + 1; j < grants.length; j++) {
        expect(grants[j]! - grants[i]!).toBeGreaterThanOrEqual((j - i) * SPACING - 40);
      }
    }
    const pool = m.governance!.state().pools.find((p) => p.name === 'api')!;
    expect(pool.granted).toBe(11);
    const noop = done.find((j) => j.type === 'noop')!;
    expect(noop.startedAt! - noop.createdAt).toBeLessThan(2000);
  }, 45_000);
});
