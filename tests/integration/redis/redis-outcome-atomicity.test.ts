/**
 * The cause of a flaky cancel test: an outcome used to be BullMQ's move and then, in further round
 * trips, JobHandle's fields. A reader polling in between (a client manager's waitForJob) saw the
 * job in BullMQ's failed set without `jh:st`/`jh:err`, so a cancelled job read as "failed,
 * transient" (BullMQ's failedReason). Now the move and the fields go in one MULTI. These tests
 * watch a dedicated Redis with MONITOR, so no other client's command can be mistaken for ours,
 * and check that the fields are written in the same transaction as the move; and that claimed
 * jobs keep their locks with a short lock duration and an eager stalled checker.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import type { NewJob } from '../../../src/main/engine/backend/queue-backend';
import { waitUntil } from '../../helpers/engine';
import { startRedisServer } from '../../helpers/redis-server';
import { uniqueRedisPrefix } from './redis-test-util';
import { newJob as jobRow } from '../../helpers/new-job';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function newJob(id: string, now: number): NewJob {
  return jobRow(now, { id, type: 'sleep', maxRetries: 0, retryDelaySeconds: 0 });
}

async function openBackend(url: string, over: Partial<ConstructorParameters<typeof RedisBackend>[0]> = {}): Promise<RedisBackend> {
  const b = new RedisBackend({ url, prefix: uniqueRedisPrefix(), ...over });
  await b.open();
  cleanups.push(() => b.close());
  return b;
}

describe.skipIf(!redis.canSpawn)('outcomes on Redis are atomic', () => {
  it('a cancelled outcome: BullMQ move and JobHandle fields in one MULTI, so no reader sees "failed, transient"', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.destroy());
    const b = await openBackend(server.url);
    const now = Date.now();
    await b.insertJobs([newJob('job-1', now)]);
    const [claimed] = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now });
    expect(claimed?.id).toBe('job-1');

    const monitor = new Redis(server.url);
    cleanups.push(async () => monitor.disconnect());
    const lines: string[] = [];
    const mon = await monitor.monitor();
    mon.on('monitor', (_time: string, args: string[]) => lines.push(args.join(' ')));
    cleanups.push(async () => mon.disconnect());
    await new Promise((r) => setTimeout(r, 100));

    await b.write({
      outcomes: [
        { kind: 'cancelled', id: 'job-1', attempt: claimed!.attempt, at: now + 5, worker: 'w1', error: { class: 'cancelled', message: 'stop it' }, metrics: {} },
      ],
    });
    // The EXEC after the move: another MULTI of the backend (a heartbeat) may be monitored first.
    const moveAt = () => lines.findIndex((l) => /^zadd \S+:failed \d+ job-1$/i.test(l));
    await waitUntil(() => moveAt() >= 0 && lines.some((l, i) => i > moveAt() && /^exec$/i.test(l)), 'the EXEC of the move to be monitored', 5000, 20);

    // The ZADD into BullMQ's failed set (inside moveToFinished) and the HSET of jh:st=cancelled
    // (inside jhSettle) sit between the same MULTI and EXEC.
    const move = moveAt();
    const fields = lines.findIndex((l) => /^hset .*job-1 .*jh:st cancelled/i.test(l));
    expect(move).toBeGreaterThan(-1);
    expect(fields).toBeGreaterThan(move);
    const multi = lines.slice(0, move).map((l) => l.toLowerCase()).lastIndexOf('multi');
    const exec = lines.findIndex((l, i) => i > move && /^exec$/i.test(l));
    expect(multi).toBeGreaterThan(-1);
    expect(exec).toBeGreaterThan(fields);
    expect(lines.slice(multi, exec).some((l) => /^exec$/i.test(l))).toBe(false);

    const job = await b.getJob('job-1');
    expect(job).toMatchObject({ status: 'cancelled', error: { class: 'cancelled', message: 'stop it' } });
    expect((await b.getAttempts('job-1')).map((a) => a.outcome)).toEqual(['cancelled']);
  });

  it('a stale outcome (another attempt now runs) writes nothing', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.destroy());
    const b = await openBackend(server.url);
    const now = Date.now();
    await b.insertJobs([newJob('job-2', now)]);
    const [claimed] = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now });
    await b.write({ outcomes: [{ kind: 'released', id: 'job-2', attempt: claimed!.attempt, at: now, worker: 'w1' }] });
    const [again] = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now });
    expect(again?.attempt).toBe(claimed!.attempt); // a released attempt is not counted
    // The first claim's outcome arrives late: its lock token is gone.
    const other = await openBackend(server.url, { prefix: (b as unknown as { target: { prefix: string } }).target.prefix });
    await other.write({ outcomes: [{ kind: 'failed', id: 'job-2', attempt: 99, at: now, worker: 'w1', error: { class: 'transient', message: 'late' }, metrics: {} }] });
    expect((await b.getJob('job-2'))?.status).toBe('running');
  });

  it('a completion of a held job: moveToFinished writes its fields and finish time, fields of earlier states are removed, a stale one writes nothing', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.destroy());
    const b = await openBackend(server.url);
    const raw = new Redis(server.url);
    cleanups.push(async () => raw.disconnect());
    const now = Date.now() - 60_000;
    await b.insertJobs([newJob('job-4', now), newJob('job-5', now + 1)]);
    const claimed = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 2, now });
    expect(claimed.map((j) => j.id)).toEqual(['job-4', 'job-5']);
    const keyOf = async (id: string) => {
      const keys = (await raw.keys(`*:${id}`)).filter((k) => !k.endsWith(':lock'));
      expect(keys).toHaveLength(1);
      return keys[0]!;
    };
    const k4 = await keyOf('job-4');
    const k5 = await keyOf('job-5');
    // Fields of earlier states: an error of an earlier attempt, a cancel request that lost the race, a progress message.
    await raw.hset(k4, 'jh:err', JSON.stringify({ class: 'transient', message: 'earlier' }), 'jh:cx', '1', 'jh:pmsg', 'half way');
    // job-5's lock is taken over (its stalled job was claimed again elsewhere): its completion is stale.
    await raw.set(`${k5}:lock`, 'another-token');

    const at = now + 4321;
    await b.write({
      outcomes: [
        { kind: 'completed', id: 'job-4', attempt: claimed[0]!.attempt, at, worker: 'w7', result: { ok: 4 }, metrics: { durationMs: 12, apiCalls: 3 } },
        { kind: 'completed', id: 'job-5', attempt: claimed[1]!.attempt, at, worker: 'w7', result: { ok: 5 }, metrics: {} },
      ],
    });

    const h4 = await raw.hgetall(k4);
    expect(h4).toMatchObject({ finishedOn: String(at), 'jh:fin': String(at), 'jh:upd': String(at), 'jh:wk': 'w7', progress: '100' });
    expect(JSON.parse(h4['jh:met']!)).toEqual({ durationMs: 12, apiCalls: 3 });
    for (const f of ['jh:err', 'jh:cx', 'jh:pmsg', 'jh:st']) expect(h4[f]).toBeUndefined();
    const completedKey = k4.replace(/job-4$/, 'completed');
    expect(await raw.zscore(completedKey, 'job-4')).toBe(String(at));
    expect(await b.getJob('job-4')).toMatchObject({ status: 'completed', finishedAt: at, worker: 'w7', result: { ok: 4 }, error: null, cancelRequested: false });

    const h5 = await raw.hgetall(k5);
    for (const f of ['finishedOn', 'jh:fin', 'jh:met']) expect(h5[f]).toBeUndefined();
    expect(await raw.zscore(completedKey, 'job-5')).toBeNull();
    expect((await b.getJob('job-5'))?.status).toBe('running');
  });

  it('claimed jobs keep their locks with a short lock duration and an eager stalled checker', async () => {
    const server = await startRedisServer();
    cleanups.push(() => server.destroy());
    const b = await openBackend(server.url, { lockDurationMs: 900, stalledIntervalMs: 200 });
    const now = Date.now();
    await b.insertJobs([newJob('job-3', now)]);
    const [claimed] = await b.claimJobs({ engineId: 'e1', worker: 'w1', limit: 1, now });
    await new Promise((r) => setTimeout(r, 3000)); // > 3 lock durations, many stalled checks
    expect((await b.getJob('job-3'))?.status).toBe('running');
    await b.write({
      outcomes: [{ kind: 'cancelled', id: 'job-3', attempt: claimed!.attempt, at: Date.now(), worker: 'w1', error: { class: 'cancelled', message: 'bye' }, metrics: {} }],
    });
    expect(await b.getJob('job-3')).toMatchObject({ status: 'cancelled', attempts: 1, error: { class: 'cancelled' } });
  });
});
