/**
 * RedisBackend: the QueueBackend port on Redis through BullMQ (docs/redis.md).
 *
 * One BullMQ queue per JobHandle queue, prefixed `{<prefix>:<queue>}` (a cluster hash tag per
 * queue). Jobs are ordinary BullMQ jobs (name = type, data = `{ params, jh }`); JobHandle's run
 * state is kept in `jh:*` fields of the job hash. The parts: redis-claims.ts (manual-mode Workers,
 * lock tokens and renewal, the stalled checker), redis-outcomes.ts (BullMQ moves with JobHandle's
 * fields in one MULTI per queue), redis-cancel.ts (cancel, restart, pause), redis-engines.ts (the
 * engine registry), redis-queries.ts (listings, counts, upkeep), redis-bulk-ops.ts (bulk delete and
 * priority, per-queue counts).
 *
 * Every call fails with BACKEND_UNAVAILABLE within `timeoutMs` (default 5 s) when Redis cannot be
 * reached; a watchdog rebuilds the connection when it stays broken.
 */
import { AppError } from '../../../../shared/errors';
import type { JobAttempt, JobLogLine, JobPage, JobRecord, JobStatus, ParsedJobListQuery } from '../../../../shared/model';
import * as cancels from './redis-cancel';
import { READY_MAX_AGE_MS, RedisClaims } from './redis-claims';
import * as engines from './redis-engines';
import { applyOutcomes, OutcomeWriteError, unclaim, writeProgressAndLogs } from './redis-outcomes';
import { ORPHAN_SWEEP_MS, OrphanWatch } from './redis-orphans';
import { RedisRatePools } from './redis-rate-pools';
import { RedisScheduleStore } from './redis-schedule-store';
import { RedisDependencies } from './redis-dependencies';
import { mergeEffects } from '../../dependencies/effects-listeners';
import { insertJobs } from './redis-insert';
import type {
  BulkOpOutcome,
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  EngineRegistration,
  NewJob,
  QueueBackend,
  StatusCounts,
  WriteBatch,
} from '../queue-backend';
import { connectWithin, createRedisClient, parseRedisTarget, withDeadline, type ParsedRedisTarget, type RedisClient, type RedisTarget } from './redis-connection';
import { RedisContext } from './redis-context';
import { F, parseHistory, type JobDefaults } from './redis-job-codec';
import { assertRedisQueueName, RedisKeys } from './redis-keys';
import * as queries from './redis-queries';
import * as bulk from './redis-bulk-ops';
import { defineScripts } from './redis-scripts';
import { parseLogRow } from './redis-logs';

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

const DEFAULTS: JobDefaults = { maxRetries: 3, retryDelaySeconds: 60, timeoutSeconds: 259_200 };

export class RedisBackend implements QueueBackend {
  readonly kind = 'redis' as const;
  /**
   * One write at a time. Two in flight (`overlappingWrites`, which the dispatcher supports) drained
   * no-op jobs 18–30 % faster (docs/benchmarks.md), and with the search for orphans
   * (redis-orphans.ts) the Redis fault tests passed in 3 of 4 fresh-clone CI runs. The fourth left 2
   * jobs unfinished 150 s after a cluster failover (chaos smoke), a case not understood yet; with one
   * write at a time that scenario has not failed. Off until it is.
   */
  readonly overlappingWrites = false;
  readonly location: string;
  private readonly target: ParsedRedisTarget;
  private readonly keys: RedisKeys;
  private readonly defaults: JobDefaults;
  private readonly timeoutMs: number;
  private readonly lockMs: number;
  private ctx!: RedisContext;
  private sub: RedisClient | null = null;
  private readonly claims: RedisClaims;
  /** Declared rate pools and token buckets shared by every engine on this Redis. */
  readonly sharedRatePools: RedisRatePools;
  /** Schedules kept in Redis; a slot fires once across engines (redis-schedule-store.ts). */
  readonly schedules: RedisScheduleStore;
  /** Job dependencies kept in Redis; each dependent is released once (redis-dependencies.ts). */
  readonly dependencies: RedisDependencies;
  private timers: NodeJS.Timeout[] = [];
  private changes = 0;
  private pingFailures = 0;
  private rebuilding: Promise<void> | null = null;
  private opened = false;
  /** After a failed claim or write, jobs left locked with this engine's tokens are looked for (redis-orphans.ts). */
  private readonly orphans: OrphanWatch;

  /** Validates the settings; throws CONFIG naming the field. Connects in open(). */
  constructor(private readonly options: RedisBackendOptions) {
    this.target = parseRedisTarget(options);
    this.location = this.target.location;
    this.keys = new RedisKeys(this.target.prefix);
    this.defaults = { ...DEFAULTS, ...options.defaults };
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.lockMs = options.lockDurationMs ?? 30_000;
    this.sharedRatePools = new RedisRatePools(() => this.ctx, (fn) => this.op(fn));
    this.dependencies = new RedisDependencies(() => this.ctx);
    this.schedules = new RedisScheduleStore(() => this.ctx, (fn) => this.op(fn), (jobs) => this.insertJobs(jobs));
    this.claims = new RedisClaims(() => this.ctx, { lockMs: this.lockMs, stalledIntervalMs: options.stalledIntervalMs ?? 30_000 });
    this.claims.release = (jobs) => this.op(() => unclaim(this.ctx, this.claims, jobs));
    this.orphans = new OrphanWatch(this.lockMs);
  }

  /* ------------------------------------------------------------------ lifecycle */

  /** Connect within the timeout (BACKEND_UNAVAILABLE otherwise), subscribe to changes, start lock renewal. */
  async open(): Promise<void> {
    if (this.opened) return; // auto-selection opened it already
    await this.connect();
    this.opened = true;
    this.timers.push(setInterval(() => void (this.rebuilding ? undefined : this.claims.renewLocks()), Math.max(250, Math.floor(this.lockMs / 3))));
    this.timers.push(setInterval(() => void this.watchdog(), 2000));
    this.timers.push(setInterval(() => void this.releaseStale(), Math.ceil(READY_MAX_AGE_MS / 4)));
    this.timers.push(setInterval(() => void this.adoptOrphans(), ORPHAN_SWEEP_MS));
    for (const t of this.timers) t.unref();
  }

  private async connect(): Promise<void> {
    const client = defineScripts(createRedisClient(this.target));
    client.on('error', () => undefined); // reported through the calls that fail
    // A dropped connection may have taken replies with it (ioredis sends unanswered calls again,
    // and a claim sent again finds its jobs taken already): look for orphans (redis-orphans.ts).
    for (const event of ['close', 'node error', '-node']) client.on(event, () => this.orphans.fault());
    await connectWithin(client, this.location, this.timeoutMs);
    this.ctx = new RedisContext(client, this.keys, this.defaults);
    try {
      const sub = createRedisClient(this.target);
      sub.on('error', () => undefined);
      sub.on('message', () => {
        this.changes++;
        this.claims.forgetQueues(); // another process may have used a new queue
      });
      await connectWithin(sub, this.location, this.timeoutMs);
      await sub.subscribe(this.keys.g('changes'));
      this.sub = sub;
    } catch {
      this.sub = null; // changeToken still advances every second
    }
  }

  private async disconnect(): Promise<void> {
    await this.claims.closeWorkers();
    if (this.ctx) {
      await this.ctx.closeQueues();
      this.ctx.client.disconnect();
    }
    this.sub?.disconnect();
    this.sub = null;
  }

  /** Jobs fetched ahead that no claim took in time go back to waiting (kept for later if Redis fails). */
  private async releaseStale(): Promise<void> {
    if (this.rebuilding || !this.ctx) return;
    const stale = this.claims.takeStale(Date.now());
    if (stale.length) await this.claims.release(stale).catch(() => this.claims.putBack(stale));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.rebuilding;
    // Jobs fetched ahead and never handed out go back to waiting, their attempt not counted.
    const ready = this.ctx ? this.claims.takeAllReady() : [];
    if (ready.length) await this.claims.release(ready).catch(() => undefined);
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

  /** Within the window after a fault, look for orphans and keep them ready (redis-orphans.ts). */
  private async adoptOrphans(): Promise<void> {
    if (this.rebuilding || !this.ctx) return;
    await this.orphans.sweep(() => this.op(() => this.claims.adoptOrphans(Date.now()))).catch(() => undefined);
  }

  /** Detect a connection that stays broken (3 failed pings in a row, or ioredis gave up) and rebuild it. */
  private async watchdog(): Promise<void> {
    if (this.rebuilding || !this.ctx) return;
    const ok = await this.ping();
    this.pingFailures = ok ? 0 : this.pingFailures + 1;
    if (this.pingFailures >= 3 || this.ctx.client.status === 'end') {
      this.pingFailures = 0;
      this.orphans.fault();
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
    for (const node of this.ctx.masters()) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `{${this.target.prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const k of keys) await client.del(k);
      } while (cursor !== '0');
    }
  }

  /* ------------------------------------------------------------------ insert and read */

  /** Insert all or none (redis-insert.ts); jobs with dependencies start waiting or cancelled. Throws VALIDATION, CONFLICT. */
  async insertJobs(jobs: NewJob[]): Promise<void> {
    if (!jobs.length) return;
    for (const j of jobs) assertRedisQueueName(j.queue);
    const effects = await this.op(() => insertJobs(this.ctx, this.dependencies, jobs));
    this.claims.forgetQueues();
    this.dependencies.announce(effects);
    await this.publishChange();
  }

  private async getJobRecord(id: string): Promise<JobRecord | null> {
    const snap = await this.ctx.readJob(id);
    return snap ? this.ctx.record(snap) : null;
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

  /** Claim up to `limit` jobs for one worker (redis-claims.ts). */
  async claimJobs(req: ClaimRequest): Promise<ClaimedJob[]> {
    if (req.limit <= 0) return [];
    let late = false;
    const claimed = this.orphans.track(
      (fn) => this.op(fn),
      async () => {
        const jobs = await this.claims.claim(req);
        // Its deadline passed while the claim was on its way: the jobs it took are this engine's
        // and locked with its tokens, but the caller has gone. Keep them ready for the next claim.
        if (late) this.claims.keepLate(jobs, req.worker);
        return jobs;
      },
    );
    return claimed.catch((err: unknown) => {
      late = true;
      throw err;
    });
  }

  /** Move due delayed jobs to waiting; also apply dependency decisions left over by a crashed engine. */
  async promoteDueJobs(now: number): Promise<number> {
    const effects = await this.op(() => this.dependencies.applyTodos(null, now));
    this.dependencies.announce(effects);
    return this.op(() => queries.promoteDueJobs(this.ctx, now));
  }

  async nextRunAt(): Promise<number | null> {
    return this.op(() => queries.nextRunAt(this.ctx));
  }

  /* ------------------------------------------------------------------ writes */

  /**
   * Apply outcomes as BullMQ moves with JobHandle's fields in the same MULTI (redis-outcomes.ts),
   * then progress and log lines. A stale outcome (the job no longer runs that attempt, or its
   * lock is gone) is skipped, as in SQLite.
   */
  async write(batch: WriteBatch): Promise<void> {
    const effects = await this.orphans.track((fn) => this.op(fn), async () => {
      let effects = null;
      if (batch.outcomes?.length) {
        const at = Math.max(...batch.outcomes.map((o) => o.at));
        const finished = await applyOutcomes(this.ctx, this.claims, batch.outcomes).catch(async (err: unknown) => {
          // Part of the batch was settled: those jobs are no longer held, so the write sent again
          // skips them; their dependents are resolved now, then the failure is reported.
          if (!(err instanceof OutcomeWriteError)) throw err;
          if (err.finished.length) this.dependencies.announce(await this.dependencies.resolve(err.finished, at));
          throw err.cause;
        });
        if (finished.length) effects = await this.dependencies.resolve(finished, at);
      }
      await writeProgressAndLogs(this.ctx, this.claims, batch);
      return effects;
    });
    this.dependencies.announce(effects);
  }

  async trimLogs(jobId: string, keep: number): Promise<void> {
    await this.op(async () => {
      const queue = this.claims.held.get(jobId)?.queue ?? (await this.ctx.queueOf(jobId));
      if (queue) await this.ctx.client.ltrim(this.keys.logs(queue, jobId), -Math.max(1, keep), -1);
    });
  }

  /* ------------------------------------------------------------------ cancel, restart, pause */

  /** Cancel a waiting job, or flag a running one (redis-cancel.ts). Throws NOT_FOUND, CONFLICT. */
  async requestCancel(id: string, now: number, reason: string): Promise<CancelResult> {
    const result = await this.op(async () => {
      const r = await cancels.requestCancel(this.ctx, id, now, reason);
      if (r.state !== 'cancelled') return { r, effects: null };
      await this.dependencies.cancelledByHand(id);
      return { r, effects: await this.dependencies.resolve([{ id, status: 'cancelled' }], now) };
    }).then(({ r, effects }) => {
      this.dependencies.announce(effects);
      return r;
    });
    await this.publishChange();
    return result;
  }

  async pendingCancels(engineId: string): Promise<string[]> {
    return this.op(() => cancels.pendingCancels(this.ctx, engineId));
  }

  /** BullMQ's retry of a failed job (back to waiting), with JobHandle's retry budget reset. */
  async restartJob(id: string, now: number): Promise<JobRecord> {
    const record = await this.op(async () => {
      const mustWait = await this.dependencies.checkRestart(id);
      const rec = await cancels.restartJob(this.ctx, id, now, mustWait ? (queue) => this.dependencies.parkRestarted(id, queue, now) : null);
      const effects = await this.dependencies.afterRestart(id, now);
      if (mustWait) mergeEffects(effects, await this.dependencies.recheck(id, now));
      this.dependencies.announce(effects);
      return mustWait ? ((await this.getJobRecord(id)) ?? rec) : rec;
    });
    await this.publishChange();
    return record;
  }

  /** A real BullMQ pause (visible to every tool and plain worker) or resume. */
  async setQueuePaused(queue: string, paused: boolean, _now: number): Promise<void> {
    await this.op(() => cancels.setQueuePaused(this.ctx, queue, paused));
    await this.publishChange();
  }

  async pausedQueues(): Promise<string[]> {
    return this.op(() => cancels.pausedQueues(this.ctx));
  }

  /* ------------------------------------------------------------------ counts and upkeep */

  countByStatus(): Promise<StatusCounts> {
    return this.op(() => queries.countByStatus(this.ctx));
  }

  /** Delete finished jobs with logs, attempts, marks and dependency edges (redis-bulk-ops.ts). */
  async deleteJobs(ids: readonly string[]): Promise<BulkOpOutcome[]> {
    return this.bulkInChunks(ids, (part) => bulk.deleteJobs(this.ctx, part));
  }

  /** Change the priority (rank 0–3) of waiting jobs (redis-bulk-ops.ts). */
  async setPriority(ids: readonly string[], priority: number, now: number): Promise<BulkOpOutcome[]> {
    return this.bulkInChunks(ids, (part) => bulk.setPriority(this.ctx, part, priority, now));
  }

  /** A bulk operation chunk by chunk, each chunk bounded by the call timeout; announces a change when one succeeded. */
  private async bulkInChunks(ids: readonly string[], run: (part: readonly string[]) => Promise<BulkOpOutcome[]>): Promise<BulkOpOutcome[]> {
    const out: BulkOpOutcome[] = [];
    for (let i = 0; i < ids.length; i += bulk.CHUNK) out.push(...(await this.op(() => run(ids.slice(i, i + bulk.CHUNK)))));
    if (out.some((o) => o.ok)) await this.publishChange();
    return out;
  }

  /** Jobs by queue and status, non-zero only (redis-bulk-ops.ts). */
  countByQueueStatus(): Promise<Record<string, Partial<Record<JobStatus, number>>>> {
    return this.op(() => bulk.countByQueueStatus(this.ctx));
  }

  countFinishedSince(since: number): Promise<number> {
    return this.op(() => queries.countFinishedSince(this.ctx, since));
  }

  listOverdueRunning(now: number, limit: number): Promise<JobRecord[]> {
    return this.op(() => queries.listOverdueRunning(this.ctx, now, limit));
  }

  deleteFinishedBefore(before: number, statuses: readonly JobStatus[]): Promise<number> {
    return this.op(() => bulk.deleteFinishedBefore(this.ctx, before, statuses));
  }

  /* ------------------------------------------------------------------ engines */

  async registerEngine(engine: EngineRegistration): Promise<void> {
    await this.op(() => engines.registerEngine(this.ctx, engine));
  }

  async heartbeat(engineId: string, now: number): Promise<void> {
    await this.op(() => engines.heartbeat(this.ctx, engineId, now));
  }

  async unregisterEngine(engineId: string): Promise<void> {
    await this.op(() => engines.unregisterEngine(this.ctx, engineId));
  }

  async listEngines(): Promise<EngineRegistration[]> {
    return this.op(() => engines.listEngines(this.ctx));
  }

  orphanedRunningJobs(liveEngineIds: readonly string[]): Promise<ClaimedJob[]> {
    return this.op(() => queries.orphanedRunningJobs(this.ctx, liveEngineIds));
  }
}

