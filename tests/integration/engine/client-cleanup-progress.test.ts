/**
 * A client-only manager next to a running engine (as the CLI is), cleanupOldJobs, and progress
 * and logs streamed from a worker process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { recordEvents, startEngine, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('engine: client and engine on one database', () => {
  it('runs a job submitted by a client, and aborts a running job the client cancels', async () => {
    engine = await startEngine();
    const server = engine.manager;
    const client = await engine.open({ start: false });
    expect(client.isEngine).toBe(false);
    expect(client.listWorkers()).toEqual([]);

    // Submitted by the client: the engine notices the write (it watches the store) and runs it.
    const job = await client.submitJob({ type: 'noop', parameters: { n: 7 } });
    const done = await client.waitForJob(job.id, 20_000, 50);
    expect(done.status).toBe('completed');
    expect(done.result).toEqual({ ok: true, n: 7 });
    expect(done.worker).toMatch(/^worker-\d+$/);

    // Cancelled by the client while the engine runs it: the engine aborts the handler.
    const long = await client.submitJob({ type: 'sleep', parameters: { ms: 30_000 }, maxRetries: 3 });
    await waitForEvent(server, 'job:progress', (e) => e.id === long.id);
    const cancelled = waitForEvent(server, 'job:cancelled', (e) => e.id === long.id, 10_000);
    const requested = await client.cancelJob(long.id, 'stopped from the CLI');
    expect(requested.status).toBe('running');
    expect(requested.cancelRequested).toBe(true);
    const event = await cancelled;
    // The reason given in another process does not travel with the flag; the engine says where it came from.
    expect(event.reason).toBe('cancelled from another process');
    const final = await client.waitForJob(long.id, 10_000, 50);
    expect(final.status).toBe('cancelled');
    expect(final.error?.class).toBe('cancelled');
    expect(final.attempts).toBe(1);
    expect(server.listWorkers().every((w) => !w.currentJobs.includes(long.id))).toBe(true);
  });
});

describe('engine: cleanupOldJobs', () => {
  it('deletes only finished jobs older than the cut-off and returns their count', async () => {
    engine = await startEngine();
    const m = engine.manager;
    await m.pauseQueue('held');

    // Old: completed, failed and cancelled, plus one still waiting (never deleted).
    const waiting = await m.submitJob({ type: 'noop', queue: 'held' });
    const toCancel = await m.submitJob({ type: 'noop', queue: 'held' });
    await m.cancelJob(toCancel.id);
    const oldJobs = [
      await m.submitJob({ type: 'noop' }),
      await m.submitJob({ type: 'noop' }),
      await m.submitJob({ type: 'fail-permanent' }),
    ];
    const oldDone = await Promise.all(oldJobs.map((j) => m.waitForJob(j.id, 20_000)));
    expect(oldDone.map((j) => j.status).sort()).toEqual(['completed', 'completed', 'failed']);
    const oldIds = [...oldJobs.map((j) => j.id), toCancel.id];
    const oldEnd = Math.max(...oldDone.map((j) => j.finishedAt!), (await m.getJob(toCancel.id))!.finishedAt!);

    // Recent: finished strictly after every old one.
    await waitUntil(() => Date.now() > oldEnd + 2, 'the clock to move on');
    const recent = await Promise.all([m.submitJob({ type: 'noop' }), m.submitJob({ type: 'noop' })]);
    const recentDone = await Promise.all(recent.map((j) => m.waitForJob(j.id, 20_000)));
    const recentStart = Math.min(...recentDone.map((j) => j.finishedAt!));
    expect(recentStart).toBeGreaterThan(oldEnd);

    // A client whose clock is 7 days after the point between the two groups.
    const cutoff = (oldEnd + recentStart) / 2;
    const later = await engine.open({ start: false, clock: { now: () => cutoff + 7 * 86_400_000 } });
    const logsBefore = await later.getJobLogs(oldJobs[0]!.id);
    expect(logsBefore).toEqual([]); // noop logs nothing; attempts of the failed one exist:
    expect(await later.getJobAttempts(oldJobs[2]!.id)).toHaveLength(1);

    expect(await later.cleanupOldJobs(7)).toBe(4);
    for (const id of oldIds) expect(await later.getJob(id)).toBeNull();
    for (const j of recent) expect((await later.getJob(j.id))?.status).toBe('completed');
    expect((await later.getJob(waiting.id))?.status).toBe('pending');
    const stats = await later.getQueueStats();
    expect(stats.total).toBe(3);
    expect(await later.cleanupOldJobs(7)).toBe(0); // idempotent

    const bad = await later.cleanupOldJobs(-1).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AppError);
    expect((bad as AppError).code).toBe('VALIDATION');
  });
});

describe('engine: progress and logs', () => {
  it('streams progress events and log lines from the worker, in order', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const progress = recordEvents(m, 'job:progress');
    const job = await m.submitJob({ type: 'progress', parameters: { steps: 10, stepMs: 15 } });
    const final = await m.waitForJob(job.id, 20_000);
    progress.stop();

    expect(final.status).toBe('completed');
    expect(final.progress).toBe(100);
    expect(final.result).toEqual({ steps: 10 });

    const mine = progress.events.filter((e) => e.id === job.id);
    expect(mine.length).toBeGreaterThan(0);
    const values = mine.map((e) => e.progress);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(values.every((v) => v >= 10 && v <= 100)).toBe(true);
    expect(mine[0]!.message).toMatch(/^step \d+ of 10$/);

    const logs = await m.getJobLogs(job.id);
    expect(logs.map((l) => l.line)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    expect(logs.every((l) => l.stream === 'log')).toBe(true);
    for (let i = 1; i < logs.length; i++) {
      expect(logs[i]!.seq).toBeGreaterThan(logs[i - 1]!.seq);
      expect(logs[i]!.ts).toBeGreaterThanOrEqual(logs[i - 1]!.ts);
    }
    // Paging after a sequence number.
    const tail = await m.getJobLogs(job.id, logs[6]!.seq);
    expect(tail.map((l) => l.line)).toEqual(['line 8', 'line 9', 'line 10']);
  });
});
