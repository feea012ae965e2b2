/**
 * How a JobHandle job is laid out as a BullMQ job (see docs/redis.md, "The job shape").
 *
 * - name = the JobHandle type; id = the JobHandle id.
 * - data = `{ params, jh: { v: 1, ... } }`: the parameters plus a small envelope. A job added by
 *   plain BullMQ (`Queue.add(name, data)`, no envelope) is read with `params = data` and defaults.
 * - JobHandle's own run state lives in extra fields of the BullMQ job hash, all named `jh:*`
 *   (BullMQ ignores unknown fields and deletes them with the job).
 * - Priorities: URGENT → 1, HIGH → 2, NORMAL → 3, LOW → 4 (BullMQ: lower runs first; 0, "no
 *   priority", is read back as NORMAL).
 */
import { priorityFromRank, type ErrorClass, type JobAttempt, type JobDependency, type JobError, type JobRecord, type JobStatus, type ResourceLimits } from '../../../../shared/model';
import type { ClaimedJob, NewJob } from '../queue-backend';

export interface JobEnvelope {
  v: 1;
  priority: number;
  maxRetries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
  limits: ResourceLimits;
  dependencies: JobDependency[];
  scheduleId: string | null;
  createdAt: number;
  runAt: number;
}

/** Defaults for jobs added by plain BullMQ (no envelope). */
export interface JobDefaults {
  maxRetries: number;
  retryDelaySeconds: number;
  timeoutSeconds: number;
}

/** Extra hash fields written by JobHandle. */
export const F = {
  status: 'jh:st', // 'retrying' (in delayed) | 'cancelled' (in failed)
  engine: 'jh:eng',
  worker: 'jh:wk',
  attempts: 'jh:att',
  base: 'jh:base',
  started: 'jh:start',
  finished: 'jh:fin',
  updated: 'jh:upd',
  runAt: 'jh:runat',
  error: 'jh:err',
  metrics: 'jh:met',
  progressMessage: 'jh:pmsg',
  cancel: 'jh:cx',
  logCount: 'jh:logn',
  history: 'jh:hist',
} as const;

/** JobHandle rank (0 LOW … 3 URGENT) → BullMQ priority (1 highest … 4). */
export function toBullPriority(rank: number): number {
  return 4 - Math.max(0, Math.min(3, rank));
}

/** BullMQ priority → JobHandle rank; 0 ("no priority") and anything unknown read as NORMAL. */
export function fromBullPriority(priority: number): number {
  return priority >= 1 && priority <= 4 ? 4 - priority : 1;
}

/** The BullMQ `data` of a new job. */
export function encodeData(job: NewJob): { params: Record<string, unknown>; jh: JobEnvelope } {
  return {
    params: job.parameters,
    jh: {
      v: 1,
      priority: job.priority,
      maxRetries: job.maxRetries,
      retryDelaySeconds: job.retryDelaySeconds,
      timeoutSeconds: job.timeoutSeconds,
      limits: job.limits,
      dependencies: job.dependencies,
      scheduleId: job.scheduleId,
      createdAt: job.createdAt,
      runAt: job.runAt,
    },
  };
}

function parseJson<T>(text: string | undefined | null, fallback: T): T {
  if (text === undefined || text === null || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Parameters and envelope from a BullMQ job hash (plain BullMQ data → params with defaults). */
export function decodeData(hash: Record<string, string>, defaults: JobDefaults): { params: Record<string, unknown>; jh: JobEnvelope } {
  const data = parseJson<unknown>(hash.data, {});
  const timestamp = Number(hash.timestamp) || 0;
  if (data && typeof data === 'object' && 'jh' in data && 'params' in data) {
    const d = data as { params: Record<string, unknown>; jh: JobEnvelope };
    if (d.jh && d.jh.v === 1) return { params: d.params ?? {}, jh: d.jh };
  }
  const opts = parseJson<{ attempts?: number; backoff?: { delay?: number } }>(hash.opts, {});
  const params = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : { value: data };
  return {
    params,
    jh: {
      v: 1,
      priority: fromBullPriority(Number(hash.priority) || 0),
      maxRetries: opts.attempts && opts.attempts > 1 ? opts.attempts - 1 : defaults.maxRetries,
      retryDelaySeconds: opts.backoff?.delay !== undefined ? opts.backoff.delay / 1000 : defaults.retryDelaySeconds,
      timeoutSeconds: defaults.timeoutSeconds,
      limits: {},
      dependencies: [],
      scheduleId: null,
      createdAt: timestamp,
      runAt: timestamp + (Number(hash.delay) || 0),
    },
  };
}

/** BullMQ states (as read by RedisBackend.readStates) → JobHandle status. */
export type BullState = 'waiting' | 'prioritized' | 'paused' | 'delayed' | 'active' | 'completed' | 'failed' | 'waiting-children' | 'unknown';

export function statusOf(state: BullState, hash: Record<string, string>): JobStatus {
  switch (state) {
    case 'active':
      return 'running';
    case 'completed':
      return 'completed';
    case 'failed':
      return hash[F.status] === 'cancelled' ? 'cancelled' : 'failed';
    case 'delayed':
      return hash[F.status] === 'retrying' ? 'retrying' : 'scheduled';
    case 'waiting-children':
      return 'waiting';
    default:
      return 'pending';
  }
}

function num(v: string | undefined): number | null {
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Build the JobRecord of a job from its hash and state. */
export function toRecord(id: string, queue: string, state: BullState, hash: Record<string, string>, defaults: JobDefaults): JobRecord {
  const { params, jh } = decodeData(hash, defaults);
  const status = statusOf(state, hash);
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
  const bullError: JobError | null = hash.failedReason ? { class: 'transient', message: hash.failedReason } : null;
  const error = status === 'completed' || status === 'pending' || status === 'scheduled' ? null : parseJson<JobError | null>(hash[F.error], bullError);
  const progressRaw = parseJson<unknown>(hash.progress, 0);
  const progress = status === 'completed' ? 100 : typeof progressRaw === 'number' ? progressRaw : 0;
  const attempts = num(hash[F.attempts]) ?? (Number(hash.ats) || 0);
  const createdAt = jh.createdAt || Number(hash.timestamp) || 0;
  return {
    id,
    type: hash.name ?? 'unknown',
    queue,
    parameters: params,
    priority: priorityFromRank(jh.priority),
    status,
    progress: status === 'pending' || status === 'scheduled' ? 0 : progress,
    progressMessage: status === 'running' ? (hash[F.progressMessage] ?? null) : status === 'completed' ? null : (hash[F.progressMessage] ?? null),
    attempts,
    maxRetries: jh.maxRetries,
    retryDelaySeconds: jh.retryDelaySeconds,
    timeoutSeconds: jh.timeoutSeconds,
    runAt: num(hash[F.runAt]) ?? jh.runAt,
    createdAt,
    startedAt: status === 'pending' || status === 'scheduled' ? null : (num(hash[F.started]) ?? num(hash.processedOn)),
    finishedAt: finished ? (num(hash[F.finished]) ?? num(hash.finishedOn)) : null,
    updatedAt: num(hash[F.updated]) ?? createdAt,
    worker: hash[F.worker] ?? hash.pb ?? null,
    result: status === 'completed' ? parseJson(hash.returnvalue, null) : null,
    error,
    metrics: parseJson(hash[F.metrics], {}),
    limits: jh.limits ?? {},
    dependencies: jh.dependencies ?? [],
    scheduleId: jh.scheduleId ?? null,
    cancelRequested: status === 'running' && hash[F.cancel] === '1',
  };
}

/** Build the ClaimedJob of a running job from its hash. */
export function toClaimed(id: string, queue: string, hash: Record<string, string>, defaults: JobDefaults): ClaimedJob {
  const { params, jh } = decodeData(hash, defaults);
  const attempt = Number(hash[F.attempts]) || Number(hash.ats) || 1;
  return {
    id,
    type: hash.name ?? 'unknown',
    queue,
    parameters: params,
    priority: jh.priority,
    attempt,
    attemptsSinceRestart: attempt - (Number(hash[F.base]) || 0),
    maxRetries: jh.maxRetries,
    retryDelaySeconds: jh.retryDelaySeconds,
    timeoutSeconds: jh.timeoutSeconds,
    limits: jh.limits ?? {},
    createdAt: jh.createdAt || Number(hash.timestamp) || 0,
    runAt: num(hash[F.runAt]) ?? jh.runAt,
    startedAt: num(hash[F.started]) ?? num(hash.processedOn) ?? Date.now(),
  };
}

/** The attempts history kept in the `jh:hist` field. */
export function parseHistory(text: string | undefined): JobAttempt[] {
  return parseJson<JobAttempt[]>(text, []);
}

export type { ErrorClass };
