/**
 * Cancel, restart and pause on Redis (docs/redis.md, "Cancel", "Restart", "Pause").
 */
import { AppError } from '../../../../shared/errors';
import type { JobRecord } from '../../../../shared/model';
import type { CancelResult } from '../queue-backend';
import type { RedisContext } from './redis-context';
import { F } from './redis-job-codec';
import { assertRedisQueueName } from './redis-keys';

/**
 * A waiting job is moved to failed, marked cancelled, at once (one Lua script). A running job is
 * flagged and put in its engine's cancel set; that engine (on any machine) sees it through
 * pendingCancels within its watch interval. A job claimed while it is being flagged keeps the
 * flag (jhClaim), and its new engine puts it in its own cancel set.
 * Throws NOT_FOUND, CONFLICT (finished, or it kept changing state).
 */
export async function requestCancel(ctx: RedisContext, id: string, now: number, reason: string): Promise<CancelResult> {
  const k = ctx.keys;
  for (let i = 0; i < 3; i++) {
    const snap = await ctx.readJob(id);
    if (!snap) throw new AppError('NOT_FOUND', `no job with id ${id}`);
    const record = ctx.record(snap);
    if (snap.state === 'active') {
      const engineId = snap.hash[F.engine] ?? null;
      const q = snap.queue;
      await ctx.client.jhUpdate(k.job(q, id), k.logs(q, id), k.job(q, id), JSON.stringify({ set: { [F.cancel]: '1', [F.updated]: String(now) } }), id);
      if (engineId) await ctx.client.sadd(k.g(`cancels:${engineId}`), id);
      return { state: 'requested', job: { ...record, cancelRequested: true }, engineId };
    }
    if (snap.state === 'completed' || snap.state === 'failed') {
      throw new AppError('CONFLICT', `job ${id} is ${record.status}; only waiting or running jobs can be cancelled`);
    }
    const q = snap.queue;
    const done = await ctx.client.jhCancelWaiting(
      k.job(q, id), k.q(q, 'wait'), k.q(q, 'paused'), k.q(q, 'prioritized'), k.q(q, 'delayed'), k.q(q, 'waiting-children'),
      k.q(q, 'failed'), k.q(q, 'events'), k.q(q, 'jh:cancelled'), k.q(q, 'jh:retrying'),
      id, String(now), reason, JSON.stringify({ class: 'cancelled', message: reason }),
    );
    if (done === 1) {
      const after = await ctx.readJob(id);
      return { state: 'cancelled', job: ctx.record(after!) };
    }
  }
  throw new AppError('CONFLICT', `job ${id} changed state while it was being cancelled; try again`);
}

/** Running jobs of `engineId` whose cancellation was requested; stale entries leave the set. */
export async function pendingCancels(ctx: RedisContext, engineId: string): Promise<string[]> {
  const key = ctx.keys.g(`cancels:${engineId}`);
  const ids = await ctx.client.smembers(key);
  const out: string[] = [];
  for (const id of ids) {
    const snap = await ctx.readJob(id);
    if (snap && snap.state === 'active' && snap.hash[F.engine] === engineId && snap.hash[F.cancel] === '1') out.push(id);
    else await ctx.client.srem(key, id);
  }
  return out.sort();
}

/**
 * BullMQ's retry of a failed job (back to waiting), with JobHandle's retry budget reset; or,
 * when `park` is given (dependencies still open), `park` puts it back in waiting-children.
 * Throws NOT_FOUND, CONFLICT.
 */
export async function restartJob(ctx: RedisContext, id: string, now: number, park: ((queue: string) => Promise<void>) | null = null): Promise<JobRecord> {
  const snap = await ctx.readJob(id);
  if (!snap) throw new AppError('NOT_FOUND', `no job with id ${id}`);
  if (snap.state !== 'failed') {
    throw new AppError('CONFLICT', `job ${id} is ${ctx.record(snap).status}; only failed or cancelled jobs can be restarted`);
  }
  const q = snap.queue;
  const job = await ctx.queue(q).getJob(id);
  if (!job) throw new AppError('NOT_FOUND', `no job with id ${id}`);
  if (park) await park(q);
  else await job.retry('failed', { resetAttemptsMade: true });
  const op = {
    set: { [F.base]: snap.hash[F.attempts] ?? '0', [F.updated]: String(now), [F.runAt]: String(now), progress: '0' },
    del: [F.status, F.error, F.finished, F.started, F.worker, F.engine, F.cancel, F.progressMessage, F.metrics],
  };
  const k = ctx.keys;
  await ctx.client.jhUpdate(k.job(q, id), k.logs(q, id), k.job(q, id), JSON.stringify(op), id);
  await ctx.client.zrem(k.q(q, 'jh:cancelled'), id);
  return ctx.record((await ctx.readJob(id))!);
}

/** A real BullMQ pause (visible to every tool and plain worker) or resume. Throws VALIDATION for a bad name. */
export async function setQueuePaused(ctx: RedisContext, queue: string, paused: boolean): Promise<void> {
  assertRedisQueueName(queue);
  await ctx.client.sadd(ctx.keys.g('queues'), queue);
  if (paused) await ctx.queue(queue).pause();
  else await ctx.queue(queue).resume();
}

/** The queues whose BullMQ meta says paused. */
export async function pausedQueues(ctx: RedisContext): Promise<string[]> {
  const queues = await ctx.knownQueues();
  const flags = await Promise.all(queues.map((q) => ctx.client.hexists(ctx.keys.q(q, 'meta'), 'paused')));
  return queues.filter((_, i) => flags[i] === 1);
}
