/**
 * JobHandle's Redis backend against plain BullMQ, in one run, on the same Redis and job count:
 * - JobHandle (Redis backend) draining no-op jobs through its worker processes;
 * - a plain in-process BullMQ Worker (concurrency 100) — the peer of both drain rows;
 * - BullMQ sandboxed processors with the same number of processes as JobHandle's workers;
 * - diagnostic: the same plain Worker draining jobs submitted through JobHandle (its job shape).
 * Redis: REDIS_URL, else 127.0.0.1:6379. Not reachable → the rows say 'skipped', never a made-up figure.
 * Keys live under a fresh prefix and are deleted afterwards (never a flush).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { RedisBackend } from '../src/main/engine/backend/redis/redis-backend';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import { tempDir, type BenchRow } from './bench-util';

const NOOP = fileURLToPath(new URL('./handlers/noop.mjs', import.meta.url));
const SANDBOXED = fileURLToPath(new URL('./handlers/bullmq-noop-processor.cjs', import.meta.url));

export interface BullmqBenchOptions {
  jobs: number;
  workers: number;
  concurrency: number;
  url?: string;
}

export const BULLMQ_IN_PROCESS = 'BullMQ in-process';
/** The name of the in-process drain row of `n` jobs: the peer of JobHandle's drains. */
export const bullmqInProcessDrain = (n: number) => `drain no-op, 1 process, concurrency 100 (${n} jobs)`;
const BULLMQ_SANDBOXED = 'BullMQ sandboxed';

function connection(url: string) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 6379), maxRetriesPerRequest: null, ...(u.password ? { password: decodeURIComponent(u.password) } : {}) };
}

const prefix = () => `jhbench-${randomBytes(4).toString('hex')}`;

/** A drain's rate and the CPU the Redis server spent on it per job (INFO cpu: user + sys). */
interface Drained {
  rate: number;
  redisCpuUsPerJob: number;
}

/** Time `run` (which resolves when `n` jobs are done) and read the Redis server's CPU around it. */
async function timeDrain(admin: IORedis, n: number, run: () => Promise<void>): Promise<Drained> {
  const cpu = async () => {
    const info = await admin.info('cpu');
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
    return field('used_cpu_user') + field('used_cpu_sys');
  };
  const cpuBefore = await cpu();
  const started = performance.now();
  await run();
  const rate = n / ((performance.now() - started) / 1000);
  return { rate, redisCpuUsPerJob: ((await cpu()) - cpuBefore) * 1e6 / n };
}

async function reachable(url: string): Promise<boolean> {
  const b = new RedisBackend({ url, prefix: 'jhbench-probe', timeoutMs: 2000 });
  try {
    await b.open();
    return await b.ping();
  } catch {
    return false;
  } finally {
    await b.close().catch(() => undefined);
  }
}

/** Plain BullMQ: pre-load `n` jobs, then time one Worker (in-process or sandboxed) draining them. */
async function bullmqDrain(admin: IORedis, url: string, n: number, processor: 'in-process' | 'sandboxed', concurrency: number): Promise<Drained> {
  const p = prefix();
  const queue = new Queue('bench', { connection: connection(url), prefix: p });
  for (let b = 0; b < n; b += 5000) {
    await queue.addBulk(Array.from({ length: Math.min(5000, n - b) }, (_, i) => ({ name: 'noop', data: { i: b + i }, opts: { removeOnComplete: true } })));
  }
  let done = 0;
  let worker!: Worker;
  const drained = await timeDrain(admin, n, async () => {
    await new Promise<void>((resolve) => {
      worker = new Worker('bench', processor === 'in-process' ? async () => null : SANDBOXED, { connection: connection(url), prefix: p, concurrency });
      worker.on('completed', () => {
        if (++done === n) resolve();
      });
    });
  });
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return drained;
}

/**
 * Pre-load `n` no-op jobs through JobHandle (its job shape: a BullMQ priority, retries with
 * backoff, completions kept for history, the envelope in `data`), then time their drain by
 * `drainer`: JobHandle itself (its worker processes), or a plain in-process BullMQ Worker on the
 * same queue (the peer with the same jobs: what the job shape costs BullMQ itself).
 */
async function jobhandleJobsDrain(admin: IORedis, url: string, o: BullmqBenchOptions, n: number, drainer: 'jobhandle' | 'bullmq'): Promise<Drained> {
  const t = tempDir('redis-drain');
  const keyPrefix = prefix();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: t.dir,
      backend: 'redis',
      redis: { url, prefix: keyPrefix },
      handlers: { noop: { module: NOOP } },
      workers: { min: o.workers, max: o.workers, concurrency: o.concurrency },
      thresholds: { cpuPercent: 100, memoryPercent: 100 },
    },
  });
  const m = await JobManager.open({ config });
  for (let b = 0; b < n; b += 10_000) {
    await m.submitJobs(Array.from({ length: Math.min(10_000, n - b) }, (_, i) => ({ type: 'noop', parameters: { i: b + i } })));
  }
  let done = 0;
  let drained: Drained;
  if (drainer === 'jobhandle') {
    const finished = new Promise<void>((resolve) =>
      m.on('job:completed', () => {
        if (++done === n) resolve();
      }),
    );
    m.on('job:failed', (e) => console.error('bench job failed', e.error));
    await m.start(); // workers spawn before the first claim: count from here
    drained = await timeDrain(admin, n, () => finished);
    await m.stop();
  } else {
    // JobHandle's queue `default` is the BullMQ queue `default` under the prefix `{<prefix>:default}`.
    let worker!: Worker;
    drained = await timeDrain(admin, n, async () => {
      await new Promise<void>((resolve) => {
        worker = new Worker('default', async () => null, { connection: connection(url), prefix: `{${keyPrefix}:default}`, concurrency: 100 });
        worker.on('completed', () => {
          if (++done === n) resolve();
        });
      });
    });
    await worker.close();
  }
  await (m.backend as RedisBackend).removeAllData();
  await m.close();
  t.cleanup();
  return drained;
}

/** The rows; every one is 'skipped' (value null) when Redis is not reachable. */
export async function bullmqBench(o: BullmqBenchOptions): Promise<BenchRow[]> {
  const url = o.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  // The same job count as JobHandle's drains; sandboxed processors (~2,000/s) take fewer.
  const n = o.jobs;
  const nSandboxed = Math.min(o.jobs, 20_000);
  const names = {
    inProcess: bullmqInProcessDrain(n),
    sandboxed: `drain no-op, ${o.workers} sandboxed processes (${nSandboxed} jobs)`,
    jobhandle: `drain no-op, ${o.workers} worker processes (${n} jobs)`,
    sameJobs: `drain JobHandle's no-op jobs (its job shape), 1 process, concurrency 100 (${n} jobs)`,
  };
  if (!(await reachable(url))) {
    const note = `Redis not reachable at ${url}`;
    return [
      { group: BULLMQ_IN_PROCESS, name: names.inProcess, value: null, unit: 'jobs/s', note },
      { group: BULLMQ_SANDBOXED, name: names.sandboxed, value: null, unit: 'jobs/s', note },
      { group: 'JobHandle Redis', name: names.jobhandle, value: null, unit: 'jobs/s', peer: BULLMQ_IN_PROCESS, peerName: names.inProcess, note },
      { group: 'JobHandle Redis', name: `${names.jobhandle} vs sandboxed`, value: null, unit: 'jobs/s', peer: BULLMQ_SANDBOXED, note },
      { group: BULLMQ_IN_PROCESS, name: names.sameJobs, value: null, unit: 'jobs/s', note },
      { group: 'JobHandle Redis', name: `${names.jobhandle} vs the same jobs`, value: null, unit: 'jobs/s', peer: BULLMQ_IN_PROCESS, peerName: names.sameJobs, note },
    ];
  }
  // Read-only: INFO cpu around each drain.
  const admin = new IORedis(url, { maxRetriesPerRequest: 1 });
  try {
    const inProcess = await bullmqDrain(admin, url, n, 'in-process', 100);
    const sandboxed = await bullmqDrain(admin, url, nSandboxed, 'sandboxed', o.workers);
    const jobhandle = await jobhandleJobsDrain(admin, url, o, n, 'jobhandle');
    const sameJobs = await jobhandleJobsDrain(admin, url, o, n, 'bullmq');
    const redisCpu = 'the Redis server: CPU per job';
    return [
      { group: BULLMQ_IN_PROCESS, name: names.inProcess, value: inProcess.rate, unit: 'jobs/s' },
      { group: BULLMQ_IN_PROCESS, name: `${names.inProcess}: ${redisCpu}`, value: inProcess.redisCpuUsPerJob, unit: 'µs' },
      { group: BULLMQ_SANDBOXED, name: names.sandboxed, value: sandboxed.rate, unit: 'jobs/s' },
      { group: 'JobHandle Redis', name: names.jobhandle, value: jobhandle.rate, unit: 'jobs/s', peer: BULLMQ_IN_PROCESS, peerName: names.inProcess },
      { group: 'JobHandle Redis', name: `${names.jobhandle} vs sandboxed`, value: jobhandle.rate, unit: 'jobs/s', peer: BULLMQ_SANDBOXED },
      {
        group: 'JobHandle Redis',
        name: `${names.jobhandle}: ${redisCpu}`,
        value: jobhandle.redisCpuUsPerJob,
        unit: 'µs',
        peer: BULLMQ_IN_PROCESS,
        peerName: `${names.inProcess}: ${redisCpu}`,
      },
      // Diagnostic, not a goal: plain BullMQ on JobHandle's jobs shows what the job shape costs
      // (a BullMQ priority, attempts with backoff, kept completions, the envelope), apart from the engine.
      { group: BULLMQ_IN_PROCESS, name: names.sameJobs, value: sameJobs.rate, unit: 'jobs/s' },
      { group: BULLMQ_IN_PROCESS, name: `${names.sameJobs}: ${redisCpu}`, value: sameJobs.redisCpuUsPerJob, unit: 'µs' },
      { group: 'JobHandle Redis', name: `${names.jobhandle} vs the same jobs`, value: jobhandle.rate, unit: 'jobs/s', peer: BULLMQ_IN_PROCESS, peerName: names.sameJobs },
      {
        group: 'JobHandle Redis',
        name: `${names.jobhandle}: ${redisCpu}, vs the same jobs`,
        value: jobhandle.redisCpuUsPerJob,
        unit: 'µs',
        peer: BULLMQ_IN_PROCESS,
        peerName: `${names.sameJobs}: ${redisCpu}`,
      },
    ];
  } finally {
    admin.disconnect();
  }
}
