/**
 * The backend contract: the same behavioural tests against every QueueBackend — the embedded
 * SQLite file, a single Redis node and a 3-master Redis Cluster (from the global setup). Times are
 * based on the real clock because Redis (BullMQ) schedules delayed jobs by it.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ClaimRequest, NewJob, QueueBackend } from '../../../src/main/engine/backend/queue-backend';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import { makeTempDir } from '../../helpers/engine';
import { uniqueRedisPrefix } from '../redis/redis-test-util';
import { newJob } from '../../helpers/new-job';

interface Harness {
  backend: QueueBackend;
  cleanup(): Promise<void>;
}

const redis = inject('redis');

const BACKENDS: Array<{ name: string; skip: boolean; make: () => Promise<Harness> }> = [
  {
    name: 'SQLite',
    skip: false,
    async make() {
      const dir = makeTempDir('jobhandle-contract-');
      const backend = new SqliteBackend({ path: join(dir, 'jobs.db') });
      return { backend, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'Redis single node',
    skip: !redis.single,
    async make() {
      const backend = new RedisBackend({ url: redis.single!, prefix: uniqueRedisPrefix() });
      return { backend, cleanup: () => backend.removeAllData() };
    },
  },
  {
    name: 'Redis Cluster (3 masters)',
    skip: !redis.cluster,
    async make() {
      const backend = new RedisBackend({ cluster: redis.cluster!, prefix: uniqueRedisPrefix() });
      return { backend, cleanup: () => backend.removeAllData() };
    },
  },
];

const ENGINE = 'engine-a';

describe.each(BACKENDS)('QueueBackend contract: $name', ({ skip, make }) => {
  let h: Harness;
  let b: QueueBackend;
  let t0: number;
  let n = 0;

  /** A job created `n` ms after t0, in creation order. */
  const job = (over: Partial<NewJob> = {}): NewJob => {
    const createdAt = t0 + n++;
    return newJob(createdAt, { parameters: { n }, ...over });
  };
  const claim = (over: Partial<ClaimRequest> = {}) =>
    b.claimJobs({ engineId: ENGINE, worker: 'w1', limit: 10, now: Date.now(), ...over });

  beforeEach(async () => {
    if (skip) return;
    t0 = Date.now();
    n = 0;
    h = await make();
    b = h.backend;
    await b.open();
  });
  afterEach(async () => {
    if (skip) return;
    await h.cleanup().catch(() => undefined);
    await b.close();
  });

  it.skipIf(skip)('pings, and inserts all jobs or none (CONFLICT on a duplicate id)', async () => {
    expect(await b.ping()).toBe(true);
    const a = job();
    const c = job();
    await b.insertJobs([a]);
    await expect(b.insertJobs([c, { ...a }])).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await b.getJob(c.id)).toBeNull();
    expect((await b.getJob(a.id))?.status).toBe('pending');
  });

  it.skipIf(skip)('gets a job with every field it was inserted with', async () => {
    const j = job({ type: 'extraction', queue: 'q1', priority: 2, parameters: { url: 'x', deep: { a: [1] } }, limits: { maxMemoryMb: 64 } });
    await b.insertJobs([j]);
    const got = await b.getJob(j.id);
    expect(got).toMatchObject({
      id: j.id,
      type: 'extraction',
      queue: 'q1',
      priority: 'HIGH',
      status: 'pending',
      parameters: { url: 'x', deep: { a: [1] } },
      attempts: 0,
      maxRetries: 2,
      retryDelaySeconds: 1,
      timeoutSeconds: 60,
      createdAt: j.createdAt,
      runAt: j.runAt,
      limits: { maxMemoryMb: 64 },
      progress: 0,
      startedAt: null,
      finishedAt: null,
      error: null,
      cancelRequested: false,
    });
    expect(await b.getJob('no-such-job')).toBeNull();
  });

  it.skipIf(skip)('lists with status, type and queue filters and cursor paging', async () => {
    const jobs = [job({ queue: 'q1' }), job({ queue: 'q2', type: 'other' }), job({ queue: 'q1' }), job({ queue: 'q2' }), job({ queue: 'q1' })];
    await b.insertJobs(jobs);
    const [claimed] = await claim({ queues: ['q2'], limit: 1 });
    expect(claimed?.id).toBe(jobs[1]!.id);

    const all = await b.listJobs({ sort: 'createdAt', order: 'desc', limit: 50 });
    expect(all.jobs.map((j) => j.id)).toEqual(jobs.map((j) => j.id).reverse());
    expect(all.nextCursor).toBeNull();

    expect((await b.listJobs({ sort: 'createdAt', order: 'asc', limit: 50, queue: ['q1'] })).jobs.map((j) => j.id)).toEqual(
      [jobs[0]!, jobs[2]!, jobs[4]!].map((j) => j.id),
    );
    expect((await b.listJobs({ sort: 'createdAt', order: 'desc', limit: 50, type: ['other'] })).jobs.map((j) => j.id)).toEqual([jobs[1]!.id]);
    const running = await b.listJobs({ sort: 'createdAt', order: 'desc', limit: 50, status: ['running'] });
    expect(running.jobs.map((j) => j.id)).toEqual([jobs[1]!.id]);
    expect((await b.listJobs({ sort: 'createdAt', order: 'desc', limit: 50, status: ['pending'] })).jobs).toHaveLength(4);

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const p = await b.listJobs({ sort: 'createdAt', order: 'asc', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...p.jobs.map((j) => j.id));
      if (!p.nextCursor) break;
      cursor = p.nextCursor;
    }
    expect(seen).toEqual(jobs.map((j) => j.id));
  });

  it.skipIf(skip)('claims highest priority first, FIFO within a priority, and marks the claim', async () => {
    const low = job({ priority: 0 });
    const urgent1 = job({ priority: 3 });
    const normal = job({ priority: 1 });
    const urgent2 = job({ priority: 3 });
    await b.insertJobs([low, urgent1, normal, urgent2]);
    const now = Date.now();
    const claimed = await claim({ now });
    expect(claimed.map((c) => c.id)).toEqual([urgent1.id, urgent2.id, normal.id, low.id]);
    expect(claimed[0]).toMatchObject({ type: 'noop', queue: 'default', attempt: 1, attemptsSinceRestart: 1, priority: 3, startedAt: now });
    const rec = await b.getJob(urgent1.id);
    expect(rec).toMatchObject({ status: 'running', attempts: 1, worker: 'w1', startedAt: now });
    expect(await claim()).toEqual([]);
  });

  it.skipIf(skip)('claims at most `limit` jobs, only from the queues asked, never from excluded ones', async () => {
    await b.insertJobs([job(), job(), job(), job({ queue: 'other' }), job({ queue: 'other' })]);
    expect(await claim({ limit: 0 })).toEqual([]);
    expect(await claim({ limit: 2, queues: ['default'] })).toHaveLength(2);
    expect(await claim({ limit: 10, excludeQueues: ['other'] })).toHaveLength(1);
    const rest = await claim({ limit: 10, queues: ['other'] });
    expect(rest.map((c) => c.queue)).toEqual(['other', 'other']);
    expect((await b.countByStatus()).counts.running).toBe(5);
  });

  it.skipIf(skip)('keeps scheduled jobs until promoted when due, and reports the next run-at', async () => {
    const later = job({ status: 'scheduled', runAt: t0 + 60_000 });
    await b.insertJobs([later]);
    expect((await b.getJob(later.id))?.status).toBe('scheduled');
    expect(await b.nextRunAt()).toBe(later.runAt);
    expect(await claim()).toEqual([]);
    expect(await b.promoteDueJobs(Date.now())).toBe(0);
    expect(await b.promoteDueJobs(t0 + 61_000)).toBe(1);
    expect((await b.getJob(later.id))?.status).toBe('pending');
    expect(await b.nextRunAt()).toBeNull();
    expect((await claim()).map((c) => c.id)).toEqual([later.id]);
  });

  it.skipIf(skip)('writes completed and failed outcomes with results, errors and attempts', async () => {
    const ok = job();
    const bad = job();
    await b.insertJobs([ok, bad]);
    await claim();
    const at = Date.now();
    await b.write({
      outcomes: [
        { kind: 'completed', id: ok.id, attempt: 1, at, worker: 'w1', result: { rows: 3 }, metrics: { durationMs: 12 } },
        { kind: 'failed', id: bad.id, attempt: 1, at, worker: 'w1', error: { class: 'permanent', message: 'bad input', code: 'E1' }, metrics: {} },
      ],
    });
    expect(await b.getJob(ok.id)).toMatchObject({ status: 'completed', result: { rows: 3 }, progress: 100, finishedAt: at, metrics: { durationMs: 12 } });
    expect(await b.getJob(bad.id)).toMatchObject({ status: 'failed', finishedAt: at, error: { class: 'permanent', message: 'bad input', code: 'E1' } });
    const attempts = await b.getAttempts(bad.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'failed', worker: 'w1', error: { class: 'permanent', message: 'bad input' } });
    // A stale outcome (wrong attempt, job no longer running) changes nothing.
    await b.write({ outcomes: [{ kind: 'completed', id: bad.id, attempt: 1, at, worker: 'w1', result: null, metrics: {} }] });
    expect((await b.getJob(bad.id))?.status).toBe('failed');
    expect(await b.countFinishedSince(at)).toBe(2);
    expect(await b.countFinishedSince(at + 1)).toBe(0);
  });

  it.skipIf(skip)('writes retrying (runs again when due, attempt 2), cancelled and released outcomes', async () => {
    const r = job();
    const c = job();
    const rel = job();
    await b.insertJobs([r, c, rel]);
    await claim();
    const at = Date.now();
    const err = { class: 'transient' as const, message: 'flaky' };
    await b.write({
      outcomes: [
        { kind: 'retrying', id: r.id, attempt: 1, at, worker: 'w1', error: err, metrics: {}, runAt: at + 30_000 },
        { kind: 'cancelled', id: c.id, attempt: 1, at, worker: 'w1', error: { class: 'cancelled', message: 'by user' }, metrics: {} },
        { kind: 'released', id: rel.id, attempt: 1, at, worker: 'w1' },
      ],
    });
    expect(await b.getJob(r.id)).toMatchObject({ status: 'retrying', runAt: at + 30_000, error: { class: 'transient', message: 'flaky' } });
    expect(await b.getJob(c.id)).toMatchObject({ status: 'cancelled', finishedAt: at, error: { class: 'cancelled' } });
    expect(await b.getJob(rel.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await b.countByStatus()).counts).toMatchObject({ retrying: 1, cancelled: 1, pending: 1, failed: 0 });
    expect(await b.nextRunAt()).toBe(at + 30_000);
    expect((await claim()).map((x) => x.id)).toEqual([rel.id]);
    expect(await b.promoteDueJobs(at + 31_000)).toBe(1);
    const again = await claim();
    expect(again.map((x) => x.id)).toEqual([r.id]);
    expect(again[0]).toMatchObject({ attempt: 2, attemptsSinceRestart: 2 });
    expect((await b.getAttempts(r.id)).map((a) => a.outcome)).toEqual(['retrying']);
  });

  it.skipIf(skip)('records progress of a running job', async () => {
    const j = job();
    await b.insertJobs([j]);
    await claim();
    await b.write({ progress: [{ id: j.id, progress: 40, message: 'reading' }] });
    expect(await b.getJob(j.id)).toMatchObject({ progress: 40, progressMessage: 'reading' });
  });

  it.skipIf(skip)('appends log lines in order, pages them by seq and trims to the last N', async () => {
    const j = job();
    await b.insertJobs([j]);
    await claim();
    const ts = Date.now();
    await b.write({ logs: ['one', 'two', 'three'].map((line, i) => ({ jobId: j.id, ts: ts + i, stream: i === 1 ? ('err' as const) : ('out' as const), line })) });
    await b.write({ logs: [{ jobId: j.id, ts: ts + 3, stream: 'log', line: 'four' }] });
    const logs = await b.getLogs(j.id);
    expect(logs.map((l) => [l.seq, l.stream, l.line, l.ts])).toEqual([
      [1, 'out', 'one', ts],
      [2, 'err', 'two', ts + 1],
      [3, 'out', 'three', ts + 2],
      [4, 'log', 'four', ts + 3],
    ]);
    expect((await b.getLogs(j.id, 2)).map((l) => l.line)).toEqual(['three', 'four']);
    expect((await b.getLogs(j.id, 0, 2)).map((l) => l.line)).toEqual(['one', 'two']);
    await b.trimLogs(j.id, 2);
    expect((await b.getLogs(j.id)).map((l) => [l.seq, l.line])).toEqual([
      [3, 'three'],
      [4, 'four'],
    ]);
  });

  it.skipIf(skip)('cancels waiting jobs at once, flags running ones for their engine, refuses finished ones', async () => {
    const waiting = job();
    const scheduled = job({ status: 'scheduled', runAt: t0 + 60_000 });
    const running = job({ queue: 'run' });
    await b.insertJobs([waiting, scheduled, running]);
    await claim({ queues: ['run'] });
    const now = Date.now();
    const w = await b.requestCancel(waiting.id, now, 'not needed');
    expect(w.state).toBe('cancelled');
    expect(w.job).toMatchObject({ status: 'cancelled', finishedAt: now, error: { class: 'cancelled', message: 'not needed' } });
    expect((await b.requestCancel(scheduled.id, now, 'x')).job.status).toBe('cancelled');
    expect(await b.nextRunAt()).toBeNull();
    const r = await b.requestCancel(running.id, now, 'stop');
    expect(r).toMatchObject({ state: 'requested', engineId: ENGINE, job: { status: 'running', cancelRequested: true } });
    expect(await b.pendingCancels(ENGINE)).toEqual([running.id]);
    expect(await b.pendingCancels('engine-b')).toEqual([]);
    await expect(b.requestCancel(waiting.id, now, 'again')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(b.requestCancel('no-such-job', now, 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await claim()).toEqual([]);
    await b.write({
      outcomes: [{ kind: 'cancelled', id: running.id, attempt: 1, at: now, worker: 'w1', error: { class: 'cancelled', message: 'stop' }, metrics: {} }],
    });
    expect(await b.pendingCancels(ENGINE)).toEqual([]);
    expect(await b.getJob(running.id)).toMatchObject({ status: 'cancelled', cancelRequested: false });
  });

  it.skipIf(skip)('restarts failed and cancelled jobs with a fresh retry budget', async () => {
    const f = job({ queue: 'f' });
    const p = job();
    await b.insertJobs([f, p]);
    await claim({ queues: ['f'] });
    const at = Date.now();
    await b.write({ outcomes: [{ kind: 'failed', id: f.id, attempt: 1, at, worker: 'w1', error: { class: 'transient', message: 'x' }, metrics: {} }] });
    const restarted = await b.restartJob(f.id, at + 1);
    expect(restarted).toMatchObject({ id: f.id, status: 'pending', error: null, finishedAt: null, result: null });
    const [again] = await claim({ queues: ['f'] });
    expect(again).toMatchObject({ id: f.id, attempt: 2, attemptsSinceRestart: 1 });
    await expect(b.restartJob(p.id, at)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(b.restartJob('no-such-job', at)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await b.requestCancel(p.id, at, 'x');
    expect((await b.restartJob(p.id, at)).status).toBe('pending');
    expect((await b.countByStatus()).counts).toMatchObject({ pending: 1, running: 1, cancelled: 0, failed: 0 });
  });

  it.skipIf(skip)('remembers paused queues', async () => {
    expect(await b.pausedQueues()).toEqual([]);
    await b.setQueuePaused('q1', true, t0);
    await b.setQueuePaused('q2', true, t0);
    await b.setQueuePaused('q2', false, t0);
    expect(await b.pausedQueues()).toEqual(['q1']);
    await b.insertJobs([job({ queue: 'q1' }), job({ queue: 'q2' })]);
    expect((await claim({ excludeQueues: ['q1'] })).map((c) => c.queue)).toEqual(['q2']);
    await b.setQueuePaused('q1', false, t0);
    expect(await b.pausedQueues()).toEqual([]);
    expect((await claim()).map((c) => c.queue)).toEqual(['q1']);
  });

  it.skipIf(skip)('counts jobs by status with the oldest pending creation time', async () => {
    const first = job();
    await b.insertJobs([first, job(), job({ status: 'scheduled', runAt: t0 + 60_000 }), job({ queue: 'x' })]);
    await claim({ queues: ['x'] });
    const { counts, oldestPendingCreatedAt } = await b.countByStatus();
    expect(counts).toMatchObject({ pending: 2, scheduled: 1, running: 1, completed: 0, failed: 0, cancelled: 0, retrying: 0 });
    expect(oldestPendingCreatedAt).toBe(first.createdAt);
  });

  it.skipIf(skip)('counts jobs by queue and status, non-zero only', async () => {
    expect(await b.countByQueueStatus!()).toEqual({});
    const done = job({ queue: 'a' });
    const bad = job({ queue: 'a' });
    const flaky = job({ queue: 'a' });
    const stop = job({ queue: 'a' });
    await b.insertJobs([done, bad, flaky, stop, job({ queue: 'a' }), job({ queue: 'b' }), job({ queue: 'b' }), job({ queue: 'b', status: 'scheduled', runAt: t0 + 60_000 })]);
    await claim({ queues: ['a'], limit: 4 });
    const at = Date.now();
    await b.write({
      outcomes: [
        { kind: 'completed', id: done.id, attempt: 1, at, worker: 'w1', result: null, metrics: {} },
        { kind: 'failed', id: bad.id, attempt: 1, at, worker: 'w1', error: { class: 'permanent', message: 'x' }, metrics: {} },
        { kind: 'retrying', id: flaky.id, attempt: 1, at, worker: 'w1', error: { class: 'transient', message: 'y' }, metrics: {}, runAt: at + 60_000 },
      ],
    });
    await b.requestCancel(stop.id, at, 'stop');
    await b.write({ outcomes: [{ kind: 'cancelled', id: stop.id, attempt: 1, at, worker: 'w1', error: { class: 'cancelled', message: 'stop' }, metrics: {} }] });
    await claim({ queues: ['b'], limit: 1 });
    expect(await b.countByQueueStatus!()).toEqual({
      a: { pending: 1, completed: 1, failed: 1, retrying: 1, cancelled: 1 },
      b: { pending: 1, running: 1, scheduled: 1 },
    });
  });

  it.skipIf(skip)('deletes finished jobs by id with logs, attempts and dependency edges; refuses others', async () => {
    const done = job();
    const bad = job();
    const stop = job({ queue: 'other' });
    const open = job({ queue: 'other' });
    await b.insertJobs([done, bad, stop, open]);
    await claim({ queues: ['default'], limit: 2 });
    const at = Date.now();
    await b.write({
      outcomes: [
        { kind: 'completed', id: done.id, attempt: 1, at, worker: 'w1', result: null, metrics: {} },
        { kind: 'failed', id: bad.id, attempt: 1, at, worker: 'w1', error: { class: 'permanent', message: 'x' }, metrics: {} },
      ],
      logs: [{ jobId: done.id, ts: at, stream: 'out', line: 'bye' }],
    });
    await b.requestCancel(stop.id, at, 'no');
    // A dependent of the completed job: released at once, its edge recorded.
    const after = job({ dependencies: [{ jobId: done.id, trigger: 'success' }] });
    await b.insertJobs([after]);
    expect((await b.dependencies!.edgesOf(after.id)).dependencies.map((e) => e.dependsOn)).toEqual([done.id]);

    expect(await b.deleteJobs!([done.id, open.id, 'no-such-job', bad.id, stop.id])).toEqual([
      { id: done.id, ok: true },
      { id: open.id, ok: false, code: 'CONFLICT', message: `job ${open.id} is pending: only completed, failed or cancelled jobs can be deleted (cancel it first)` },
      { id: 'no-such-job', ok: false, code: 'NOT_FOUND', message: 'no job with id no-such-job' },
      { id: bad.id, ok: true },
      { id: stop.id, ok: true },
    ]);
    for (const id of [done.id, bad.id, stop.id]) {
      expect(await b.getJob(id)).toBeNull();
      expect(await b.getLogs(id)).toEqual([]);
      expect(await b.getAttempts(id)).toEqual([]);
    }
    expect(await b.deleteJobs!([done.id])).toEqual([{ id: done.id, ok: false, code: 'NOT_FOUND', message: `no job with id ${done.id}` }]);
    expect((await b.dependencies!.edgesOf(after.id)).dependencies).toEqual([]);
    await expect(b.dependencies!.edgesOf(done.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await b.countByStatus()).counts).toMatchObject({ pending: 2, completed: 0, failed: 0, cancelled: 0 });
    expect(await b.countByQueueStatus!()).toEqual({ default: { pending: 1 }, other: { pending: 1 } });
    expect((await b.listJobs({ limit: 50, sort: 'createdAt', order: 'asc' })).jobs.map((j) => j.id)).toEqual([open.id, after.id]);
    // The id is free again.
    await b.insertJobs([{ ...done, createdAt: Date.now(), runAt: Date.now() }]);
    expect((await b.getJob(done.id))?.status).toBe('pending');
  });

  it.skipIf(skip)('changes the priority of waiting jobs, which changes their claim order; refuses others', async () => {
    const a = job();
    const mid = job();
    const c = job();
    const sched = job({ status: 'scheduled', runAt: t0 + 60_000 });
    const running = job({ queue: 'run' });
    await b.insertJobs([a, mid, c, sched, running]);
    await claim({ queues: ['run'] });
    const parked = job({ dependencies: [{ jobId: running.id, trigger: 'success' }] });
    await b.insertJobs([parked]);
    expect((await b.getJob(parked.id))?.status).toBe('waiting');
    const now = Date.now() + 5;
    expect(await b.setPriority!([c.id, sched.id, running.id, 'no-such-job', parked.id], 3, now)).toEqual([
      { id: c.id, ok: true },
      { id: sched.id, ok: true },
      { id: running.id, ok: false, code: 'CONFLICT', message: `job ${running.id} is running: only waiting jobs (pending, scheduled, retrying, waiting) can change priority` },
      { id: 'no-such-job', ok: false, code: 'NOT_FOUND', message: 'no job with id no-such-job' },
      { id: parked.id, ok: true },
    ]);
    expect(await b.setPriority!([a.id], 0, now)).toEqual([{ id: a.id, ok: true }]);
    expect(await b.getJob(c.id)).toMatchObject({ priority: 'URGENT', status: 'pending', updatedAt: now });
    expect(await b.getJob(sched.id)).toMatchObject({ priority: 'URGENT', status: 'scheduled' });
    expect(await b.getJob(parked.id)).toMatchObject({ priority: 'URGENT', status: 'waiting' });
    expect(await b.getJob(running.id)).toMatchObject({ priority: 'NORMAL', status: 'running' });
    const urgent = await b.listJobs({ sort: 'createdAt', order: 'asc', limit: 50, priority: ['URGENT'] });
    expect(urgent.jobs.map((j) => j.id)).toEqual([c.id, sched.id, parked.id]);
    const claimed = await claim({ queues: ['default'] });
    expect(claimed.map((j) => [j.id, j.priority])).toEqual([
      [c.id, 3],
      [mid.id, 1],
      [a.id, 0],
    ]);
  });

  it.skipIf(skip)('lists running jobs past their timeout', async () => {
    const slow = job({ timeoutSeconds: 1 });
    const fine = job({ timeoutSeconds: 600 });
    await b.insertJobs([slow, fine]);
    const now = Date.now();
    await claim({ now });
    expect(await b.listOverdueRunning(now + 500, 10)).toEqual([]);
    expect((await b.listOverdueRunning(now + 2000, 10)).map((j) => j.id)).toEqual([slow.id]);
  });

  it.skipIf(skip)('deletes finished jobs before a time, only of the statuses asked', async () => {
    const old = job();
    const newer = job();
    const failed = job();
    const pending = job();
    await b.insertJobs([old, newer, failed, pending]);
    await claim({ limit: 3 });
    const at = Date.now();
    await b.write({
      outcomes: [
        { kind: 'completed', id: old.id, attempt: 1, at: at - 10_000, worker: 'w1', result: null, metrics: {} },
        { kind: 'completed', id: newer.id, attempt: 1, at, worker: 'w1', result: null, metrics: {} },
        { kind: 'failed', id: failed.id, attempt: 1, at: at - 10_000, worker: 'w1', error: { class: 'permanent', message: 'x' }, metrics: {} },
      ],
      logs: [{ jobId: old.id, ts: at, stream: 'out', line: 'bye' }],
    });
    // A dependent of the old job (released at once): retention takes the edge with the job, as deleteJobs does.
    const after = job({ dependencies: [{ jobId: old.id, trigger: 'success' }] });
    await b.insertJobs([after]);
    expect((await b.dependencies!.edgesOf(old.id)).dependents.map((e) => e.jobId)).toEqual([after.id]);
    expect(await b.deleteFinishedBefore(at - 5000, ['completed'])).toBe(1);
    expect(await b.getJob(old.id)).toBeNull();
    expect(await b.getLogs(old.id)).toEqual([]);
    expect((await b.dependencies!.edgesOf(after.id)).dependencies).toEqual([]);
    await expect(b.dependencies!.edgesOf(old.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await b.getJob(failed.id)).not.toBeNull();
    expect(await b.deleteFinishedBefore(at - 5000, ['completed', 'failed', 'cancelled', 'pending'])).toBe(1);
    expect(await b.getJob(newer.id)).not.toBeNull();
    expect(await b.getJob(pending.id)).not.toBeNull();
    expect((await b.getJob(after.id))?.status).toBe('pending');
  });

  it.skipIf(skip)('registers engines, heartbeats, and finds running jobs of engines that are gone', async () => {
    const now = Date.now();
    await b.registerEngine({ id: ENGINE, pid: 11, hostname: 'h1', startedAt: now, heartbeatAt: now, queues: null });
    await b.registerEngine({ id: 'engine-b', pid: 12, hostname: 'h2', startedAt: now + 1, heartbeatAt: now + 1, queues: ['q1'] });
    await b.heartbeat(ENGINE, now + 5000);
    const engines = await b.listEngines();
    expect(engines.map((e) => e.id).sort()).toEqual([ENGINE, 'engine-b']);
    expect(engines.find((e) => e.id === ENGINE)).toMatchObject({ pid: 11, hostname: 'h1', heartbeatAt: now + 5000, queues: null });
    expect(engines.find((e) => e.id === 'engine-b')?.queues).toEqual(['q1']);

    const mine = job();
    const theirs = job();
    await b.insertJobs([mine, theirs]);
    await claim({ limit: 1 });
    await claim({ limit: 1, engineId: 'engine-b', worker: 'wb' });
    expect(await b.orphanedRunningJobs([ENGINE, 'engine-b'])).toEqual([]);
    const orphans = await b.orphanedRunningJobs([ENGINE]);
    expect(orphans.map((o) => o.id)).toEqual([theirs.id]);
    expect(orphans[0]).toMatchObject({ attempt: 1, attemptsSinceRestart: 1, type: 'noop' });
    // The engine's recovery writes the outcome without holding the claim.
    await b.write({
      outcomes: [{ kind: 'retrying', id: theirs.id, attempt: 1, at: now, worker: null, error: { class: 'engine_crash', message: 'gone' }, metrics: {}, runAt: now }],
    });
    expect((await b.getJob(theirs.id))?.status).toBe('retrying');
    await b.unregisterEngine('engine-b');
    expect((await b.listEngines()).map((e) => e.id)).toEqual([ENGINE]);
  });
});
