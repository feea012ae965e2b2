/**
 * The store's hot statements hand their rows to SQLite as JSON: a claim's rows come back as JSON
 * text that SQLite writes (json_array), and a batch's completions go in as JSON text that SQLite
 * reads (json_each in COMPLETED_SQL). Checked on a real file, on the engine's own connection and
 * through the store thread: values round-trip exactly, stale completions change nothing, counts
 * stay exact, and the completion's plan looks each job up by id.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPLETED_SQL, SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { ClaimedJob, JobOutcome, NewJob } from '../../../src/main/engine/backend/queue-backend';
import { makeTempDir } from '../../helpers/engine';
import { newJob } from '../../helpers/new-job';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function openBackend(storeThread: boolean): Promise<SqliteBackend> {
  const dir = makeTempDir('jh-store-statements-');
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const backend = new SqliteBackend({ path: join(dir, 'jobs.db') });
  await backend.open();
  cleanup.push(() => backend.close());
  if (storeThread) {
    await backend.startEngineUpkeep();
    expect(await backend.startStoreThread()).toBe(true);
  }
  return backend;
}

/** Values JSON text must carry exactly: quotes, backslashes, control characters, non-BMP text, doubles that need 17 digits. */
const awkward = (i: number) => ({
  i,
  text: `say "hi" \\ back\nslash\t${i} ünï 𝄞 \u0001`,
  third: 0.1 + 0.2,
  tiny: 1e-7 * (i + 1),
  big: 2 ** 53 - 1 - i,
  nested: [{ a: null, b: [true, false] }, []],
});

const recount = (b: SqliteBackend) =>
  Object.fromEntries(
    (b.database.prepare('SELECT queue, status, COUNT(*) AS n FROM jobs GROUP BY queue, status ORDER BY 1, 2').all() as Array<{ queue: string; status: string; n: number }>).map(
      (r) => [`${r.queue}/${r.status}`, r.n],
    ),
  );
const kept = (b: SqliteBackend) =>
  Object.fromEntries(
    (b.database.prepare('SELECT queue, status, n FROM job_counts WHERE n <> 0 ORDER BY 1, 2').all() as Array<{ queue: string; status: string; n: number }>).map((r) => [
      `${r.queue}/${r.status}`,
      r.n,
    ]),
  );

describe.each([
  ['on the engine connection', false],
  ['through the store thread', true],
])('claims and completions as JSON, %s', (_label, storeThread) => {
  it('round-trips every claimed field and result, skips stale completions and keeps counts exact', async () => {
    const backend = await openBackend(storeThread);
    const now = Date.now();
    const jobs: NewJob[] = Array.from({ length: 170 }, (_, i) =>
      newJob(now + i, {
        queue: i % 2 ? 'odd' : 'even',
        parameters: awkward(i),
        priority: i % 4,
        maxRetries: i % 5,
        retryDelaySeconds: 0.25 * i,
        timeoutSeconds: 1.5 + i,
        limits: i % 3 ? { ratePool: `pool-${i % 3}`, maxMemoryMb: 64 } : {},
      }),
    );
    await backend.insertJobs(jobs);
    // 80 + 80: the second claim is a batch (its guess is the first's 80 rows), so with the thread
    // running it is served there; 10 jobs stay pending.
    const claimed: ClaimedJob[] = [];
    for (let k = 0; k < 2; k++) claimed.push(...(await backend.claimJobs({ engineId: 'e', worker: `w${k}`, limit: 80, now: now + 1000 })));
    expect(backend.usesStoreThread).toBe(storeThread);
    expect(claimed).toHaveLength(160);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    for (const c of claimed) {
      const j = byId.get(c.id)!;
      expect(c).toMatchObject({
        type: j.type,
        queue: j.queue,
        parameters: j.parameters,
        attempt: 1,
        maxRetries: j.maxRetries,
        retryDelaySeconds: j.retryDelaySeconds,
        timeoutSeconds: j.timeoutSeconds,
        limits: j.limits,
      });
    }
    const pending = jobs.filter((j) => !claimed.some((c) => c.id === j.id));
    expect(pending).toHaveLength(10);

    const at = now + 2000;
    const done = claimed.slice(0, 150);
    const outcomes: JobOutcome[] = done.map((c, i) => ({
      kind: 'completed',
      id: c.id,
      attempt: 1,
      at: at + i,
      worker: `w"${i}`,
      result: i % 10 === 0 ? undefined : { ...awkward(i), echo: c.parameters },
      metrics: { durationMs: i, peakMemoryMb: 0.1 + 0.2 },
    }));
    // Stale: a completion of an attempt the job is not on, and one of a job nobody claimed.
    const staleAttempt = claimed[150]!;
    outcomes.push({ kind: 'completed', id: staleAttempt.id, attempt: 2, at, worker: 'w', result: 'stale', metrics: {} });
    outcomes.push({ kind: 'completed', id: pending[0]!.id, attempt: 1, at, worker: 'w', result: 'stale', metrics: {} });
    await backend.write({ outcomes });

    for (const [i, c] of done.entries()) {
      const job = (await backend.getJob(c.id))!;
      expect(job).toMatchObject({ status: 'completed', progress: 100, worker: `w"${i}`, finishedAt: at + i, error: null });
      expect(job.result).toEqual(i % 10 === 0 ? null : { ...awkward(i), echo: c.parameters });
      expect(job.metrics).toEqual({ durationMs: i, peakMemoryMb: 0.1 + 0.2 });
    }
    expect((await backend.getJob(staleAttempt.id))!).toMatchObject({ status: 'running', result: null });
    expect((await backend.getJob(pending[0]!.id))!).toMatchObject({ status: 'pending', result: null });
    expect(kept(backend)).toEqual(recount(backend));
    expect((await backend.countByStatus()).counts).toMatchObject({ pending: 10, running: 10, completed: 150 });
  });
});

it('looks each completed job up by its id, never through the status index', async () => {
  const backend = await openBackend(false);
  const now = Date.now();
  await backend.insertJobs(Array.from({ length: 500 }, (_, i) => newJob(now + i)));
  await backend.claimJobs({ engineId: 'e', worker: 'w', limit: 400, now });
  // No ANALYZE, as in the store (it never runs one): without `+status` the planner then walks jobs_status.
  const plan = (backend.database.prepare(`EXPLAIN QUERY PLAN ${COMPLETED_SQL}`).all('[]') as Array<{ detail: string }>).map((r) => r.detail);
  expect(plan[0]).toMatch(/^SCAN (c|json_each)\b/);
  expect(plan.some((d) => /^SEARCH jobs USING INDEX sqlite_autoindex_jobs_1 \(id=\?\)/.test(d))).toBe(true);
  expect(plan.join(' | ')).not.toMatch(/jobs_status|SCAN jobs/);
});
