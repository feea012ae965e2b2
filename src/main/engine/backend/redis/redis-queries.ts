/**
 * Reads over many jobs in Redis mode: listings, counts, overdue and orphaned jobs, due delayed
 * jobs, and deletion of old finished ones. BullMQ keeps one list or sorted set per state and
 * queue; these functions read those, then the job hashes, and filter in the engine.
 *
 * Limits (docs/redis.md): a listing reads at most LIST_SCAN_CAP ids per state and queue (the
 * newest), so a filter matching only jobs older than that is not found there.
 */
import { decodeCursor, encodeCursor } from '../page-cursor';
import {
  JOB_STATUSES,
  PRIORITY_RANK,
  toEpochMs,
  type JobPage,
  type JobRecord,
  type JobStatus,
  type ParsedJobListQuery,
} from '../../../../shared/model';
import type { ClaimedJob, StatusCounts } from '../queue-backend';
import type { RedisContext } from './redis-context';
import { F, toClaimed } from './redis-job-codec';

export const LIST_SCAN_CAP = 10_000;
const DELAY_SCORE = 0x1000; // BullMQ: delayed score = timestamp * 0x1000 + counter

/** BullMQ keys holding jobs of each JobHandle status. */
const STATE_KEYS: Record<JobStatus, Array<{ key: string; kind: 'list' | 'zset' }>> = {
  pending: [
    { key: 'wait', kind: 'list' },
    { key: 'paused', kind: 'list' },
    { key: 'prioritized', kind: 'zset' },
  ],
  scheduled: [{ key: 'delayed', kind: 'zset' }],
  retrying: [{ key: 'delayed', kind: 'zset' }],
  running: [{ key: 'active', kind: 'list' }],
  completed: [{ key: 'completed', kind: 'zset' }],
  failed: [{ key: 'failed', kind: 'zset' }],
  cancelled: [{ key: 'failed', kind: 'zset' }],
  waiting: [{ key: 'waiting-children', kind: 'zset' }],
};

interface Cursor {
  v: number;
  id: string;
}

function sortValue(j: JobRecord, sort: ParsedJobListQuery['sort']): number {
  switch (sort) {
    case 'createdAt':
      return j.createdAt;
    case 'updatedAt':
      return j.updatedAt;
    case 'priority':
      return PRIORITY_RANK[j.priority];
    case 'runAt':
      return j.runAt;
    case 'finishedAt':
      return j.finishedAt ?? 0;
  }
}

/** Filtered, sorted, cursor-paged listing (see the scan cap above). */
export async function listJobs(ctx: RedisContext, q: ParsedJobListQuery): Promise<JobPage> {
  const queues = q.queue?.length ? q.queue : await ctx.knownQueues();
  const statuses = q.status?.length ? q.status : JOB_STATUSES;
  const wantKeys = new Map<string, 'list' | 'zset'>();
  for (const s of statuses) for (const k of STATE_KEYS[s]) wantKeys.set(k.key, k.kind);
  const records: JobRecord[] = [];
  for (const queue of queues) {
    const ids = new Set<string>();
    for (const [key, kind] of wantKeys) {
      const members =
        kind === 'list'
          ? await ctx.client.lrange(ctx.keys.q(queue, key), 0, LIST_SCAN_CAP - 1)
          : await ctx.client.zrange(ctx.keys.q(queue, key), 0, LIST_SCAN_CAP - 1, 'REV');
      for (const id of members) ids.add(id);
    }
    const list = [...ids];
    for (let i = 0; i < list.length; i += 500) {
      for (const snap of await ctx.readJobs(queue, list.slice(i, i + 500))) records.push(ctx.record(snap));
    }
  }
  const text = q.text?.toLowerCase();
  const after = q.createdAfter !== undefined ? toEpochMs(q.createdAfter) : null;
  const before = q.createdBefore !== undefined ? toEpochMs(q.createdBefore) : null;
  const desc = q.order === 'desc';
  const cursor = q.cursor ? decodeCursor<Cursor>(q.cursor, (c) => typeof c.v === 'number' && typeof c.id === 'string') : null;
  const cmp = (a: { v: number; id: string }, b: { v: number; id: string }) => (a.v - b.v || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) * (desc ? -1 : 1);
  const matching = records
    .filter((j) => statuses.includes(j.status))
    .filter((j) => !q.type?.length || q.type.includes(j.type))
    .filter((j) => !q.priority?.length || q.priority.includes(j.priority))
    .filter((j) => after === null || j.createdAt >= after)
    .filter((j) => before === null || j.createdAt < before)
    .filter(
      (j) =>
        !text ||
        j.id === q.text ||
        JSON.stringify(j.parameters).toLowerCase().includes(text) ||
        JSON.stringify(j.result ?? '').toLowerCase().includes(text) ||
        (j.error?.message ?? '').toLowerCase().includes(text),
    )
    .map((j) => ({ j, key: { v: sortValue(j, q.sort), id: j.id } }))
    .filter((x) => !cursor || cmp(x.key, cursor) > 0)
    .sort((a, b) => cmp(a.key, b.key));
  const page = matching.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    jobs: page.map((x) => x.j),
    nextCursor: matching.length > q.limit && last ? encodeCursor(last.key) : null,
  };
}

/** Ids of JobHandle's `retrying` marks that are still in `delayed` (stale marks are removed). */
export async function retryingIds(ctx: RedisContext, queue: string): Promise<string[]> {
  const marked = await ctx.client.smembers(ctx.keys.q(queue, 'jh:retrying'));
  if (!marked.length) return [];
  const scores = await Promise.all(marked.map((id) => ctx.client.zscore(ctx.keys.q(queue, 'delayed'), id)));
  const stale = marked.filter((_, i) => scores[i] === null);
  if (stale.length) await ctx.client.srem(ctx.keys.q(queue, 'jh:retrying'), ...stale);
  return marked.filter((_, i) => scores[i] !== null);
}

/** Counts per status (BullMQ's getJobCounts per queue) and the oldest pending job's creation time. */
export async function countByStatus(ctx: RedisContext): Promise<StatusCounts> {
  const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  let oldest: number | null = null;
  for (const queue of await ctx.knownQueues()) {
    const c = await ctx.queue(queue).getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed', 'waiting-children');
    const retrying = (await retryingIds(ctx, queue)).length;
    const cancelled = await ctx.client.zcard(ctx.keys.q(queue, 'jh:cancelled'));
    const legacyPaused = await ctx.client.llen(ctx.keys.q(queue, 'paused')); // BullMQ < 6 kept paused jobs there
    counts.pending += (c.wait ?? 0) + legacyPaused + (c.prioritized ?? 0);
    counts.scheduled += (c.delayed ?? 0) - retrying;
    counts.retrying += retrying;
    counts.running += c.active ?? 0;
    counts.completed += c.completed ?? 0;
    counts.failed += (c.failed ?? 0) - cancelled;
    counts.cancelled += cancelled;
    counts.waiting += c['waiting-children'] ?? 0;
    // The oldest pending job: the tail of wait/paused (FIFO) and a sample of the prioritized set.
    const k = ctx.keys;
    for (const ts of await ctx.client.jhPendingTimestamps(k.q(queue, 'wait'), k.q(queue, 'paused'), k.q(queue, 'prioritized'), k.job(queue, ''))) {
      const t = Number(ts);
      if (ts && Number.isFinite(t) && (oldest === null || t < oldest)) oldest = t;
    }
  }
  return { counts, oldestPendingCreatedAt: oldest };
}

/** Finished jobs (completed, failed, cancelled) at or after `since` (sets are scored by finish time). */
export async function countFinishedSince(ctx: RedisContext, since: number): Promise<number> {
  let n = 0;
  for (const queue of await ctx.knownQueues()) {
    n += await ctx.client.zcount(ctx.keys.q(queue, 'completed'), since, '+inf');
    n += await ctx.client.zcount(ctx.keys.q(queue, 'failed'), since, '+inf');
  }
  return n;
}

async function activeSnapshots(ctx: RedisContext, queue: string) {
  const ids = await ctx.client.lrange(ctx.keys.q(queue, 'active'), 0, LIST_SCAN_CAP - 1);
  return (await ctx.readJobs(queue, ids)).filter((s) => s.state === 'active');
}

/** Running jobs past their timeout at `now`, oldest first. */
export async function listOverdueRunning(ctx: RedisContext, now: number, limit: number): Promise<JobRecord[]> {
  const out: JobRecord[] = [];
  for (const queue of await ctx.knownQueues()) {
    for (const s of await activeSnapshots(ctx, queue)) {
      const r = ctx.record(s);
      if (r.startedAt !== null && r.startedAt + r.timeoutSeconds * 1000 < now) out.push(r);
    }
  }
  return out.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0)).slice(0, limit);
}

/** Running jobs whose engine is not live; a job with no engine mark counts when its lock is gone. */
export async function orphanedRunningJobs(ctx: RedisContext, live: readonly string[]): Promise<ClaimedJob[]> {
  const out: ClaimedJob[] = [];
  for (const queue of await ctx.knownQueues()) {
    for (const s of await activeSnapshots(ctx, queue)) {
      const engine = s.hash[F.engine];
      const orphan = engine ? !live.includes(engine) : !(await ctx.client.exists(ctx.keys.lock(queue, s.id)));
      if (orphan) out.push(toClaimed(s.id, queue, s.hash, ctx.defaults));
    }
  }
  return out;
}

/** The earliest run-at among delayed jobs (from BullMQ's delayed score), or null. */
export async function nextRunAt(ctx: RedisContext): Promise<number | null> {
  let next: number | null = null;
  for (const queue of await ctx.knownQueues()) {
    const first = await ctx.client.zrange(ctx.keys.q(queue, 'delayed'), 0, 0, 'WITHSCORES');
    if (first.length === 2) {
      const at = Math.floor(Number(first[1]) / DELAY_SCORE);
      if (next === null || at < next) next = at;
    }
  }
  return next;
}

/** Promote delayed jobs due by `now` (BullMQ's promote). Returns how many. */
export async function promoteDueJobs(ctx: RedisContext, now: number): Promise<number> {
  let n = 0;
  for (const queue of await ctx.knownQueues()) {
    const due = await ctx.client.zrangebyscore(ctx.keys.q(queue, 'delayed'), 0, (now + 1) * DELAY_SCORE - 1, 'LIMIT', 0, 5000);
    const bq = ctx.queue(queue);
    const results = await Promise.all(
      due.map((id) =>
        bq
          .getJob(id)
          .then((job) => (job ? job.promote().then(() => 1) : 0))
          .catch(() => 0),
      ),
    );
    n += results.reduce<number>((a, b) => a + b, 0);
  }
  return n;
}
