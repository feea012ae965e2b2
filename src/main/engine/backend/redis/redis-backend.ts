/**
 * RedisBackend: the QueueBackend port on Redis through BullMQ (docs/redis.md).
 *
 * One BullMQ queue per JobHandle queue, prefixed `{<prefix>:<queue>}` (a cluster hash tag per
 * queue). Jobs are ordinary BullMQ jobs (name = type, data = `{ params, jh }`); JobHandle's run
 * state is kept in `jh:*` fields of the job hash. Claims go through a BullMQ Worker in manual mode
 * (`getNextJob`, one lock token per claim); this backend renews the locks of the jobs it claimed
 * and runs BullMQ's stalled-job checker. Outcomes are BullMQ moves: completed → moveToCompleted,
 * failed/cancelled → moveToFailed with an UnrecoverableError (the engine decided: no BullMQ retry),
 * retrying → moveToDelayed(runAt), released → moveToWait.
 *
 * Every call fails with BACKEND_UNAVAILABLE within `timeoutMs` (default 5 s) when Redis cannot be
 * reached; a watchdog rebuilds the connection when it stays broken.
 */
import { Job, UnrecoverableError, Worker } from 'bullmq';
import { hostname } from 'node:os';
import { AppError } from '../../../../shared/errors';
import type { JobAttempt, JobLogLine, JobPage, JobRecord, JobStatus, ParsedJobListQuery } from '../../../../shared/model';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  EngineRegistration,
  JobOutcome,
  NewJob,
  QueueBackend,
  StatusCounts,
  WriteBatch,
} from '../queue-backend';
import { connectWithin, createRedisClient, parseRedisTarget, withDeadline, type ParsedRedisTarget, type RedisClient, type RedisTarget } from './redis-connection';
import { RedisContext } from './redis-context';
import { F, encodeData, parseHistory, toBullPriority, toClaimed, type JobDefaults } from './redis-job-codec';
import { assertRedisQueueName, RedisKeys } from './redis-keys';
import * as queries from './redis-queries';
import { defineScripts, type JhUpdateOp } from './redis-scripts';
import { formatLogRow, parseLogRow } from './redis-logs';

export interface RedisBackendOptions extends RedisTarget {
  /** Defaults for jobs added by plain BullMQ without JobHandle's envelope. */
  defaults?: Partial<JobDefaults>;
  /** Bound on every call (ms). */
  timeoutMs?: number;
  /** BullMQ lock duration of a claimed job (ms); renewed every third of it. */
  lockDurationMs?: number;
  /** BullMQ stalled-job check interval (ms). */
  stalledIntervalMs?: number;
}

interface Claim {
  queue: string;
  token: string;
  name: string;
  opts: Record<string, unknown>;
}

/** The rate pool named in a job's envelope, or ''. */
function envelopePool(data: unknown): string {
  const jh = (data as { jh?: { limits?: { ratePool?: string } } } | null)?.jh;
  return jh?.limits?.ratePool ?? '';
}

const DEFAULTS: JobDefaults = { maxRetries: 3, retryDelaySeconds: 60, timeoutSeconds: 259_200 };

export class RedisBackend implements QueueBackend {
  readonly kind = 'redis' as const;
  readonly location: string;
  private readonly target: ParsedRedisTarget;
  private readonly keys: RedisKeys;
  private readonly defaults: JobDefaults;
  private readonly timeoutMs: number;
  private readonly lockMs: number;
  private ctx!: RedisContext;
  private sub: RedisClient | null = null;
  private readonly workers = new Map<string, Worker>();
  private readonly claims = new Map<string, Claim>();
  private timers: NodeJS.Timeout[] = [];
  private tokenSeq = 0;
  private changes = 0;
  private rotate = 0;
  private pingFailures = 0;
  private rebuilding: Promise<void> | null = null;
  private opened = false;
  private readonly remembered = new Set<string>();
  private readonly tokenPrefix = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

  /** Validates the settings; throws CONFIG naming the field. Connects in open(). */
  constructor(private readonly options: RedisBackendOptions) {
    this.target = parseRedisTarget(options);
    this.location = this.target.location;
    this.keys = new RedisKeys(this.target.prefix);
    this.defaults = { ...DEFAULTS, ...options.defaults };
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.lockMs = options.lockDurationMs ?? 30_000;
  }

  /* ------------------------------------------------------------------ lifecycle */

  /** Connect within the timeout (BACKEND_UNAVAILABLE otherwise), subscribe to changes, start lock renewal. */
  async open(): Promise<void> {
    if (this.opened) return; // auto-selection opened it already
    await this.connect();
    this.opened = true;
    this.timers.push(setInterval(() => void this.renewLocks(), Math.max(1000, Math.floor(this.lockMs / 3))));
    this.timers.push(setInterval(() => void this.watchdog(), 2000));
    for (const t of this.timers) t.unref();
  }

  private async connect(): Promise<void> {
    const client = defineScripts(createRedisClient(this.target));
    client.on('error', () => undefined); // reported through the calls that fail
    await connectWithin(client, this.location, this.timeoutMs);
    this.ctx = new RedisContext(client, this.keys, this.defaults);
    try {
      const sub = createRedisClient(this.target);
      sub.on('error', () => undefined);
      sub.on('message', () => this.changes++);
      await connectWithin(sub, this.location, this.timeoutMs);
      await sub.subscribe(this.keys.g('changes'));
      this.sub = sub;
    } catch {
      this.sub = null; // changeToken still advances every second
    }
  }

  private async disconnect(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
    if (this.ctx) {
      await this.ctx.closeQueues();
      this.ctx.client.disconnect();
    }
    this.sub?.disconnect();
    this.sub = null;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebuilding;
    await this.disconnect();
    this.opened = false;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.op(() => this.ctx.client.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Detect a connection that stays broken (3 failed pings in a row, or ioredis gave up) and rebuild it. */
  private async watchdog(): Promise<void> {
    if (this.rebuilding || !this.ctx) return;
    const ok = await this.ping();
    this.pingFailures = ok ? 0 : this.pingFailures + 1;
    if (this.pingFailures >= 3 || this.ctx.client.status === 'end') {
      this.pingFailures = 0;
      this.rebuilding = (async () => {
        await this.disconnect().catch(() => undefined);
        await this.connect().catch(() => undefined);
      })().finally(() => {
        this.rebuilding = null;
      });
    }
  }

  private op<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.ctx) return Promise.reject(new AppError('BACKEND_UNAVAILABLE', `Redis at ${this.location} is not connected`));
    return withDeadline(this.ctx.client, this.location, this.timeoutMs, fn);
  }

  private async publishChange(): Promise<void> {
    await this.ctx.client.publish(this.keys.g('changes'), '1').catch(() => undefined);
  }

  /**
   * Changes when another process published a change (submit, cancel, pause, restart) and at least
   * once a second, so that jobs added by plain BullMQ producers are noticed too.
   */
  changeToken(): number {
    return this.changes * 100_000 + Math.floor(Date.now() / 1000) % 100_000;
  }

  /** Delete every key under this backend's prefix (tests and `cleanup --all`); never flushes. */
  async removeAllData(): Promise<void> {
    const client = this.ctx.client;
    const nodes = 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `{${this.target.prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) await client.del(k);
      } while (cursor !== '0');
    }
  }

  /* ------------------------------------------------------------------ insert and read */

  /**
   * Insert all or none: ids are reserved in the id index first (CONFLICT naming an existing id),
   * then each queue's jobs are added with one BullMQ addBulk (a MULTI). If adding fails, the ids
   * and the jobs already added are removed again before the error is thrown.
   */
  async insertJobs(jobs: NewJob[]): Promise<void> {
    if (!jobs.length) return;
    for (const j of jobs) assertRedisQueueName(j.queue);
    await this.op(async () => {
      const pairs = jobs.flatMap((j) => [j.id, j.queue]);
      const existing = await this.ctx.client.jhReserveIds(this.keys.g('ids'), ...pairs);
      if (existing) throw new AppError('CONFLICT', `a job with id ${existing} already exists`);
      const byQueue = new Map<string, NewJob[]>();
      for (const j of jobs) byQueue.set(j.queue, [...(byQueue.get(j.queue) ?? []), j]);
      await this.ctx.client.sadd(this.keys.g('queues'), ...byQueue.keys());
      const added: Array<[string, string[]]> = [];
      try {
        for (const [queue, list] of byQueue) {
          for (let i = 0; i < list.length; i += 5000) {
            const chunk = list.slice(i, i + 5000);
            await this.ctx.queue(queue).addBulk(
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
      } catch (err) {
        await this.ctx.client.hdel(this.keys.g('ids'), ...jobs.map((j) => j.id)).catch(() => undefined);
        for (const [queue, ids] of added) for (const id of ids) await this.ctx.queue(queue).remove(id).catch(() => undefined);
        throw err;
      }
    });
    await this.publishChange();
  }

  async getJob(id: string): Promise<JobRecord | null> {
    return this.op(async () => {
      const snap = await this.ctx.readJob(String(id));
      return snap ? this.ctx.record(snap) : null;
    });
  }

  listJobs(query: ParsedJobListQuery): Promise<JobPage> {
    return this.op(() => queries.listJobs(this.ctx, query));
  }

  /** Log lines are BullMQ log rows `<ISO time> [<stream>] <line>`; seq counts every line ever appended. */
  async getLogs(id: string, afterSeq = 0, limit = 1000): Promise<JobLogLine[]> {
    return this.op(async () => {
      const queue = await this.ctx.queueOf(id);
      if (!queue) return [];
      const [len, total] = await Promise.all([
        this.ctx.client.llen(this.keys.logs(queue, id)),
        this.ctx.client.hget(this.keys.job(queue, id), F.logCount),
      ]);
      const count = Math.max(len, Number(total) || 0);
      const firstSeq = count - len + 1;
      const start = Math.max(0, afterSeq + 1 - firstSeq);
      if (start >= len || limit <= 0) return [];
      const rows = await this.ctx.client.lrange(this.keys.logs(queue, id), start, start + limit - 1);
      return rows.map((row, i) => ({ seq: firstSeq + start + i, ...parseLogRow(row) }));
    });
  }

  async getAttempts(id: string): Promise<JobAttempt[]> {
    return this.op(async () => {
      const queue = await this.ctx.queueOf(id);
      if (!queue) return [];
      return parseHistory((await this.ctx.client.hget(this.keys.job(queue, id), F.history)) ?? undefined);
    });
  }

  /* ------------------------------------------------------------------ claims */

  private worker(queue: string): Worker {
    let w = this.workers.get(queue);
    if (!w) {
      w = new Worker(queue, null, {
        connection: this.ctx.client,
        prefix: this.keys.bullPrefix(queue),
        autorun: false,
        lockDuration: this.lockMs,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        maxStalledCount: 1,
        name: `jobhandle@${hostname()}`,
      });
      w.on('error', () => undefined);
      void w.startStalledCheckTimer().catch(() => undefined);
      this.workers.set(queue, w);
    }
    return w;
  }

  /**
   * Claim up to `limit` jobs through BullMQ's Worker.getNextJob (highest priority first, FIFO
   * within a priority, per queue; queues are visited in rotating order), then mark them as this
   * engine's. Paused BullMQ queues yield nothing.
   */
  async claimJobs(req: ClaimRequest): Promise<ClaimedJob[]> {
    if (req.limit <= 0) return [];
    return this.op(async () => {
      if (req.queues?.length) await this.remember(req.queues);
      const all = req.queues?.length ? [...req.queues] : await this.ctx.knownQueues();
      const queues = all.filter((q) => !req.excludeQueues?.includes(q) && !q.includes(':'));
      if (!queues.length) return [];
      const start = this.rotate++ % queues.length;
      const ordered = [...queues.slice(start), ...queues.slice(0, start)];
      const got: Array<{ queue: string; job: Job; token: string }> = [];
      const excluded = (job: Job) =>
        Boolean(req.excludeTypes?.includes(job.name)) ||
        Boolean(req.excludeRatePools?.length && req.excludeRatePools.includes(envelopePool(job.data)));
      for (const queue of ordered) {
        let remaining = req.limit - got.length;
        if (remaining <= 0) break;
        const w = this.worker(queue);
        const next = async () => {
          const token = `${this.tokenPrefix}:${++this.tokenSeq}`;
          const job = await w.getNextJob(token, { block: false });
          return job ? { queue, job, token } : null;
        };
        const first = await next();
        if (!first) continue;
        const batch = [first];
        remaining--;
        if (remaining > 0 && !excluded(first.job)) {
          for (const r of await Promise.all(Array.from({ length: remaining }, next))) if (r) batch.push(r);
        }
        // BullMQ hands out a queue's jobs in order only: one the governor holds back (type at its
        // limit, dry rate pool) goes back to waiting, and this queue is not read further now.
        for (const r of batch) {
          if (excluded(r.job)) await r.job.moveToWait(r.token).catch(() => undefined);
          else got.push(r);
        }
      }
      const claimed = await Promise.all(
        got.map(async ({ queue, job, token }) => {
          const id = job.id!;
          this.claims.set(id, { queue, token, name: job.name, opts: job.opts as Record<string, unknown> });
          const attempt = await this.update(queue, id, {
            set: { [F.engine]: req.engineId, [F.worker]: req.worker, [F.started]: String(req.now), [F.updated]: String(req.now), progress: '0' },
            del: [F.status, F.cancel, F.progressMessage],
            incr: [F.attempts, 1],
          });
          // The claimed Job carries everything else: no second read.
          const hash: Record<string, string> = {
            name: job.name,
            data: JSON.stringify(job.data),
            opts: JSON.stringify(job.opts),
            timestamp: String(job.timestamp),
            priority: String(job.priority),
            delay: String(job.delay ?? 0),
            [F.attempts]: String(Math.max(1, attempt)),
            [F.started]: String(req.now),
          };
          const claimedJob = toClaimed(id, queue, hash, this.defaults);
          return { ...claimedJob, attemptsSinceRestart: Math.max(1, attempt) - (await this.baseOf(queue, id, attempt)) };
        }),
      );
      if (got.length) await Promise.all([...new Set(got.map((g) => g.queue))].map((q) => this.ctx.client.srem(this.keys.q(q, 'jh:retrying'), ...got.filter((g) => g.queue === q).map((g) => g.job.id!))));
      return claimed.sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
    });
  }

  /** The retry-budget base of a job (0 unless it was restarted; read only then). */
  private async baseOf(queue: string, id: string, attempt: number): Promise<number> {
    if (attempt <= 1) return 0;
    return Number(await this.ctx.client.hget(this.keys.job(queue, id), F.base)) || 0;
  }

  /** Add queues an engine was told to serve to the known queues (plain BullMQ producers may fill them). */
  private async remember(queues: readonly string[]): Promise<void> {
    const fresh = queues.filter((q) => !this.remembered.has(q) && !q.includes(':'));
    if (!fresh.length) return;
    await this.ctx.client.sadd(this.keys.g('queues'), ...fresh);
    for (const q of fresh) this.remembered.add(q);
  }

  /** jhUpdate on one job; `zset` (same slot) is re-scored when op.zscore is given. */
  private update(queue: string, id: string, op: JhUpdateOp, zset?: string): Promise<number> {
    const jobKey = this.keys.job(queue, id);
    return this.ctx.client.jhUpdate(jobKey, this.keys.logs(queue, id), zset ?? jobKey, JSON.stringify(op), id);
  }

  private async renewLocks(): Promise<void> {
    if (!this.claims.size || this.rebuilding) return;
    const byQueue = new Map<string, Array<[string, string]>>();
    for (const [id, c] of this.claims) byQueue.set(c.queue, [...(byQueue.get(c.queue) ?? []), [id, c.token]]);
    for (const [queue, list] of byQueue) {
      await this.worker(queue)
        .extendJobLocks(list.map((x) => x[0]), list.map((x) => x[1]), this.lockMs)
        .catch(() => undefined);
    }
  }

  async promoteDueJobs(now: number): Promise<number> {
    return this.op(() => queries.promoteDueJobs(this.ctx, now));
  }

  async nextRunAt(): Promise<number | null> {
    return this.op(() => queries.nextRunAt(this.ctx));
  }

  /* ------------------------------------------------------------------ writes */

  /**
   * Apply outcomes as BullMQ moves, then JobHandle's fields; progress through BullMQ's progress
   * (with its event) and log lines as BullMQ log rows. A stale outcome (the job is no longer
   * running that attempt, or its lock is gone) is skipped, as in SQLite.
   */
  async write(batch: WriteBatch): Promise<void> {
    await this.op(async () => {
      await Promise.all((batch.outcomes ?? []).map((o) => this.applyOutcome(o)));
      await Promise.all(
        (batch.progress ?? []).map(async (p) => {
          const queue = this.claims.get(p.id)?.queue ?? (await this.ctx.queueOf(p.id));
          if (!queue) return;
          await this.ctx.queue(queue).updateJobProgress(p.id, p.progress).catch(() => undefined);
          await this.update(queue, p.id, p.message === null ? { del: [F.progressMessage] } : { set: { [F.progressMessage]: p.message } });
        }),
      );
      const logs = new Map<string, string[]>();
      for (const l of batch.logs ?? []) logs.set(l.jobId, [...(logs.get(l.jobId) ?? []), formatLogRow(l)]);
      await Promise.all(
        [...logs].map(async ([id, rows]) => {
          const queue = this.claims.get(id)?.queue ?? (await this.ctx.queueOf(id));
          if (queue) await this.update(queue, id, { logs: rows });
        }),
      );
    });
  }

  private async applyOutcome(o: JobOutcome): Promise<void> {
    let claim = this.claims.get(o.id);
    if (claim) {
      // Held here: the lock token guards against a stale outcome.
    } else {
      const snap = await this.ctx.readJob(o.id);
      if (!snap || snap.state !== 'active' || Number(snap.hash[F.attempts] ?? 0) !== o.attempt) return;
      claim = { queue: snap.queue, token: '0', name: snap.hash.name ?? '', opts: Job.optsFromJSON(snap.hash.opts) as Record<string, unknown> };
    }
    const { queue, token } = claim;
    const job = new Job(this.ctx.queue(queue), claim.name, {}, claim.opts, o.id);
    const k = this.keys;
    try {
      switch (o.kind) {
        case 'completed':
          await job.moveToCompleted(o.result ?? null, token, false);
          break;
        case 'failed':
        case 'cancelled':
          await job.moveToFailed(new UnrecoverableError(o.error.message), token, false);
          break;
        case 'retrying':
          await job.moveToDelayed(o.runAt, token);
          break;
        case 'released':
          await job.moveToWait(token);
          break;
      }
    } catch (err) {
      this.claims.delete(o.id);
      if (/lock|not in the active|Missing key|not in active/i.test((err as Error).message)) return; // stale: skip
      throw err;
    }
    this.claims.delete(o.id);
    const at = String(o.at);
    const worker = o.worker ?? '';
    if (o.kind === 'completed') {
      await this.update(queue, o.id, {
        set: { [F.finished]: at, [F.updated]: at, [F.worker]: worker, [F.metrics]: JSON.stringify(o.metrics), progress: '100' },
        del: [F.error, F.cancel, F.status, F.progressMessage],
        zscore: at,
      }, k.q(queue, 'completed'));
      return;
    }
    if (o.kind === 'released') {
      await this.update(queue, o.id, {
        set: { [F.updated]: at, progress: '0' },
        del: [F.engine, F.worker, F.started, F.progressMessage, F.cancel],
        incr: [F.attempts, -1],
      });
      return;
    }
    const error = JSON.stringify(o.error);
    const hist: JobAttempt = {
      attempt: o.attempt,
      startedAt: 0,
      finishedAt: o.at,
      worker: o.worker,
      outcome: o.kind,
      error: { class: o.error.class, message: o.error.message, ...(o.error.stack ? { stack: o.error.stack } : {}) },
      durationMs: null,
    };
    const started = Number(await this.ctx.client.hget(k.job(queue, o.id), F.started)) || o.at;
    hist.startedAt = started;
    hist.durationMs = o.at - started;
    const common = { [F.updated]: at, [F.worker]: worker, [F.metrics]: JSON.stringify(o.metrics), [F.error]: error };
    if (o.kind === 'retrying') {
      await this.update(queue, o.id, { set: { ...common, [F.status]: 'retrying', [F.runAt]: String(o.runAt) }, del: [F.cancel], hist });
      await this.ctx.client.sadd(k.q(queue, 'jh:retrying'), o.id);
      return;
    }
    await this.update(
      queue,
      o.id,
      { set: { ...common, [F.finished]: at, ...(o.kind === 'cancelled' ? { [F.status]: 'cancelled' } : {}) }, del: [F.cancel, ...(o.kind === 'failed' ? [F.status] : [])], hist, zscore: at },
      k.q(queue, 'failed'),
    );
    if (o.kind === 'cancelled') await this.ctx.client.zadd(k.q(queue, 'jh:cancelled'), o.at, o.id);
  }

  async trimLogs(jobId: string, keep: number): Promise<void> {
    await this.op(async () => {
      const queue = this.claims.get(jobId)?.queue ?? (await this.ctx.queueOf(jobId));
      if (queue) await this.ctx.client.ltrim(this.keys.logs(queue, jobId), -Math.max(1, keep), -1);
    });
  }

  /* ------------------------------------------------------------------ cancel, restart, pause */

  /**
   * A waiting job is moved to failed, marked cancelled, at once (one Lua script). A running job is
   * flagged and put in its engine's cancel set; that engine (on any machine) sees it through
   * pendingCancels within its watch interval (a change is also published).
   */
  async requestCancel(id: string, now: number, reason: string): Promise<CancelResult> {
    const result = await this.op(async (): Promise<CancelResult> => {
      for (let i = 0; i < 3; i++) {
        const snap = await this.ctx.readJob(id);
        if (!snap) throw new AppError('NOT_FOUND', `no job with id ${id}`);
        const record = this.ctx.record(snap);
        if (snap.state === 'active') {
          const engineId = snap.hash[F.engine] ?? null;
          await this.update(snap.queue, id, { set: { [F.cancel]: '1', [F.updated]: String(now) } });
          if (engineId) await this.ctx.client.sadd(this.keys.g(`cancels:${engineId}`), id);
          return { state: 'requested', job: { ...record, cancelRequested: true }, engineId };
        }
        if (snap.state === 'completed' || snap.state === 'failed') {
          throw new AppError('CONFLICT', `job ${id} is ${record.status}; only waiting or running jobs can be cancelled`);
        }
        const q = snap.queue;
        const k = this.keys;
        const done = await this.ctx.client.jhCancelWaiting(
          k.job(q, id), k.q(q, 'wait'), k.q(q, 'paused'), k.q(q, 'prioritized'), k.q(q, 'delayed'), k.q(q, 'waiting-children'),
          k.q(q, 'failed'), k.q(q, 'events'), k.q(q, 'jh:cancelled'), k.q(q, 'jh:retrying'),
          id, String(now), reason, JSON.stringify({ class: 'cancelled', message: reason }),
        );
        if (done === 1) {
          const after = await this.ctx.readJob(id);
          return { state: 'cancelled', job: this.ctx.record(after!) };
        }
      }
      throw new AppError('CONFLICT', `job ${id} changed state while it was being cancelled; try again`);
    });
    await this.publishChange();
    return result;
  }

  async pendingCancels(engineId: string): Promise<string[]> {
    return this.op(async () => {
      const key = this.keys.g(`cancels:${engineId}`);
      const ids = await this.ctx.client.smembers(key);
      const out: string[] = [];
      for (const id of ids) {
        const snap = await this.ctx.readJob(id);
        if (snap && snap.state === 'active' && snap.hash[F.engine] === engineId && snap.hash[F.cancel] === '1') out.push(id);
        else await this.ctx.client.srem(key, id);
      }
      return out.sort();
    });
  }

  /** BullMQ's retry of a failed job (back to waiting), with JobHandle's retry budget reset. */
  async restartJob(id: string, now: number): Promise<JobRecord> {
    const record = await this.op(async () => {
      const snap = await this.ctx.readJob(id);
      if (!snap) throw new AppError('NOT_FOUND', `no job with id ${id}`);
      if (snap.state !== 'failed') {
        throw new AppError('CONFLICT', `job ${id} is ${this.ctx.record(snap).status}; only failed or cancelled jobs can be restarted`);
      }
      const q = snap.queue;
      const job = await this.ctx.queue(q).getJob(id);
      if (!job) throw new AppError('NOT_FOUND', `no job with id ${id}`);
      await job.retry('failed', { resetAttemptsMade: true });
      await this.update(q, id, {
        set: { [F.base]: snap.hash[F.attempts] ?? '0', [F.updated]: String(now), [F.runAt]: String(now), progress: '0' },
        del: [F.status, F.error, F.finished, F.started, F.worker, F.engine, F.cancel, F.progressMessage, F.metrics],
      });
      await this.ctx.client.zrem(this.keys.q(q, 'jh:cancelled'), id);
      return this.ctx.record((await this.ctx.readJob(id))!);
    });
    await this.publishChange();
    return record;
  }

  /** A real BullMQ pause (visible to every tool and plain worker) or resume. */
  async setQueuePaused(queue: string, paused: boolean, _now: number): Promise<void> {
    assertRedisQueueName(queue);
    await this.op(async () => {
      await this.ctx.client.sadd(this.keys.g('queues'), queue);
      if (paused) await this.ctx.queue(queue).pause();
      else await this.ctx.queue(queue).resume();
    });
    await this.publishChange();
  }

  async pausedQueues(): Promise<string[]> {
    return this.op(async () => {
      const queues = await this.ctx.knownQueues();
      const flags = await Promise.all(queues.map((q) => this.ctx.client.hexists(this.keys.q(q, 'meta'), 'paused')));
      return queues.filter((_, i) => flags[i] === 1);
    });
  }

  /* ------------------------------------------------------------------ counts and upkeep */

  countByStatus(): Promise<StatusCounts> {
    return this.op(() => queries.countByStatus(this.ctx));
  }

  countFinishedSince(since: number): Promise<number> {
    return this.op(() => queries.countFinishedSince(this.ctx, since));
  }

  listOverdueRunning(now: number, limit: number): Promise<JobRecord[]> {
    return this.op(() => queries.listOverdueRunning(this.ctx, now, limit));
  }

  deleteFinishedBefore(before: number, statuses: readonly JobStatus[]): Promise<number> {
    return this.op(() => queries.deleteFinishedBefore(this.ctx, before, statuses));
  }

  /* ------------------------------------------------------------------ engines */

  async registerEngine(engine: EngineRegistration): Promise<void> {
    await this.op(async () => {
      await this.ctx.client.hset(this.keys.g('engines'), engine.id, JSON.stringify(engine));
      await this.ctx.client.hset(this.keys.g('heartbeats'), engine.id, String(engine.heartbeatAt));
    });
  }

  async heartbeat(engineId: string, now: number): Promise<void> {
    await this.op(() => this.ctx.client.hset(this.keys.g('heartbeats'), engineId, String(now)));
  }

  async unregisterEngine(engineId: string): Promise<void> {
    await this.op(async () => {
      await this.ctx.client.hdel(this.keys.g('engines'), engineId);
      await this.ctx.client.hdel(this.keys.g('heartbeats'), engineId);
      await this.ctx.client.del(this.keys.g(`cancels:${engineId}`));
    });
  }

  async listEngines(): Promise<EngineRegistration[]> {
    return this.op(async () => {
      const [engines, beats] = await Promise.all([
        this.ctx.client.hgetall(this.keys.g('engines')),
        this.ctx.client.hgetall(this.keys.g('heartbeats')),
      ]);
      return Object.entries(engines)
        .map(([id, json]) => {
          const e = JSON.parse(json) as EngineRegistration;
          return { ...e, heartbeatAt: Number(beats[id] ?? e.heartbeatAt) };
        })
        .sort((a, b) => a.startedAt - b.startedAt);
    });
  }

  orphanedRunningJobs(liveEngineIds: readonly string[]): Promise<ClaimedJob[]> {
    return this.op(() => queries.orphanedRunningJobs(this.ctx, liveEngineIds));
  }
}

