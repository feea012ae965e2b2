/**
 * Bulk operations of the dashboard on Redis (the Redis side of QueueBackend.countByQueueStatus,
 * deleteJobs and setPriority; SQLite: sqlite-bulk-ops.ts).
 *
 * - countByQueueStatus: one pipeline per queue (all keys of a queue share a cluster slot), the
 *   queues in parallel; the same sources as countByStatus (redis-queries.ts).
 * - deleteJobs and deleteFinishedBefore (retention): BullMQ's Queue.remove (the job hash, its logs and its entry in every state set),
 *   then JobHandle's own keys of the job: the id index, the cancelled/retrying marks and every
 *   dependency key and edge (redis-dependencies.ts), as SQLite deletes the edges both ways.
 * - setPriority: BullMQ's Job.changePriority (re-queues a waiting job at the new priority; a
 *   delayed or parked job keeps it for when it is moved to waiting), and the priority in
 *   JobHandle's envelope, which getJob/listJobs read.
 *
 * The status is read first and the change made after, not in one atomic step as in SQLite: a job
 * that changes state in between (claimed, restarted) is acted on as it was when read.
 */
import { Job, type JobJson } from 'bullmq';
import type { JobStatus } from '../../../../shared/model';
import type { BulkOpOutcome } from '../queue-backend';
import type { JobSnapshot, RedisContext } from './redis-context';
import { F, toBullPriority } from './redis-job-codec';
import { retryingIds } from './redis-queries';

/** Ids per chunk; RedisBackend bounds each chunk (not the whole call) by its timeout. */
export const CHUNK = 500;
const FINISHED: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
const WAITING: readonly JobStatus[] = ['pending', 'scheduled', 'retrying', 'waiting'];

type QueueCounts = Partial<Record<JobStatus, number>>;

/** Jobs of one queue by status (non-zero only). */
async function countQueue(ctx: RedisContext, queue: string): Promise<QueueCounts> {
  const k = (s: string) => ctx.keys.q(queue, s);
  const res = await ctx.client
    .pipeline()
    .llen(k('wait'))
    .llen(k('paused')) // BullMQ < 6 kept paused jobs there
    .zcard(k('prioritized'))
    .zcard(k('delayed'))
    .llen(k('active'))
    .zcard(k('completed'))
    .zcard(k('failed'))
    .zcard(k('waiting-children'))
    .zcard(k('jh:cancelled'))
    .scard(k('jh:retrying'))
    .exec();
  const n = (res ?? []).map(([err, v]) => {
    if (err) throw err;
    return Number(v) || 0;
  });
  const [wait = 0, paused = 0, prioritized = 0, delayed = 0, active = 0, completed = 0, failed = 0, waitingChildren = 0, cancelled = 0, marks = 0] = n;
  // Retrying marks can be stale (the job left `delayed`): count only the live ones, as countByStatus.
  const retrying = marks ? (await retryingIds(ctx, queue)).length : 0;
  const all: QueueCounts = {
    pending: wait + paused + prioritized,
    scheduled: delayed - retrying,
    retrying,
    running: active,
    completed,
    failed: failed - cancelled,
    cancelled,
    waiting: waitingChildren,
  };
  const out: QueueCounts = {};
  for (const [s, c] of Object.entries(all) as Array<[JobStatus, number]>) if (c > 0) out[s] = c;
  return out;
}

/** Jobs by queue and status, non-zero only (queues with no jobs are left out, as in SQLite). */
export async function countByQueueStatus(ctx: RedisContext): Promise<Record<string, QueueCounts>> {
  const queues = await ctx.knownQueues();
  const counts = await Promise.all(queues.map((q) => countQueue(ctx, q)));
  const out: Record<string, QueueCounts> = {};
  queues.forEach((q, i) => {
    if (Object.keys(counts[i]!).length) out[q] = counts[i]!;
  });
  return out;
}

/** The current snapshot of each id (absent: no such job), read queue by queue. */
async function snapshots(ctx: RedisContext, ids: readonly string[]): Promise<Map<string, JobSnapshot>> {
  const out = new Map<string, JobSnapshot>();
  if (!ids.length) return out;
  const indexed = await ctx.client.hmget(ctx.keys.g('ids'), ...ids);
  const byQueue = new Map<string, string[]>();
  for (let i = 0; i < ids.length; i++) {
    const queue = indexed[i] ?? (await ctx.queueOf(ids[i]!)); // a job added by plain BullMQ is not indexed
    if (!queue) continue;
    const list = byQueue.get(queue);
    if (list) list.push(ids[i]!);
    else byQueue.set(queue, [ids[i]!]);
  }
  for (const [queue, list] of byQueue) for (const s of await ctx.readJobs(queue, list)) out.set(s.id, s);
  return out;
}

function notFound(id: string): BulkOpOutcome {
  return { id, ok: false, code: 'NOT_FOUND', message: `no job with id ${id}` };
}

function notFinished(id: string, status: string): BulkOpOutcome {
  return { id, ok: false, code: 'CONFLICT', message: `job ${id} is ${status}: only completed, failed or cancelled jobs can be deleted (cancel it first)` };
}

/**
 * Run `each` over one chunk of ids (at most CHUNK; RedisBackend splits a call into chunks) with
 * their snapshots. Output: one outcome per id, in order.
 */
async function forEachId(
  ctx: RedisContext,
  ids: readonly string[],
  each: (id: string, snap: JobSnapshot | undefined) => Promise<BulkOpOutcome>,
): Promise<BulkOpOutcome[]> {
  const snaps = await snapshots(ctx, ids);
  return Promise.all(ids.map((id) => each(id, snaps.get(id))));
}

/** JobHandle's keys of a deleted job: id index, marks, dependency keys and edges to and from it. */
async function forgetJob(ctx: RedisContext, queue: string, id: string): Promise<void> {
  const g = (s: string) => ctx.keys.g(s);
  await ctx.client.multi().zrem(ctx.keys.q(queue, 'jh:cancelled'), id).srem(ctx.keys.q(queue, 'jh:retrying'), id).exec();
  const [pres, dependents] = await Promise.all([ctx.client.hkeys(g(`dep:e:${id}`)), ctx.client.smembers(g(`dep:on:${id}`))]);
  const m = ctx.client.multi(); // all under the global `{prefix}` slot
  for (const pre of pres) m.srem(g(`dep:on:${pre}`), id);
  for (const dep of dependents) {
    m.hdel(g(`dep:e:${dep}`), id);
    m.hdel(g(`dep:s:${dep}`), id);
    m.hdel(g(`dep:t:${dep}`), id);
  }
  m.del(g(`dep:e:${id}`), g(`dep:s:${id}`), g(`dep:t:${id}`), g(`dep:j:${id}`), g(`dep:on:${id}`));
  m.hdel(g('dep:todo'), id);
  m.hdel(g('ids'), id);
  await m.exec();
}

/**
 * Retention: delete finished jobs (of `statuses`) that finished before `before`, with what
 * deleteJobs deletes (forgetJob: logs, marks, dependency keys and edges both ways).
 */
export async function deleteFinishedBefore(ctx: RedisContext, before: number, statuses: readonly JobStatus[]): Promise<number> {
  let total = 0;
  for (const queue of await ctx.knownQueues()) {
    const sets: Array<['completed' | 'failed', (st: string | null) => boolean]> = [];
    if (statuses.includes('completed')) sets.push(['completed', () => true]);
    if (statuses.includes('failed') || statuses.includes('cancelled')) {
      sets.push(['failed', (st) => (st === 'cancelled' ? statuses.includes('cancelled') : statuses.includes('failed'))]);
    }
    for (const [set, wanted] of sets) {
      let offset = 0;
      for (;;) {
        const ids = await ctx.client.zrangebyscore(ctx.keys.q(queue, set), '-inf', `(${before}`, 'LIMIT', offset, 1000);
        if (!ids.length) break;
        const marks = await Promise.all(ids.map((id) => ctx.client.hget(ctx.keys.job(queue, id), F.status)));
        const doomed = ids.filter((_, i) => wanted(marks[i] ?? null));
        const removed = await Promise.all(doomed.map((id) => ctx.queue(queue).remove(id).catch(() => 0)));
        const gone = doomed.filter((_, i) => removed[i] === 1);
        await Promise.all(gone.map((id) => forgetJob(ctx, queue, id)));
        // Kept members (not wanted, or locked) stay in the set: skip past them.
        offset += ids.length - gone.length;
        total += gone.length;
        if (ids.length < 1000) break;
      }
    }
  }
  return total;
}

/** Delete finished jobs among `ids`. Output: one outcome per id, in order (as SQLite). */
export function deleteJobs(ctx: RedisContext, ids: readonly string[]): Promise<BulkOpOutcome[]> {
  return forEachId(ctx, ids, async (id, snap) => {
    if (!snap) return notFound(id);
    const status = ctx.record(snap).status;
    if (!FINISHED.includes(status)) return notFinished(id, status);
    if ((await ctx.queue(snap.queue).remove(id, { removeChildren: false })) !== 1) {
      const now = (await ctx.readJobs(snap.queue, [id]))[0];
      return now ? notFinished(id, ctx.record(now).status) : notFound(id);
    }
    await forgetJob(ctx, snap.queue, id);
    return { id, ok: true };
  });
}

/** Set `priority` (rank 0–3) on waiting jobs among `ids`. Output: one outcome per id, in order (as SQLite). */
export function setPriority(ctx: RedisContext, ids: readonly string[], priority: number, now: number): Promise<BulkOpOutcome[]> {
  return forEachId(ctx, ids, async (id, snap) => {
    if (!snap) return notFound(id);
    const status = ctx.record(snap).status;
    if (!WAITING.includes(status)) {
      return { id, ok: false, code: 'CONFLICT', message: `job ${id} is ${status}: only waiting jobs (pending, scheduled, retrying, waiting) can change priority` };
    }
    const job = Job.fromJSON(ctx.queue(snap.queue), snap.hash as unknown as JobJson, id);
    try {
      await job.changePriority({ priority: toBullPriority(priority) });
    } catch (err) {
      if (!(await ctx.client.exists(ctx.keys.job(snap.queue, id)))) return notFound(id);
      throw err;
    }
    const fields: string[] = [F.updated, String(now)];
    const data = parseData(snap.hash.data);
    if (data) {
      data.jh.priority = priority;
      fields.push('data', JSON.stringify(data));
    }
    await ctx.client.hset(ctx.keys.job(snap.queue, id), ...fields);
    return { id, ok: true };
  });
}

/** JobHandle's `data` (`{ params, jh }`), or null for a job added by plain BullMQ (its priority is BullMQ's). */
function parseData(text: string | undefined): { params: unknown; jh: { v: number; priority: number } } | null {
  try {
    const d = JSON.parse(text ?? '') as unknown;
    if (d && typeof d === 'object' && 'jh' in d && 'params' in d) {
      const jh = (d as { jh: unknown }).jh;
      if (jh && typeof jh === 'object' && (jh as { v?: unknown }).v === 1) return d as { params: unknown; jh: { v: number; priority: number } };
    }
  } catch {
    // not JSON: plain BullMQ data
  }
  return null;
}
