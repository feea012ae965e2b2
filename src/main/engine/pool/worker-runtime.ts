/**
 * What runs inside a worker process: receives batches of jobs, runs each through its handler
 * (several at once), and streams progress, log lines and outcomes back in batched messages.
 * A worker never opens the job store.
 */
import { PermanentError, type AbortReason, type JobContext, type JobHandler, type SerializedJobError } from '../handlers/handler-types';
import type { HandlerRegistration } from '../config';
import {
  RUN_ATTEMPT,
  RUN_ID,
  RUN_MAX_RETRIES,
  RUN_PARAMS,
  RUN_PRIORITY,
  RUN_QUEUE,
  RUN_TIMEOUT_SECONDS,
  RUN_TYPE,
  type FromWorker,
  type RunSpec,
  type ToWorker,
  type WorkerEvent,
} from './protocol';

export interface ParentChannel {
  send(message: FromWorker): void;
  onMessage(listener: (message: ToWorker) => void): void;
  /** The engine went away: abort everything and exit. */
  onDisconnect(listener: () => void): void;
}

export interface WorkerRuntimeDeps {
  builtins: Record<string, JobHandler>;
  loadModule: (path: string, exportName?: string) => Promise<JobHandler>;
  toResult: (value: unknown) => unknown;
  exit: (code: number) => void;
}

const MAX_LOG_LINE = 8192;

/** Error → the serialized form with its class. `abortReason` wins: a cancelled job is `cancelled`. */
export function serializeError(err: unknown, abortReason: AbortReason | null): SerializedJobError {
  const e = err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
  const rawCode = (e as unknown as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  let cls: SerializedJobError['class'];
  if (abortReason === 'cancelled') cls = 'cancelled';
  else if (abortReason === 'timeout') cls = 'timeout';
  else if (abortReason === 'resource_limit') cls = 'resource_limit';
  else if (
    e.name === 'PermanentError' ||
    e.name === 'UnrecoverableError' ||
    (e as unknown as { permanent?: unknown }).permanent === true
  ) {
    cls = 'permanent';
  } else cls = 'transient';
  return { class: cls, message: e.message || e.name, ...(e.stack ? { stack: e.stack } : {}), ...(code ? { code } : {}) };
}

/** A job this worker runs: its context for the handler, and why it was aborted (null: it was not). */
interface ActiveJob {
  readonly id: string;
  readonly ctx: JobContext;
  readonly started: number;
  abortReason: AbortReason | null;
  /** Created when the handler first reads `ctx.signal` (or aborted before that: never). */
  controller: AbortController | null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

export class WorkerRuntime {
  private name = 'worker';
  private registrations: Record<string, HandlerRegistration> = {};
  private readonly running = new Map<string, ActiveJob>();
  /** Handlers of registered types: the load in progress, then the loaded function itself. */
  private readonly loadedHandlers = new Map<string, Promise<JobHandler> | JobHandler>();
  private outbox: WorkerEvent[] = [];
  private readonly pendingProgress = new Map<string, WorkerEvent>();
  private flushScheduled = false;
  private stopping = false;
  private nextAcquire = 1;
  private readonly acquires = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(
    private readonly channel: ParentChannel,
    private readonly deps: WorkerRuntimeDeps,
  ) {}

  start(): void {
    this.channel.onMessage((m) => this.onMessage(m));
    this.channel.onDisconnect(() => {
      for (const job of this.running.values()) abortJob(job, 'shutdown');
      // Let handlers kill their process trees (SIGTERM, then SIGKILL after their grace), then go.
      this.stopping = true;
      this.exitIfIdle();
      setTimeout(() => this.deps.exit(0), 4000).unref();
    });
    this.channel.send({ t: 'ready', pid: process.pid });
  }

  private onMessage(m: ToWorker): void {
    switch (m.t) {
      case 'init':
        this.name = m.name;
        this.registrations = m.handlers;
        this.loadedHandlers.clear();
        break;
      case 'run':
        for (const spec of m.jobs) this.run(spec);
        break;
      case 'abort': {
        const job = this.running.get(m.id);
        if (job) abortJob(job, m.reason);
        break;
      }
      case 'grant': {
        const waiter = this.acquires.get(m.req);
        this.acquires.delete(m.req);
        if (m.error === undefined) waiter?.resolve();
        else waiter?.reject(new Error(m.error));
        break;
      }
      case 'stop':
        this.stopping = true;
        this.exitIfIdle();
        break;
    }
  }

  private emit(ev: WorkerEvent): void {
    this.outbox.push(ev);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const ev = this.outbox;
      if (this.pendingProgress.size) {
        // Progress first, outcomes after: the latest progress of a job wins.
        ev.unshift(...this.pendingProgress.values());
        this.pendingProgress.clear();
      }
      this.outbox = [];
      if (ev.length) this.channel.send({ t: 'ev', ev });
    });
  }

  /**
   * The handler of a type. A registered module is loaded once per worker process (a worker that
   * restarts picks up an edited module); a failed load is retried on the next job. Once loaded,
   * the function itself is returned, so that a job whose handler answers at once completes
   * without a trip through the microtask queue.
   */
  private resolveHandler(type: string): Promise<JobHandler> | JobHandler {
    const reg = this.registrations[type];
    if (reg) {
      let loaded = this.loadedHandlers.get(type);
      if (!loaded) {
        const loading = this.deps.loadModule(reg.module, reg.export);
        this.loadedHandlers.set(type, loading);
        loading.then(
          (handler) => {
            if (this.loadedHandlers.get(type) === loading) this.loadedHandlers.set(type, handler);
          },
          () => {
            if (this.loadedHandlers.get(type) === loading) this.loadedHandlers.delete(type);
          },
        );
        loaded = loading;
      }
      return loaded;
    }
    const builtin = this.deps.builtins[type];
    if (builtin) return builtin;
    throw new PermanentError(`no handler for job type "${type}" in worker ${this.name}`);
  }

  /** Start a job; it settles (an 'ok' or 'err' event) at once when its handler answers synchronously. */
  private run(spec: RunSpec): void {
    const job = this.activate(spec);
    let value: unknown;
    try {
      const handler = this.resolveHandler(spec[RUN_TYPE]);
      value = typeof handler === 'function' ? handler(job.ctx) : handler.then((h) => h(job.ctx));
    } catch (err) {
      this.fail(job, err);
      return;
    }
    if (isThenable(value)) {
      Promise.resolve(value).then(
        (result) => this.succeed(job, result),
        (err: unknown) => this.fail(job, err),
      );
    } else this.succeed(job, value);
  }

  /** Register a job and build its context. */
  private activate(spec: RunSpec): ActiveJob {
    const job = WorkerRuntime.activeJob(this, spec);
    this.running.set(job.id, job);
    return job;
  }

  /**
   * A job and its context. The context is a plain object (handlers may destructure or spread
   * it) whose functions are shorthand methods closing over the job and `runtime`, so that they
   * work detached from it. Its AbortSignal is made on first read: most handlers never read it,
   * and an AbortController cost as much as all the rest of a no-op job.
   */
  private static activeJob(runtime: WorkerRuntime, spec: RunSpec): ActiveJob {
    const id = spec[RUN_ID];
    const job: ActiveJob = {
      id,
      started: performance.now(),
      abortReason: null,
      controller: null,
      ctx: {
        job: {
          id,
          type: spec[RUN_TYPE],
          queue: spec[RUN_QUEUE],
          priority: spec[RUN_PRIORITY],
          attempt: spec[RUN_ATTEMPT],
          maxRetries: spec[RUN_MAX_RETRIES],
          timeoutSeconds: spec[RUN_TIMEOUT_SECONDS],
        },
        params: spec[RUN_PARAMS],
        get signal(): AbortSignal {
          if (!job.controller) {
            job.controller = new AbortController();
            if (job.abortReason !== null) job.controller.abort(job.abortReason);
          }
          return job.controller.signal;
        },
        progress(percent, message) {
          const p = Math.max(0, Math.min(100, Number(percent) || 0));
          runtime.pendingProgress.set(id, ['p', id, p, message ?? null]);
          runtime.scheduleFlush();
        },
        log(line, stream = 'log') {
          const text = String(line);
          runtime.emit(['l', id, stream, text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}…` : text, Date.now()]);
        },
        trackProcess(pid) {
          runtime.emit(['pid', id, pid]);
        },
        acquire(pool, tokens = 1) {
          return new Promise<void>((resolve, reject) => {
            const req = runtime.nextAcquire++;
            runtime.acquires.set(req, { resolve, reject });
            runtime.emit(['acq', id, req, String(pool), Number(tokens)]);
          });
        },
      },
    };
    return job;
  }

  private succeed(job: ActiveJob, value: unknown): void {
    let result: unknown;
    try {
      result = this.deps.toResult(value);
    } catch (err) {
      this.fail(job, err);
      return;
    }
    this.finish(job, ['ok', job.id, result, elapsedMs(job)]);
  }

  private fail(job: ActiveJob, err: unknown): void {
    this.finish(job, ['err', job.id, serializeError(err, job.abortReason), elapsedMs(job)]);
  }

  private finish(job: ActiveJob, outcome: WorkerEvent): void {
    this.pendingProgress.delete(job.id);
    this.emit(outcome);
    this.running.delete(job.id);
    this.exitIfIdle();
  }

  private exitIfIdle(): void {
    if (this.stopping && this.running.size === 0) {
      // Let the last batch leave before exiting.
      setImmediate(() => setImmediate(() => this.deps.exit(0)));
    }
  }
}

/** Abort a job for `reason`; the first reason stays, as with AbortController. */
function abortJob(job: ActiveJob, reason: AbortReason): void {
  if (job.abortReason !== null) return;
  job.abortReason = reason;
  job.controller?.abort(reason);
}

/** A job's run time in whole milliseconds: all its metrics keep, and a shorter number to send. */
function elapsedMs(job: ActiveJob): number {
  return Math.round(performance.now() - job.started);
}
