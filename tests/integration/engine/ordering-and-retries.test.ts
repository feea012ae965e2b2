/**
 * Claim order and retry policy, through real worker processes and a SQLite file:
 * priority order (URGENT first, FIFO within a priority), retry with exponential backoff then
 * failure, permanent errors never retried.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import type { JobPriority } from '../../../src/shared/model';
import { recordEvents, startEngine, type TestEngine } from '../../helpers/engine';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('engine: claim order', () => {
  it('starts URGENT jobs first and keeps FIFO order within a priority', async () => {
    engine = await startEngine({ overrides: { workers: { min: 1, concurrency: 1 } } });
    const m = engine.manager;
    await m.pauseQueue('default');

    const submitted: Array<{ id: string; priority: JobPriority; index: number }> = [];
    const order: JobPriority[] = ['LOW', 'NORMAL', 'URGENT', 'HIGH', 'LOW', 'URGENT', 'NORMAL', 'HIGH', 'NORMAL', 'URGENT', 'LOW', 'HIGH'];
    for (const [index, priority] of order.entries()) {
      const job = await m.submitJob({ type: 'noop', priority, parameters: { n: index } });
      submitted.push({ id: job.id, priority, index });
    }
    const started = recordEvents(m, 'job:started');
    await m.resumeQueue('default');
    const done = await Promise.all(submitted.map((s) => m.waitForJob(s.id, 20_000)));
    started.stop();

    expect(done.every((j) => j.status === 'completed')).toBe(true);
    const rank: Record<JobPriority, number> = { URGENT: 0, HIGH: 1, NORMAL: 2, LOW: 3 };
    const expected = [...submitted].sort((a, b) => rank[a.priority] - rank[b.priority] || a.index - b.index).map((s) => s.id);
    expect(started.events.map((e) => e.id)).toEqual(expected);

    // The store agrees: start times follow the same order.
    const byId = new Map(done.map((j) => [j.id, j]));
    const startedAt = expected.map((id) => byId.get(id)!.startedAt!);
    for (let i = 1; i < startedAt.length; i++) expect(startedAt[i]!).toBeGreaterThanOrEqual(startedAt[i - 1]!);
  });
});

describe('engine: retries', () => {
  it('retries a transient failure with growing backoff, then fails it', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const retrying = recordEvents(m, 'job:retrying');
    const job = await m.submitJob({ type: 'fail-transient', maxRetries: 2, retryDelaySeconds: 0.1 });
    const final = await m.waitForJob(job.id, 20_000);
    retrying.stop();

    expect(final.status).toBe('failed');
    expect(final.attempts).toBe(3);
    expect(final.error?.class).toBe('transient');
    expect(final.error?.message).toContain('attempt 3');

    const attempts = await m.getJobAttempts(job.id);
    expect(attempts.map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => a.error?.class === 'transient')).toBe(true);

    // Backoff with equal jitter: retry n waits between half and all of base × 2^(n−1).
    const mine = retrying.events.filter((e) => e.id === job.id);
    expect(mine.map((e) => e.attempt)).toEqual([1, 2]);
    const delays = mine.map((e, i) => e.runAt - attempts[i]!.finishedAt!);
    expect(delays[0]!).toBeGreaterThanOrEqual(50);
    expect(delays[0]!).toBeLessThanOrEqual(100);
    expect(delays[1]!).toBeGreaterThanOrEqual(100);
    expect(delays[1]!).toBeLessThanOrEqual(200);
    expect(delays[1]!).toBeGreaterThanOrEqual(delays[0]!);
    // And the next attempt really waited for its run-at.
    expect(attempts[1]!.startedAt - attempts[0]!.finishedAt!).toBeGreaterThanOrEqual(delays[0]!);
    expect(attempts[2]!.startedAt - attempts[1]!.finishedAt!).toBeGreaterThanOrEqual(delays[1]!);
  });

  it('does not retry a permanent error', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const retrying = recordEvents(m, 'job:retrying');
    const job = await m.submitJob({ type: 'fail-permanent', maxRetries: 3, retryDelaySeconds: 0 });
    const final = await m.waitForJob(job.id, 20_000);
    retrying.stop();

    expect(final.status).toBe('failed');
    expect(final.attempts).toBe(1);
    expect(final.error?.class).toBe('permanent');
    expect(final.error?.message).toBe('this input can never succeed');
    expect(retrying.events).toEqual([]);
    const attempts = await m.getJobAttempts(job.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed', error: { class: 'permanent' } });
  });

  it('retries a timed-out handler like a transient failure, then fails it as timeout', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const job = await m.submitJob({ type: 'sleep', parameters: { ms: 30_000 }, timeoutSeconds: 0.3, maxRetries: 1, retryDelaySeconds: 0 });
    const final = await m.waitForJob(job.id, 20_000);
    expect(final.status).toBe('failed');
    expect(final.attempts).toBe(2);
    expect(final.error?.class).toBe('timeout');
    const attempts = await m.getJobAttempts(job.id);
    expect(attempts.map((a) => [a.outcome, a.error?.class])).toEqual([
      ['retrying', 'timeout'],
      ['failed', 'timeout'],
    ]);
  });

  it('restarts a failed job with a fresh retry budget; refuses to restart a completed one', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const job = await m.submitJob({ type: 'fail-transient', maxRetries: 1, retryDelaySeconds: 0 });
    expect((await m.waitForJob(job.id, 20_000)).attempts).toBe(2);

    const restarted = await m.restartJob(job.id);
    expect(restarted.status).toBe('pending');
    expect(restarted.error).toBeNull();
    const again = await m.waitForJob(job.id, 20_000);
    expect(again.status).toBe('failed');
    expect(again.attempts).toBe(4); // attempts keep counting; the retry budget starts over
    expect((await m.getJobAttempts(job.id)).map((a) => a.outcome)).toEqual(['retrying', 'failed', 'retrying', 'failed']);

    const ok = await m.submitJob({ type: 'noop' });
    await m.waitForJob(ok.id, 20_000);
    const err = await m.restartJob(ok.id).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('CONFLICT');
  });
});
