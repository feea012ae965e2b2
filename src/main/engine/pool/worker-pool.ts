/**
 * WorkerPool: persistent worker processes, each running up to `concurrency` jobs at once.
 *
 * The pool knows processes and slots, not job states: it sends batches of jobs, relays the
 * workers' event batches, and reports an exit with the jobs that were in flight. A crashed
 * worker is replaced (with a growing delay if it keeps crashing). Outgoing runs are batched per
 * worker and sent once per event-loop turn.
 */
import { EventEmitter } from 'node:events';
import type { WorkerInfo } from '../../../shared/model';
import type { HandlerRegistration } from '../config';
import type { AbortReason } from '../handlers/handler-types';
import type { ProcessSpawner, WorkerProcess } from './process-spawner';
import { RUN_ID, type RunSpec, type WorkerEvent } from './protocol';

export interface WorkerSlot {
  readonly name: string;
  readonly proc: WorkerProcess;
  readonly concurrency: number;
  readonly inflight: Set<string>;
  state: WorkerInfo['state'];
  ready: boolean;
  startedAt: number;
  jobsDone: number;
  jobsFailed: number;
  outbox: RunSpec[];
}

export interface WorkerPoolOptions {
  spawner: ProcessSpawner;
  size: number;
  concurrency: number;
  namePrefix: string;
  handlers: Record<string, HandlerRegistration>;
  now?: () => number;
}

export interface WorkerPoolEvents {
  ready: [worker: WorkerSlot];
  events: [worker: WorkerSlot, events: WorkerEvent[]];
  /** A worker exited; `inflight` are the jobs it was running. */
  exit: [worker: WorkerSlot, inflight: string[], code: number | null, signal: NodeJS.Signals | null];
  /** Lifecycle of a worker for the `worker:changed` event: spawned, ready, draining, exited or crashed. */
  changed: [worker: WorkerInfo, change: 'started' | 'ready' | 'draining' | 'exited' | 'crashed'];
}

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  private readonly workers = new Map<string, WorkerSlot>();
  private target: number;
  private nextIndex = 1;
  private stopping = false;
  private recentCrashes: number[] = [];
  private flushScheduled = false;
  private readonly now: () => number;

  constructor(private readonly options: WorkerPoolOptions) {
    super();
    this.target = options.size;
    this.now = options.now ?? Date.now;
  }

  /** Spawn the initial workers and resolve when they are ready (or after `timeoutMs`). */
  async start(timeoutMs = 15_000): Promise<void> {
    this.stopping = false;
    for (let i = this.workers.size; i < this.target; i++) this.spawnOne();
    await this.waitFor(() => [...this.workers.values()].every((w) => w.ready), timeoutMs);
  }

  private waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (predicate()) return resolve(true);
      const check = () => {
        if (predicate()) {
          cleanup();
          resolve(true);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(predicate());
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('ready', check);
        this.off('exit', check);
      };
      this.on('ready', check);
      this.on('exit', check);
    });
  }

  private spawnOne(): WorkerSlot {
    const name = `${this.options.namePrefix}-${this.nextIndex++}`;
    const proc = this.options.spawner.spawn({ name });
    const slot: WorkerSlot = {
      name,
      proc,
      concurrency: this.options.concurrency,
      inflight: new Set(),
      state: 'starting',
      ready: false,
      startedAt: this.now(),
      jobsDone: 0,
      jobsFailed: 0,
      outbox: [],
    };
    this.workers.set(name, slot);
    this.emit('changed', this.infoOf(slot), 'started');
    proc.onMessage((m) => {
      if (m.t === 'ready') {
        proc.send({ t: 'init', name, handlers: this.options.handlers });
        slot.ready = true;
        slot.state = 'idle';
        this.emit('ready', slot);
        this.emit('changed', this.infoOf(slot), 'ready');
      } else if (m.t === 'ev') {
        for (const ev of m.ev) {
          if (ev[0] === 'ok' || ev[0] === 'err') {
            slot.inflight.delete(ev[1]);
            if (ev[0] === 'ok') slot.jobsDone++;
            else slot.jobsFailed++;
          }
        }
        if (slot.state === 'busy' && slot.inflight.size === 0) slot.state = 'idle';
        this.emit('events', slot, m.ev);
      }
    });
    proc.onExit((code, signal) => this.onExit(slot, code, signal));
    return slot;
  }

  private onExit(slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null): void {
    const inflight = [...slot.inflight];
    slot.inflight.clear();
    const expected = slot.state === 'draining' || this.stopping;
    slot.state = expected ? 'stopped' : 'crashed';
    slot.ready = false;
    this.workers.delete(slot.name);
    this.emit('exit', slot, inflight, code, signal);
    this.emit('changed', this.infoOf(slot), expected ? 'exited' : 'crashed');
    if (this.stopping || this.workers.size >= this.target) return;
    // Replace it; back off when workers keep dying (a handler that crashes its process at load).
    const now = this.now();
    this.recentCrashes = this.recentCrashes.filter((t) => now - t < 60_000);
    this.recentCrashes.push(now);
    const delay = Math.min(30_000, this.recentCrashes.length > 3 ? 500 * 2 ** (this.recentCrashes.length - 3) : 0);
    setTimeout(() => {
      if (!this.stopping && this.workers.size < this.target) this.spawnOne();
    }, delay).unref();
  }

  /** Workers that can take jobs now, with their free slot counts, most free first. */
  freeSlots(): Array<{ worker: WorkerSlot; free: number }> {
    const out: Array<{ worker: WorkerSlot; free: number }> = [];
    for (const w of this.workers.values()) {
      if (!w.ready || w.state === 'draining') continue;
      const free = w.concurrency - w.inflight.size;
      if (free > 0) out.push({ worker: w, free });
    }
    return out.sort((a, b) => b.free - a.free);
  }

  /** Whether `worker` is still one of the pool's processes (false once it has exited). */
  isLive(worker: WorkerSlot): boolean {
    return this.workers.get(worker.name) === worker;
  }

  /** Queue jobs for a worker; they leave in one message at the end of this event-loop turn. */
  dispatch(worker: WorkerSlot, jobs: RunSpec[]): void {
    for (const j of jobs) {
      worker.inflight.add(j[RUN_ID]);
      worker.outbox.push(j);
    }
    if (jobs.length) worker.state = 'busy';
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const w of this.workers.values()) {
      if (!w.outbox.length) continue;
      const jobs = w.outbox;
      w.outbox = [];
      if (!w.proc.send({ t: 'run', jobs })) w.proc.kill('SIGKILL'); // its exit reports the jobs
    }
  }

  /**
   * The worker running `jobId`. A look through the workers' in-flight sets rather than a map of
   * its own: there are few workers, this is asked for aborts and rate-pool grants only, and a
   * second map would cost a write and a delete for every job.
   */
  workerOf(jobId: string): WorkerSlot | undefined {
    for (const w of this.workers.values()) if (w.inflight.has(jobId)) return w;
    return undefined;
  }

  /** Ask the worker running `jobId` to abort it. False when no worker runs it. */
  abort(jobId: string, reason: AbortReason): boolean {
    const w = this.workerOf(jobId);
    if (!w) return false;
    return w.proc.send({ t: 'abort', id: jobId, reason });
  }

  /** Answer a job's `ctx.acquire` request `req` (granted, or refused with `error`). */
  grant(jobId: string, req: number, error?: string): boolean {
    const w = this.workerOf(jobId);
    if (!w) return false;
    return w.proc.send(error === undefined ? { t: 'grant', id: jobId, req } : { t: 'grant', id: jobId, req, error });
  }

  /** Kill the worker running `jobId` (a job that ignores its abort signal). */
  killWorkerOf(jobId: string): void {
    this.workerOf(jobId)?.proc.kill('SIGKILL');
  }

  /** Change the number of workers. Extra workers drain (finish their jobs) before they exit. */
  resize(size: number): void {
    this.target = Math.max(0, size);
    const live = [...this.workers.values()].filter((w) => w.state !== 'draining');
    for (let i = live.length; i < this.target; i++) this.spawnOne();
    const extra = live.length - this.target;
    if (extra > 0) {
      // Drain the least busy first.
      const victims = live.sort((a, b) => a.inflight.size - b.inflight.size).slice(0, extra);
      for (const w of victims) {
        w.state = 'draining';
        w.proc.send({ t: 'stop' });
        this.emit('changed', this.infoOf(w), 'draining');
      }
    }
  }

  get size(): number {
    return this.target;
  }

  list(): WorkerInfo[] {
    return [...this.workers.values()].map((w) => this.infoOf(w));
  }

  /** One worker as WorkerInfo (CPU and memory are filled in by the governor). */
  private infoOf(w: WorkerSlot): WorkerInfo {
    return {
      name: w.name,
      pid: w.proc.pid ?? null,
      state: w.state,
      concurrency: w.concurrency,
      currentJobs: [...w.inflight],
      jobsDone: w.jobsDone,
      jobsFailed: w.jobsFailed,
      startedAt: w.startedAt,
      cpuPercent: null,
      memoryMb: null,
    };
  }

  /** Stop every worker: ask them to exit when idle, kill those still alive after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    for (const w of this.workers.values()) w.proc.send({ t: 'stop' });
    const done = await this.waitFor(() => this.workers.size === 0, timeoutMs);
    if (!done) {
      for (const w of this.workers.values()) w.proc.kill('SIGKILL');
      await this.waitFor(() => this.workers.size === 0, 2000);
    }
  }
}
