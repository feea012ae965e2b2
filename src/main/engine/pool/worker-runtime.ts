/**
 * What runs inside a worker process: receives batches of jobs, runs each through its handler
 * (several at once), and streams progress, log lines and outcomes back in batched messages.
 * A worker never opens the job store.
 */
import { PermanentError, type AbortReason, type JobContext, type JobHandler, type SerializedJobError } from '../handlers/handler-types';
import type { HandlerRegistration } from '../config';
import type { FromWorker, RunSpec, ToWorker, WorkerEvent } from './protocol';

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

export class WorkerRuntime {
  private name = 'worker';
  private registrations: Record<string, HandlerRegistration> = {};
  private readonly running = new Map<string, AbortController>();
  private readonly loadedHandlers = new Map<string, Promise<JobHandler>>();
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
      for (const c of this.running.values()) c.abort('shutdown');
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
        for (const spec of m.jobs) void this.run(spec);
        break;
      case 'abort':
        this.running.get(m.id)?.abort(m.reason);
        break;
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
   * restarts picks up an edited module); a failed load is retried on the next job.
   */
  private resolveHandler(type: string): Promise<JobHandler> | JobHandler {
    const reg = this.registrations[type];
    if (reg) {
      let loaded = this.loadedHandlers.get(type);
      if (!loaded) {
        loaded = this.deps.loadModule(reg.module, reg.export);
        this.loadedHandlers.set(type, loaded);
        loaded.catch(() => this.loadedHandlers.delete(type));
      }
      return loaded;
    }
    const builtin = this.deps.builtins[type];
    if (builtin) return builtin;
    throw new PermanentError(`no handler for job type "${type}" in worker ${this.name}`);
  }

  private async run(spec: RunSpec): Promise<void> {
    const controller = new AbortController();
    this.running.set(spec.id, controller);
    const started = performance.now();
    const ctx: JobContext = {
      job: {
        id: spec.id,
        type: spec.type,
        queue: spec.queue,
        priority: spec.priority,
        attempt: spec.attempt,
        maxRetries: spec.maxRetries,
        timeoutSeconds: spec.timeoutSeconds,
      },
      params: spec.params,
      signal: controller.signal,
      progress: (percent, message) => {
        const p = Math.max(0, Math.min(100, Number(percent) || 0));
        this.pendingProgress.set(spec.id, ['p', spec.id, p, message ?? null]);
        this.scheduleFlush();
      },
      log: (line, stream = 'log') => {
        const text = String(line);
        this.emit(['l', spec.id, stream, text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE)}…` : text, Date.now()]);
      },
      trackProcess: (pid) => this.emit(['pid', spec.id, pid]),
      acquire: (pool, tokens = 1) =>
        new Promise<void>((resolve, reject) => {
          const req = this.nextAcquire++;
          this.acquires.set(req, { resolve, reject });
          this.emit(['acq', spec.id, req, String(pool), Number(tokens)]);
        }),
    };
    try {
      const handler = await this.resolveHandler(spec.type);
      const value = await handler(ctx);
      const result = this.deps.toResult(value);
      this.pendingProgress.delete(spec.id);
      this.emit(['ok', spec.id, result, performance.now() - started]);
    } catch (err) {
      this.pendingProgress.delete(spec.id);
      const reason = controller.signal.aborted ? (controller.signal.reason as AbortReason) : null;
      this.emit(['err', spec.id, serializeError(err, reason), performance.now() - started]);
    } finally {
      this.running.delete(spec.id);
      this.exitIfIdle();
    }
  }

  private exitIfIdle(): void {
    if (this.stopping && this.running.size === 0) {
      // Let the last batch leave before exiting.
      setImmediate(() => setImmediate(() => this.deps.exit(0)));
    }
  }
}
