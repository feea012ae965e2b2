/**
 * Plain BullMQ's submit rates on the local Redis — the peers of JobHandle's submit rows:
 * `Queue.add` one at a time (each awaited) and `Queue.addBulk` in chunks of 10,000.
 * Redis: REDIS_URL, else 127.0.0.1:6379; unreachable → 'skipped' rows. Keys under a fresh prefix,
 * removed afterwards (never a flush).
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { BenchRow } from './bench-util';

export const BULLMQ_SUBMIT = 'BullMQ submit';

export async function bullmqSubmitBench(opts: { jobs: number; url?: string }): Promise<BenchRow[]> {
  const url = new URL(opts.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const connection = {
    host: url.hostname,
    port: Number(url.port || 6379),
    maxRetriesPerRequest: null,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
  const prefix = `jhbench-${randomBytes(4).toString('hex')}`;
  const queue = new Queue('submit', { connection, prefix });
  const rows = (single: number | null, bulk: number | null, note?: string): BenchRow[] => [
    { group: BULLMQ_SUBMIT, name: 'Queue.add, one at a time', value: single, unit: 'jobs/s', ...(note ? { note } : {}) },
    { group: BULLMQ_SUBMIT, name: 'Queue.addBulk (10k per call)', value: bulk, unit: 'jobs/s', ...(note ? { note } : {}) },
  ];
  try {
    await Promise.race([queue.waitUntilReady(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
  } catch (err) {
    await queue.close().catch(() => undefined);
    return rows(null, null, `Redis not reachable: ${(err as Error).message}`);
  }
  try {
    const single = Math.min(opts.jobs, 20_000);
    let t = performance.now();
    for (let i = 0; i < single; i++) await queue.add('noop', { i });
    const singleRate = single / ((performance.now() - t) / 1000);
    await queue.obliterate({ force: true });
    t = performance.now();
    for (let b = 0; b < opts.jobs; b += 10_000) {
      await queue.addBulk(Array.from({ length: Math.min(10_000, opts.jobs - b) }, (_, i) => ({ name: 'noop', data: { i: b + i } })));
    }
    const bulkRate = opts.jobs / ((performance.now() - t) / 1000);
    return rows(singleRate, bulkRate);
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
