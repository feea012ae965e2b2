/**
 * Replies lost to a fault: Redis ran a claim's MULTI, but its reply never reached the engine (the
 * connection dropped), or reached it after the call's deadline. The jobs it took are locked with
 * the engine's tokens; the engine must find them and run them, not leave them to BullMQ's
 * stalled-job check (locks and checks at 300 s here, so only the engine's own recovery can pass).
 * A TCP proxy between the backend and a dedicated redis-server loses or delays the reply of the
 * next transaction (the one whose request holds EXEC) on demand.
 */
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import type { ClaimedJob } from '../../../src/main/engine/backend/queue-backend';
import { startRedisServer } from '../../helpers/redis-server';
import { newJob } from '../../helpers/new-job';
import { uniqueRedisPrefix } from './redis-test-util';

const redis = inject('redis');
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

type Fault = { kind: 'drop' } | { kind: 'delay'; ms: number };

/** A proxy to `port` on loopback; `arm(fault)` applies to the reply of the next request holding EXEC. */
async function replyProxy(port: number): Promise<{ url: string; arm: (f: Fault) => Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let armed: { fault: Fault; hit: () => void } | null = null;
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    let victim: Fault | null = null;
    upstream.connect(port, '127.0.0.1');
    client.on('data', (chunk) => {
      if (armed && /\r\nexec\r\n/i.test(chunk.toString('latin1'))) {
        victim = armed.fault;
        armed.hit();
        armed = null;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      const fault = victim;
      victim = null;
      if (fault?.kind === 'drop') {
        // Redis has run the transaction; its reply is lost with the connection.
        client.destroy();
        upstream.destroy();
      } else if (fault?.kind === 'delay') {
        client.pause();
        upstream.pause();
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
          client.resume();
          upstream.resume();
        }, fault.ms);
      } else if (!client.destroyed) {
        client.write(chunk);
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxyPort = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    arm: (fault) => new Promise<void>((hit) => (armed = { fault, hit })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A dedicated redis-server behind a proxy, and a backend on the proxy with 300 s locks and stalled checks. */
async function backendBehindProxy(timeoutMs = 5000): Promise<{ backend: RedisBackend; proxy: Awaited<ReturnType<typeof replyProxy>> }> {
  const server = await startRedisServer({});
  cleanups.push(() => server.destroy());
  const proxy = await replyProxy(server.port);
  cleanups.push(() => proxy.close());
  const backend = new RedisBackend({ url: proxy.url, prefix: uniqueRedisPrefix(), timeoutMs, lockDurationMs: 300_000, stalledIntervalMs: 300_000 });
  await backend.open();
  cleanups.push(() => backend.close());
  return { backend, proxy };
}

const claimRequest = () => ({ engineId: 'engine-a', worker: 'worker-1', limit: 10, now: Date.now() });

/** Claim until `want` jobs came back (or `ms` passed); claims that fail meanwhile are retried, as the dispatcher does. */
async function claimUntil(backend: RedisBackend, want: number, ms: number): Promise<{ jobs: ClaimedJob[]; afterMs: number }> {
  const started = Date.now();
  const jobs: ClaimedJob[] = [];
  while (jobs.length < want && Date.now() - started < ms) {
    jobs.push(...(await backend.claimJobs(claimRequest()).catch(() => [])));
    if (jobs.length < want) await new Promise((r) => setTimeout(r, 100));
  }
  return { jobs, afterMs: Date.now() - started };
}

describe.skipIf(!redis.canSpawn)('Redis replies lost to a fault', () => {
  it('jobs a claim took whose reply was lost are found and claimed again within seconds', async () => {
    const { backend, proxy } = await backendBehindProxy();
    expect(await backend.claimJobs(claimRequest())).toEqual([]); // the queue's Worker exists, the engine is known
    const jobs = [newJob(Date.now(), { type: 'a' }), newJob(Date.now() + 1, { type: 'b' })];
    await backend.insertJobs(jobs);

    const hit = proxy.arm({ kind: 'drop' });
    // ioredis sends the unanswered MULTI again once reconnected: it then finds nothing to take (the
    // claim returns no job), or the call fails; either way the engine never learns of the jobs.
    const lost = await backend.claimJobs(claimRequest()).catch(() => []);
    expect(lost).toEqual([]);
    await hit;
    // Both jobs are now active and locked with this engine's tokens; it does not know them.
    const { jobs: again, afterMs } = await claimUntil(backend, 2, 15_000);
    expect(new Set(again.map((j) => j.id))).toEqual(new Set(jobs.map((j) => j.id)));
    expect(afterMs).toBeLessThan(10_000);
    // Each once: nothing more to claim.
    expect(await backend.claimJobs(claimRequest())).toEqual([]);
    // And they can be finished with the token they were found with.
    const now = Date.now();
    const metrics = { durationMs: 1, waitMs: 1 };
    await backend.write({ outcomes: again.map((j) => ({ kind: 'completed' as const, id: j.id, attempt: j.attempt, at: now, worker: 'worker-1', result: null, metrics })) });
    for (const j of jobs) expect((await backend.getJob(j.id))?.status).toBe('completed');
  }, 40_000);

  it('the job a completion fetched (BullMQ fetch-next) whose reply was lost is found and run', async () => {
    const { backend, proxy } = await backendBehindProxy();
    const jobs = [0, 1, 2].map((i) => newJob(Date.now() + i));
    await backend.insertJobs(jobs);
    const [first] = await backend.claimJobs({ ...claimRequest(), limit: 1 }); // a full claim: completions fetch the next job
    expect(first?.id).toBe(jobs[0]!.id);

    const hit = proxy.arm({ kind: 'drop' });
    const metrics = { durationMs: 1, waitMs: 1 };
    const completion = { kind: 'completed' as const, id: first!.id, attempt: first!.attempt, at: Date.now(), worker: 'worker-1', result: null, metrics };
    await backend.write({ outcomes: [completion] }).catch(() => backend.write({ outcomes: [completion] })); // the dispatcher writes a failed batch again
    await hit;
    expect((await backend.getJob(jobs[0]!.id))?.status).toBe('completed');
    // The completion's move fetched the second job, locked with this engine's token: it must come back.
    const { jobs: rest, afterMs } = await claimUntil(backend, 2, 15_000);
    expect(new Set(rest.map((j) => j.id))).toEqual(new Set([jobs[1]!.id, jobs[2]!.id]));
    expect(afterMs).toBeLessThan(10_000);
  }, 40_000);

  it("a completion written again after its reply was lost still releases the job's dependents", async () => {
    const { backend, proxy } = await backendBehindProxy();
    const pre = newJob(Date.now());
    const dependent = newJob(Date.now() + 1, { dependencies: [{ jobId: pre.id, trigger: 'success' }] });
    await backend.insertJobs([pre, dependent]);
    const [claimed] = await backend.claimJobs({ ...claimRequest(), limit: 1 });
    expect(claimed?.id).toBe(pre.id);

    const hit = proxy.arm({ kind: 'drop' });
    const metrics = { durationMs: 1, waitMs: 1 };
    const completion = { kind: 'completed' as const, id: pre.id, attempt: claimed!.attempt, at: Date.now(), worker: 'worker-1', result: null, metrics };
    // Redis ran the completion; its reply is lost. ioredis sends it again (or the call fails and
    // the dispatcher writes it again): that second run finds the move done already.
    await backend.write({ outcomes: [completion] }).catch(() => backend.write({ outcomes: [completion] }));
    await hit;
    expect((await backend.getJob(pre.id))?.status).toBe('completed');
    const { jobs } = await claimUntil(backend, 1, 10_000);
    expect(jobs.map((j) => j.id)).toEqual([dependent.id]);
  }, 40_000);

  it('jobs a claim took after its deadline passed are handed out by the next claim', async () => {
    const { backend, proxy } = await backendBehindProxy(500);
    expect(await backend.claimJobs(claimRequest())).toEqual([]);
    const job = newJob(Date.now());
    await backend.insertJobs([job]);

    const hit = proxy.arm({ kind: 'delay', ms: 1500 });
    await expect(backend.claimJobs(claimRequest())).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await hit;
    await new Promise((r) => setTimeout(r, 1600)); // the late reply has arrived
    const { jobs } = await claimUntil(backend, 1, 5000);
    expect(jobs.map((j) => j.id)).toEqual([job.id]);
  }, 40_000);
});
