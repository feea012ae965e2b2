/**
 * Fetch-next on Redis: a completion asks BullMQ's moveToFinished for the queue's next job in the
 * same call (as a plain BullMQ Worker does), and jhSettle marks it as this engine's in the same
 * MULTI. Those jobs wait in the backend for the next claim ("ready"). These tests check that they
 * are handed out in order with the claim's worker, and that a ready job no claim takes goes back
 * to waiting with its attempt not counted: after a while, when the governor holds it back, when
 * its queue is left out, and when the backend closes.
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import type { JobOutcome, NewJob } from '../../../src/main/engine/backend/queue-backend';
import { waitUntil } from '../../helpers/engine';
import { uniqueRedisPrefix } from './redis-test-util';
import { newJob as jobRow } from '../../helpers/new-job';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function newJob(id: string, at: number, type = 'sleep'): NewJob {
  return jobRow(at, { id, type, parameters: { id }, maxRetries: 0, retryDelaySeconds: 0 });
}

type Target = { url: string } | { cluster: string[] };
const targets: Array<[string, Target | null]> = [
  ['a single node', redis.single ? { url: redis.single } : null],
  ['a 3-master cluster', redis.cluster ? { cluster: redis.cluster } : null],
];

async function openBackend(target: Target, prefix = uniqueRedisPrefix()): Promise<RedisBackend> {
  const b = new RedisBackend({ ...target, prefix });
  await b.open();
  cleanups.push(async () => {
    await b.removeAllData().catch(() => undefined);
    await b.close();
  });
  return b;
}

const completed = (id: string, attempt: number, worker = 'w1'): JobOutcome => ({
  kind: 'completed',
  id,
  attempt,
  at: Date.now(),
  worker,
  result: { ok: id },
  metrics: {},
});

/** Insert `n` jobs j1…jn (FIFO by creation), claim the first `claim` of them for worker w1 of engine e1. */
async function seeded(b: RedisBackend, n: number, claim: number, type = 'sleep') {
  const t = Date.now() - 10_000;
  await b.insertJobs(Array.from({ length: n }, (_, i) => newJob(`j${i + 1}`, t + i, type)));
  return b.claimJobs({ engineId: 'e1', worker: 'w1', limit: claim, now: Date.now() });
}

describe.each(targets)('fetch-next on Redis, %s', (_name, target) => {
  if (!target) {
    it.skip('needs the Redis of the global setup', () => undefined);
    return;
  }
  it("a completion fetches the queue's next job, marked as this engine's; the next claim hands it out in order", async () => {
    const b = await openBackend(target);
    const first = await seeded(b, 5, 2);
    expect(first.map((j) => j.id)).toEqual(['j1', 'j2']);
    await b.write({ outcomes: [completed('j1', first[0]!.attempt), completed('j2', first[1]!.attempt)] });
    expect((await b.getJob('j1'))?.status).toBe('completed');
    // j3 and j4 were fetched by the two completions: running, this engine's, first attempt.
    for (const id of ['j3', 'j4']) expect(await b.getJob(id)).toMatchObject({ status: 'running', attempts: 1, worker: 'w1' });
    expect((await b.getJob('j5'))?.status).toBe('pending');

    const next = await b.claimJobs({ engineId: 'e1', worker: 'w2', limit: 3, now: Date.now() });
    expect(next.map((j) => [j.id, j.attempt])).toEqual([['j3', 1], ['j4', 1], ['j5', 1]]);
    expect(next[0]!.parameters).toEqual({ id: 'j3' });
    // The worker recorded on the fetched jobs is the one that got them.
    expect((await b.getJob('j3'))?.worker).toBe('w2');
    await b.write({ outcomes: next.map((j) => completed(j.id, j.attempt, 'w2')) });
    for (const id of ['j3', 'j4', 'j5']) expect(await b.getJob(id)).toMatchObject({ status: 'completed', attempts: 1, result: { ok: id } });
  });

  it('a fetched job that no claim takes goes back to waiting, its attempt not counted', async () => {
    const b = await openBackend(target);
    const [j1] = await seeded(b, 3, 1);
    await b.write({ outcomes: [completed('j1', j1!.attempt)] });
    expect((await b.getJob('j2'))?.status).toBe('running');
    await waitUntil(async () => (await b.getJob('j2'))?.status === 'pending', 'the fetched job to go back to waiting', 5000, 50);
    expect(await b.getJob('j2')).toMatchObject({ status: 'pending', attempts: 0, startedAt: null });
    const again = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 2, now: Date.now() });
    expect(again.map((j) => [j.id, j.attempt])).toEqual([['j2', 1], ['j3', 1]]);
  });

  it('a claim the governor constrains hands back the fetched jobs it must not run', async () => {
    const b = await openBackend(target);
    const [j1] = await seeded(b, 3, 1);
    await b.write({ outcomes: [completed('j1', j1!.attempt)] });
    const held = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 2, now: Date.now(), excludeTypes: ['sleep'] });
    expect(held).toEqual([]);
    expect(await b.getJob('j2')).toMatchObject({ status: 'pending', attempts: 0 });
    const later = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now: Date.now() });
    expect(later.map((j) => [j.id, j.attempt])).toEqual([['j2', 1]]);
  });

  it('nothing is fetched for a queue the last claim left out (paused), and fetched jobs of such a queue go back', async () => {
    const b = await openBackend(target);
    const [j1, j2] = await seeded(b, 4, 2);
    // The engine's next claim leaves the queue out (say it was paused meanwhile).
    expect(await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 5, now: Date.now(), excludeQueues: ['default'] })).toEqual([]);
    await b.write({ outcomes: [completed('j1', j1!.attempt)] });
    expect((await b.getJob('j3'))?.status).toBe('pending');
    // Allowed again: the completion fetches; then a claim that leaves the queue out hands it back.
    await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now: Date.now() }); // j3, fills → backlog
    await b.write({ outcomes: [completed('j2', j2!.attempt)] });
    expect((await b.getJob('j4'))?.status).toBe('running');
    expect(await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 5, now: Date.now(), excludeQueues: ['default'] })).toEqual([]);
    expect(await b.getJob('j4')).toMatchObject({ status: 'pending', attempts: 0 });
  });

  it('fetched jobs go back to waiting when the backend closes; another engine then runs them', async () => {
    const prefix = uniqueRedisPrefix();
    const b = new RedisBackend({ ...target, prefix });
    await b.open();
    const [j1] = await seeded(b, 2, 1);
    await b.write({ outcomes: [completed('j1', j1!.attempt)] });
    expect((await b.getJob('j2'))?.status).toBe('running');
    await b.close();
    const other = await openBackend(target, prefix);
    expect(await other.getJob('j2')).toMatchObject({ status: 'pending', attempts: 0 });
    const got = await other.claimJobs({ engineId: 'e2', worker: 'w9', limit: 1, now: Date.now() });
    expect(got.map((j) => [j.id, j.attempt])).toEqual([['j2', 1]]);
    expect((await other.getJob('j2'))?.worker).toBe('w9');
  });
});
