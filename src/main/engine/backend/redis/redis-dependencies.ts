/**
 * Job dependencies on Redis (the DependencyStore port plus the steps RedisBackend runs around
 * its writes; docs/redis.md, "Dependencies").
 *
 * The bookkeeping lives under the global `{prefix}` slot (see jhDepResolve in redis-scripts.ts):
 * edges, their states, the reverse index and one decision per dependent, which leaves `waiting`
 * once, inside a Lua script, so each dependent is released or cancelled exactly once even when
 * several engines see its prerequisite finish. The job itself is a BullMQ job in its own queue
 * (another slot in a cluster), parked in BullMQ's `waiting-children` set, which no worker takes.
 * A decision is then applied to the job there: release with BullMQ's own
 * releaseParentIfNoPendingDependencies (it honours priority, delay and pause), cancel with
 * jhCancelWaiting. Applying is idempotent; a decision stays in the `dep:todo` hash until applied,
 * so one left by a crash is applied by any engine's next promotion pass.
 */
import { Job } from 'bullmq';
import { AppError } from '../../../../shared/errors';
import { isTerminalStatus, type JobStatus } from '../../../../shared/model';
import { edgeVerdict, unmetReason } from '../../dependencies/dependency-rules';
import {
  DEPENDENCY_CANCEL_CODE,
  type DependencyEdge,
  type DependencyEffects,
  type DependencyStore,
  type DependencyTrigger,
  type EdgeState,
  type JobDependencies,
} from '../../dependencies/dependency-types';
import type { NewJob } from '../queue-backend';
import type { RedisContext } from './redis-context';
import { encodeData, toBullPriority } from './redis-job-codec';
import { EffectsListeners, mergeEffects, noEffects } from '../../dependencies/effects-listeners';

interface Todo {
  id: string;
  action: 'release' | 'cancel';
  pre: string;
  status: string;
  trigger: DependencyTrigger;
  at: number;
}

/** A left-over decision older than this is applied by the promotion pass. */
const LEFTOVER_MS = 5000;

export class RedisDependencies implements DependencyStore {
  private readonly effectListeners = new EffectsListeners();

  constructor(private readonly ctx: () => RedisContext) {}

  private g(suffix: string): string {
    return this.ctx().keys.g(suffix);
  }

  private get prefix(): string {
    return this.g('');
  }

  /** The status of a job, or null when it does not exist. */
  private async statusOf(id: string): Promise<JobStatus | null> {
    const snap = await this.ctx().readJob(id);
    return snap ? this.ctx().record(snap).status : null;
  }

  /**
   * Before an insert writes anything: every prerequisite must be in the batch or exist, and no
   * job may depend on itself. Throws VALIDATION naming the entry.
   */
  async validate(jobs: readonly NewJob[]): Promise<void> {
    const inBatch = new Set(jobs.map((j) => j.id));
    for (const j of jobs) {
      for (const [i, d] of j.dependencies.entries()) {
        if (d.jobId === j.id) throw new AppError('VALIDATION', `invalid job: dependencies[${i}].jobId: a job cannot depend on itself`);
        if (!inBatch.has(d.jobId) && (await this.statusOf(d.jobId)) === null) {
          throw new AppError('VALIDATION', `invalid job: dependencies[${i}].jobId: no job with id ${d.jobId}`);
        }
      }
    }
  }

  /** Store the edges of `jobs` (all waiting, each dependent decided `waiting`), before the jobs are added. */
  async storeEdges(jobs: readonly NewJob[]): Promise<void> {
    const m = this.ctx().client.multi();
    for (const j of jobs) {
      if (!j.dependencies.length) continue;
      m.hset(this.g(`dep:e:${j.id}`), ...j.dependencies.flatMap((d) => [d.jobId, d.trigger]));
      m.hset(this.g(`dep:s:${j.id}`), ...j.dependencies.flatMap((d) => [d.jobId, 'waiting']));
      m.hset(this.g(`dep:j:${j.id}`), 'd', 'waiting', 'q', j.queue, 'r', String(j.runAt), 'ty', j.type);
      for (const d of j.dependencies) m.sadd(this.g(`dep:on:${d.jobId}`), j.id);
    }
    await m.exec();
  }

  /** Add a dependent job to its queue, parked in BullMQ's waiting-children set. */
  async addParked(j: NewJob): Promise<void> {
    const queue = this.ctx().queue(j.queue);
    const job = new Job(queue, j.type, encodeData(j), {
      jobId: j.id,
      timestamp: j.createdAt,
      priority: toBullPriority(j.priority),
      attempts: j.maxRetries + 1,
      backoff: { type: 'exponential', delay: Math.round(j.retryDelaySeconds * 1000) },
      removeOnComplete: false,
      removeOnFail: false,
    }, j.id);
    await job.addJob(await queue.backend.client, { addToWaitingChildren: true });
  }

  /**
   * After the jobs are in their queues: mark their prerequisites, resolve against those that
   * already finished, and apply decisions taken meanwhile. Returns the effects.
   */
  async afterInsert(jobs: readonly NewJob[], now: number): Promise<DependencyEffects> {
    const pres = [...new Set(jobs.flatMap((j) => j.dependencies.map((d) => d.jobId)))];
    // Mark each prerequisite's job (`jh:hasdeps`: its outcome then resolves its dependents), and
    // only then read its status: an outcome written before the mark is seen here, one after it
    // resolves the dependents itself.
    const ctx = this.ctx();
    for (const id of pres) {
      const queue = await ctx.queueOf(id);
      if (queue) {
        const key = ctx.keys.job(queue, id);
        await ctx.client.jhUpdate(key, ctx.keys.logs(queue, id), key, JSON.stringify({ set: { 'jh:hasdeps': '1' } }), id);
      }
    }
    const finished: Array<{ id: string; status: JobStatus | 'gone' }> = [];
    for (const id of pres) {
      const status = await this.statusOf(id);
      if (status === null || isTerminalStatus(status)) finished.push({ id, status: status ?? 'gone' });
    }
    const effects = await this.resolve(finished, now);
    return mergeEffects(effects, await this.applyTodos(jobs.filter((j) => j.dependencies.length).map((j) => j.id), now));
  }

  /**
   * Prerequisites reached a terminal status: decide their dependents (jhDepResolve, one call
   * each, pipelined) and apply the decisions, cascading cancellations down the graph.
   */
  async resolve(finished: ReadonlyArray<{ id: string; status: JobStatus | 'gone' }>, now: number): Promise<DependencyEffects> {
    const effects = noEffects();
    let round = [...finished];
    while (round.length) {
      const p = this.ctx().scriptPipeline();
      for (const f of round) p.jhDepResolve(this.g('dep:todo'), this.prefix, f.id, f.status, String(now));
      const res = (await p.exec()) ?? [];
      const todos: Todo[] = [];
      for (const [err, value] of res) {
        if (err) throw err;
        for (const json of value as string[]) todos.push(JSON.parse(json) as Todo);
      }
      const next: Array<{ id: string; status: JobStatus }> = [];
      for (const t of todos) {
        const done = await this.apply(t, now, effects);
        if (done === 'cancelled') next.push({ id: t.id, status: 'cancelled' });
      }
      round = next;
    }
    return effects;
  }

  /** Apply one decision to its job; 'pending' when the job is not in its queue yet (kept in the to-do hash). */
  private async apply(t: Todo, now: number, effects: DependencyEffects): Promise<'released' | 'cancelled' | 'noop' | 'pending'> {
    const ctx = this.ctx();
    const info = await ctx.client.hgetall(this.g(`dep:j:${t.id}`));
    const queue = info.q;
    if (!queue) {
      await ctx.client.hdel(this.g('dep:todo'), t.id);
      return 'noop';
    }
    const k = ctx.keys;
    const jobKey = k.job(queue, t.id);
    let outcome: 'released' | 'cancelled' | 'noop' | 'pending';
    if (t.action === 'release') {
      const runAt = Number(info.r) || now;
      const q = ctx.queue(queue);
      const backend = q.backend as unknown as { execCommand(c: unknown, name: string, args: unknown[]): unknown };
      const m = (await q.backend.client).multi() as unknown as {
        jhUpdate: (...a: string[]) => void;
        zscore: (key: string, id: string) => void;
        exists: (key: string) => void;
        exec: () => Promise<Array<[Error | null, unknown]> | null>;
      };
      m.exists(jobKey);
      m.zscore(k.q(queue, 'waiting-children'), t.id);
      m.jhUpdate(jobKey, k.logs(queue, t.id), jobKey, JSON.stringify({ set: { delay: String(Math.max(0, runAt - now)), 'jh:upd': String(now) } }), t.id);
      backend.execCommand(m, 'releaseParentIfNoPendingDependencies', [jobKey, `${jobKey}:dependencies`, k.q(queue, '').slice(0, -1), t.id, now]);
      const res = (await m.exec()) ?? [];
      const exists = Number(res[0]?.[1] ?? 0) === 1;
      const parked = res[1]?.[1] !== null && res[1]?.[1] !== undefined;
      outcome = !exists ? 'pending' : parked ? 'released' : 'noop';
      if (outcome === 'released') {
        effects.released.push({ id: t.id, type: info.ty ?? '', queue, status: runAt > now ? 'scheduled' : 'pending', runAt });
      }
    } else {
      const reason = unmetReason(t.pre, t.status === 'gone' ? null : (t.status as JobStatus), t.trigger);
      const done = await ctx.client.jhCancelWaiting(
        jobKey, k.q(queue, 'wait'), k.q(queue, 'paused'), k.q(queue, 'prioritized'), k.q(queue, 'delayed'), k.q(queue, 'waiting-children'),
        k.q(queue, 'failed'), k.q(queue, 'events'), k.q(queue, 'jh:cancelled'), k.q(queue, 'jh:retrying'),
        t.id, String(now), reason, JSON.stringify({ class: 'cancelled', message: reason, code: DEPENDENCY_CANCEL_CODE }),
      );
      outcome = done === -1 ? 'pending' : done === 1 ? 'cancelled' : 'noop';
      if (outcome === 'cancelled') effects.cancelled.push({ id: t.id, type: info.ty ?? '', queue, reason, finishedAt: now });
    }
    if (outcome !== 'pending') await ctx.client.hdel(this.g('dep:todo'), t.id);
    return outcome;
  }

  /** Apply the to-do decisions of `ids` (all left-overs older than LEFTOVER_MS when `ids` is null). */
  async applyTodos(ids: readonly string[] | null, now: number): Promise<DependencyEffects> {
    const effects = noEffects();
    const ctx = this.ctx();
    let todos: Todo[];
    if (ids) {
      if (!ids.length) return effects;
      todos = (await ctx.client.hmget(this.g('dep:todo'), ...ids)).filter((x): x is string => x !== null).map((x) => JSON.parse(x) as Todo);
    } else {
      if ((await ctx.client.hlen(this.g('dep:todo'))) === 0) return effects;
      todos = Object.values(await ctx.client.hgetall(this.g('dep:todo')))
        .map((x) => JSON.parse(x) as Todo)
        .filter((t) => now - t.at >= LEFTOVER_MS);
    }
    const cancelled: Array<{ id: string; status: JobStatus }> = [];
    for (const t of todos) if ((await this.apply(t, now, effects)) === 'cancelled') cancelled.push({ id: t.id, status: 'cancelled' });
    return cancelled.length ? mergeEffects(effects, await this.resolve(cancelled, now)) : effects;
  }

  /** A waiting dependent was cancelled by hand: its decision is `manual` (a restart of a prerequisite does not re-open it). */
  async cancelledByHand(id: string): Promise<void> {
    const key = this.g(`dep:j:${id}`);
    const d = await this.ctx().client.hget(key, 'd');
    if (d === 'waiting' || d === 'released') await this.ctx().client.hset(key, 'd', 'manual');
  }

  /**
   * Before restarting `id`: its own edges, re-checked. Throws CONFLICT when one can never be met.
   * Returns whether one is still open (the job must wait).
   */
  async checkRestart(id: string): Promise<boolean> {
    const edges = await this.ctx().client.hgetall(this.g(`dep:e:${id}`));
    let waiting = false;
    for (const [pre, trigger] of Object.entries(edges)) {
      const status = await this.statusOf(pre);
      const state = edgeVerdict(trigger as DependencyTrigger, status);
      if (state === 'unmet') {
        throw new AppError('CONFLICT', `job ${id} cannot run again: ${unmetReason(pre, status, trigger as DependencyTrigger)}; restart ${pre} first`);
      }
      if (state === 'waiting') waiting = true;
    }
    return waiting;
  }

  /** Park a restarted job that must wait again (its edges reset to waiting). */
  async parkRestarted(id: string, queue: string, now: number): Promise<void> {
    const ctx = this.ctx();
    const edges = await ctx.client.hgetall(this.g(`dep:e:${id}`));
    const m = ctx.client.multi();
    m.hset(this.g(`dep:s:${id}`), ...Object.keys(edges).flatMap((pre) => [pre, 'waiting']));
    m.del(this.g(`dep:t:${id}`));
    m.hset(this.g(`dep:j:${id}`), 'd', 'waiting');
    await m.exec();
    const k = ctx.keys;
    await ctx.client.jhParkFailed(k.job(queue, id), k.q(queue, 'failed'), k.q(queue, 'waiting-children'), k.q(queue, 'jh:cancelled'), id, String(now), '0');
  }

  /** After a restart of `id`: re-open, down the graph, the dependents cancelled because of it. */
  async afterRestart(id: string, now: number): Promise<DependencyEffects> {
    const effects = noEffects();
    const ctx = this.ctx();
    const k = ctx.keys;
    const queueOfDep = async (dep: string) => (await ctx.client.hget(this.g(`dep:j:${dep}`), 'q')) ?? '';
    const pending = [id];
    while (pending.length) {
      const pre = pending.shift()!;
      for (const dep of await ctx.client.jhDepReopen(this.g('dep:todo'), this.prefix, pre)) {
        const q = await queueOfDep(dep);
        const moved = q ? await ctx.client.jhParkFailed(k.job(q, dep), k.q(q, 'failed'), k.q(q, 'waiting-children'), k.q(q, 'jh:cancelled'), dep, String(now), '1') : 0;
        if (moved === 1) {
          effects.reopened.push(dep);
          pending.push(dep);
        } else {
          await ctx.client.hset(this.g(`dep:j:${dep}`), 'd', 'cancelled'); // not ours to re-open
        }
      }
    }
    // A prerequisite of a re-opened job may have finished meanwhile.
    return effects;
  }

  /** A restarted job parked again: resolve against its prerequisites that finished meanwhile. */
  async recheck(id: string, now: number): Promise<DependencyEffects> {
    const pres = Object.keys(await this.ctx().client.hgetall(this.g(`dep:e:${id}`)));
    const finished: Array<{ id: string; status: JobStatus | 'gone' }> = [];
    for (const pre of pres) {
      const status = await this.statusOf(pre);
      if (status === null || isTerminalStatus(status)) finished.push({ id: pre, status: status ?? 'gone' });
    }
    return this.resolve(finished, now);
  }

  /** Tell listeners what a committed write did (nothing when it did nothing). */
  announce(effects: DependencyEffects | null): void {
    this.effectListeners.announce(effects);
  }

  /** See DependencyStore.onEffects. */
  onEffects(listener: (effects: DependencyEffects) => void): () => void {
    return this.effectListeners.add(listener);
  }

  /** See DependencyStore.edgesOf. Errors: NOT_FOUND. */
  async edgesOf(jobId: string): Promise<JobDependencies> {
    const status = await this.statusOf(jobId);
    if (status === null) throw new AppError('NOT_FOUND', `no job with id ${jobId}`);
    const c = this.ctx().client;
    const edge = async (dep: string, pre: string, other: string): Promise<DependencyEdge> => {
      const [trigger, state, at] = await Promise.all([c.hget(this.g(`dep:e:${dep}`), pre), c.hget(this.g(`dep:s:${dep}`), pre), c.hget(this.g(`dep:t:${dep}`), pre)]);
      return {
        jobId: dep,
        dependsOn: pre,
        trigger: (trigger ?? 'success') as DependencyTrigger,
        state: (state ?? 'waiting') as EdgeState,
        resolvedAt: at ? Number(at) : null,
        otherStatus: await this.statusOf(other),
      };
    };
    const pres = Object.keys(await c.hgetall(this.g(`dep:e:${jobId}`))).sort();
    const deps = (await c.smembers(this.g(`dep:on:${jobId}`))).sort();
    return {
      id: jobId,
      status,
      dependencies: await Promise.all(pres.map((p) => edge(jobId, p, p))),
      dependents: await Promise.all(deps.map((d) => edge(d, jobId, d))),
    };
  }
}
