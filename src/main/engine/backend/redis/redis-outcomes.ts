/**
 * Outcomes, progress and log lines of the Redis backend.
 *
 * An outcome is BullMQ's own move (completed → moveToFinished, failed/cancelled → moveToFinished
 * as failed: the engine decided, BullMQ must not retry; retrying → moveToDelayed(runAt); released
 * → moveJobFromActiveToWait) followed, in the same MULTI, by jhSettle writing JobHandle's fields.
 * So a reader never sees a job moved without its fields (a cancelled job read as a plain BullMQ
 * failure, a retry read as scheduled), and a batch costs one round trip per queue. A stale outcome
 * (the lock is gone, or the job no longer runs that attempt) is skipped by both scripts.
 */
import type { Worker } from 'bullmq';
import type { JobAttempt } from '../../../../shared/model';
import type { JobOutcome, WriteBatch } from '../queue-backend';
import type { Claim, RedisClaims } from './redis-claims';
import type { RedisContext } from './redis-context';
import { F } from './redis-job-codec';
import { formatLogRow } from './redis-logs';
import type { JhUpdateOp } from './redis-scripts';

/** The parts of BullMQ's Redis backend (public in its typings) used to queue a move in our MULTI. */
interface BullMoves {
  client: Promise<{ multi(): BullTransaction }>;
  moveToFinishedKeys: unknown[];
  moveToCompletedArgs(job: { id: string; opts: object }, returnvalue: string, remove: boolean, token: string, fetchNext?: boolean): unknown[];
  moveToFailedArgs(job: { id: string; opts: object }, reason: string, remove: boolean, token: string, fetchNext?: boolean): unknown[];
  moveToDelayedArgs(id: string, timestamp: number, token: string, delay: number, opts?: { skipAttempt?: boolean }): unknown[];
  execCommand(client: BullTransaction, name: string, args: unknown[]): unknown;
  keys: Record<string, string>;
  toKey(type: string): string;
}

interface BullTransaction {
  jhSettle(...args: string[]): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

type SettleOp = JhUpdateOp & { att: number; where: 'z' | 'w'; mark?: 'cancelled' | 'retrying' };

/** The job's own settle op: JobHandle's fields for this outcome. */
function settleOp(o: JobOutcome): SettleOp {
  const at = String(o.at);
  const worker = o.worker ?? '';
  if (o.kind === 'completed') {
    return {
      att: o.attempt,
      where: 'z',
      set: { [F.finished]: at, [F.updated]: at, [F.worker]: worker, [F.metrics]: JSON.stringify(o.metrics), progress: '100' },
      del: [F.error, F.cancel, F.status, F.progressMessage],
      zscore: at,
    };
  }
  if (o.kind === 'released') {
    return {
      att: o.attempt,
      where: 'w',
      set: { [F.updated]: at, progress: '0' },
      del: [F.engine, F.worker, F.started, F.progressMessage, F.cancel],
      incr: [F.attempts, -1],
    };
  }
  const hist: JobAttempt = {
    attempt: o.attempt,
    startedAt: 0, // filled in by the script from jh:start
    finishedAt: o.at,
    worker: o.worker,
    outcome: o.kind,
    error: { class: o.error.class, message: o.error.message, ...(o.error.stack ? { stack: o.error.stack } : {}) },
    durationMs: null,
  };
  const common = { [F.updated]: at, [F.worker]: worker, [F.metrics]: JSON.stringify(o.metrics), [F.error]: JSON.stringify(o.error) };
  if (o.kind === 'retrying') {
    return { att: o.attempt, where: 'z', set: { ...common, [F.status]: 'retrying', [F.runAt]: String(o.runAt) }, del: [F.cancel], hist, mark: 'retrying' };
  }
  return {
    att: o.attempt,
    where: 'z',
    set: { ...common, [F.finished]: at, ...(o.kind === 'cancelled' ? { [F.status]: 'cancelled' } : {}) },
    del: [F.cancel, ...(o.kind === 'failed' ? [F.status] : [])],
    hist,
    zscore: at,
    ...(o.kind === 'cancelled' ? { mark: 'cancelled' as const } : {}),
  };
}

/** Queue BullMQ's move of one outcome on `m`; returns the target set of the move. */
function queueMove(b: BullMoves, m: BullTransaction, o: JobOutcome, claim: Claim): string {
  const job = { id: o.id, opts: claim.opts };
  switch (o.kind) {
    case 'completed':
      b.execCommand(m, 'moveToFinished', b.moveToCompletedArgs(job, JSON.stringify(o.result ?? null), false, claim.token, false));
      return 'completed';
    case 'failed':
    case 'cancelled':
      b.execCommand(m, 'moveToFinished', b.moveToFailedArgs(job, o.error.message, false, claim.token, false));
      return 'failed';
    case 'retrying': {
      const now = Date.now();
      b.execCommand(m, 'moveToDelayed', b.moveToDelayedArgs(o.id, now, claim.token, Math.max(0, o.runAt - now), { skipAttempt: true }));
      return 'delayed';
    }
    case 'released':
      b.execCommand(m, 'moveJobFromActiveToWait', [
        ...['active', 'wait', 'stalled', 'paused', 'meta', 'limiter', 'prioritized', 'marker', 'events'].map((k) => b.keys[k]),
        o.id,
        claim.token,
        b.toKey(o.id),
      ]);
      return 'wait';
  }
}

/**
 * Apply outcomes: per queue one MULTI holding, for each outcome, BullMQ's move and jhSettle.
 * Outcomes of jobs not held here (recovery of another engine's jobs) use the lock-free token
 * '0' after checking that the job still runs that attempt. Returns the jobs with dependents
 * that reached a terminal status (their dependents are resolved next; jobs without are not
 * looked up again).
 */
export async function applyOutcomes(
  ctx: RedisContext,
  claims: RedisClaims,
  outcomes: readonly JobOutcome[],
): Promise<Array<{ id: string; status: 'completed' | 'failed' | 'cancelled' }>> {
  const finished: Array<{ id: string; status: 'completed' | 'failed' | 'cancelled' }> = [];
  const byQueue = new Map<string, Array<{ o: JobOutcome; claim: Claim }>>();
  for (const o of outcomes) {
    let claim = claims.held.get(o.id);
    if (!claim) {
      const snap = await ctx.readJob(o.id);
      if (!snap || snap.state !== 'active' || Number(snap.hash[F.attempts] ?? 0) !== o.attempt) continue;
      claim = { queue: snap.queue, token: '0', name: snap.hash.name ?? '', opts: parseOpts(snap.hash.opts) };
    }
    byQueue.set(claim.queue, [...(byQueue.get(claim.queue) ?? []), { o, claim }]);
  }
  await Promise.all(
    [...byQueue].map(async ([queue, list]) => {
      const w: Worker = claims.worker(queue);
      const b = w.backend as unknown as BullMoves;
      const m = (await b.client).multi();
      const k = ctx.keys;
      for (const { o, claim } of list) {
        const target = queueMove(b, m, o, claim);
        m.jhSettle(
          k.job(queue, o.id), k.logs(queue, o.id), k.q(queue, target), k.q(queue, 'active'), k.q(queue, 'prioritized'),
          k.q(queue, 'paused'), k.q(queue, 'jh:cancelled'), k.q(queue, 'jh:retrying'),
          JSON.stringify(settleOp(o)), o.id,
        );
      }
      const res = await m.exec();
      if (!res) throw new Error(`the outcome transaction of queue ${queue} was aborted`);
      // Settled or stale: either way this engine no longer holds the job.
      list.forEach(({ o }, i) => {
        claims.held.delete(o.id);
        const hasDependents = Number(res[i * 2 + 1]?.[1] ?? 0) === 2;
        if (hasDependents && (o.kind === 'completed' || o.kind === 'failed' || o.kind === 'cancelled')) finished.push({ id: o.id, status: o.kind });
      });
      const failure = res.find(([err]) => err && !/lock|not in the active|Missing key|not in active/i.test(err.message));
      if (failure?.[0]) throw failure[0];
    }),
  );
  return finished;
}

function parseOpts(raw: string | undefined): Record<string, unknown> {
  try {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Progress (BullMQ's `progress` field with its event, plus the message) and log lines (BullMQ log
 * rows), pipelined: one round trip for the whole batch on a single node.
 */
export async function writeProgressAndLogs(ctx: RedisContext, claims: RedisClaims, batch: WriteBatch): Promise<void> {
  const queueOf = async (id: string) => claims.held.get(id)?.queue ?? (await ctx.queueOf(id));
  const logs = new Map<string, string[]>();
  for (const l of batch.logs ?? []) logs.set(l.jobId, [...(logs.get(l.jobId) ?? []), formatLogRow(l)]);
  const ops: Array<{ queue: string; id: string; op: JhUpdateOp; progress?: number }> = [];
  for (const p of batch.progress ?? []) {
    const queue = await queueOf(p.id);
    if (queue) ops.push({ queue, id: p.id, progress: p.progress, op: p.message === null ? { del: [F.progressMessage] } : { set: { [F.progressMessage]: p.message } } });
  }
  for (const [id, rows] of logs) {
    const queue = await queueOf(id);
    if (queue) ops.push({ queue, id, op: { logs: rows } });
  }
  if (!ops.length) return;
  const k = ctx.keys;
  await Promise.all(
    ops.map(async ({ queue, id, op, progress }) => {
      if (progress !== undefined) await ctx.queue(queue).updateJobProgress(id, progress).catch(() => undefined);
      await ctx.client.jhUpdate(k.job(queue, id), k.logs(queue, id), k.job(queue, id), JSON.stringify(op), id);
    }),
  );
}
