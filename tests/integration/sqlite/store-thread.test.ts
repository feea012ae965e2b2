/**
 * The SQLite store thread (sqlite-store-thread.ts): a started engine's claims and outcome writes
 * run on a second connection in a worker thread. Real engine, worker processes and file; the
 * failure cases use a real lock held by a third connection and a real thread termination.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { StoreThread } from '../../../src/main/engine/backend/sqlite/sqlite-store-thread';
import { JobManager } from '../../../src/main/engine/manager';
import { AppError } from '../../../src/shared/errors';
import { makeTempDir, testConfig } from '../../helpers/engine';
import { newJob } from '../../helpers/new-job';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = makeTempDir('jh-store-thread-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function openBackend(options: { busyTimeoutMs?: number } = {}): Promise<{ backend: SqliteBackend; path: string }> {
  const path = join(tempDir(), 'jobs.db');
  const backend = new SqliteBackend({ path, ...options });
  await backend.open();
  cleanup.push(() => backend.close());
  return { backend, path };
}

/** The thread of a backend, for the failure-injection case (a thread crash). */
const threadOf = (b: SqliteBackend) => (b as unknown as { storeThread: StoreThread | null }).storeThread;

it('runs a busy engine on the store thread: every job claimed once, completed and counted', async () => {
  const dir = tempDir();
  const m = await JobManager.open({ config: testConfig(dir, { workers: { min: 2, max: 2, concurrency: 200 } }) });
  cleanup.push(() => m.close());
  const backend = m.backend as SqliteBackend;
  const started = new Map<string, number>();
  m.on('job:started', (e) => started.set(e.id, (started.get(e.id) ?? 0) + 1));
  await m.start();
  // Started now rather than with the first batch (the thread's own start-up, with tsx from source,
  // can outlast this whole test's work); then a backlog makes batches of 200 for it.
  expect(await backend.startStoreThread()).toBe(true);
  const jobs = await m.submitJobs(Array.from({ length: 3000 }, (_, i) => ({ type: 'noop', parameters: { i }, priority: i % 7 === 0 ? 'URGENT' : 'NORMAL' })));
  await expect.poll(async () => (await backend.countByStatus()).counts.completed, { timeout: 60_000, interval: 100 }).toBe(3000);
  expect(backend.usesStoreThread).toBe(true);
  // Read back through the main connection: what the thread committed is there, once per job.
  const counts = (await backend.countByStatus()).counts;
  expect(counts).toMatchObject({ pending: 0, running: 0, completed: 3000, failed: 0 });
  for (const j of jobs) expect(started.get(j.id)).toBe(1);
  const rows = backend.database.prepare("SELECT status, attempts, worker, finished_at FROM jobs WHERE status = 'completed'").all() as Array<{
    attempts: number;
    worker: string | null;
    finished_at: number | null;
  }>;
  expect(rows).toHaveLength(3000);
  for (const r of rows) {
    expect(r.attempts).toBe(1);
    expect(r.worker).toMatch(/\S/);
    expect(r.finished_at).toBeGreaterThan(0);
  }
});

/** A write the thread takes even when idle (THREAD_BATCH rows or more): progress of no running job, so it changes nothing. */
const batchOfNothing = () => ({ progress: Array.from({ length: 64 }, (_, i) => ({ id: `none-${i}`, progress: 1, message: null })) });

async function threadedBackend(options: { busyTimeoutMs?: number } = {}) {
  const opened = await openBackend(options);
  await opened.backend.startEngineUpkeep();
  expect(await opened.backend.startStoreThread()).toBe(true);
  return opened;
}

it('starts the thread with the first batch, not before: an idle engine has none', async () => {
  const { backend } = await openBackend();
  await backend.startEngineUpkeep();
  const now = Date.now();
  await backend.insertJobs(Array.from({ length: 10 }, () => newJob(now)));
  await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 5, now });
  expect(backend.usesStoreThread).toBe(false);
  await backend.write(batchOfNothing());
  await expect.poll(() => backend.usesStoreThread, { timeout: 10_000 }).toBe(true);
});

it("answers a failed request with the store's own AppError (a lock held past the busy timeout)", async () => {
  const { backend, path } = await threadedBackend({ busyTimeoutMs: 100 });
  const job = newJob(Date.now());
  await backend.insertJobs([job]);
  const other = new Database(path);
  other.prepare('BEGIN IMMEDIATE').run();
  try {
    const err = await backend.write(batchOfNothing()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('locked by another process') });
  } finally {
    other.prepare('ROLLBACK').run();
    other.close();
  }
  // The thread goes on after a failed request.
  await backend.write(batchOfNothing());
  const claimed = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now: Date.now() });
  expect(claimed.map((j) => j.id)).toEqual([job.id]);
});

it('goes on with its own connection when the thread dies; requests in flight fail as BACKEND_UNAVAILABLE', async () => {
  const { backend } = await threadedBackend();
  const thread = threadOf(backend)!;
  const now = Date.now();
  await backend.insertJobs(Array.from({ length: 5 }, () => newJob(now)));
  // A request sent just before the thread ends (its answer cannot arrive in between): it fails,
  // it is not left hanging.
  const inFlight = expect(backend.write(batchOfNothing())).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  expect(thread.busy).toBe(true);
  await thread.terminate();
  await inFlight;
  await expect.poll(() => backend.usesStoreThread, { timeout: 5000 }).toBe(false);
  // The main connection takes over, and no new thread is started.
  const claimed = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now });
  expect(claimed).toHaveLength(5);
  await backend.write({
    outcomes: claimed.map((j) => ({ kind: 'completed' as const, id: j.id, attempt: j.attempt, at: now, worker: 'w1', result: null, metrics: {} })),
    ...batchOfNothing(),
  });
  expect((await backend.countByStatus()).counts).toMatchObject({ pending: 0, running: 0, completed: 5 });
  expect(backend.usesStoreThread).toBe(false);
});

it('queues a submit behind the busy thread, with the same errors as on the main connection', async () => {
  const { backend } = await threadedBackend();
  const now = Date.now();
  const first = newJob(now);
  await backend.insertJobs([first]);
  // A batch in flight keeps the thread busy: the submit goes through the thread, after it.
  const busy = backend.write(batchOfNothing());
  expect(threadOf(backend)!.busy).toBe(true);
  const second = newJob(now, { dependencies: [{ jobId: first.id, trigger: 'success' }] });
  await backend.insertJobs([second]);
  await busy;
  expect((await backend.getJob(second.id))?.status).toBe('waiting');
  const busyAgain = backend.write(batchOfNothing());
  expect(threadOf(backend)!.busy).toBe(true);
  await expect(backend.insertJobs([first])).rejects.toMatchObject({ code: 'CONFLICT' });
  await busyAgain;
  // The dependency edge written through the thread releases the dependent when its prerequisite completes.
  const claimed = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now });
  expect(claimed.map((j) => j.id)).toEqual([first.id]);
  await backend.write({ outcomes: [{ kind: 'completed', id: first.id, attempt: 1, at: now, worker: 'w1', result: { ok: true }, metrics: {} }] });
  expect((await backend.getJob(second.id))?.status).toBe('pending');
  expect((await backend.getJob(first.id))?.result).toEqual({ ok: true });
});
