/**
 * Claims and locks of the Redis backend: one BullMQ Worker per queue in manual mode
 * (`getNextJob(token)`, one lock token per claim), the lock tokens of the jobs this engine holds,
 * their renewal, and BullMQ's stalled-job checker (docs/redis.md, "How the engine uses BullMQ").
 */
import { Job, Worker } from 'bullmq';
import { hostname } from 'node:os';
import type { ClaimRequest, ClaimedJob } from '../queue-backend';
import type { RedisContext } from './redis-context';
import { toClaimed } from './redis-job-codec';

/** A job this engine holds: its queue and BullMQ lock token. */
export interface Claim {
  queue: string;
  token: string;
  name: string;
  opts: Record<string, unknown>;
}

export interface RedisClaimsOptions {
  lockMs: number;
  stalledIntervalMs: number;
}

/** How long the list of known queues is reused by claims. */
const KNOWN_QUEUES_MS = 1000;

/** Claims sent at once to a queue before knowing how many jobs it holds. */
const FIRST_FLIGHT = 32;

/** The rate pool named in a job's envelope, or ''. */
function envelopePool(data: unknown): string {
  const jh = (data as { jh?: { limits?: { ratePool?: string } } } | null)?.jh;
  return jh?.limits?.ratePool ?? '';
}

export class RedisClaims {
  private readonly workers = new Map<string, Worker>();
  /** Jobs held by this engine, by id. */
  readonly held = new Map<string, Claim>();
  private tokenSeq = 0;
  private rotate = 0;
  private readonly remembered = new Set<string>();
  private known: { at: number; queues: string[] } | null = null;
  private readonly tokenPrefix = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  constructor(
    private readonly ctx: () => RedisContext,
    private readonly options: RedisClaimsOptions,
  ) {}

  /** The manual-mode BullMQ Worker of a queue (created on first use; starts its stalled checker). */
  worker(queue: string): Worker {
    let w = this.workers.get(queue);
    if (!w) {
      const ctx = this.ctx();
      w = new Worker(queue, null, {
        connection: ctx.client,
        prefix: ctx.keys.bullPrefix(queue),
        autorun: false,
        lockDuration: this.options.lockMs,
        stalledInterval: this.options.stalledIntervalMs,
        maxStalledCount: 1,
        name: `jobhandle@${hostname()}`,
      });
      w.on('error', () => undefined);
      void w.startStalledCheckTimer().catch(() => undefined);
      this.workers.set(queue, w);
    }
    return w;
  }

  /** Close every Worker (force: the engine settles or releases its jobs itself). */
  async closeWorkers(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
  }

  /**
   * Claim up to `limit` jobs through BullMQ's Worker.getNextJob (highest priority first, FIFO
   * within a priority, per queue; queues are visited in rotating order), then mark them as this
   * engine's with one jhClaim per job, pipelined per queue. A cancel requested during the claim
   * is kept and put in this engine's cancel set. Paused BullMQ queues yield nothing.
   */
  async claim(req: ClaimRequest): Promise<ClaimedJob[]> {
    const ctx = this.ctx();
    if (req.queues?.length) await this.remember(req.queues);
    const all = req.queues?.length ? [...req.queues] : await this.knownQueues(ctx);
    const queues = all.filter((q) => !req.excludeQueues?.includes(q) && !q.includes(':'));
    if (!queues.length) return [];
    const start = this.rotate++ % queues.length;
    const ordered = [...queues.slice(start), ...queues.slice(0, start)];
    const got = new Map<string, Array<{ job: Job; token: string }>>();
    let count = 0;
    const excluded = (job: Job) =>
      Boolean(req.excludeTypes?.includes(job.name)) ||
      Boolean(req.excludeRatePools?.length && req.excludeRatePools.includes(envelopePool(job.data)));
    for (const queue of ordered) {
      let remaining = req.limit - count;
      if (remaining <= 0) break;
      const w = this.worker(queue);
      const next = async () => {
        const token = `${this.tokenPrefix}:${++this.tokenSeq}`;
        const job = await w.getNextJob(token, { block: false });
        return job ? { job, token } : null;
      };
      const batch: Array<{ job: Job; token: string }> = [];
      if (!req.excludeTypes?.length && !req.excludeRatePools?.length) {
        // Nothing to hold back: a first flight of up to FIRST_FLIGHT claims at once (one round
        // trip for a small claim), the rest only when the queue filled that flight.
        const first = (await Promise.all(Array.from({ length: Math.min(remaining, FIRST_FLIGHT) }, next))).filter((r) => r !== null);
        batch.push(...first);
        if (first.length === FIRST_FLIGHT && remaining > FIRST_FLIGHT) {
          for (const r of await Promise.all(Array.from({ length: remaining - FIRST_FLIGHT }, next))) if (r) batch.push(r);
        }
      } else {
        const first = await next();
        if (!first) continue;
        batch.push(first);
        remaining--;
        if (remaining > 0 && !excluded(first.job)) {
          for (const r of await Promise.all(Array.from({ length: remaining }, next))) if (r) batch.push(r);
        }
      }
      if (!batch.length) continue;
      // BullMQ hands out a queue's jobs in order only: one the governor holds back (type at its
      // limit, dry rate pool) goes back to waiting, and this queue is not read further now.
      const taken: Array<{ job: Job; token: string }> = [];
      for (const r of batch) {
        if (excluded(r.job)) await r.job.moveToWait(r.token).catch(() => undefined);
        else taken.push(r);
      }
      if (taken.length) got.set(queue, taken);
      count += taken.length;
    }
    const claimed: ClaimedJob[] = [];
    const cancelled: string[] = [];
    for (const [queue, list] of got) {
      const p = ctx.client.pipeline() as unknown as { jhClaim: (...a: string[]) => void; exec: () => Promise<Array<[Error | null, unknown]> | null> };
      for (const { job } of list) {
        p.jhClaim(ctx.keys.job(queue, job.id!), ctx.keys.q(queue, 'jh:retrying'), req.engineId, req.worker, String(req.now), job.id!);
      }
      const res = (await p.exec()) ?? [];
      list.forEach(({ job, token }, i) => {
        const [err, value] = res[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        const [attempt, base, cx] = value as [number, number, number];
        if (attempt < 0) return; // removed meanwhile
        const id = job.id!;
        this.held.set(id, { queue, token, name: job.name, opts: job.opts as Record<string, unknown> });
        if (cx === 1) cancelled.push(id);
        // The claimed Job carries everything else: no second read.
        const hash: Record<string, string> = {
          name: job.name,
          data: JSON.stringify(job.data),
          opts: JSON.stringify(job.opts),
          timestamp: String(job.timestamp),
          priority: String(job.priority),
          delay: String(job.delay ?? 0),
          'jh:att': String(Math.max(1, attempt)),
          'jh:base': String(base),
          'jh:start': String(req.now),
        };
        claimed.push(toClaimed(id, queue, hash, ctx.defaults));
      });
    }
    if (cancelled.length) await ctx.client.sadd(ctx.keys.g(`cancels:${req.engineId}`), ...cancelled);
    return claimed.sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
  }

  /**
   * The known queues, read at most once every KNOWN_QUEUES_MS. forgetQueues is called on this
   * process's inserts and on every change another process publishes (its submissions), so only a
   * plain BullMQ producer's new queue waits that long.
   */
  private async knownQueues(ctx: RedisContext): Promise<string[]> {
    const now = Date.now();
    if (!this.known || now - this.known.at > KNOWN_QUEUES_MS) this.known = { at: now, queues: await ctx.knownQueues() };
    return this.known.queues;
  }

  /** Read the known queues again at the next claim. */
  forgetQueues(): void {
    this.known = null;
  }

  /** Add queues an engine was told to serve to the known queues (plain BullMQ producers may fill them). */
  private async remember(queues: readonly string[]): Promise<void> {
    const fresh = queues.filter((q) => !this.remembered.has(q) && !q.includes(':'));
    if (!fresh.length) return;
    const ctx = this.ctx();
    await ctx.client.sadd(ctx.keys.g('queues'), ...fresh);
    for (const q of fresh) this.remembered.add(q);
  }

  /** Extend the locks of every job held here (BullMQ extendLocks, one call per queue). */
  async renewLocks(): Promise<void> {
    if (!this.held.size) return;
    const byQueue = new Map<string, Array<[string, string]>>();
    for (const [id, c] of this.held) byQueue.set(c.queue, [...(byQueue.get(c.queue) ?? []), [id, c.token]]);
    for (const [queue, list] of byQueue) {
      await this.worker(queue)
        .extendJobLocks(list.map((x) => x[0]), list.map((x) => x[1]), this.options.lockMs)
        .catch(() => undefined);
    }
  }
}
