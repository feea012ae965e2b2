/**
 * SqliteBackend: the embedded, default job store (better-sqlite3, WAL).
 *
 * Claims are one `UPDATE … WHERE id IN (SELECT … ORDER BY priority DESC, seq LIMIT n) RETURNING`
 * over a partial index of runnable jobs; outcomes, progress and logs of many jobs are written in
 * one transaction (group commit). Several processes may open the same file (the CLI submitting
 * while the app runs): each claim is atomic, and `dataVersion()` tells an engine cheaply that
 * another connection changed the file.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MaintenanceOptions } from '../../handlers/engine-handlers';
import { runSqliteMaintenance } from './sqlite-maintenance';
import { WalCheckpointer } from './wal-checkpointer';
import { AppError } from '../../../../shared/errors';
import type { JobAttempt, JobLogLine, JobPage, JobRecord, JobStatus, ParsedJobListQuery } from '../../../../shared/model';
import { JOB_STATUSES } from '../../../../shared/model';
import type {
  BulkInsert,
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  EngineRegistration,
  JobOutcome,
  LogEntry,
  NewJob,
  ProgressUpdate,
  QueueBackend,
  StatusCounts,
  WriteBatch,
} from '../queue-backend';
import {
  CLAIM_COLUMNS,
  claimRowFromRaw,
  rowToClaimed,
  rowToJob,
  type ClaimRow,
  type JobRow,
  type RawClaimRow,
} from './job-row';
import { buildListQuery, encodeJobCursor } from './job-list-query';
import { migrate } from './migrations';
import { JobCounts } from './job-counts';
import { SqliteDependencies } from './sqlite-dependencies';
import { mergeEffects, noEffects } from '../../dependencies/effects-listeners';
import { SqliteScheduleStore } from './sqlite-schedule-store';
import type { DependencyEffects } from '../../dependencies/dependency-types';
import { SqliteAnalyticsRepository } from './sqlite-analytics-repository';
import { SqliteBulkOps } from './sqlite-bulk-ops';
import type { BulkOpOutcome } from '../queue-backend';
import { StoreThread, type StoreOp, type StoreOps, type StoreOpServer } from './sqlite-store-thread';

export interface SqliteBackendOptions {
  path: string;
  durability?: 'normal' | 'full';
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Path of a better_sqlite3.node built for another ABI (the Electron app's); default: node_modules' own build. */
  nativeBinding?: string;
  /** A started engine's claims and outcome writes on a second connection in a thread (default true; sqlite-store-thread.ts). */
  storeThread?: boolean;
}

/** The columns a new job row is inserted with; encodeJobRows gives their values in this order. */
const INSERT_COLUMNS = `id, type, queue, parameters, priority, status, max_retries, retry_delay_s, timeout_s, run_at,
  created_at, updated_at, limits, dependencies, schedule_id`;
const INSERT_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/** Requests of this many rows or more go to the store thread even when it is idle (storeThreadFor). */
const THREAD_BATCH = 64;

/**
 * A bulk insert of this many rows or more is sent in parts of BULK_PART rows to the store thread
 * (openBulkInsert). Parts of 1,000 rows (~350 KB of JSON) cost ~1.5 ms per postMessage here: a
 * message over malloc's mmap threshold (128 KB) lands in fresh pages, and page faults are dear in
 * this VM; parts of 250 (~90 KB) cost ~0.2 ms per 1,000 rows.
 */
export const BULK_THREAD_ROWS = 2000;
export const BULK_PART = 250;

/** Rows per multi-row INSERT (15 values each; SQLite allows 32,766 bound values per statement). */
const INSERT_GROUP = 32;

/** Values per row in encodeJobRows, and where the ones the store reads back sit. */
const INSERT_ARITY = 15;
const ROW_ID = 0;
const ROW_QUEUE = 2;
const ROW_STATUS = 5;
const ROW_CREATED_AT = 10;
const ROW_DEPENDENCIES = 13;

/**
 * New jobs as the store inserts them: each job's INSERT_COLUMNS values, one job after the other
 * (INSERT_ARITY values each), its JSON columns already text. A bulk part crosses to the store
 * thread in this form, so that the thread parses flat values and binds them (it parsed the jobs
 * and encoded their parameters and limits itself before).
 */
export function encodeJobRows(list: readonly NewJob[]): unknown[] {
  const values: unknown[] = [];
  for (const j of list) {
    values.push(
      j.id,
      j.type,
      j.queue,
      JSON.stringify(j.parameters),
      j.priority,
      j.status,
      j.maxRetries,
      j.retryDelaySeconds,
      j.timeoutSeconds,
      j.runAt,
      j.createdAt,
      j.createdAt,
      JSON.stringify(j.limits),
      j.dependencies.length ? JSON.stringify(j.dependencies) : null,
      j.scheduleId,
    );
  }
  return values;
}

/**
 * A write batch as the store binds it, prepared on the engine's thread (encodeWriteBatch): the
 * store thread then only runs statements (sqlite-store-thread.ts).
 */
export interface StoreWriteBatch {
  /**
   * The completed jobs as JSON text, one `[at, worker, result JSON, metrics JSON, id, attempt]`
   * array each (null: none), read by the `completed` statement itself through json_each.
   */
  completed: string | null;
  /** The other outcomes (failed, retrying, cancelled, released), as given. */
  other: Array<Exclude<JobOutcome, { kind: 'completed' }>>;
  /** Jobs that finished (completed, failed, cancelled) and the latest finish time: their dependents are resolved in the same commit. */
  finished: string[];
  finishedAt: number;
  progress: ProgressUpdate[];
  logs: LogEntry[];
}

export function encodeWriteBatch(b: WriteBatch): StoreWriteBatch {
  const out: StoreWriteBatch = { completed: null, other: [], finished: [], finishedAt: 0, progress: b.progress ?? [], logs: b.logs ?? [] };
  const completed: unknown[][] = [];
  for (const o of b.outcomes ?? []) {
    if (o.kind === 'completed' || o.kind === 'failed' || o.kind === 'cancelled') {
      out.finished.push(o.id);
      out.finishedAt = Math.max(out.finishedAt, o.at);
    }
    if (o.kind === 'completed') {
      const result = o.result === undefined ? null : JSON.stringify(o.result);
      completed.push([o.at, o.worker, result, JSON.stringify(o.metrics), o.id, o.attempt]);
    } else {
      out.other.push(o);
    }
  }
  if (completed.length) out.completed = JSON.stringify(completed);
  return out;
}

/**
 * The hot completion: a write batch's completed jobs in one statement, read from the JSON text of
 * StoreWriteBatch.completed by SQLite itself (no parse and no bindings per row on the store
 * thread). `+status` keeps the planner on the id index inside the json_each loop (with the status
 * index it walks every running job per element: ~7x slower); tests/integration/sqlite/
 * store-statements.test.ts checks the plan. Returns the queue of each job it completed.
 */
export const COMPLETED_SQL = `UPDATE jobs SET status = 'completed', progress = 100, finished_at = c.value ->> 0, updated_at = c.value ->> 0,
    worker = c.value ->> 1, result = c.value ->> 2, metrics = c.value ->> 3, error_class = NULL, error_message = NULL,
    error_stack = NULL, error_code = NULL, cancel_requested = 0
  FROM json_each(?) AS c
  WHERE jobs.id = c.value ->> 4 AND +jobs.status = 'running' AND jobs.attempts = c.value ->> 5
  RETURNING jobs.queue`;

/**
 * The claim: pending jobs in claim order (URGENT first, FIFO within a priority), `filters` ANDed
 * in (SQL of the claim's queue/type/pool exclusions), moved to running for @engineId/@worker, at
 * most @limit. INDEXED BY: walk the runnable index in claim order; left to itself the planner may
 * pick jobs_status and sort every pending job on each claim (measured: 3x slower at 50k, worse
 * beyond). Each row comes back as its queue (for job_counts) and its CLAIM_FIELDS as JSON text,
 * which SQLite writes faster than the store thread would stringify the values (claimRows).
 */
export function claimSql(filters: readonly string[] = []): string {
  return `UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = @now,
      updated_at = @now, engine_id = @engineId, worker = @worker, progress = 0, progress_message = NULL
    WHERE seq IN (SELECT seq FROM jobs INDEXED BY jobs_runnable WHERE status = 'pending'${filters.map((f) => ` AND ${f}`).join('')}
      ORDER BY priority DESC, seq LIMIT @limit)
    RETURNING queue, json_array(${CLAIM_COLUMNS})`;
}

/** What the status-changing statements return: the queue whose counts they change (job-counts.ts). */
interface QueueRow {
  queue: string;
}

/** Turn SQLite errors into AppErrors a user can act on. */
export function storageError(err: unknown, path: string): AppError {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'SQLITE_FULL') return new AppError('STORAGE_FULL', `the disk holding ${path} is full; free space and retry`);
  if (code === 'SQLITE_BUSY') return new AppError('BACKEND_UNAVAILABLE', `the database ${path} is locked by another process`);
  if (code.startsWith('SQLITE_CONSTRAINT')) return new AppError('CONFLICT', `a job with that id already exists`);
  if (err instanceof AppError) return err;
  return new AppError('BACKEND_UNAVAILABLE', `database ${path}: ${(err as Error).message}`);
}

export class SqliteBackend implements QueueBackend, StoreOpServer {
  readonly kind = 'sqlite' as const;
  /** Each claim is one transaction, queued on one connection: claims may overlap. */
  readonly overlappingClaims = true;
  readonly location: string;
  private db!: Database.Database;
  private stmts!: ReturnType<SqliteBackend['prepare']>;
  private readonly claimStatements = new Map<string, Database.Statement>();
  private checkpointer: WalCheckpointer | null = null;
  /** A started engine's claims and outcome writes, on a second connection in a thread (sqlite-store-thread.ts). */
  private storeThread: StoreThread | null = null;
  /** Rows the last claim returned: the guess of the next claim's size (storeThreadFor). */
  private lastClaimRows = 0;
  /** startEngineUpkeep ran and the settings allow the store thread (until close, or it failed). */
  private storeThreadAllowed = false;
  private storeThreadStarting: Promise<void> | null = null;
  /** The store thread's side of a bulk insert in parts: its first failure, its dependency effects so far. */
  private bulk: { error: unknown; effects: DependencyEffects } | null = null;
  private deps!: SqliteDependencies;
  private counts!: JobCounts;
  private tx!: {
    insert: Database.Transaction<(list: NewJob[]) => DependencyEffects | null>;
    claim: Database.Transaction<(stmt: Database.Statement, req: ClaimRequest) => string>;
    write: Database.Transaction<(b: StoreWriteBatch) => DependencyEffects | null>;
  };
  private scheduleStore!: SqliteScheduleStore;
  private analyticsRepo: SqliteAnalyticsRepository | undefined;
  private bulkOps: SqliteBulkOps | undefined;

  constructor(private readonly options: SqliteBackendOptions) {
    this.location = options.path;
  }

  /** Open the file (creating its folder), set WAL and busy timeout, run migrations. */
  async open(): Promise<void> {
    try {
      if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
      this.db = new Database(this.options.path, this.options.nativeBinding ? { nativeBinding: this.options.nativeBinding } : {});
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${this.options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
      this.db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      this.db.pragma('temp_store = MEMORY');
      migrate(this.db);
      this.stmts = this.prepare();
      // The hot transactions, made once (better-sqlite3 builds a wrapper per db.transaction() call).
      this.tx = {
        insert: this.db.transaction((list: NewJob[]) => this.insertJobRows(list)),
        claim: this.db.transaction((stmt: Database.Statement, req: ClaimRequest) => this.claimRows(stmt, req)),
        write: this.db.transaction((b: StoreWriteBatch) => this.writeRows(b)),
      };
      this.counts = new JobCounts(this.db);
      this.deps = new SqliteDependencies(this.db, this.counts);
      this.scheduleStore = new SqliteScheduleStore(this.db, (jobs) => this.insertJobRows(jobs), (fn) => this.run(fn));
    } catch (err) {
      throw storageError(err, this.location);
    }
  }

  async close(): Promise<void> {
    this.storeThreadAllowed = false;
    await this.storeThreadStarting;
    if (this.storeThread) {
      const thread = this.storeThread;
      this.storeThread = null;
      await thread.stop();
    }
    if (this.checkpointer) {
      // Let the thread checkpoint while this connection is still open as a reader-free writer.
      await this.checkpointer.stop();
      this.checkpointer = null;
    }
    if (this.db?.open) this.db.close();
  }

  /**
   * A started engine's threads: WAL checkpoints instead of inside the engine's commits
   * (wal-checkpointer.ts); and the store thread for claims and outcome writes
   * (sqlite-store-thread.ts), which starts with the first batch (storeThreadFor), or here when a
   * backlog waits, so that an idle engine has no second connection, heap or start-up work.
   */
  async startEngineUpkeep(): Promise<void> {
    if (this.checkpointer || this.options.path === ':memory:') return;
    const nativeBinding = this.options.nativeBinding ? { nativeBinding: this.options.nativeBinding } : {};
    this.checkpointer = await WalCheckpointer.start({ path: this.options.path, intervalMs: 1000, ...nativeBinding });
    if (this.checkpointer) this.db.pragma('wal_autocheckpoint = 0');
    this.storeThreadAllowed = this.options.storeThread !== false;
    // A backlog waiting at start: its first claims are batches; have the thread ready for them.
    if ((await this.countByStatus()).counts.pending >= THREAD_BATCH) await this.startStoreThread();
  }

  /**
   * Start the store thread now rather than with the first batch (after startEngineUpkeep).
   * Resolves whether it runs: false when it is turned off or could not start (this connection
   * then does all the work).
   */
  async startStoreThread(): Promise<boolean> {
    if (!this.storeThread && this.storeThreadAllowed) {
      this.storeThreadStarting ??= this.launchStoreThread().finally(() => {
        this.storeThreadStarting = null;
      });
      await this.storeThreadStarting;
    }
    return this.storeThread !== null;
  }

  private async launchStoreThread(): Promise<void> {
    const thread = await StoreThread.start(
      { ...this.options, noAutoCheckpoint: this.checkpointer !== null },
      () => {
        // Stopped by itself: go on with this connection (and do not start another).
        this.storeThreadAllowed = false;
        if (this.storeThread === thread) this.storeThread = null;
      },
    );
    if (!thread) this.storeThreadAllowed = false; // cannot start here: do not try on every batch
    else if (this.storeThreadAllowed && this.db.open) this.storeThread = thread;
    else await thread.stop();
  }

  /** Whether claims and outcome writes run on the store thread (false: on this connection). */
  get usesStoreThread(): boolean {
    return this.storeThread !== null;
  }

  /**
   * Where a request of about `rows` rows runs: on the store thread when it is a batch
   * (THREAD_BATCH rows or more), or when the thread is busy (queued behind it, rather than wait
   * here for its lock: SQLite's busy wait sleeps the event loop a millisecond at a time); else at
   * once on this connection. Measured at 1,000 jobs/s, sending every small request to the thread
   * raised enqueue→start p50 from ~0.55 to ~0.8 ms and p99 from ~2–4 to ~6 ms (the thread must
   * be woken and get a core); a drain's batches of 200 gain from the overlap. The first batch
   * starts the thread and runs here.
   */
  private storeThreadFor(rows: number): StoreThread | null {
    const t = this.storeThread;
    if (!t) {
      if (rows >= THREAD_BATCH && this.storeThreadAllowed) void this.startStoreThread();
      return null;
    }
    return t.busy || rows >= THREAD_BATCH ? t : null;
  }

  /** One of the hot operations, of about `rows` rows: on the store thread or here (storeThreadFor). */
  private async storeOp<K extends StoreOp>(op: K, request: StoreOps[K]['request'], rows: number): Promise<StoreOps[K]['reply']> {
    const thread = this.storeThreadFor(rows);
    return thread ? thread.call(op, request) : (this.serveStoreOp(op, request) as StoreOps[K]['reply']);
  }

  /** A hot operation on this connection: the store thread's side, and the engine's when it runs here. */
  serveStoreOp(op: StoreOp, request: unknown): unknown {
    // A bulk's parts and end are sent together, with nothing between them (openBulkInsert).
    if (this.bulk && op !== 'bulkPart' && op !== 'bulkEnd') throw new AppError('INTERNAL', `a ${op} request arrived inside a bulk insert`);
    switch (op) {
      case 'insert':
        return this.run(() => this.tx.insert.immediate(request as NewJob[]));
      case 'claim': {
        const req = request as ClaimRequest;
        const stmt = this.claimStatement(req);
        return this.run(() => this.tx.claim.immediate(stmt, req));
      }
      case 'write':
        return this.run(() => this.tx.write.immediate(request as StoreWriteBatch));
      case 'bulkPart':
        this.insertBulkPart(request as unknown[]);
        return null;
      case 'bulkEnd':
        return this.endBulk((request as { commit: boolean }).commit);
    }
  }

  /**
   * A bulk insert in parts, on the store thread while the engine validates the next part
   * (JobManager.submitJobs): all parts commit together, or none. Null when the thread does not
   * run: the caller then inserts everything at once with insertJobs. In a started engine, a bulk
   * of BULK_THREAD_ROWS or more then starts the thread for the next one, as the first batch of
   * claims does (storeThreadFor). The parts cross as encoded rows (encodeJobRows): the thread
   * parses flat values and binds them. Measured on 10,000-job submits to a started engine, 6
   * alternating pairs: the store thread's CPU per job 6.6–9.5 µs when it received jobs (parse,
   * encode parameters and limits, bind) → 4.5–6.8 µs for encoded rows; 91,000–122,000 →
   * 113,000–166,000 jobs/s. The engine's thread spends ~4–5 µs per job (validation, encoding).
   */
  openBulkInsert(rows: number): BulkInsert | null {
    const thread = rows >= BULK_THREAD_ROWS ? this.storeThreadFor(rows) : null;
    if (!thread) return null;
    return {
      partSize: BULK_PART,
      add: (jobs) => thread.post('bulkPart', encodeJobRows(jobs)),
      end: async (commit) => this.deps.announce(await thread.call('bulkEnd', { commit })),
    };
  }

  /** The store thread's side of a bulk part: the first opens the transaction; a failure is kept for endBulk. */
  private insertBulkPart(rows: unknown[]): void {
    if (!this.bulk) {
      this.bulk = { error: null, effects: noEffects() };
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (err) {
        this.bulk.error = err;
      }
    }
    if (this.bulk.error) return;
    try {
      const effects = this.insertEncodedRows(rows);
      if (effects) mergeEffects(this.bulk.effects, effects);
    } catch (err) {
      this.bulk.error = err;
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  private endBulk(commit: boolean): DependencyEffects | null {
    const bulk = this.bulk;
    this.bulk = null;
    if (!bulk) return null;
    if (bulk.error) throw storageError(bulk.error, this.location);
    try {
      this.db.exec(commit ? 'COMMIT' : 'ROLLBACK');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw storageError(err, this.location);
    }
    return commit ? bulk.effects : null;
  }

  async ping(): Promise<boolean> {
    try {
      return this.db.open && this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  /** Schedules on this file (migration 2). Available after open(). */
  get schedules(): SqliteScheduleStore {
    return this.scheduleStore;
  }

  /** Job dependency edges on this file; evaluated inside this backend's own writes. Available after open(). */
  get dependencies(): SqliteDependencies {
    return this.deps;
  }

  /** Analytics queries and the metrics history (undefined before open()). */
  get analytics(): SqliteAnalyticsRepository | undefined {
    if (!this.analyticsRepo && this.db?.open) this.analyticsRepo = new SqliteAnalyticsRepository(this.db, this.location);
    return this.analyticsRepo;
  }

  /** The raw connection, for the parts that own their own tables (scheduler, analytics, maintenance). */
  get database(): Database.Database {
    return this.db;
  }

  private prepare() {
    const db = this.db;
    return {
      // Positional parameters (binding by name cost ~3 µs a row more in a bulk submit), and a
      // statement that inserts INSERT_GROUP rows at once for bulk submits.
      insert: db.prepare(`INSERT INTO jobs (${INSERT_COLUMNS}) VALUES ${INSERT_ROW}`),
      insertGroup: db.prepare(`INSERT INTO jobs (${INSERT_COLUMNS}) VALUES ${Array(INSERT_GROUP).fill(INSERT_ROW).join(', ')}`),
      get: db.prepare('SELECT * FROM jobs WHERE id = ?'),
      // One statement per former status, so that job_counts knows what moved (the IN term keeps
      // the jobs_due index usable).
      promoteScheduled: db.prepare(`UPDATE jobs SET status = 'pending', updated_at = ?
        WHERE status IN ('scheduled', 'retrying') AND status = 'scheduled' AND run_at <= ? RETURNING queue`),
      promoteRetrying: db.prepare(`UPDATE jobs SET status = 'pending', updated_at = ?
        WHERE status IN ('scheduled', 'retrying') AND status = 'retrying' AND run_at <= ? RETURNING queue`),
      nextRunAt: db.prepare("SELECT MIN(run_at) AS t FROM jobs WHERE status IN ('scheduled', 'retrying')"),
      attemptRow: db.prepare(`INSERT OR REPLACE INTO job_attempts (job_id, attempt, started_at, finished_at, worker, outcome,
          error_class, error_message, error_stack, duration_ms)
        SELECT id, attempts, COALESCE(started_at, @at), @at, @worker, @outcome, @errorClass, @errorMessage, @errorStack,
          @at - COALESCE(started_at, @at)
        FROM jobs WHERE id = @id AND status = 'running' AND attempts = @attempt`),
      completed: db.prepare(COMPLETED_SQL).pluck(),
      finished: db.prepare(`UPDATE jobs SET status = @status, finished_at = @at, updated_at = @at, worker = @worker,
          metrics = @metrics, error_class = @errorClass, error_message = @errorMessage, error_stack = @errorStack,
          error_code = @errorCode, cancel_requested = 0
        WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING queue`),
      retrying: db.prepare(`UPDATE jobs SET status = 'retrying', run_at = @runAt, updated_at = @at, worker = @worker,
          metrics = @metrics, error_class = @errorClass, error_message = @errorMessage, error_stack = @errorStack,
          error_code = @errorCode, engine_id = NULL
        WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING queue`),
      released: db.prepare(`UPDATE jobs SET status = 'pending', attempts = attempts - 1, updated_at = @at, worker = NULL,
          engine_id = NULL, started_at = NULL, progress = 0, progress_message = NULL
        WHERE id = @id AND status = 'running' AND attempts = @attempt RETURNING queue`),
      progress: db.prepare(
        "UPDATE jobs SET progress = @progress, progress_message = @message, updated_at = @at WHERE id = @id AND status = 'running'",
      ),
      log: db.prepare('INSERT INTO job_logs (job_id, ts, stream, line) VALUES (?, ?, ?, ?)'),
      logs: db.prepare('SELECT seq, ts, stream, line FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
      trimLogs: db.prepare(`DELETE FROM job_logs WHERE job_id = @id AND seq <= (
          SELECT seq FROM job_logs WHERE job_id = @id ORDER BY seq DESC LIMIT 1 OFFSET @keep)`),
      attempts: db.prepare('SELECT * FROM job_attempts WHERE job_id = ? ORDER BY attempt'),
      cancelWaiting: db.prepare(`UPDATE jobs SET status = 'cancelled', finished_at = @at, updated_at = @at,
          error_class = 'cancelled', error_message = @reason, error_stack = NULL, error_code = NULL
        WHERE id = @id AND status IN ('pending', 'scheduled', 'retrying', 'waiting')`),
      flagCancel: db.prepare("UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'running'"),
      pendingCancels: db.prepare("SELECT id FROM jobs WHERE status = 'running' AND engine_id = ? AND cancel_requested = 1"),
      restart: db.prepare(`UPDATE jobs SET status = 'pending', attempt_base = attempts, run_at = @now, updated_at = @now,
          started_at = NULL, finished_at = NULL, progress = 0, progress_message = NULL, result = NULL, error_class = NULL,
          error_message = NULL, error_stack = NULL, error_code = NULL, worker = NULL, engine_id = NULL, cancel_requested = 0
        WHERE id = @id AND status IN ('failed', 'cancelled')`),
      setPaused: db.prepare(`INSERT INTO queues (name, paused, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at`),
      paused: db.prepare('SELECT name FROM queues WHERE paused = 1 ORDER BY name'),
      // O(1): job_counts is kept exact (job-counts.ts).
      countByStatus: db.prepare('SELECT status, SUM(n) AS n FROM job_counts GROUP BY status'),
      // The oldest pending job is the first in insertion order: one step down the status index.
      oldestPending: db.prepare("SELECT created_at AS t FROM jobs INDEXED BY jobs_status WHERE status = 'pending' ORDER BY seq LIMIT 1"),
      finishedSince: db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE finished_at >= ?'),
      overdue: db.prepare(
        "SELECT * FROM jobs WHERE status = 'running' AND started_at + timeout_s * 1000 < ? ORDER BY started_at LIMIT ?",
      ),
      registerEngine: db.prepare(`INSERT OR REPLACE INTO engines (id, pid, hostname, started_at, heartbeat_at, queues)
        VALUES (@id, @pid, @hostname, @startedAt, @heartbeatAt, @queues)`),
      heartbeat: db.prepare('UPDATE engines SET heartbeat_at = ? WHERE id = ?'),
      unregisterEngine: db.prepare('DELETE FROM engines WHERE id = ?'),
      engines: db.prepare('SELECT * FROM engines ORDER BY started_at'),
    };
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storageError(err, this.location);
    }
  }

  async insertJobs(jobs: NewJob[]): Promise<void> {
    // On the store thread only while it is busy (rows 0): a bulk submit costs less here than sent as JSON.
    this.deps.announce(await this.storeOp('insert', jobs, 0));
  }

  /**
   * Insert rows and their dependency edges; call inside a transaction. The one way jobs enter the
   * table: it also adds them to job_counts (job-counts.ts).
   */
  private insertJobRows(list: readonly NewJob[]): DependencyEffects | null {
    return this.insertEncodedRows(encodeJobRows(list));
  }

  /** insertJobRows for rows encoded already (encodeJobRows; a bulk part on the store thread). */
  private insertEncodedRows(values: unknown[]): DependencyEffects | null {
    const rows = values.length / INSERT_ARITY;
    if (!Number.isInteger(rows)) throw new AppError('INTERNAL', `an encoded insert of ${values.length} values is not whole rows`);
    const counts = this.counts.tally();
    const withDependencies: Array<Pick<NewJob, 'id' | 'dependencies'>> = [];
    for (let o = 0; o < values.length; o += INSERT_ARITY) {
      counts.add(values[o + ROW_QUEUE] as string, values[o + ROW_STATUS] as string);
      const deps = values[o + ROW_DEPENDENCIES] as string | null;
      if (deps) withDependencies.push({ id: values[o + ROW_ID] as string, dependencies: JSON.parse(deps) as NewJob['dependencies'] });
    }
    let i = 0;
    // Whole groups through the many-rows statement (fewer statement runs and bindings per row).
    for (; i + INSERT_GROUP <= rows; i += INSERT_GROUP) this.stmts.insertGroup.run(values.slice(i * INSERT_ARITY, (i + INSERT_GROUP) * INSERT_ARITY));
    for (; i < rows; i++) this.stmts.insert.run(values.slice(i * INSERT_ARITY, (i + 1) * INSERT_ARITY));
    counts.apply();
    return withDependencies.length ? this.deps.insertEdges(withDependencies, values[ROW_CREATED_AT] as number) : null;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const row = this.run(() => this.stmts.get.get(id) as JobRow | undefined);
    return row ? rowToJob(row) : null;
  }

  async listJobs(query: ParsedJobListQuery): Promise<JobPage> {
    const built = buildListQuery(query);
    const rows = this.run(() => this.db.prepare(built.sql).all(...built.params) as Array<JobRow & { sort_value: number }>);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    return {
      jobs: page.map(rowToJob),
      nextCursor: more && last ? encodeJobCursor(last.sort_value, last.seq) : null,
    };
  }

  async getLogs(id: string, afterSeq = 0, limit = 1000): Promise<JobLogLine[]> {
    return this.run(() => this.stmts.logs.all(id, afterSeq, limit) as JobLogLine[]);
  }

  async getAttempts(id: string): Promise<JobAttempt[]> {
    const rows = this.run(() => this.stmts.attempts.all(id)) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      attempt: r.attempt as number,
      startedAt: r.started_at as number,
      finishedAt: (r.finished_at as number | null) ?? null,
      worker: (r.worker as string | null) ?? null,
      outcome: r.outcome as JobAttempt['outcome'],
      error: r.error_class
        ? {
            class: r.error_class as NonNullable<JobAttempt['error']>['class'],
            message: (r.error_message as string) ?? '',
            ...(r.error_stack ? { stack: r.error_stack as string } : {}),
          }
        : null,
      durationMs: (r.duration_ms as number | null) ?? null,
    }));
  }

  private claimStatement(req: ClaimRequest): Database.Statement {
    const only = req.queues?.length ? req.queues : null;
    const except = req.excludeQueues?.length ? req.excludeQueues : null;
    const noTypes = req.excludeTypes?.length ? req.excludeTypes : null;
    const noPools = req.excludeRatePools?.length ? req.excludeRatePools : null;
    const key = [only, except, noTypes, noPools].map((l) => l?.join('\u0000') ?? '').join('\u0001');
    let stmt = this.claimStatements.get(key);
    if (!stmt) {
      const filters: string[] = [];
      if (only) filters.push(`queue IN (${only.map((q) => `'${q.replace(/'/g, "''")}'`).join(', ')})`);
      if (except) filters.push(`queue NOT IN (${except.map((q) => `'${q.replace(/'/g, "''")}'`).join(', ')})`);
      if (noTypes) filters.push(`type NOT IN (${noTypes.map((t) => `'${t.replace(/'/g, "''")}'`).join(', ')})`);
      if (noPools) {
        filters.push(`IFNULL(json_extract(limits, '$.ratePool'), '') NOT IN (${noPools.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ')})`);
      }
      stmt = this.db.prepare(claimSql(filters)).raw(true);
      if (this.claimStatements.size > 64) this.claimStatements.clear();
      this.claimStatements.set(key, stmt);
    }
    return stmt;
  }

  async claimJobs(req: ClaimRequest): Promise<ClaimedJob[]> {
    if (req.limit <= 0) return [];
    // The thread sends the rows as JSON text; making jobs of them is done here, off its time.
    const raw = JSON.parse(await this.storeOp('claim', req, Math.min(req.limit, this.lastClaimRows))) as RawClaimRow[];
    this.lastClaimRows = raw.length;
    const rows = raw.map(claimRowFromRaw);
    // RETURNING does not promise an order: restore claim order.
    rows.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
    return rows.map(rowToClaimed);
  }

  /**
   * One claim statement's rows (inside its transaction), counted as moved from pending to running:
   * a JSON array of RawClaimRows.
   */
  private claimRows(stmt: Database.Statement, req: ClaimRequest): string {
    const claimed = stmt.all({ now: req.now, engineId: req.engineId, worker: req.worker, limit: req.limit }) as Array<[string, string]>;
    const counts = this.counts.tally();
    const rows = new Array<string>(claimed.length);
    for (let i = 0; i < claimed.length; i++) {
      const [queue, row] = claimed[i]!;
      counts.move(queue, 'pending', 'running');
      rows[i] = row;
    }
    counts.apply();
    return `[${rows.join(',')}]`;
  }

  async promoteDueJobs(now: number): Promise<number> {
    return this.run(() =>
      this.db
        .transaction(() => {
          const counts = this.counts.tally();
          for (const [from, stmt] of [['scheduled', this.stmts.promoteScheduled], ['retrying', this.stmts.promoteRetrying]] as const) {
            for (const r of stmt.all(now, now) as Array<{ queue: string }>) counts.move(r.queue, from, 'pending');
          }
          counts.apply();
          return counts.moved;
        })
        .immediate(),
    );
  }

  async nextRunAt(): Promise<number | null> {
    return (this.run(() => this.stmts.nextRunAt.get()) as { t: number | null }).t;
  }

  async write(batch: WriteBatch): Promise<void> {
    const rows = (batch.outcomes?.length ?? 0) + (batch.progress?.length ?? 0) + (batch.logs?.length ?? 0);
    this.deps.announce(await this.storeOp('write', encodeWriteBatch(batch), rows));
  }

  /** The rows of a write batch (inside its transaction): outcomes, progress, logs, then dependents. */
  private writeRows(b: StoreWriteBatch): DependencyEffects | null {
    const s = this.stmts;
    const counts = this.counts.tally();
    if (b.completed) for (const queue of s.completed.all(b.completed) as string[]) counts.move(queue, 'running', 'completed');
    for (const o of b.other) {
      if (o.kind === 'released') {
        const row = s.released.get({ id: o.id, attempt: o.attempt, at: o.at }) as QueueRow | undefined;
        if (row) counts.move(row.queue, 'running', 'pending');
        continue;
      }
      const err = {
        errorClass: o.error.class,
        errorMessage: o.error.message,
        errorStack: o.error.stack ?? null,
        errorCode: o.error.code ?? null,
      };
      s.attemptRow.run({
        id: o.id,
        attempt: o.attempt,
        at: o.at,
        worker: o.worker,
        outcome: o.kind,
        errorClass: err.errorClass,
        errorMessage: err.errorMessage,
        errorStack: err.errorStack,
      });
      const common = { id: o.id, attempt: o.attempt, at: o.at, worker: o.worker, metrics: JSON.stringify(o.metrics), ...err };
      const row = (o.kind === 'retrying' ? s.retrying.get({ ...common, runAt: o.runAt }) : s.finished.get({ ...common, status: o.kind })) as
        | QueueRow
        | undefined;
      if (row) counts.move(row.queue, 'running', o.kind);
    }
    counts.apply();
    const now = Date.now();
    for (const p of b.progress) s.progress.run({ id: p.id, progress: p.progress, message: p.message, at: now });
    for (const l of b.logs) s.log.run(l.jobId, l.ts, l.stream, l.line);
    // Dependents of the jobs that just finished: released or cancelled in this same commit.
    return b.finished.length ? this.deps.resolveAfter(b.finished, b.finishedAt) : null;
  }

  async trimLogs(jobId: string, keep: number): Promise<void> {
    this.run(() => this.stmts.trimLogs.run({ id: jobId, keep }));
  }

  async requestCancel(id: string, now: number, reason: string): Promise<CancelResult> {
    let effects: DependencyEffects | null = null;
    const result = this.run(() =>
      this.db
        .transaction((): CancelResult => {
          const row = this.stmts.get.get(id) as JobRow | undefined;
          if (!row) throw new AppError('NOT_FOUND', `no job with id ${id}`);
          if (row.status === 'running') {
            this.stmts.flagCancel.run(now, id);
            return { state: 'requested', job: rowToJob({ ...row, cancel_requested: 1 }), engineId: row.engine_id };
          }
          if (this.stmts.cancelWaiting.run({ id, at: now, reason }).changes === 0) {
            throw new AppError('CONFLICT', `job ${id} is ${row.status}; only waiting or running jobs can be cancelled`);
          }
          this.counts.move(row.queue, row.status, 'cancelled');
          effects = this.deps.resolveAfter([id], now);
          return { state: 'cancelled', job: rowToJob(this.stmts.get.get(id) as JobRow) };
        })
        .immediate(),
    );
    this.deps.announce(effects);
    return result;
  }

  async pendingCancels(engineId: string): Promise<string[]> {
    return this.run(() => (this.stmts.pendingCancels.all(engineId) as Array<{ id: string }>).map((r) => r.id));
  }

  async restartJob(id: string, now: number): Promise<JobRecord> {
    let effects: DependencyEffects | null = null;
    const job = this.run(() =>
      this.db
        .transaction(() => {
          const row = this.stmts.get.get(id) as JobRow | undefined;
          if (!row) throw new AppError('NOT_FOUND', `no job with id ${id}`);
          if (this.stmts.restart.run({ id, now }).changes === 0) {
            throw new AppError('CONFLICT', `job ${id} is ${row.status}; only failed or cancelled jobs can be restarted`);
          }
          this.counts.move(row.queue, row.status, 'pending');
          effects = this.deps.afterRestart(id, now).effects;
          return rowToJob(this.stmts.get.get(id) as JobRow);
        })
        .immediate(),
    );
    this.deps.announce(effects);
    return job;
  }

  async setQueuePaused(queue: string, paused: boolean, now: number): Promise<void> {
    this.run(() => this.stmts.setPaused.run(queue, paused ? 1 : 0, now));
  }

  async pausedQueues(): Promise<string[]> {
    return this.run(() => (this.stmts.paused.all() as Array<{ name: string }>).map((r) => r.name));
  }

  private bulkOpsOf(): SqliteBulkOps {
    this.bulkOps ??= new SqliteBulkOps(this.db, this.counts);
    return this.bulkOps;
  }

  /** Delete finished jobs with logs, attempts and edges (sqlite-bulk-ops.ts). Errors: storage errors as AppError. */
  async deleteJobs(ids: readonly string[]): Promise<BulkOpOutcome[]> {
    return this.run(() => this.bulkOpsOf().deleteJobs(ids));
  }

  /** Change the priority of waiting jobs (sqlite-bulk-ops.ts). Errors: storage errors as AppError. */
  async setPriority(ids: readonly string[], priority: number, now: number): Promise<BulkOpOutcome[]> {
    return this.run(() => this.bulkOpsOf().setPriority(ids, priority, now));
  }

  /** Jobs by queue and status (sqlite-bulk-ops.ts). */
  async countByQueueStatus(): Promise<Record<string, Partial<Record<JobStatus, number>>>> {
    return this.run(() => this.bulkOpsOf().countByQueueStatus());
  }

  async countByStatus(): Promise<StatusCounts> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const r of this.run(() => this.stmts.countByStatus.all()) as Array<{ status: JobStatus; n: number }>) {
      counts[r.status] = r.n;
    }
    const oldest = (this.run(() => this.stmts.oldestPending.get()) as { t: number } | undefined)?.t ?? null;
    return { counts, oldestPendingCreatedAt: oldest };
  }

  async countFinishedSince(since: number): Promise<number> {
    return (this.run(() => this.stmts.finishedSince.get(since)) as { n: number }).n;
  }

  async listOverdueRunning(now: number, limit: number): Promise<JobRecord[]> {
    return (this.run(() => this.stmts.overdue.all(now, limit)) as JobRow[]).map(rowToJob);
  }

  async deleteFinishedBefore(before: number, statuses: readonly JobStatus[]): Promise<number> {
    return this.run(() => this.bulkOpsOf().deleteFinishedBefore(before, statuses));
  }

  async registerEngine(engine: EngineRegistration): Promise<void> {
    this.run(() =>
      this.stmts.registerEngine.run({ ...engine, queues: engine.queues ? JSON.stringify(engine.queues) : null }),
    );
  }

  async heartbeat(engineId: string, now: number): Promise<void> {
    this.run(() => this.stmts.heartbeat.run(now, engineId));
  }

  async unregisterEngine(engineId: string): Promise<void> {
    this.run(() => this.stmts.unregisterEngine.run(engineId));
  }

  async listEngines(): Promise<EngineRegistration[]> {
    const rows = this.run(() => this.stmts.engines.all()) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      id: r.id as string,
      pid: r.pid as number,
      hostname: r.hostname as string,
      startedAt: r.started_at as number,
      heartbeatAt: r.heartbeat_at as number,
      queues: r.queues ? (JSON.parse(r.queues as string) as string[]) : null,
    }));
  }

  async orphanedRunningJobs(liveEngineIds: readonly string[]): Promise<ClaimedJob[]> {
    const rows = this.run(
      () =>
        this.db
          .prepare(
            `SELECT ${CLAIM_COLUMNS} FROM jobs WHERE status = 'running'` +
              (liveEngineIds.length ? ` AND (engine_id IS NULL OR engine_id NOT IN (${liveEngineIds.map(() => '?').join(', ')}))` : ''),
          )
          .all(...liveEngineIds) as ClaimRow[],
    );
    return rows.map(rowToClaimed);
  }

  changeToken(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  async maintenance(options: MaintenanceOptions, log: (line: string) => void): Promise<Record<string, unknown>> {
    const backupDir = join(dirname(this.location), 'backups');
    return { ...(await runSqliteMaintenance(this.db, backupDir, options, log)) };
  }
}
