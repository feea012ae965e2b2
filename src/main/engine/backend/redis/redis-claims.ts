/**
 * Claims and locks of the Redis backend: one BullMQ Worker per queue (manual mode: it runs no
 * loop; its settings, scripts and stalled-job checker are used), the lock tokens of the jobs this
 * engine holds, their renewal, and the jobs BullMQ fetched ahead (docs/redis.md, "How the engine
 * uses BullMQ").
 *
 * A claim is BullMQ's own moveToActive followed, in the same MULTI, by jhClaimHead marking the job
 * it moved as this engine's (one round trip for a batch of claims). A completion asks BullMQ's
 * moveToFinished to fetch the next job in the same call (redis-outcomes.ts); those jobs wait here,
 * already marked and locked, for the dispatcher's next claim ("ready" jobs).
 */
import { Job, optsDecodeMap, Worker } from 'bullmq';
import { hostname } from 'node:os';
import type { ClaimRequest, ClaimedJob } from '../queue-backend';
import type { HotTransaction, RedisContext } from './redis-context';
import { F, toClaimed } from './redis-job-codec';
import type { MarkedHead } from './redis-scripts';

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

/** Jobs fetched ahead and not handed out yet, at most (beyond it, completions fetch nothing). */
const READY_MAX = 1024;

/** A job fetched ahead goes back to waiting when no claim took it within this time. */
export const READY_MAX_AGE_MS = 1000;

/** The rate pool named in a job's envelope, or ''. */
function envelopePool(data: unknown): string {
  const jh = (data as { jh?: { limits?: { ratePool?: string } } } | null)?.jh;
  return jh?.limits?.ratePool ?? '';
}

/** BullMQ's stored opts (a few short keys) → the public form that moveToFinished's arguments read. */
function bullOpts(raw: string | undefined): Record<string, unknown> {
  let stored: Record<string, unknown>;
  try {
    stored = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    stored = {};
  }
  if (!stored || typeof stored !== 'object') return {};
  // A new object rather than renaming keys in place: deleting keys turns an object into a slow
  // dictionary, and this runs once per claimed job.
  const decode = optsDecodeMap as Record<string, string>;
  const opts: Record<string, unknown> = {};
  for (const k in stored) if (!Object.hasOwn(decode, k)) opts[k] = stored[k];
  for (const k in stored) if (Object.hasOwn(decode, k)) opts[decode[k]!] = stored[k]; // the short form wins, as BullMQ reads it
  return opts;
}

/** A flat HGETALL reply (field, value, …) as an object. */
function hashOf(flat: readonly string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  return hash;
}

/**
 * MessagePack of a flat map of strings and non-negative integers: BullMQ's scripts take their
 * options packed (moveToActive reads token, lockDuration, name). BullMQ does not export its packer.
 */
export function packOpts(map: Record<string, string | number>): Buffer {
  const parts: Buffer[] = [];
  const entries = Object.entries(map);
  parts.push(Buffer.from([0x80 | entries.length]));
  const str = (v: string) => {
    const b = Buffer.from(v, 'utf8');
    if (b.length < 32) parts.push(Buffer.from([0xa0 | b.length]));
    else if (b.length < 256) parts.push(Buffer.from([0xd9, b.length]));
    else parts.push(Buffer.from([0xda, b.length >> 8, b.length & 0xff]));
    parts.push(b);
  };
  for (const [k, v] of entries) {
    str(k);
    if (typeof v === 'string') str(v);
    else {
      const n = Buffer.alloc(5);
      n[0] = 0xce;
      n.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.floor(v))), 1);
      parts.push(n);
    }
  }
  return Buffer.concat(parts);
}

/** The parts of BullMQ's Redis backend (public in its typings) used to queue its scripts in our MULTI. */
export interface BullMoves {
  /** Resolves once the queue's connection is ready and BullMQ's scripts are defined on it. */
  client: Promise<unknown>;
  moveToFinishedKeys: unknown[];
  moveToFinishedArgs(
    job: { id: string; opts: object },
    val: string,
    propVal: string,
    shouldRemove: boolean,
    target: 'completed' | 'failed',
    token: string,
    timestamp: number,
    fetchNext?: boolean,
    fieldsToUpdate?: Record<string, string>,
  ): unknown[];
  moveToDelayedArgs(id: string, timestamp: number, token: string, delay: number, opts?: { skipAttempt?: boolean }): unknown[];
  execCommand(client: HotTransaction, name: string, args: unknown[]): unknown;
  keys: Record<string, string>;
  toKey(type: string): string;
}

/** A job marked by MARK_HEAD (redis-scripts.ts) after BullMQ moved it to active with `token`. */
export interface MarkedJob {
  id: string;
  token: string;
  hash: Record<string, string>;
  attempt: number;
  base: number;
  cancelRequested: boolean;
}

/**
 * Read a BullMQ move's reply (moveToActive, or moveToFinished with fetch-next) and MARK_HEAD's
 * answer: the job moved (null when none), and whether it still needs marking (`marked` false:
 * MARK_HEAD did not find it, so jhClaim marks it by id).
 */
export function movedJob(move: unknown, mark: MarkedHead | null | undefined, token: string): { job: MarkedJob; marked: boolean } | null {
  if (!Array.isArray(move) || !Array.isArray(move[0]) || !move[1]) return null;
  const id = String(move[1]);
  const hash = hashOf(move[0] as string[]);
  if (mark && mark[0] === id) {
    return { job: { id, token, hash, attempt: Number(mark[1]), base: Number(mark[2]), cancelRequested: Number(mark[3]) === 1 }, marked: true };
  }
  return { job: { id, token, hash, attempt: 0, base: 0, cancelRequested: false }, marked: false };
}

/** A job fetched ahead, waiting for a claim. */
export interface ReadyJob {
  job: ClaimedJob;
  /** The worker recorded on it (`jh:wk`): the one whose completion fetched it. */
  worker: string;
  cancelRequested: boolean;
  at: number;
}

export class RedisClaims {
  private readonly workers = new Map<string, Worker>();
  /** Jobs held by this engine, by id (running, or fetched ahead and ready). */
  readonly held = new Map<string, Claim>();
  /** Jobs fetched ahead by completions, by queue, in the order BullMQ handed them out. */
  private readonly ready = new Map<string, ReadyJob[]>();
  private readyCount = 0;
  /** Queues whose last claim was filled in full: completions there fetch the next job. */
  private readonly backlog = new Set<string>();
  /** The last claim's constraints: fetch ahead only for what it would have taken. */
  private last: { constrained: boolean; excluded: ReadonlySet<string> } = { constrained: true, excluded: new Set() };
  private stopped = false;
  /** The engine that claims through this backend (from its claims): fetched jobs are marked as its. */
  engineId: string | null = null;
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

  /** BullMQ's Redis backend of a queue's Worker (its keys and scripts). */
  bull(queue: string): BullMoves {
    return this.worker(queue).backend as unknown as BullMoves;
  }

  /** Close every Worker (force: the engine settles or releases its jobs itself). */
  async closeWorkers(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
  }

  private nextToken(): string {
    return `${this.tokenPrefix}:${++this.tokenSeq}`;
  }

  /**
   * Claim up to `limit` jobs: first the jobs fetched ahead (ready), then from Redis, highest
   * priority first and FIFO within a priority per queue; queues are visited in rotating order.
   * Without governor constraints a queue's claims are one MULTI of moveToActive + jhClaimHead
   * pairs; with them, one getNextJob at a time so that a held-back job stops that queue (then
   * jhClaim marks the jobs taken). A cancel requested during the claim is kept and put in this
   * engine's cancel set. Paused BullMQ queues yield nothing.
   */
  async claim(req: ClaimRequest): Promise<ClaimedJob[]> {
    const ctx = this.ctx();
    this.stopped = false;
    this.engineId = req.engineId;
    if (req.queues?.length) await this.remember(req.queues);
    const all = req.queues?.length ? [...req.queues] : await this.knownQueues(ctx);
    const queues = all.filter((q) => !req.excludeQueues?.includes(q) && !q.includes(':'));
    const constrained = Boolean(req.excludeTypes?.length || req.excludeRatePools?.length);
    this.last = { constrained, excluded: new Set([...all.filter((q) => !queues.includes(q)), ...(req.excludeQueues ?? [])]) };
    const excluded = (name: string, data: unknown) =>
      Boolean(req.excludeTypes?.includes(name)) || Boolean(req.excludeRatePools?.length && req.excludeRatePools.includes(envelopePool(data)));

    const claimed: ClaimedJob[] = [];
    const cancelled: string[] = [];
    // 1. Jobs fetched ahead: those of this worker first, then the others (their worker corrected).
    const fromReady = await this.takeReady(req, queues, constrained);
    for (const r of fromReady) {
      claimed.push(r.job);
      if (r.cancelRequested) cancelled.push(r.job.id);
    }
    // 2. From Redis.
    if (queues.length && claimed.length < req.limit) {
      const start = this.rotate++ % queues.length;
      const ordered = [...queues.slice(start), ...queues.slice(0, start)];
      for (const queue of ordered) {
        const remaining = req.limit - claimed.length;
        if (remaining <= 0) break;
        const got = constrained ? await this.claimOneByOne(req, queue, remaining, excluded) : await this.claimBatch(req, queue, remaining);
        if (got.full) this.backlog.add(queue);
        else this.backlog.delete(queue);
        for (const m of got.jobs) {
          claimed.push(this.hold(queue, m, req.now));
          if (m.cancelRequested) cancelled.push(m.id);
        }
      }
    }
    if (cancelled.length) await ctx.client.sadd(ctx.keys.g(`cancels:${req.engineId}`), ...cancelled);
    return claimed.sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
  }

  /** Record a marked job as held by this engine and build what the dispatcher runs. */
  private hold(queue: string, m: MarkedJob, now: number): ClaimedJob {
    this.held.set(m.id, { queue, token: m.token, name: m.hash.name ?? '', opts: bullOpts(m.hash.opts) });
    const hash = m.hash; // our own copy of the reply: completed with the marking
    hash[F.attempts] = String(Math.max(1, m.attempt));
    hash[F.base] = String(m.base);
    hash[F.started] = String(now);
    return toClaimed(m.id, queue, hash, this.ctx().defaults);
  }

  /**
   * Claims without constraints: up to FIRST_FLIGHT moveToActive + jhClaimHead pairs in one MULTI
   * (one round trip), the rest in a second MULTI only when the queue filled the first.
   */
  private async claimBatch(req: ClaimRequest, queue: string, want: number): Promise<{ jobs: MarkedJob[]; full: boolean }> {
    const jobs: MarkedJob[] = [];
    let asked = 0;
    for (const n of [Math.min(want, FIRST_FLIGHT), want - Math.min(want, FIRST_FLIGHT)]) {
      if (n <= 0) break;
      asked += n;
      const got = await this.moveToActive(req, queue, n);
      jobs.push(...got);
      if (got.length < n) break;
    }
    return { jobs, full: jobs.length === asked };
  }

  /** `n` pairs of BullMQ's moveToActive and jhClaimHead in one MULTI; returns the jobs marked. */
  private async moveToActive(req: ClaimRequest, queue: string, n: number): Promise<MarkedJob[]> {
    const ctx = this.ctx();
    const w = this.worker(queue);
    const b = this.bull(queue);
    const k = ctx.keys;
    await b.client;
    const m = ctx.hotTransaction();
    const keys = ['wait', 'active', 'prioritized', 'events', 'stalled', 'limiter', 'delayed', 'paused', 'meta', 'pc', 'marker'].map((x) => b.keys[x]);
    const jobPrefix = b.keys['']!;
    const tokens: string[] = [];
    const now = String(req.now);
    for (let i = 0; i < n; i++) {
      const token = this.nextToken();
      tokens.push(token);
      const opts = packOpts({ token, lockDuration: w.opts.lockDuration ?? this.options.lockMs, name: w.opts.name ?? '' });
      b.execCommand(m, 'moveToActive', [...keys, jobPrefix, Date.now(), opts]);
      m.jhClaimHead(k.q(queue, 'active'), k.q(queue, 'jh:retrying'), jobPrefix, token, req.engineId, req.worker, now);
    }
    const res = (await m.exec()) ?? [];
    const out: MarkedJob[] = [];
    const unmarked: MarkedJob[] = [];
    tokens.forEach((token, i) => {
      const [moveErr, move] = res[i * 2] ?? [new Error('no reply'), null];
      const [markErr, mark] = res[i * 2 + 1] ?? [new Error('no reply'), null];
      if (moveErr) throw moveErr;
      // A job moved whose marking failed (NOSCRIPT while Redis reloads its scripts) is this
      // engine's all the same: marked by id below, not left locked for the stalled-job check.
      const got = movedJob(move, markErr ? null : (mark as MarkedHead | null), token);
      if (!got) return;
      (got.marked ? out : unmarked).push(got.job);
    });
    if (unmarked.length) out.push(...(await this.markById(req, queue, unmarked)));
    return out;
  }

  /** jhClaim by id, pipelined: for jobs moved to active that MARK_HEAD did not find. Jobs gone meanwhile are left out. */
  async markById(req: Pick<ClaimRequest, 'engineId' | 'worker' | 'now'>, queue: string, jobs: MarkedJob[]): Promise<MarkedJob[]> {
    const ctx = this.ctx();
    const p = ctx.scriptPipeline();
    for (const j of jobs) p.jhClaim(ctx.keys.job(queue, j.id), ctx.keys.q(queue, 'jh:retrying'), req.engineId, req.worker, String(req.now), j.id);
    const res = (await p.exec()) ?? [];
    const out: MarkedJob[] = [];
    jobs.forEach((j, i) => {
      const [err, value] = res[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      const [attempt, base, cx] = value as [number, number, number];
      if (attempt >= 0) out.push({ ...j, attempt, base, cancelRequested: cx === 1 });
    });
    return out;
  }

  /**
   * Orphans (redis-orphans.ts): jobs of the queues this engine uses, active and locked with one of
   * its tokens, that it does not hold. Each is marked as this engine's attempt (jhAdopt, only if
   * still active and locked with that token) and kept ready for the next claim, with its token:
   * its worker is recorded when a claim takes it. Runs while no claim or write is in flight.
   */
  async adoptOrphans(now: number): Promise<void> {
    const engineId = this.engineId;
    if (engineId === null) return; // never claimed: no job can carry its tokens
    const ctx = this.ctx();
    const k = ctx.keys;
    for (const queue of this.workers.keys()) {
      const b = this.bull(queue);
      await b.client;
      const flat = await ctx.client.jhOrphans(k.q(queue, 'active'), b.keys['']!, `${this.tokenPrefix}:`); // every token of this engine starts so
      const orphans: Array<{ id: string; token: string }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) if (!this.held.has(flat[i]!)) orphans.push({ id: flat[i]!, token: flat[i + 1]! });
      if (!orphans.length) continue;
      const p = ctx.scriptPipeline();
      for (const o of orphans) {
        p.jhAdopt(k.job(queue, o.id), k.lock(queue, o.id), k.q(queue, 'active'), k.q(queue, 'jh:retrying'), o.id, o.token, engineId, '', String(now));
      }
      const res = (await p.exec()) ?? [];
      const jobs: Array<{ job: MarkedJob; worker: string }> = [];
      orphans.forEach((o, i) => {
        const [err, value] = res[i] ?? [new Error('no reply'), null];
        if (err) throw err;
        if (!value) return; // no longer active with that lock: nothing to adopt
        const [attempt, base, cx, hash] = value as [number, number, number, string[]];
        jobs.push({ job: { id: o.id, token: o.token, hash: hashOf(hash), attempt, base, cancelRequested: cx === 1 }, worker: '' });
      });
      this.addReady(queue, jobs, now);
    }
  }

  /**
   * Claims under governor constraints: BullMQ hands out a queue's jobs in order only, so the first
   * job is taken alone; one the governor holds back (type at its limit, dry rate pool) goes back to
   * waiting, and this queue is not read further now.
   */
  private async claimOneByOne(
    req: ClaimRequest,
    queue: string,
    want: number,
    excluded: (name: string, data: unknown) => boolean,
  ): Promise<{ jobs: MarkedJob[]; full: boolean }> {
    const w = this.worker(queue);
    const next = async () => {
      const token = this.nextToken();
      const job = await w.getNextJob(token, { block: false });
      return job ? { job, token } : null;
    };
    const batch: Array<{ job: Job; token: string }> = [];
    const first = await next();
    if (!first) return { jobs: [], full: false };
    batch.push(first);
    if (want > 1 && !excluded(first.job.name, first.job.data)) {
      for (const r of await Promise.all(Array.from({ length: want - 1 }, next))) if (r) batch.push(r);
    }
    const taken: MarkedJob[] = [];
    for (const r of batch) {
      if (excluded(r.job.name, r.job.data)) await r.job.moveToWait(r.token).catch(() => undefined);
      else taken.push({ id: r.job.id!, token: r.token, hash: this.hashOfJob(r.job), attempt: 0, base: 0, cancelRequested: false });
    }
    return { jobs: taken.length ? await this.markById(req, queue, taken) : [], full: batch.length === want && taken.length === batch.length };
  }

  /** The stored fields a claimed BullMQ Job carries (what toClaimed and the outcome need). */
  private hashOfJob(job: Job): Record<string, string> {
    return {
      name: job.name,
      data: JSON.stringify(job.data),
      opts: JSON.stringify(job.opts),
      timestamp: String(job.timestamp),
      priority: String(job.priority),
      delay: String(job.delay ?? 0),
    };
  }

  /* ------------------------------------------------------------------ jobs fetched ahead */

  /**
   * Whether a completion in `queue` should ask BullMQ for the next job: the queue had a backlog at
   * its last claim, the last claim was not constrained by the governor and did not leave the queue
   * out (paused, saturated), the engine still claims, and not too many jobs wait here already.
   */
  wantsNext(queue: string): boolean {
    return !this.stopped && this.backlog.has(queue) && !this.last.constrained && !this.last.excluded.has(queue) && this.readyCount < READY_MAX;
  }

  /** A completion's fetch found nothing: the queue has no backlog now. */
  noBacklog(queue: string): void {
    this.backlog.delete(queue);
  }

  /** Keep jobs BullMQ fetched with a completion (marked already) for the next claim. */
  addReady(queue: string, jobs: Array<{ job: MarkedJob; worker: string }>, now: number): void {
    if (!jobs.length) return;
    let list = this.ready.get(queue);
    if (!list) this.ready.set(queue, (list = []));
    for (const { job, worker } of jobs) {
      list.push({ job: this.hold(queue, job, now), worker, cancelRequested: job.cancelRequested, at: Date.now() });
      this.readyCount++;
    }
  }

  /**
   * Hand out ready jobs for a claim: jobs of queues the claim leaves out, or that the governor holds
   * back, go back to waiting; the others are taken in order, this claim's worker's own first. The
   * worker recorded on the others is corrected (one jhSetWorker call per queue).
   */
  private async takeReady(req: ClaimRequest, queues: readonly string[], constrained: boolean): Promise<ReadyJob[]> {
    if (!this.readyCount) return [];
    const back: ReadyJob[] = [];
    const candidates: ReadyJob[] = [];
    for (const [queue, list] of this.ready) {
      const allowed = queues.includes(queue);
      for (const r of list) {
        const held = !allowed || (constrained && (req.excludeTypes?.includes(r.job.type) || (req.excludeRatePools?.length && req.excludeRatePools.includes(r.job.limits.ratePool ?? ''))));
        (held ? back : candidates).push(r);
      }
    }
    this.ready.clear();
    this.readyCount = 0;
    const own = candidates.filter((r) => r.worker === req.worker);
    const others = candidates.filter((r) => r.worker !== req.worker);
    const ordered = [...own, ...others];
    const taken = ordered.slice(0, req.limit);
    this.putBack(ordered.slice(req.limit));
    if (back.length) await this.release(back).catch(() => this.putBack(back));
    // The worker recorded on the others is corrected: one jhSetWorker per queue.
    const ctx = this.ctx();
    const fix = new Map<string, string[]>();
    for (const r of taken) {
      if (r.worker === req.worker) continue;
      const keys = fix.get(r.job.queue) ?? [];
      keys.push(ctx.keys.job(r.job.queue, r.job.id));
      fix.set(r.job.queue, keys);
    }
    if (fix.size) {
      await Promise.all([...fix.values()].map((keys) => ctx.client.jhSetWorker(keys.length, ...keys, req.worker)));
    }
    return taken;
  }

  /**
   * Ready jobs that waited longer than READY_MAX_AGE_MS, taken out of the ready list (to be
   * released); their queues fetch nothing more until a claim fills up again.
   */
  takeStale(now: number): ReadyJob[] {
    const out: ReadyJob[] = [];
    for (const [queue, list] of this.ready) {
      const keep = list.filter((r) => now - r.at < READY_MAX_AGE_MS);
      const stale = list.filter((r) => now - r.at >= READY_MAX_AGE_MS);
      // No claim came for them: fetch nothing more for this queue until a claim fills up again.
      if (stale.length) this.backlog.delete(queue);
      out.push(...stale);
      if (keep.length) this.ready.set(queue, keep);
      else this.ready.delete(queue);
    }
    this.readyCount -= out.length;
    return out;
  }

  /** Put ready jobs back (their release failed; tried again at the next sweep). */
  putBack(jobs: ReadyJob[]): void {
    for (const r of jobs) {
      let list = this.ready.get(r.job.queue);
      if (!list) this.ready.set(r.job.queue, (list = []));
      list.push(r);
      this.readyCount++;
    }
  }

  /**
   * Jobs a claim took after its caller had given up on it (its deadline passed): this engine holds
   * them, locked with its tokens, so they are kept ready for the next claim (or released).
   */
  keepLate(jobs: readonly ClaimedJob[], worker: string): void {
    this.putBack(jobs.map((job) => ({ job, worker, cancelRequested: false, at: Date.now() })));
  }

  /** Every ready job, taken out of the ready list (the engine stops claiming: to be released). */
  takeAllReady(): ReadyJob[] {
    this.stopped = true;
    const out = [...this.ready.values()].flat();
    this.ready.clear();
    this.readyCount = 0;
    return out;
  }

  /** Set by the backend: hands ready jobs back to waiting (redis-outcomes.ts unclaim). */
  release: (jobs: ReadyJob[]) => Promise<void> = async () => undefined;

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
