/**
 * Dispatcher: moves jobs from the store to the worker pool and their outcomes back.
 *
 * - Claims are batched to the free capacity of each worker (one claim statement per worker).
 * - Outcomes, progress and log lines are buffered and written in one group commit per
 *   event-loop turn; events leave after the commit, so a listener never sees a state the store
 *   does not have. One write is in flight at a time, or two on a backend with overlappingWrites
 *   when they share no job (a job's progress and its outcome are never reordered).
 * - One DeadlineTimer carries every job timeout, another every kill-after-grace (both keyed by job
 *   id); one timer wakes delayed jobs.
 * - A job's abort reason (cancel, timeout, shutdown) decides its outcome, whatever the handler
 *   threw while it was being aborted.
 */
import type { JobError, JobMetrics } from '../../../shared/model';
import { priorityFromRank } from '../../../shared/model';
import type { JobEventMap } from '../../../shared/events';
import { toAppError } from '../../../shared/errors';
import type { ClaimedJob, JobOutcome, LogEntry, ProgressUpdate, QueueBackend } from '../backend/queue-backend';
import type { Clock } from '../clock';
import type { AbortReason } from '../handlers/handler-types';
import type { EngineHandler } from '../handlers/engine-handlers';
import { outcomeForFailure } from '../retry/retry-policy';
import type { WorkerPool, WorkerSlot } from '../pool/worker-pool';
import type { RunSpec, WorkerEvent } from '../pool/protocol';
import { DeadlineTimer } from './deadline-timer';
import { killProcessTree } from '../pool/process-tree';
import type { DispatchGovernor } from '../governor/governor';

export interface RunningJob {
  job: ClaimedJob;
  worker: string;
  abortReason: AbortReason | null;
  /** Why a user cancelled it: becomes the job's error message. */
  cancelMessage?: string;
  logLines: number;
  pids: number[];
  /** Set when the job is aborted for a resource limit: its failure. */
  limitError?: JobError;
  /** Aborts the job's pending `ctx.acquire` waits when it ends. */
  waits?: AbortController;
}

export interface DispatcherOptions {
  backend: QueueBackend;
  pool: WorkerPool;
  clock: Clock;
  engineId: string;
  /** Only claim from these queues (null: all). */
  queues: string[] | null;
  engineHandlers: Record<string, EngineHandler>;
  maxRetryDelaySeconds: number;
  maxLogLines: number;
  cancelGraceMs: number;
  emit: <K extends keyof JobEventMap>(event: K, payload: JobEventMap[K]) => void;
  /** Concurrency limits, rate pools, backpressure, CPU throttling (absent: none). */
  governor?: DispatchGovernor;
}

const RETRY_WRITE_MS = 1000;
/** The jobs of a write when only one is in flight at a time: nothing to compare. */
const NO_JOBS: ReadonlySet<string> = new Set();

/** A claim sent for a worker, its jobs not started yet. */
interface ClaimInFlight {
  worker: WorkerSlot;
  limit: number;
  claim: Promise<ClaimedJob[]>;
}

/** An outcome waiting for its commit, with what its event needs. */
interface Settled {
  outcome: JobOutcome;
  type: string;
  queue: string;
}

export class Dispatcher {
  readonly running = new Map<string, RunningJob>();
  private outcomes: Settled[] = [];
  private progress = new Map<string, ProgressUpdate>();
  private logs: LogEntry[] = [];
  private toTrim: string[] = [];
  private flushScheduled = false;
  /** Writes in flight, each with the ids of the jobs it carries. */
  private readonly writes = new Map<Promise<void>, ReadonlySet<string>>();
  private writeRetryTimer: NodeJS.Timeout | null = null;
  private pumpScheduled = false;
  private pumping = false;
  private pumpAgain = false;
  private maybeWork = true;
  private accepting = false;
  private pausedQueues: string[] = [];
  private dueTimer: NodeJS.Timeout | null = null;
  private dueAt = Infinity;
  /** Each running job's timeout. */
  private readonly timeouts: DeadlineTimer;
  /** Kill-after-grace of aborted jobs that have not stopped yet. */
  private readonly kills: DeadlineTimer;
  private readonly o: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.o = options;
    const now = () => this.o.clock.now();
    this.timeouts = new DeadlineTimer((id) => {
      if (this.running.has(id)) this.abort(id, 'timeout');
    }, now);
    this.kills = new DeadlineTimer((id) => {
      if (this.running.has(id)) this.o.pool.killWorkerOf(id); // the exit settles every job it ran
    }, now);
    options.pool.on('events', (w, ev) => this.onWorkerEvents(w, ev));
    options.pool.on('exit', (w, inflight, code, signal) => this.onWorkerExit(w, inflight, code, signal));
    options.pool.on('ready', () => this.wake());
  }

  /** Start claiming. */
  async start(): Promise<void> {
    this.accepting = true;
    this.pausedQueues = await this.o.backend.pausedQueues();
    await this.refreshDue();
    this.wake();
  }

  /** There may be new runnable jobs: claim if there is capacity. */
  wake(): void {
    this.maybeWork = true;
    this.schedulePump();
  }

  setPausedQueues(queues: string[]): void {
    this.pausedQueues = queues;
    this.wake();
  }

  get inFlight(): number {
    return this.running.size;
  }

  get bufferedWrites(): number {
    return this.outcomes.length + this.progress.size + this.logs.length;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || !this.accepting) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        if (!this.accepting || !this.maybeWork) break;
        await this.claimRound();
      } while (this.pumpAgain);
    } catch (err) {
      this.reportError(err);
      setTimeout(() => this.wake(), RETRY_WRITE_MS).unref();
    } finally {
      this.pumping = false;
    }
  }

  /**
   * One claim per worker with free capacity. Without an engine-wide concurrency cap, and when the
   * backend allows it, the claims are sent together and their jobs started as each answers; with
   * a cap, each claim waits for the one before, whose jobs the cap's free count must include.
   * Every claim sent is awaited and its jobs started, even after another claim failed.
   */
  private async claimRound(): Promise<void> {
    const gov = this.o.governor;
    const overlapping: ClaimInFlight[] = [];
    let failure: { err: unknown } | null = null;
    const start = async (c: ClaimInFlight) => {
      try {
        const claimed = await c.claim;
        this.startJobs(c.worker, claimed);
        if (claimed.length < c.limit) this.maybeWork = false;
      } catch (err) {
        failure ??= { err };
      }
    };
    for (const { worker, free } of this.o.pool.freeSlots()) {
      if (!this.accepting || !this.maybeWork || failure) break;
      // Governance: nothing under backpressure, no co-scheduling beside a CPU-throttled job,
      // saturated queues/types and dry rate pools left out of the claim.
      const plan = gov?.plan();
      if (plan?.blocked) break;
      if (gov?.isThrottled(worker.name) && worker.inflight.size > 0) continue;
      const limit = plan?.free == null ? free : Math.min(free, plan.free);
      if (limit <= 0) break;
      const claim = this.o.backend.claimJobs({
        engineId: this.o.engineId,
        worker: worker.name,
        limit,
        now: this.o.clock.now(),
        queues: this.o.queues ?? undefined,
        excludeQueues: plan?.excludeQueues.length ? [...this.pausedQueues, ...plan.excludeQueues] : this.pausedQueues,
        ...(plan?.excludeTypes.length ? { excludeTypes: plan.excludeTypes } : {}),
        ...(plan?.excludeRatePools.length ? { excludeRatePools: plan.excludeRatePools } : {}),
      });
      if (plan?.free == null && this.o.backend.overlappingClaims) overlapping.push({ worker, limit, claim });
      else await start({ worker, limit, claim });
    }
    for (const c of overlapping) await start(c);
    if (failure) throw (failure as { err: unknown }).err;
  }

  private startJobs(worker: WorkerSlot, claimed: ClaimedJob[]): void {
    if (!claimed.length) return;
    if (!this.o.pool.isLive(worker)) {
      // The worker exited while its claim was being answered: no exit will report these jobs
      // any more, so hand them back; they are claimed again for the worker that replaces it.
      for (const job of claimed) this.handBack(job);
      return;
    }
    const specs: RunSpec[] = [];
    for (const job of claimed) {
      if (this.o.governor && !this.o.governor.admit(job, worker.name)) {
        // Held back (a limit filled up within this claim, or no rate-pool token yet); it is
        // claimed again when the governor eases.
        this.handBack(job);
        continue;
      }
      const inEngine = this.o.engineHandlers[job.type];
      const run: RunningJob = { job, worker: inEngine ? 'engine' : worker.name, abortReason: null, logLines: 0, pids: [] };
      this.running.set(job.id, run);
      this.timeouts.set(job.id, job.startedAt + job.timeoutSeconds * 1000);
      this.o.emit('job:started', {
        id: job.id,
        type: job.type,
        queue: job.queue,
        attempt: job.attempt,
        worker: run.worker,
        startedAt: job.startedAt,
      });
      if (inEngine) {
        void this.runInEngine(run, inEngine);
        continue;
      }
      specs.push([job.id, job.type, job.queue, priorityFromRank(job.priority), job.attempt, job.maxRetries, job.timeoutSeconds, job.parameters]);
    }
    this.o.pool.dispatch(worker, specs);
  }

  /** Return a claimed job that did not start to the store untouched (pending, attempt not counted). */
  private handBack(job: ClaimedJob): void {
    this.outcomes.push({
      outcome: { kind: 'released', id: job.id, attempt: job.attempt, at: this.o.clock.now(), worker: null },
      type: job.type,
      queue: job.queue,
    });
    this.scheduleFlush();
  }

  private async runInEngine(run: RunningJob, handler: EngineHandler): Promise<void> {
    const started = performance.now();
    try {
      const result = await handler({
        job: run.job,
        progress: (p, m) => this.onProgress(run.job.id, p, m ?? null),
        log: (line) => this.onLog(run.job.id, 'log', line, this.o.clock.now()),
      });
      this.onResult(run.job.id, result ?? null, performance.now() - started);
    } catch (err) {
      const e = toAppError(err);
      this.onError(run.job.id, { class: 'transient', message: e.message, code: e.code }, performance.now() - started);
    }
  }

  private onWorkerEvents(_worker: WorkerSlot, events: WorkerEvent[]): void {
    for (const ev of events) {
      switch (ev[0]) {
        case 'p':
          this.onProgress(ev[1], ev[2], ev[3]);
          break;
        case 'l':
          this.onLog(ev[1], ev[2], ev[3], ev[4]);
          break;
        case 'pid':
          this.running.get(ev[1])?.pids.push(ev[2]);
          break;
        case 'acq':
          this.onAcquire(ev[1], ev[2], ev[3], ev[4]);
          break;
        case 'ok':
          this.onResult(ev[1], ev[2], ev[3]);
          break;
        case 'err':
          this.onError(ev[1], ev[2], ev[3]);
          break;
      }
    }
  }

  /** A handler's `ctx.acquire`: grant when the pool has the tokens; refuse at once without a governor. */
  private onAcquire(id: string, req: number, pool: string, tokens: number): void {
    const run = this.running.get(id);
    if (!run) return;
    if (!this.o.governor) {
      this.o.pool.grant(id, req, 'rate pools are not available in this engine');
      return;
    }
    run.waits ??= new AbortController();
    this.o.governor.acquire(pool, tokens, run.waits.signal).then(
      () => this.o.pool.grant(id, req),
      (err: unknown) => this.o.pool.grant(id, req, toAppError(err).message),
    );
  }

  private onProgress(id: string, progress: number, message: string | null): void {
    if (!this.running.has(id)) return;
    this.progress.set(id, { id, progress, message });
    this.scheduleFlush();
    this.o.emit('job:progress', { id, progress, message });
  }

  private onLog(id: string, stream: LogEntry['stream'], line: string, ts: number): void {
    const run = this.running.get(id);
    if (!run) return;
    run.logLines++;
    this.logs.push({ jobId: id, ts, stream, line });
    this.o.emit('job:log', { id, ts, stream, line });
    if (run.logLines % this.o.maxLogLines === 0) this.toTrim.push(id); // keep a chatty job's log bounded
    this.scheduleFlush();
  }

  private metricsOf(run: RunningJob, durationMs: number): JobMetrics {
    return {
      durationMs: Math.round(durationMs),
      waitMs: Math.max(0, run.job.startedAt - Math.max(run.job.createdAt, run.job.runAt)),
      ...this.o.governor?.metricsOf(run.job.id),
    };
  }

  private onResult(id: string, result: unknown, durationMs: number): void {
    const run = this.running.get(id);
    if (!run) return;
    this.settle(run, {
      kind: 'completed',
      id,
      attempt: run.job.attempt,
      at: this.o.clock.now(),
      worker: run.worker,
      result,
      metrics: this.metricsOf(run, durationMs),
    });
  }

  private onError(id: string, error: JobError, durationMs: number): void {
    const run = this.running.get(id);
    if (!run) return;
    this.settle(run, this.failureOutcome(run, error, this.metricsOf(run, durationMs)));
  }

  private failureOutcome(run: RunningJob, error: JobError, metrics: JobMetrics): JobOutcome {
    const at = this.o.clock.now();
    if (run.abortReason === 'shutdown') return { kind: 'released', id: run.job.id, attempt: run.job.attempt, at, worker: run.worker };
    const cls =
      run.abortReason === 'cancelled'
        ? 'cancelled'
        : run.abortReason === 'timeout'
          ? 'timeout'
          : run.abortReason === 'resource_limit'
            ? 'resource_limit'
            : error.class;
    if (cls === 'resource_limit' && run.limitError) {
      return outcomeForFailure({ job: run.job, error: run.limitError, at, worker: run.worker, metrics, maxRetryDelaySeconds: this.o.maxRetryDelaySeconds });
    }
    let message = error.message;
    if (cls === 'cancelled' && run.cancelMessage) message = run.cancelMessage;
    else if (cls === 'timeout' && error.class !== 'timeout') message = `timed out after ${run.job.timeoutSeconds} s`;
    else if (cls === 'timeout') message = `timed out after ${run.job.timeoutSeconds} s: ${error.message}`;
    return outcomeForFailure({
      job: run.job,
      error: { ...error, class: cls, message },
      at,
      worker: run.worker,
      metrics,
      maxRetryDelaySeconds: this.o.maxRetryDelaySeconds,
    });
  }

  private onWorkerExit(worker: WorkerSlot, inflight: string[], code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    for (const id of inflight) {
      const run = this.running.get(id);
      if (!run) continue;
      // Commands run in their own process groups: they do not die with their worker.
      for (const pid of run.pids) killProcessTree(pid);
      this.settle(
        run,
        this.failureOutcome(run, { class: 'worker_crash', message: `worker ${worker.name} ${how} while running the job` }, this.o.governor?.metricsOf(id) ?? {}),
      );
    }
    this.wake();
  }

  /**
   * Abort a running job for `reason` (a cancel may carry the user's message); kill its worker if
   * it has not stopped after the grace period.
   */
  abort(id: string, reason: AbortReason, message?: string): boolean {
    const run = this.running.get(id);
    if (!run) return false;
    if (reason === 'cancelled' && message && run.abortReason === null) run.cancelMessage = message;
    if (run.abortReason === null || reason === 'shutdown') run.abortReason = run.abortReason ?? reason;
    if (run.worker === 'engine') return true; // engine handlers are short and not abortable
    this.o.pool.abort(id, reason);
    if (!this.kills.has(id)) this.kills.set(id, this.o.clock.now() + this.o.cancelGraceMs);
    return true;
  }

  /** Abort a running job that went over a resource limit; it fails with `error` (class resource_limit). */
  abortForLimit(id: string, error: JobError): boolean {
    const run = this.running.get(id);
    if (!run || run.abortReason !== null) return false;
    run.limitError = error;
    for (const pid of run.pids) killProcessTree(pid); // a command's own processes go at once
    return this.abort(id, 'resource_limit');
  }

  private settle(run: RunningJob, outcome: JobOutcome): void {
    const id = run.job.id;
    this.running.delete(id);
    run.waits?.abort(new Error('the job ended while it waited for a rate-pool token'));
    this.o.governor?.finished(id);
    this.timeouts.delete(id);
    this.kills.delete(id);
    this.progress.delete(id);
    if (run.logLines > this.o.maxLogLines) this.toTrim.push(id);
    this.outcomes.push({ outcome, type: run.job.type, queue: run.job.queue });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.writeRetryTimer) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Write everything buffered in one commit, then announce it. Resolves when it and every write
   * before it are written. A write starts when the backend has room for it (one in flight, two
   * with overlappingWrites) and none of its jobs is in a write in flight.
   */
  async flush(): Promise<void> {
    const room = this.o.backend.overlappingWrites ? 2 : 1;
    while (this.writes.size >= room || (this.writes.size > 0 && this.sharesJobInFlight())) await Promise.race(this.writes.keys());
    if (!this.outcomes.length && !this.progress.size && !this.logs.length) {
      await Promise.all(this.writes.keys());
      return;
    }
    const jobs = room > 1 ? this.bufferedJobIds() : NO_JOBS;
    const outcomes = this.outcomes;
    const progress = [...this.progress.values()];
    const logs = this.logs;
    const trim = this.toTrim;
    this.outcomes = [];
    this.progress.clear();
    this.logs = [];
    this.toTrim = [];
    const write = (async () => {
      try {
        await this.o.backend.write({ outcomes: outcomes.map((s) => s.outcome), progress, logs });
      } catch (err) {
        // Keep everything and try again: nothing accepted is dropped because a write failed.
        this.outcomes = outcomes.concat(this.outcomes);
        for (const p of progress) if (!this.progress.has(p.id)) this.progress.set(p.id, p);
        this.logs = logs.concat(this.logs);
        this.toTrim = trim.concat(this.toTrim);
        this.reportError(err);
        this.writeRetryTimer ??= setTimeout(() => {
          this.writeRetryTimer = null;
          this.scheduleFlush();
        }, RETRY_WRITE_MS).unref();
        return;
      }
      for (const id of new Set(trim)) await this.o.backend.trimLogs(id, this.o.maxLogLines).catch(() => undefined);
      this.announce(outcomes);
    })();
    this.writes.set(write, jobs);
    try {
      await write;
    } finally {
      this.writes.delete(write);
    }
    await Promise.all(this.writes.keys());
  }

  /** The jobs of what is buffered (outcomes, progress, log lines). */
  private bufferedJobIds(): Set<string> {
    const ids = new Set<string>(this.progress.keys());
    for (const s of this.outcomes) ids.add(s.outcome.id);
    for (const l of this.logs) ids.add(l.jobId);
    return ids;
  }

  /** Whether a buffered job is in a write in flight. */
  private sharesJobInFlight(): boolean {
    const buffered = this.bufferedJobIds();
    for (const inFlight of this.writes.values()) for (const id of buffered) if (inFlight.has(id)) return true;
    return false;
  }

  private announce(settled: Settled[]): void {
    let earliestRetry = Infinity;
    let released = false;
    for (const { outcome: o, type, queue } of settled) {
      switch (o.kind) {
        case 'completed':
          this.o.emit('job:completed', {
            id: o.id,
            type,
            queue,
            attempt: o.attempt,
            result: o.result,
            durationMs: o.metrics.durationMs ?? 0,
            finishedAt: o.at,
          });
          break;
        case 'failed':
          this.o.emit('job:failed', { id: o.id, type, queue, attempt: o.attempt, error: o.error, finishedAt: o.at });
          break;
        case 'retrying':
          earliestRetry = Math.min(earliestRetry, o.runAt);
          this.o.emit('job:retrying', { id: o.id, type, queue, attempt: o.attempt, error: o.error, runAt: o.runAt });
          break;
        case 'cancelled':
          this.o.emit('job:cancelled', { id: o.id, type, queue, reason: o.error.message, finishedAt: o.at });
          break;
        case 'released':
          released = true;
          break;
      }
    }
    if (released) this.wake(); // handed-back jobs are pending again: claim them when allowed
    if (earliestRetry < Infinity) this.armDue(earliestRetry);
    if (settled.length) this.schedulePump();
  }

  private reportError(err: unknown): void {
    const e = toAppError(err);
    this.o.emit('engine:error', { code: e.code, message: e.message });
  }

  /** Arm the delayed-jobs timer for `at` if that is earlier than what it waits for. */
  armDue(at: number): void {
    if (at >= this.dueAt) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = setTimeout(() => void this.onDue(), Math.max(0, at - this.o.clock.now()));
    this.dueTimer.unref();
  }

  private async onDue(): Promise<void> {
    this.dueTimer = null;
    this.dueAt = Infinity;
    try {
      if ((await this.o.backend.promoteDueJobs(this.o.clock.now())) > 0) this.wake();
      await this.refreshDue();
    } catch (err) {
      this.reportError(err);
      this.armDue(this.o.clock.now() + RETRY_WRITE_MS);
    }
  }

  /** Look up the earliest delayed job again (after a submission by another process, say). */
  async refreshDue(): Promise<void> {
    const next = await this.o.backend.nextRunAt();
    if (next !== null) this.armDue(next);
  }

  /**
   * Graceful stop: claim nothing new, let running jobs finish for up to `graceMs`, then abort
   * the rest and hand them back (pending, attempt not counted) so that the next start resumes them.
   */
  async drain(graceMs: number): Promise<void> {
    this.accepting = false;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    const deadline = Date.now() + graceMs;
    while (this.running.size && Date.now() < deadline) await sleep(Math.min(50, deadline - Date.now()));
    if (this.running.size) {
      for (const id of [...this.running.keys()]) this.abort(id, 'shutdown');
      const abortDeadline = Date.now() + Math.min(2000, this.o.cancelGraceMs);
      while (this.running.size && Date.now() < abortDeadline) await sleep(20);
      for (const run of [...this.running.values()]) {
        this.settle(run, { kind: 'released', id: run.job.id, attempt: run.job.attempt, at: this.o.clock.now(), worker: run.worker });
      }
    }
    this.timeouts.clear();
    this.kills.clear();
    if (this.writeRetryTimer) {
      clearTimeout(this.writeRetryTimer);
      this.writeRetryTimer = null;
    }
    await this.flush();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
