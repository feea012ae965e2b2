/**
 * A large bulk submit in parts (SqliteBackend.openBulkInsert): in a started engine, the store
 * thread inserts part n while the engine validates part n + 1, all in one transaction. Real engine, file and thread;
 * the failures are real ones (a bad submission, an unknown prerequisite, a lock held by another
 * connection), each in a late part, after earlier parts were inserted inside the transaction.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { BULK_PART, BULK_THREAD_ROWS, SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import { JobManager } from '../../../src/main/engine/manager';
import { makeTempDir, testConfig } from '../../helpers/engine';
import { newJob } from '../../helpers/new-job';
import { rejection } from '../../helpers/rejection';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/**
 * A started engine with its store thread running; its queue is paused, so that what a test
 * submits stays pending (no job runs).
 */
async function openEngine(): Promise<{ m: JobManager; backend: SqliteBackend }> {
  const dir = makeTempDir('jh-bulk-parts-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const m = await JobManager.open({ config: testConfig(dir) });
  cleanup.push(() => m.close());
  await m.pauseQueue('default');
  await m.start();
  const backend = m.backend as SqliteBackend;
  expect(await backend.startStoreThread()).toBe(true);
  return { m, backend };
}

/** A bulk sent in parts (BULK_PART rows each), and an index in its last part. */
const BULK = BULK_THREAD_ROWS + BULK_PART * 2;
const LATE = BULK - BULK_PART + 7;

const jobs = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ type: 'noop', parameters: { i: from + i } }));

it('stores a bulk of several parts once, in order, counted, with one job:added per job', async () => {
  const { m, backend } = await openEngine();
  const n = BULK_THREAD_ROWS + BULK_PART * 4 + 21;
  expect(backend.openBulkInsert(n)).not.toBeNull();
  let added = 0;
  m.on('job:added', () => added++);
  const records = await m.submitJobs(jobs(n));
  expect(records).toHaveLength(n);
  expect(records.every((r, i) => r.status === 'pending' && (r.parameters as { i: number }).i === i)).toBe(true);
  expect(added).toBe(n);
  // Read back on the engine's own connection: every part committed, in submission order.
  const rows = backend.database.prepare('SELECT id, parameters FROM jobs ORDER BY seq').all() as Array<{ id: string; parameters: string }>;
  expect(rows.map((r) => r.id)).toEqual(records.map((r) => r.id));
  expect(JSON.parse(rows[n - 1]!.parameters)).toEqual({ i: n - 1 });
  expect((await backend.countByStatus()).counts.pending).toBe(n);
  // The thread's transaction is closed: the next bulk and a single submit go through.
  await m.submitJobs(jobs(BULK, n));
  await m.submitJob({ type: 'noop' });
  expect((await backend.countByStatus()).counts.pending).toBe(n + BULK + 1);
});

it('stores nothing when a submission in a late part is invalid, and says which one', async () => {
  const { m, backend } = await openEngine();
  const batch: unknown[] = jobs(BULK);
  batch[LATE] = { type: 'noop', priority: 'SOMETIMES' };
  const err = await rejection(m.submitJobs(batch as never));
  expect(err.code).toBe('VALIDATION');
  expect(err.message).toContain(`jobs[${LATE}]`);
  expect(err.message).toContain('priority');
  const recurring: unknown[] = jobs(BULK);
  recurring[LATE] = { type: 'noop', schedule: { intervalSeconds: 60 } };
  expect((await rejection(m.submitJobs(recurring as never))).message).toContain(`jobs[${LATE}]: a recurring schedule is submitted alone`);
  expect(backend.database.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
  expect((await backend.countByStatus()).counts.pending).toBe(0);
  await m.submitJobs(jobs(BULK));
  expect((await backend.countByStatus()).counts.pending).toBe(BULK);
});

it('stores nothing when the store refuses a late part (unknown prerequisite), and keeps dependencies of the rest', async () => {
  const { m, backend } = await openEngine();
  const prerequisite = await m.submitJob({ type: 'noop' });
  const batch: unknown[] = jobs(BULK);
  batch[LATE] = { type: 'noop', dependencies: [{ jobId: 'no-such-job', trigger: 'success' }] };
  const err = await rejection(m.submitJobs(batch as never));
  expect(err.code).toBe('VALIDATION');
  expect(err.message).toContain('no-such-job');
  expect(backend.database.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 1 });
  // A dependent in a late part of a bulk that commits waits for its prerequisite, as a single submit would.
  const ok: unknown[] = jobs(BULK);
  ok[LATE] = { type: 'noop', dependencies: [{ jobId: prerequisite.id, trigger: 'success' }] };
  const records = await m.submitJobs(ok as never);
  expect(records[LATE]!.status).toBe('waiting');
  expect((await m.getJob(records[LATE]!.id))!.status).toBe('waiting');
  const counts = (await backend.countByStatus()).counts;
  expect(counts.pending).toBe(BULK);
  expect(counts.waiting).toBe(1);
});

it('fails as BACKEND_UNAVAILABLE, storing nothing, when another process holds the lock past the busy timeout', async () => {
  const dir = makeTempDir('jh-bulk-parts-lock-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'jobs.db');
  const backend = new SqliteBackend({ path, busyTimeoutMs: 200 });
  await backend.open();
  cleanup.push(() => backend.close());
  await backend.startEngineUpkeep(); // as a started engine does
  expect(await backend.startStoreThread()).toBe(true);
  const other = new Database(path);
  cleanup.push(() => {
    other.close();
  });
  other.exec('BEGIN IMMEDIATE');
  const now = Date.now();
  const parts = [0, 1].map(() => Array.from({ length: BULK_PART }, () => newJob(now)));
  const bulk = backend.openBulkInsert(BULK_THREAD_ROWS)!;
  for (const part of parts) bulk.add(part);
  const err = await rejection(bulk.end(true));
  expect(err.code).toBe('BACKEND_UNAVAILABLE');
  expect(err.message).toContain('locked');
  other.exec('ROLLBACK');
  expect(backend.database.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
  // The same parts again, the lock gone: all stored.
  const again = backend.openBulkInsert(BULK_THREAD_ROWS)!;
  for (const part of parts) again.add(part);
  await again.end(true);
  expect((await backend.countByStatus()).counts.pending).toBe(BULK_PART * 2);
  // Ended without commit: nothing stored.
  const dropped = backend.openBulkInsert(BULK_THREAD_ROWS)!;
  dropped.add([newJob(now)]);
  await dropped.end(false);
  expect((await backend.countByStatus()).counts.pending).toBe(BULK_PART * 2);
});

it('inserts at once on the engine connection when the bulk is small, the engine not started or the thread off', async () => {
  const { backend } = await openEngine();
  expect(backend.openBulkInsert(BULK_THREAD_ROWS - 1)).toBeNull();
  for (const overrides of [{}, { sqliteStoreThread: false }]) {
    const dir = makeTempDir('jh-bulk-parts-off-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const m = await JobManager.open({ config: testConfig(dir, overrides) });
    cleanup.push(() => m.close());
    const b = m.backend as SqliteBackend;
    // A client (the CLI submitting a file) does not start a thread for its bulks.
    expect(await b.startStoreThread()).toBe(false);
    expect(b.openBulkInsert(BULK)).toBeNull();
    await m.submitJobs(jobs(BULK));
    expect(b.usesStoreThread).toBe(false);
    expect((await b.countByStatus()).counts.pending).toBe(BULK);
  }
});
