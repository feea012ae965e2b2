/**
 * The SQLite store thread: a started engine's batches of claims and outcome writes run on a
 * second connection to the same file, in a worker thread, so that the engine's event loop does not
 * spend its time inside SQLite. Measured on the no-op drain, the event loop's CPU per job went from
 * ~30–46 to ~11–14 µs (docs/benchmarks.md): the dispatcher, the IPC with the worker processes and
 * the dashboard, and the events run beside the SQL.
 *
 * - What goes there is decided by SqliteBackend (storeThreadFor): claims and writes of 64 rows or
 *   more, and any claim, write or submit while the thread is busy (rather than wait for its lock).
 *   Small requests on an idle thread run at once on the main connection, as do reads, cancels,
 *   schedules and maintenance. The two connections are two writers of one WAL file, as the app
 *   and the CLI already are: every write is a transaction, and SQLite's lock orders them.
 * - Requests are answered in the order they were sent. A request that fails comes back as the
 *   AppError SqliteBackend would have thrown on its own connection.
 * - If the thread cannot start, or stops, the backend goes on with its main connection; requests
 *   in flight at that moment fail with BACKEND_UNAVAILABLE (the dispatcher retries a failed write).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import { AppError, toAppError, type WireError } from '../../../../shared/errors';
import { resolveMainEntry } from '../../entry-path';
import type { DependencyEffects } from '../../dependencies/dependency-types';
import type { ClaimRequest, NewJob } from '../queue-backend';
import type { SqliteBackendOptions, StoreWriteBatch } from './sqlite-backend';

/** What the thread does: request → reply. */
export interface StoreOps {
  insert: { request: NewJob[]; reply: DependencyEffects | null };
  /** The claimed rows as JSON text, built by SQLite (SqliteBackend.claimRows). */
  claim: { request: ClaimRequest; reply: string };
  write: { request: StoreWriteBatch; reply: DependencyEffects | null };
  /** A part of a bulk insert (BulkInsert), its rows as encodeJobRows gives them: the first opens its transaction. Sent without a reply. */
  bulkPart: { request: unknown[]; reply: null };
  /** The end of a bulk insert: commit (or roll back) its transaction; a part's failure comes back here. */
  bulkEnd: { request: { commit: boolean }; reply: DependencyEffects | null };
}
export type StoreOp = keyof StoreOps;

/** What the thread needs to open its connection: the engine's SqliteBackendOptions, plus the checkpoint mode. */
export interface StoreThreadData extends SqliteBackendOptions {
  /** Another thread checkpoints the WAL: turn this connection's automatic checkpoint off. */
  noAutoCheckpoint: boolean;
}

/**
 * Requests and replies cross as JSON text: measured with 200 claimed rows or outcomes, a string
 * crosses a MessagePort two to three times cheaper than the same objects cloned, and the thread's
 * time is what bounds the drain. Everything sent is JSON data already (rows, outcomes whose
 * results came from the worker processes as JSON). A reply that is a string is JSON text already
 * (the claim's rows, which SQLite writes as JSON) and crosses as it is, for the caller to parse.
 */
/** `id` 0: a request without a reply (a bulk part). */
type ToThread = { id: number; op: StoreOp; json: string } | { id: number; op: 'stop' };
type FromThread = { ready: true } | { ready: false; error: string } | { id: number; json?: string; text?: string; error?: WireError };

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: AppError) => void;
}

/** The engine's side: sends requests, resolves them in order. */
export class StoreThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped = false;

  private constructor(
    private readonly worker: Worker,
    onStop: (reason: string) => void,
  ) {
    worker.on('message', (m: FromThread) => {
      if (!('id' in m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(AppError.fromWire(m.error));
      else p.resolve(m.text ?? (m.json === undefined ? undefined : JSON.parse(m.json)));
    });
    const ended = (reason: string) => {
      if (this.stopped) return;
      this.stopped = true;
      this.failPending(reason);
      onStop(reason);
    };
    worker.on('error', (err) => ended(err.message));
    worker.on('exit', (code) => ended(`exited with code ${code}`));
  }

  /**
   * Start the thread and open its connection. Resolves null when it cannot start (no entry file,
   * no worker threads, the file cannot be opened): the caller keeps using its own connection.
   * `onStop` is told when a started thread stops by itself.
   */
  static async start(data: StoreThreadData, onStop: (reason: string) => void): Promise<StoreThread | null> {
    let worker: Worker;
    try {
      const entry = resolveMainEntry('store-thread', import.meta.url);
      // From source, the thread registers tsx itself (a worker thread ignores `--import tsx`).
      worker = entry.execArgv.length
        ? new Worker(
            `import(${JSON.stringify(pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href)})` +
              `.then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry.path).href)}); })`,
            { eval: true, workerData: data },
          )
        : new Worker(entry.path, { workerData: data });
    } catch {
      return null;
    }
    const ready = await new Promise<boolean>((resolve) => {
      worker.once('message', (m: FromThread) => resolve('ready' in m && m.ready));
      worker.once('error', () => resolve(false));
      worker.once('exit', () => resolve(false));
    });
    if (!ready) {
      await worker.terminate().catch(() => undefined);
      return null;
    }
    worker.unref();
    return new StoreThread(worker, onStop);
  }

  /** Requests sent and not answered yet: the thread is (or is about to be) inside a transaction. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  call<K extends StoreOp>(op: K, request: StoreOps[K]['request']): Promise<StoreOps[K]['reply']> {
    if (this.stopped) return Promise.reject(new AppError('BACKEND_UNAVAILABLE', 'the SQLite store thread has stopped'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, json: JSON.stringify(request) } satisfies ToThread);
    });
  }

  /**
   * Send a request that gets no reply (a bulk part): the thread keeps its outcome for a later
   * request (bulkEnd), which answers for it.
   */
  post<K extends StoreOp>(op: K, request: StoreOps[K]['request']): void {
    if (!this.stopped) this.worker.postMessage({ id: 0, op, json: JSON.stringify(request) } satisfies ToThread);
  }

  /** Answer what was sent, close the thread's connection and end the thread. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    const id = this.nextId++;
    const closed = new Promise<void>((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.worker.once('exit', () => resolve());
    });
    this.worker.postMessage({ id, op: 'stop' } satisfies ToThread);
    await Promise.race([closed, new Promise((r) => setTimeout(r, 5000).unref())]);
    this.stopped = true;
    await this.terminate();
  }

  /** End the thread at once: what was sent and not answered fails, as in a crash. */
  async terminate(): Promise<void> {
    this.failPending('terminated');
    await this.worker.terminate().catch(() => undefined);
  }

  private failPending(reason: string): void {
    const err = new AppError('BACKEND_UNAVAILABLE', `the SQLite store thread stopped (${reason})`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

/** What the thread serves requests with: SqliteBackend on the thread's own connection. */
export interface StoreOpServer {
  serveStoreOp(op: StoreOp, request: unknown): unknown;
  close(): Promise<void>;
}

/** The thread's side (src/main/store-thread.ts): open, then answer each request in turn. */
export async function serveStoreThread(port: MessagePort, open: () => Promise<StoreOpServer>): Promise<void> {
  let server: StoreOpServer;
  try {
    server = await open();
  } catch (err) {
    port.postMessage({ ready: false, error: toAppError(err).message } satisfies FromThread);
    return;
  }
  port.on('message', (m: ToThread) => {
    if (m.op === 'stop') {
      void server.close().finally(() => {
        port.postMessage({ id: m.id } satisfies FromThread);
        port.close();
      });
      return;
    }
    try {
      const reply = server.serveStoreOp(m.op, JSON.parse(m.json));
      if (m.id) port.postMessage((typeof reply === 'string' ? { id: m.id, text: reply } : { id: m.id, json: JSON.stringify(reply) }) satisfies FromThread);
    } catch (err) {
      if (m.id) port.postMessage({ id: m.id, error: toAppError(err).toWire() } satisfies FromThread);
    }
  });
  port.postMessage({ ready: true } satisfies FromThread);
}
