/**
 * JobHandle on its embedded SQLite store: submit rates (one at a time, bulk) and enqueue-to-start
 * latency under an open-loop arrival rate (sqliteEngineBench); drain of no-op jobs through worker
 * processes (sqliteDrainBench).
 * Every claim and completion is persisted; nothing here is a benchmark-only path.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import type { SqliteBackend } from '../src/main/engine/backend/sqlite/sqlite-backend';
import { percentile, sleep, tempDir, threadCpuMs, type BenchRow } from './bench-util';
import { BULLMQ_SUBMIT } from './bullmq-submit-bench';
import { BULLMQ_IN_PROCESS, bullmqInProcessDrain } from './bullmq-bench';

const NOOP = fileURLToPath(new URL('./handlers/noop.mjs', import.meta.url));

export interface SqliteBenchOptions {
  jobs: number;
  workers: number;
  concurrency: number;
  latencyRates: number[];
  latencySeconds: number;
}

/** What a drain needs of the options. */
type DrainOptions = Pick<SqliteBenchOptions, 'jobs' | 'workers' | 'concurrency'>;

async function openEngine(dir: string, o: DrainOptions, start: boolean, storeThread = true): Promise<JobManager> {
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: dir,
      sqliteStoreThread: storeThread,
      handlers: { noop: { module: NOOP } },
      workers: { min: o.workers, max: o.workers, concurrency: o.concurrency },
      // The bench saturates the machine itself: backpressure would measure the governor, not the engine.
      thresholds: { cpuPercent: 100, memoryPercent: 100 },
    },
  });
  const m = await JobManager.open({ config });
  if (start) await m.start();
  return m;
}

const job = (i: number) => ({ type: 'noop', parameters: { i } });

async function submitSingle(o: SqliteBenchOptions): Promise<number> {
  const t = tempDir('single');
  const m = await openEngine(t.dir, o, false);
  const n = Math.min(o.jobs, 20_000);
  const started = performance.now();
  for (let i = 0; i < n; i++) await m.submitJob(job(i));
  const rate = n / ((performance.now() - started) / 1000);
  await m.close();
  t.cleanup();
  return rate;
}

/**
 * Bulk submits of 10,000 jobs to a started engine (as the app's), its queue paused so that the
 * jobs stay pending: the engine's first bulk of 2,000 or more starts its store thread
 * (SqliteBackend.openBulkInsert) and is not timed.
 */
async function submitBulk(o: DrainOptions): Promise<number> {
  const t = tempDir('bulk');
  const m = await openEngine(t.dir, o, false);
  await m.pauseQueue('default');
  await m.start();
  const chunk = 10_000;
  await m.submitJobs(Array.from({ length: chunk }, (_, i) => job(-1 - i)));
  const backend = m.backend as SqliteBackend;
  for (let waited = 0; !backend.usesStoreThread && waited < 10_000; waited += 50) await sleep(50);
  const batches = Array.from({ length: Math.ceil(o.jobs / chunk) }, (_, b) =>
    Array.from({ length: Math.min(chunk, o.jobs - b * chunk) }, (_, i) => job(b * chunk + i)),
  );
  const started = performance.now();
  for (const batch of batches) await m.submitJobs(batch);
  const rate = o.jobs / ((performance.now() - started) / 1000);
  await m.close();
  t.cleanup();
  return rate;
}

/**
 * Pre-load N pending jobs, start the engine, time until every one completed. Also the CPU the
 * engine's event loop (this thread) spent per job, where /proc tells it.
 */
async function drain(o: DrainOptions, storeThread: boolean): Promise<{ rate: number; loopCpuUsPerJob: number | null }> {
  const t = tempDir('drain');
  const client = await openEngine(t.dir, o, false);
  for (let b = 0; b < o.jobs; b += 10_000) {
    await client.submitJobs(Array.from({ length: Math.min(10_000, o.jobs - b) }, (_, i) => job(b + i)));
  }
  await client.close();
  const m = await openEngine(t.dir, o, false, storeThread);
  let done = 0;
  const finished = new Promise<void>((resolve) =>
    m.on('job:completed', () => {
      if (++done === o.jobs) resolve();
    }),
  );
  m.on('job:failed', (e) => console.error('bench job failed', e.error));
  await m.start(); // workers spawn before the first claim: count from here
  const started = performance.now();
  const cpuBefore = threadCpuMs();
  await finished;
  const rate = o.jobs / ((performance.now() - started) / 1000);
  const cpuAfter = threadCpuMs();
  await m.close();
  t.cleanup();
  return { rate, loopCpuUsPerJob: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1000) / o.jobs };
}

/** Open loop: submit at `rate` jobs/s for `seconds`; latency = submit call → job:started. */
export async function latency(o: SqliteBenchOptions, rate: number): Promise<{ p50: number; p99: number; p999: number; n: number }> {
  const t = tempDir('latency');
  const m = await openEngine(t.dir, o, true);
  const submittedAt = new Map<string, number>();
  const latencies: number[] = [];
  const early = new Map<string, number>();
  m.on('job:started', (e) => {
    const now = performance.now();
    const at = submittedAt.get(e.id);
    if (at === undefined) early.set(e.id, now);
    else latencies.push(now - at);
  });
  const total = Math.round(rate * o.latencySeconds);
  const begin = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - begin) / 1000) * rate));
    for (; sent < due; sent++) {
      const at = performance.now();
      const rec = await m.submitJob(job(sent));
      const seen = early.get(rec.id);
      if (seen !== undefined) latencies.push(seen - at);
      else submittedAt.set(rec.id, at);
    }
    await sleep(1);
  }
  while (latencies.length < total) await sleep(10);
  await m.close();
  t.cleanup();
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), p999: percentile(latencies, 99.9), n: latencies.length };
}

export async function sqliteEngineBench(o: SqliteBenchOptions): Promise<BenchRow[]> {
  const group = 'JobHandle SQLite';
  const rows: BenchRow[] = [];
  rows.push({ group, name: 'submit, one at a time', value: await submitSingle(o), unit: 'jobs/s', peer: BULLMQ_SUBMIT, peerName: 'Queue.add, one at a time' });
  for (const rate of o.latencyRates) {
    const l = await latency(o, rate);
    rows.push({ group, name: `enqueue→start p50 @${rate}/s`, value: l.p50, unit: 'ms' });
    rows.push({ group, name: `enqueue→start p99 @${rate}/s`, value: l.p99, unit: 'ms' });
    rows.push({ group, name: `enqueue→start p99.9 @${rate}/s`, value: l.p999, unit: 'ms' });
  }
  return rows;
}

/**
 * The bulk-submit row (one round; run.ts alternates rounds of it with the raw-SQLite floor, whose
 * bulk insert is its measure of what SQLite does with the same rows).
 */
export async function sqliteBulkBench(o: DrainOptions): Promise<BenchRow[]> {
  const value = await submitBulk(o);
  return [{ group: 'JobHandle SQLite', name: 'submit, bulk (10k per call)', value, unit: 'jobs/s', peer: BULLMQ_SUBMIT, peerName: 'Queue.addBulk (10k per call)' }];
}

/**
 * The drain rows (one round; run.ts alternates rounds with the BullMQ drains): no-op jobs through
 * the worker processes with the store thread (claims and outcome writes on a second connection)
 * on, as shipped, and off.
 */
export async function sqliteDrainBench(o: DrainOptions): Promise<BenchRow[]> {
  const group = 'JobHandle SQLite';
  const rows: BenchRow[] = [];
  for (const storeThread of [true, false]) {
    const d = await drain(o, storeThread);
    const name = `drain no-op, ${o.workers} worker processes${storeThread ? '' : ', store thread off'}`;
    rows.push({ group, name, value: d.rate, unit: 'jobs/s', peer: BULLMQ_IN_PROCESS, peerName: bullmqInProcessDrain(o.jobs) });
    rows.push({
      group,
      name: `${name}: event-loop CPU per job`,
      value: d.loopCpuUsPerJob,
      unit: 'µs',
      ...(d.loopCpuUsPerJob === null ? { note: 'no /proc/thread-self on this OS' } : {}),
    });
  }
  return rows;
}
