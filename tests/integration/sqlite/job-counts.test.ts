/**
 * The trigger-kept job_counts table (migration 5) stays equal to a full recount of the jobs table
 * through every kind of write: insert, claim, each outcome, cancel, restart, promotion of delayed
 * jobs, cleanup and bulk delete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { NewJob } from '../../../src/main/engine/backend/queue-backend';
import { newJob } from '../../helpers/new-job';

let dir: string;
let backend: SqliteBackend;
afterEach(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

function job(i: number, queue: string, now: number, runAt = now, dependencies: NewJob['dependencies'] = []): NewJob {
  const status = runAt > now ? 'scheduled' : 'pending';
  return newJob(now, { queue, parameters: { i }, priority: i % 4, status, runAt, maxRetries: 3, retryDelaySeconds: 0, dependencies });
}

function recount(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of backend.database.prepare('SELECT queue, status, COUNT(*) AS n FROM jobs GROUP BY queue, status').all() as Array<{ queue: string; status: string; n: number }>) {
    out[`${r.queue}/${r.status}`] = r.n;
  }
  return out;
}

function kept(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of backend.database.prepare('SELECT queue, status, n FROM job_counts WHERE n <> 0').all() as Array<{ queue: string; status: string; n: number }>) {
    out[`${r.queue}/${r.status}`] = r.n;
  }
  return out;
}

describe('job_counts', () => {
  it('matches a recount after every kind of write', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jh-counts-'));
    backend = new SqliteBackend({ path: join(dir, 'jobs.db') });
    await backend.open();
    const now = 1_000_000;
    await backend.insertJobs([
      ...Array.from({ length: 30 }, (_, i) => job(i, 'a', now)),
      ...Array.from({ length: 10 }, (_, i) => job(i, 'b', now, now + 5000)),
    ]);
    expect(kept()).toEqual(recount());

    const claimed = await backend.claimJobs({ engineId: 'e', worker: 'w', limit: 20, now });
    expect(kept()).toEqual(recount());
    const [c0, c1, c2, c3, c4] = claimed;
    await backend.write({
      outcomes: [
        { kind: 'completed', id: c0!.id, attempt: 1, at: now, worker: 'w', result: null, metrics: {} },
        { kind: 'failed', id: c1!.id, attempt: 1, at: now, worker: 'w', error: { class: 'permanent', message: 'x' }, metrics: {} },
        { kind: 'retrying', id: c2!.id, attempt: 1, at: now, worker: 'w', error: { class: 'transient', message: 'x' }, metrics: {}, runAt: now + 10 },
        { kind: 'cancelled', id: c3!.id, attempt: 1, at: now, worker: 'w', error: { class: 'cancelled', message: 'x' }, metrics: {} },
        { kind: 'released', id: c4!.id, attempt: 1, at: now, worker: 'w' },
      ],
    });
    expect(kept()).toEqual(recount());

    await backend.requestCancel(claimed[5]!.id, now, 'stop'); // running: flagged only
    const waiting = (await backend.listJobs({ status: ['pending'], sort: 'createdAt', order: 'asc', limit: 1 })).jobs[0]!;
    await backend.requestCancel(waiting.id, now, 'stop');
    await backend.restartJob(c1!.id, now);
    expect(await backend.promoteDueJobs(now + 6000)).toBe(11);
    expect(kept()).toEqual(recount());

    expect(await backend.deleteFinishedBefore(now + 1, ['completed', 'failed', 'cancelled'])).toBeGreaterThan(0);
    await backend.deleteJobs?.([c3!.id, c0!.id]);
    expect(kept()).toEqual(recount());

    const { counts } = await backend.countByStatus();
    const fromRecount = Object.entries(recount()).reduce<Record<string, number>>((acc, [k, n]) => {
      const status = k.split('/')[1]!;
      acc[status] = (acc[status] ?? 0) + n;
      return acc;
    }, {});
    for (const [status, n] of Object.entries(counts)) expect(n, status).toBe(fromRecount[status] ?? 0);
  });

  it('matches a recount through dependency waits, releases, cascaded cancels and re-opens', async () => {
    dir = mkdtempSync(join(tmpdir(), 'jh-counts-'));
    backend = new SqliteBackend({ path: join(dir, 'jobs.db') });
    await backend.open();
    const now = 2_000_000;
    const a = job(0, 'q1', now);
    const b = job(1, 'q2', now);
    await backend.insertJobs([a, b]);
    // c waits for a's success, d (another queue, delayed) for c's; e waits for b's failure.
    const c = job(2, 'q1', now, now, [{ jobId: a.id, trigger: 'success' }]);
    const d = job(3, 'q3', now, now + 60_000, [{ jobId: c.id, trigger: 'success' }]);
    const e = job(4, 'q2', now, now, [{ jobId: b.id, trigger: 'failure' }]);
    await backend.insertJobs([c, d, e]);
    expect(kept()).toEqual(recount());
    expect(kept()['q1/waiting']).toBe(1);

    const claimed = await backend.claimJobs({ engineId: 'e', worker: 'w', limit: 2, now });
    expect(claimed.map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
    expect(kept()).toEqual(recount());
    // a fails: c and then d are cancelled down the graph. b completes: e can never run either.
    await backend.write({
      outcomes: [
        { kind: 'failed', id: a.id, attempt: 1, at: now, worker: 'w', error: { class: 'permanent', message: 'x' }, metrics: {} },
        { kind: 'completed', id: b.id, attempt: 1, at: now, worker: 'w', result: null, metrics: {} },
      ],
    });
    expect(kept()).toEqual(recount());
    expect(kept()['q3/cancelled']).toBe(1);

    // Restart a: c and d re-open (waiting); a runs again and succeeds: c is released.
    await backend.restartJob(a.id, now + 1);
    expect(kept()).toEqual(recount());
    const [again] = await backend.claimJobs({ engineId: 'e', worker: 'w', limit: 1, now: now + 2, queues: ['q1'] });
    expect(again!.id).toBe(a.id);
    await backend.write({ outcomes: [{ kind: 'completed', id: a.id, attempt: again!.attempt, at: now + 3, worker: 'w', result: null, metrics: {} }] });
    expect(kept()).toEqual(recount());
    expect(kept()['q1/pending']).toBe(1);

    // Cancel a waiting dependent; delete finished jobs one by one and by age.
    await backend.requestCancel(d.id, now + 4, 'not needed');
    await backend.deleteJobs?.([b.id, e.id, c.id]);
    expect(kept()).toEqual(recount());
    await backend.deleteFinishedBefore(now + 10, ['completed', 'failed', 'cancelled']);
    expect(kept()).toEqual(recount());
  });
});
