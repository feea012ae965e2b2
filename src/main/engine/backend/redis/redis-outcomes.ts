/**
 * Outcomes, progress and log lines of the Redis backend.
 *
 * An outcome is BullMQ's own move (completed → moveToFinished, failed/cancelled → moveToFinished
 * as failed: the engine decided, BullMQ must not retry; retrying → moveToDelayed(runAt); released
 * → moveJobFromActiveToWait). A batch's moves are followed, in the same MULTI, by one
 * jhSettleMany writing JobHandle's fields of each. So a reader never sees a job moved without its
 * fields (a cancelled job read as a plain BullMQ failure, a retry read as scheduled). A stale
 * outcome (the lock is gone, or the job no longer runs that attempt) is skipped by both.
 * A completion of a job held here (the common case) goes through jhFinishMany instead: one script
 * call for a batch, running BullMQ's own moveToFinished per job inside it (its fields as
 * `fieldsToUpdate`, the finish time as BullMQ's timestamp), then removing fields of earlier states
 * and reporting whether the job has dependents.
 *
 * While a queue has a backlog, moveToFinished also fetches the queue's next job (BullMQ's own
 * fetch-next, as a plain BullMQ Worker does), and jhFinishMany (or, after a failure or cancel,
 * jhSettleMany) marks those jobs as this engine's in the same MULTI: about one script call per
 * batch, claim included. Those jobs wait in RedisClaims ("ready") for the dispatcher's next claim.
 */
import type { JobAttempt } from '../../../../shared/model';
import type { JobOutcome, WriteBatch } from '../queue-backend';
import { movedJob, type BullMoves, type Claim, type MarkedJob, type ReadyJob, type RedisClaims } from './redis-claims';
import type { HotTransaction, RedisContext } from './redis-context';
import { F } from './redis-job-codec';
import { formatLogRow } from './redis-logs';
import type { JhUpdateOp, MarkedHead } from './redis-scripts';

/** Outcomes per MULTI. */
const OUTCOME_CHUNK = 48;

type SettleOp = JhUpdateOp & { att: number; where: 'z' | 'w'; mark?: 'cancelled' | 'retrying' };

/** One outcome in jhSettleMany: its op and target; `tok`/`wk`: the fetch's token and worker. */
type SettleItem = { id: string; t: string; op: SettleOp; tok?: string; wk?: string };

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

/** JobHandle's fields of a completion, as moveToFinished's `fieldsToUpdate` (the fast path of a job held here). */
function completedFields(o: JobOutcome & { kind: 'completed' }): Record<string, string> {
  const at = String(o.at);
  return { [F.finished]: at, [F.updated]: at, [F.worker]: o.worker ?? '', [F.metrics]: JSON.stringify(o.metrics), progress: '100' };
}

/** Recovery's lock-free token: the job is held by no engine here (applyOutcomes). */
const NOT_HELD = '0';

/**
 * A completion of a job this engine holds: its fields go through moveToFinished itself
 * (`fieldsToUpdate`, the finish time as BullMQ's timestamp), and jhSettleMany only tidies up.
 */
function completedByMove(o: JobOutcome, claim: Claim): o is JobOutcome & { kind: 'completed' } {
  return o.kind === 'completed' && claim.token !== NOT_HELD;
}

/**
 * Queue BullMQ's move of one outcome on `m` (moveToFinished fetching the queue's next job when
 * `fetchNext`); returns the target set of the move.
 */
function queueMove(b: BullMoves, m: HotTransaction, o: JobOutcome, claim: Claim, fetchNext: boolean): string {
  const job = { id: o.id, opts: claim.opts };
  switch (o.kind) {
    case 'completed':
      // Of a job not held here (recovery's token '0'); completions of held jobs go through jhFinishMany.
      b.execCommand(m, 'moveToFinished', b.moveToFinishedArgs(job, JSON.stringify(o.result ?? null), 'returnvalue', false, 'completed', claim.token, Date.now(), fetchNext));
      return 'completed';
    case 'failed':
    case 'cancelled':
      b.execCommand(m, 'moveToFinished', b.moveToFinishedArgs(job, o.error.message, 'failedReason', false, 'failed', claim.token, Date.now(), fetchNext));
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

/** An outcome queued in an outcome MULTI: its claim, and the token and worker of its fetch-next (null: none). */
type Queued = { o: JobOutcome; claim: Claim; fetch: { token: string; worker: string } | null };

/** A MULTI reply that never came. */
const NO_REPLY: [Error, null] = [new Error('no reply'), null];

/** A terminal outcome (the ones that may fetch the next job, and whose dependents are resolved). */
function isFinal(o: JobOutcome): o is JobOutcome & { kind: 'completed' | 'failed' | 'cancelled' } {
  return o.kind === 'completed' || o.kind === 'failed' || o.kind === 'cancelled';
}

/** BullMQ's errors of a move whose job no longer runs this attempt (its lock is gone, or it left `active`): skipped. */
const STALE = /lock|not in the active|Missing key|not in active/i;

/** moveToFinished's error codes (negative replies), in BullMQ's words. */
const BULL_CODES: Record<number, string> = {
  [-1]: 'Missing key',
  [-2]: 'Missing lock',
  [-3]: 'Job not in active set',
  [-4]: 'Job has pending children',
  [-6]: 'Lock is not owned by this client',
  [-9]: 'Job has failed children',
};

/** A moveToFinished reply from inside jhFinishMany, as a MULTI reply: its error codes as errors (as BullMQ raises them). */
function bullReply(id: string, reply: unknown): [Error | null, unknown] {
  if (reply instanceof Error) return [reply, null];
  if (typeof reply === 'number' && reply < 0) return [new Error(`${BULL_CODES[reply] ?? `Error code ${reply}`} for job ${id} (moveToFinished)`), null];
  return [null, reply];
}

/**
 * Apply outcomes: per queue MULTIs (of up to OUTCOME_CHUNK outcomes) holding one jhFinishMany for
 * the completions of jobs held here, and for the others each one's BullMQ move, then one
 * jhSettleMany for them all.
 * Outcomes of jobs not held here (recovery of another engine's jobs) use the lock-free token
 * '0' after checking that the job still runs that attempt. A completion of a job held here, in a
 * queue with a backlog, fetches the queue's next job (kept ready in `claims`). Returns the jobs
 * with dependents that reached a terminal status (their dependents are resolved next; jobs
 * without are not looked up again).
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
      claim = { queue: snap.queue, token: NOT_HELD, name: snap.hash.name ?? '', opts: parseOpts(snap.hash.opts) };
    }
    let list = byQueue.get(claim.queue);
    if (!list) byQueue.set(claim.queue, (list = []));
    list.push({ o, claim });
  }
  const now = Date.now();
  const engineId = claims.engineId;
  // MULTIs of at most OUTCOME_CHUNK outcomes, all sent at once: Redis runs the first while the
  // engine still builds the next, and the engine reads the first replies while Redis runs the rest.
  const chunks: Array<[string, Array<{ o: JobOutcome; claim: Claim }>]> = [];
  for (const [queue, list] of byQueue) {
    for (let i = 0; i < list.length; i += OUTCOME_CHUNK) chunks.push([queue, list.slice(i, i + OUTCOME_CHUNK)]);
  }
  const results = await Promise.allSettled(
    chunks.map(async ([queue, list]) => {
      const b = claims.bull(queue);
      await b.client;
      const m = ctx.hotTransaction();
      const jobPrefix = b.keys['']!;
      const fetching = engineId !== null && claims.wantsNext(queue);
      // Completions of jobs held here: one jhFinishMany (BullMQ's moveToFinished per job inside it).
      // The others: BullMQ's move per outcome, then one jhSettleMany for them all (the MULTI runs as
      // one, so no reader sees a job moved without its fields), before jhFinishMany: jhSettleMany
      // finds the jobs their moves fetched at the head of `active`.
      const fast: Array<Queued & { o: JobOutcome & { kind: 'completed' } }> = [];
      const slow: Queued[] = [];
      for (const { o, claim } of list) {
        const fetch = fetching && claim.token !== NOT_HELD && isFinal(o) ? { token: claim.token, worker: o.worker ?? '' } : null;
        if (completedByMove(o, claim)) fast.push({ o, claim, fetch });
        else slow.push({ o, claim, fetch });
      }
      if (slow.length) {
        const items: SettleItem[] = slow.map(({ o, claim, fetch }) => ({
          id: o.id,
          t: queueMove(b, m, o, claim, fetch !== null),
          op: settleOp(o),
          ...(fetch ? { tok: fetch.token, wk: fetch.worker } : {}),
        }));
        m.jhSettleMany(ctx.keys.q(queue, 'active'), jobPrefix, engineId ?? '', String(now), JSON.stringify(items));
      }
      if (fast.length) {
        const finishArgs: unknown[] = [];
        let keys: unknown[] = [];
        for (const { o, claim, fetch } of fast) {
          const args = b.moveToFinishedArgs({ id: o.id, opts: claim.opts }, JSON.stringify(o.result ?? null), 'returnvalue', false, 'completed', claim.token, o.at, fetch !== null, completedFields(o));
          keys = args.slice(0, 14);
          finishArgs.push(...args.slice(14, 23).map((a) => a ?? ''), o.worker ?? '');
        }
        m.jhFinishMany(...keys, jobPrefix, engineId ?? '', String(now), String(fast.length), ...finishArgs);
      }
      const res = await m.exec();
      if (!res) throw new Error(`the outcome transaction of queue ${queue} was aborted`);

      // Per outcome: the move's reply, the settle code, the fetched job's marking. A failed
      // jhSettleMany (NOSCRIPT while Redis reloads its scripts) settled and marked nothing; a failed
      // jhFinishMany moved nothing (its completions stay held and are written again by the caller).
      const done: Array<Queued & { move: [Error | null, unknown]; code: number; mark: MarkedHead | null }> = [];
      const [settleErr, settled] = slow.length ? (res[slow.length] ?? NO_REPLY) : [null, null];
      const [slowCodes, slowMarks] = (settled ?? [[], []]) as [number[], Array<MarkedHead | null>];
      slow.forEach((x, i) => done.push({ ...x, move: res[i] ?? NO_REPLY, code: Number(slowCodes[i] ?? 0), mark: slowMarks[i] ?? null }));
      const [finishErr, finishReply] = fast.length ? (res[res.length - 1] ?? NO_REPLY) : [null, null];
      if (!finishErr) {
        const [moves, codes, marks] = (finishReply ?? [[], [], []]) as [unknown[], number[], Array<MarkedHead | null>];
        fast.forEach((x, i) => done.push({ ...x, move: bullReply(x.o.id, moves[i]), code: Number(codes[i] ?? 0), mark: marks[i] ?? null }));
      }
      // The jobs the moves fetched are this engine's: kept ready, marked by id where the settle did not mark them.
      const fetched: Array<{ job: MarkedJob; marked: boolean; worker: string }> = [];
      let empty = false;
      for (const { fetch, move, mark } of done) {
        if (!fetch) continue;
        const got = movedJob(move[1], mark, fetch.token);
        if (got) fetched.push({ ...got, worker: fetch.worker });
        else if (move[1] === 0 || Array.isArray(move[1])) empty = true; // moved, nothing to fetch
      }
      const keep = async () => {
        claims.addReady(queue, fetched.filter((f) => f.marked), now);
        await keepFetched(claims, queue, fetched.filter((f) => !f.marked), engineId, now);
      };
      if (settleErr) {
        // Every outcome stays held and is written again by the caller: the slow moves are then
        // stale and skipped and the settle applies; a completion's move is found done and settled
        // (jhFinishMany). Its fetched jobs are kept rather than left locked for the stalled-job check.
        await keep().catch(() => undefined);
        throw settleErr;
      }
      // Settled or stale: either way this engine no longer holds the job.
      for (const { o, code } of done) {
        claims.held.delete(o.id);
        if (code === 2 && isFinal(o)) finished.push({ id: o.id, status: o.kind });
      }
      if (empty) claims.noBacklog(queue);
      await keep();
      if (finishErr) throw finishErr;
      const failure = done.find(({ move: [err] }) => err && !STALE.test(err.message));
      if (failure?.move[0]) throw failure.move[0];
    }),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw new OutcomeWriteError(failed.reason, finished);
  return finished;
}

/**
 * A write of outcomes that failed in part: `finished` are the jobs with dependents that it did
 * settle (no longer held: a retry skips them), whose dependents must still be resolved.
 */
export class OutcomeWriteError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly finished: Array<{ id: string; status: 'completed' | 'failed' | 'cancelled' }>,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Jobs a completion fetched (moved to active, locked with its token) that JobHandle's settle did not
 * mark: marked by id (jhClaim, per worker recorded) and kept ready for the next claim.
 */
async function keepFetched(
  claims: RedisClaims,
  queue: string,
  jobs: ReadonlyArray<{ job: MarkedJob; worker: string }>,
  engineId: string | null,
  now: number,
): Promise<void> {
  if (!jobs.length || engineId === null) return;
  const byWorker = new Map<string, MarkedJob[]>();
  for (const { job, worker } of jobs) {
    let list = byWorker.get(worker);
    if (!list) byWorker.set(worker, (list = []));
    list.push(job);
  }
  for (const [worker, list] of byWorker) {
    claims.addReady(queue, (await claims.markById({ engineId, worker, now }, queue, list)).map((job) => ({ job, worker })), now);
  }
}

/**
 * Hand jobs fetched ahead back to waiting (no claim took them in time, the governor holds them
 * back, or the engine stops): BullMQ's moveJobFromActiveToWait with, in the same MULTI, jhSettle
 * undoing the marking (the attempt is not counted; a cancel requested meanwhile stays flagged).
 */
export async function unclaim(ctx: RedisContext, claims: RedisClaims, jobs: readonly ReadyJob[]): Promise<void> {
  const byQueue = new Map<string, ReadyJob[]>();
  for (const r of jobs) {
    let list = byQueue.get(r.job.queue);
    if (!list) byQueue.set(r.job.queue, (list = []));
    list.push(r);
  }
  const at = String(Date.now());
  await Promise.all(
    [...byQueue].map(async ([queue, list]) => {
      const b = claims.bull(queue);
      await b.client;
      const m = ctx.hotTransaction();
      const k = ctx.keys;
      const moved: string[] = [];
      for (const { job } of list) {
        const claim = claims.held.get(job.id);
        if (!claim) continue;
        moved.push(job.id);
        b.execCommand(m, 'moveJobFromActiveToWait', [
          ...['active', 'wait', 'stalled', 'paused', 'meta', 'limiter', 'prioritized', 'marker', 'events'].map((x) => b.keys[x]),
          job.id,
          claim.token,
          b.toKey(job.id),
        ]);
        const op: SettleOp = { att: job.attempt, where: 'w', set: { [F.updated]: at }, del: [F.engine, F.worker, F.started], incr: [F.attempts, -1] };
        m.jhSettle(k.job(queue, job.id), b.keys['']!, job.id, 'wait', JSON.stringify(op), '', '', '', '');
      }
      await m.exec();
      // Held until the move is done: until then the job is still locked with this engine's token,
      // and the search for orphans must not take it for one (redis-orphans.ts).
      for (const id of moved) claims.held.delete(id);
    }),
  );
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
