/**
 * Submission on Redis: all or none, as far as Redis allows (docs/redis.md, "Submission").
 */
import { AppError } from '../../../../shared/errors';
import type { DependencyEffects } from '../../dependencies/dependency-types';
import type { NewJob } from '../queue-backend';
import type { RedisContext } from './redis-context';
import type { RedisDependencies } from './redis-dependencies';
import { encodeData, toBullPriority } from './redis-job-codec';

/**
 * Insert `jobs`: prerequisites are checked first (VALIDATION, nothing written); the ids are
 * reserved in the id index (CONFLICT naming an existing id); the dependency edges are stored;
 * then each queue's jobs without dependencies are added with one BullMQ addBulk, and jobs with
 * dependencies are added parked in waiting-children. If adding fails, the ids and the jobs
 * already added are removed again before the error is thrown. Finally dependents whose
 * prerequisites already finished are decided. Returns what that did to dependents, or null.
 */
export async function insertJobs(ctx: RedisContext, deps: RedisDependencies, jobs: NewJob[]): Promise<DependencyEffects | null> {
  const withDeps = jobs.filter((j) => j.dependencies.length);
  if (withDeps.length) await deps.validate(jobs);
  const pairs = jobs.flatMap((j) => [j.id, j.queue]);
  const existing = await ctx.client.jhReserveIds(ctx.keys.g('ids'), ...pairs);
  if (existing) throw new AppError('CONFLICT', `a job with id ${existing} already exists`);
  const byQueue = new Map<string, NewJob[]>();
  for (const j of jobs) if (!j.dependencies.length) byQueue.set(j.queue, [...(byQueue.get(j.queue) ?? []), j]);
  await ctx.client.sadd(ctx.keys.g('queues'), ...new Set(jobs.map((j) => j.queue)));
  const added: Array<[string, string[]]> = [];
  try {
    if (withDeps.length) await deps.storeEdges(withDeps);
    for (const [queue, list] of byQueue) {
      for (let i = 0; i < list.length; i += 5000) {
        const chunk = list.slice(i, i + 5000);
        await ctx.queue(queue).addBulk(
          chunk.map((j) => ({
            name: j.type,
            data: encodeData(j),
            opts: {
              jobId: j.id,
              timestamp: j.createdAt,
              priority: toBullPriority(j.priority),
              attempts: j.maxRetries + 1,
              backoff: { type: 'exponential', delay: Math.round(j.retryDelaySeconds * 1000) },
              removeOnComplete: false,
              removeOnFail: false,
              ...(j.status === 'scheduled' && j.runAt > j.createdAt ? { delay: j.runAt - j.createdAt } : {}),
            },
          })),
        );
        added.push([queue, chunk.map((j) => j.id)]);
      }
    }
    for (const j of withDeps) {
      await deps.addParked(j);
      added.push([j.queue, [j.id]]);
    }
  } catch (err) {
    await ctx.client.hdel(ctx.keys.g('ids'), ...jobs.map((j) => j.id)).catch(() => undefined);
    for (const [queue, ids] of added) for (const id of ids) await ctx.queue(queue).remove(id).catch(() => undefined);
    throw err;
  }
  return withDeps.length ? deps.afterInsert(jobs, jobs[0]!.createdAt) : null;
}
