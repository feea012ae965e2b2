/**
 * Aborting jobs in real worker processes: a timeout kills a command job's whole process tree;
 * cancelling a running, a waiting and a finished job.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import { processAlive, recordEvents, startEngine, waitForEvent, waitUntil, type TestEngine } from '../../helpers/engine';

let engine: TestEngine | null = null;
afterEach(async () => {
  await engine?.cleanup();
  engine = null;
});

describe('engine: timeout', () => {
  it("kills a command job's whole process tree when it times out", async () => {
    engine = await startEngine();
    const m = engine.manager;
    const pidFile = join(engine.dir, 'grandchild.pid');
    const job = await m.submitJob({
      type: 'command',
      parameters: { argv: ['sh', '-c', `sleep 60 & echo $! > '${pidFile}'; sleep 60`], killGraceMs: 500 },
      timeoutSeconds: 1,
      maxRetries: 0,
    });
    // The grandchild exists while the job runs.
    const grandchild = await waitUntil(
      () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || null : null),
      'the command to write its pid file',
    );
    expect(processAlive(grandchild)).toBe(true);

    const final = await m.waitForJob(job.id, 20_000);
    expect(final.status).toBe('failed');
    expect(final.attempts).toBe(1);
    expect(final.error?.class).toBe('timeout');
    expect(final.error?.message).toMatch(/timed out after 1 s/);
    expect(final.finishedAt! - final.startedAt!).toBeGreaterThanOrEqual(1000);

    // `sleep 60 &` was started by the shell, not by the handler: only a process-group kill reaches it.
    await waitUntil(() => !processAlive(grandchild), `grandchild ${grandchild} to die`, 5000);
    const attempts = await m.getJobAttempts(job.id);
    expect(attempts.map((a) => [a.outcome, a.error?.class])).toEqual([['failed', 'timeout']]);
  });
});

describe('engine: cancel', () => {
  it('aborts a running job: cancelled, class cancelled, not retried', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const retrying = recordEvents(m, 'job:retrying');
    const job = await m.submitJob({ type: 'sleep', parameters: { ms: 30_000 }, maxRetries: 3 });
    await waitForEvent(m, 'job:progress', (e) => e.id === job.id); // running inside its worker
    const cancelledEvent = waitForEvent(m, 'job:cancelled', (e) => e.id === job.id);

    const t0 = Date.now();
    const requested = await m.cancelJob(job.id, 'no longer needed');
    expect(requested.status).toBe('running');
    expect(requested.cancelRequested).toBe(true);

    const final = await m.waitForJob(job.id, 10_000);
    expect(Date.now() - t0).toBeLessThan(5000); // the handler honoured its signal; no 30 s sleep
    expect(final.status).toBe('cancelled');
    expect(final.error?.class).toBe('cancelled');
    expect(final.error?.message).toBe('no longer needed'); // the user's reason, not what the handler threw
    expect(final.attempts).toBe(1);
    expect(final.cancelRequested).toBe(false);
    await cancelledEvent;
    expect(retrying.events.filter((e) => e.id === job.id)).toEqual([]);
    const attempts = await m.getJobAttempts(job.id);
    expect(attempts.map((a) => [a.outcome, a.error?.class])).toEqual([['cancelled', 'cancelled']]);
    // Its worker is still there and still works.
    const after = await m.submitJob({ type: 'noop' });
    expect((await m.waitForJob(after.id, 10_000)).status).toBe('completed');
    retrying.stop();
  });

  it('cancels a waiting job at once', async () => {
    engine = await startEngine();
    const m = engine.manager;
    await m.pauseQueue('held');
    const job = await m.submitJob({ type: 'noop', queue: 'held' });
    expect(job.status).toBe('pending');
    const cancelled = await m.cancelJob(job.id, 'changed my mind');
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toMatchObject({ class: 'cancelled', message: 'changed my mind' });
    expect(cancelled.finishedAt).not.toBeNull();
    expect(cancelled.attempts).toBe(0);
    // Resuming the queue does not run it.
    await m.resumeQueue('held');
    const probe = await m.submitJob({ type: 'noop', queue: 'held' });
    await m.waitForJob(probe.id, 10_000);
    expect((await m.getJob(job.id))?.status).toBe('cancelled');
  });

  it('refuses to cancel a completed job with CONFLICT, and an unknown one with NOT_FOUND', async () => {
    engine = await startEngine();
    const m = engine.manager;
    const job = await m.submitJob({ type: 'noop' });
    expect((await m.waitForJob(job.id, 10_000)).status).toBe('completed');
    const err = await m.cancelJob(job.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFLICT');
    expect((err as AppError).message).toContain('completed');
    expect((await m.getJob(job.id))?.status).toBe('completed');

    const missing = await m.cancelJob('no-such-job').catch((e: unknown) => e);
    expect((missing as AppError).code).toBe('NOT_FOUND');
  });

  it('kills the worker of a running job that ignores its cancel after the grace period', async () => {
    engine = await startEngine({ overrides: { workers: { min: 1, concurrency: 2 }, cancelGraceSeconds: 0.5 } });
    const m = engine.manager;
    const stubborn = await m.submitJob({ type: 'sleep', parameters: { ms: 30_000, ignoreAbort: true }, maxRetries: 3 });
    const bystander = await m.submitJob({ type: 'sleep', parameters: { firstAttemptMs: 30_000, ms: 20 }, maxRetries: 3 });
    await Promise.all([stubborn, bystander].map((j) => waitForEvent(m, 'job:progress', (e) => e.id === j.id)));
    const worker = m.listWorkers()[0]!;
    expect(worker.currentJobs.sort()).toEqual([stubborn.id, bystander.id].sort());

    await m.cancelJob(stubborn.id);
    const final = await m.waitForJob(stubborn.id, 10_000);
    expect(final.status).toBe('cancelled');
    expect(final.error?.class).toBe('cancelled');
    expect(final.attempts).toBe(1);
    await waitUntil(() => !processAlive(worker.pid!), 'the stubborn worker to be killed', 5000);

    // The job that shared the killed worker is retried on its replacement, not lost.
    const other = await m.waitForJob(bystander.id, 20_000);
    expect(other.status).toBe('completed');
    expect(other.attempts).toBe(2);
    expect((await m.getJobAttempts(bystander.id))[0]?.error?.class).toBe('worker_crash');
  });
});
