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

it('runs a started engine on the store thread: every job claimed once, completed and counted', async () => {
  const dir = tempDir();
  const m = await JobManager.open({ config: testConfig(dir, { workers: { min: 2, max: 2, concurrency: 50 } }) });
  cleanup.push(() => m.close());
  await m.start();
  const backend = m.backend as SqliteBackend;
  expect(backend.usesStoreThread).toBe(true);
  const started = new Map<string, number>();
  m.on('job:started', (e) => started.set(e.id, (started.get(e.id) ?? 0) + 1));
  const jobs = await m.submitJobs(Array.from({ length: 600 }, (_, i) => ({ type: 'noop', parameters: { i }, priority: i % 7 === 0 ? 'URGENT' : 'NORMAL' })));
  await expect.poll(async () => (await backend.countByStatus()).counts.completed, { timeout: 30_000, interval: 100 }).toBe(600);
  // Read back through the main connection: what the thread committed is there, once per job.
  const counts = (await backend.countByStatus()).counts;
  expect(counts).toMatchObject({ pending: 0, running: 0, completed: 600, failed: 0 });
  for (const j of jobs) expect(started.get(j.id)).toBe(1);
  const rows = backend.database.prepare("SELECT status, attempts, worker, finished_at FROM jobs WHERE status = 'completed'").all() as Array<{
    attempts: number;
    worker: string | null;
    finished_at: number | null;
  }>;
  expect(rows).toHaveLength(600);
  for (const r of rows) {
    expect(r.attempts).toBe(1);
    expect(r.worker).toMatch(/\S/);
    expect(r.finished_at).toBeGreaterThan(0);
  }
});

it("answers a failed request with the store's own AppError (a lock held past the busy timeout)", async () => {
  const { backend, path } = await openBackend({ busyTimeoutMs: 100 });
  await backend.startEngineUpkeep();
  expect(backend.usesStoreThread).toBe(true);
  await backend.insertJobs([newJob(Date.now())]);
  const other = new Database(path);
  other.prepare('BEGIN IMMEDIATE').run();
  try {
    const err = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now: Date.now() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringContaining('locked by another process') });
  } finally {
    other.prepare('ROLLBACK').run();
    other.close();
  }
  // Nothing was claimed by the failed request: the job is still there to claim.
  const claimed = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now: Date.now() });
  expect(claimed).toHaveLength(1);
});

it('goes on with its own connection when the thread dies; requests in flight fail as BACKEND_UNAVAILABLE', async () => {
  const { backend } = await openBackend();
  await backend.startEngineUpkeep();
  const thread = threadOf(backend);
  expect(thread).not.toBeNull();
  const now = Date.now();
  await backend.insertJobs(Array.from({ length: 5 }, () => newJob(now)));
  // A claim sent just before the thread ends: answered or failed, never left hanging.
  const inFlight = backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 2, now }).then(
    (jobs) => ({ jobs }),
    (err: unknown) => ({ err }),
  );
  await thread!.terminate();
  const settled = await inFlight;
  if ('err' in settled) expect(settled.err).toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  await expect.poll(() => backend.usesStoreThread, { timeout: 5000 }).toBe(false);
  // The main connection takes over: the rest is claimed there. A claim the dying thread committed
  // without answering leaves its jobs running under this engine (the timeout check ends them):
  // every job is either handed out or held by this engine, none is lost or claimed twice.
  const rest = await backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now });
  const handedOut = [...('jobs' in settled ? settled.jobs : []), ...rest].map((j) => j.id);
  expect(new Set(handedOut).size).toBe(handedOut.length);
  const counts = (await backend.countByStatus()).counts;
  expect(counts).toMatchObject({ pending: 0, running: 5 });
  expect(handedOut.length).toBeGreaterThanOrEqual(3);
  await backend.write({
    outcomes: rest.map((j) => ({ kind: 'completed' as const, id: j.id, attempt: j.attempt, at: now, worker: 'w1', result: null, metrics: {} })),
  });
  expect((await backend.countByStatus()).counts.completed).toBe(rest.length);
});

it('queues a submit behind the busy thread, with the same errors as on the main connection', async () => {
  const { backend } = await openBackend();
  await backend.startEngineUpkeep();
  const now = Date.now();
  const first = newJob(now);
  await backend.insertJobs([first]);
  // A claim in flight keeps the thread busy: the submit goes through the thread, after the claim.
  const claim = backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now });
  expect(threadOf(backend)!.busy).toBe(true);
  const second = newJob(now, { dependencies: [{ jobId: first.id, trigger: 'success' }] });
  await backend.insertJobs([second]);
  expect((await claim).map((j) => j.id)).toEqual([first.id]);
  expect((await backend.getJob(second.id))?.status).toBe('waiting');
  const again = backend.claimJobs({ engineId: 'e1', worker: 'w1', limit: 10, now });
  expect(threadOf(backend)!.busy).toBe(true);
  await expect(backend.insertJobs([first])).rejects.toMatchObject({ code: 'CONFLICT' });
  expect(await again).toEqual([]);
  // The dependency edge written through the thread releases the dependent when its prerequisite completes.
  await backend.write({ outcomes: [{ kind: 'completed', id: first.id, attempt: 1, at: now, worker: 'w1', result: { ok: true }, metrics: {} }] });
  expect((await backend.getJob(second.id))?.status).toBe('pending');
  expect((await backend.getJob(first.id))?.result).toEqual({ ok: true });
});
