/**
 * Concurrency limits: how many jobs may run at once globally, per queue and per job type.
 *
 * The dispatcher asks `capacity()` how many jobs it may claim and which queues and types are
 * saturated (to leave them out of the claim), checks `canStart()` for each claimed job, and
 * reports `started()` / `finished()`. A limit that is not set is unlimited. Counting is by job id
 * when one is given, which makes `started`/`finished` idempotent (a crash path that reports a job
 * twice does not free a second slot).
 */
import { AppError } from '../../../shared/errors';

/** What identifies a running job for the limits. */
export interface ConcurrencySlot {
  queue: string;
  type: string;
  /** Job id; makes started/finished idempotent. */
  id?: string;
}

export interface ConcurrencyLimitsConfig {
  /** Jobs running at once across all queues (undefined: unlimited). */
  global?: number;
  /** Per queue name. */
  perQueue?: Record<string, number>;
  /** Per job type. */
  perType?: Record<string, number>;
}

/** Result of `check()`: whether a job may start, and if not, which limit stops it. */
export type StartCheck = { ok: true } | { ok: false; scope: 'global' | 'queue' | 'type'; reason: string };

export interface ConcurrencyCapacity {
  /** Jobs running now. */
  running: number;
  /** Global limit (null: unlimited). */
  limit: number | null;
  /** How many more jobs may start now (null: unlimited). */
  free: number | null;
  /** Queues at their limit: claim nothing from them. */
  saturatedQueues: string[];
  /** Job types at their limit: claim none of them. */
  saturatedTypes: string[];
  /** Free slots of each limited queue / type, for claims that want to spread. */
  queueFree: Record<string, number>;
  typeFree: Record<string, number>;
}

function checkLimit(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new AppError('VALIDATION', `${what} must be a whole number of jobs (0 or more), got ${value}`);
  }
}

export class ConcurrencyLimits {
  private globalLimit: number | null = null;
  private readonly queueLimits = new Map<string, number>();
  private readonly typeLimits = new Map<string, number>();
  private running = 0;
  private readonly byQueue = new Map<string, number>();
  private readonly byType = new Map<string, number>();
  private readonly ids = new Map<string, Readonly<ConcurrencySlot>>();

  /** Errors: AppError VALIDATION for a negative or fractional limit. */
  constructor(config: ConcurrencyLimitsConfig = {}) {
    if (config.global !== undefined) this.setGlobal(config.global);
    for (const [q, n] of Object.entries(config.perQueue ?? {})) this.setQueueLimit(q, n);
    for (const [t, n] of Object.entries(config.perType ?? {})) this.setTypeLimit(t, n);
  }

  /** Sets the global limit (null: unlimited). Errors: VALIDATION. Running jobs are never stopped. */
  setGlobal(limit: number | null): void {
    if (limit !== null) checkLimit(limit, 'the global concurrency limit');
    this.globalLimit = limit;
  }

  /** Sets (or with null removes) the limit of one queue. Errors: VALIDATION. */
  setQueueLimit(queue: string, limit: number | null): void {
    if (limit === null) this.queueLimits.delete(queue);
    else {
      checkLimit(limit, `the concurrency limit of queue "${queue}"`);
      this.queueLimits.set(queue, limit);
    }
  }

  /** Sets (or with null removes) the limit of one job type. Errors: VALIDATION. */
  setTypeLimit(type: string, limit: number | null): void {
    if (limit === null) this.typeLimits.delete(type);
    else {
      checkLimit(limit, `the concurrency limit of job type "${type}"`);
      this.typeLimits.set(type, limit);
    }
  }

  /** Whether a job of this queue and type may start now, and which limit stops it if not. */
  check(slot: Pick<ConcurrencySlot, 'queue' | 'type'>): StartCheck {
    if (this.globalLimit !== null && this.running >= this.globalLimit) {
      return { ok: false, scope: 'global', reason: `${this.running} jobs running, global limit ${this.globalLimit}` };
    }
    const ql = this.queueLimits.get(slot.queue);
    const qr = this.byQueue.get(slot.queue) ?? 0;
    if (ql !== undefined && qr >= ql) {
      return { ok: false, scope: 'queue', reason: `queue "${slot.queue}" runs ${qr} jobs, its limit is ${ql}` };
    }
    const tl = this.typeLimits.get(slot.type);
    const tr = this.byType.get(slot.type) ?? 0;
    if (tl !== undefined && tr >= tl) {
      return { ok: false, scope: 'type', reason: `job type "${slot.type}" runs ${tr} jobs, its limit is ${tl}` };
    }
    return { ok: true };
  }

  /** `check(slot).ok`. */
  canStart(slot: Pick<ConcurrencySlot, 'queue' | 'type'>): boolean {
    return this.check(slot).ok;
  }

  /**
   * Counts a job as running. Does not enforce (the dispatcher checked first); with an id
   * already counted it does nothing. Returns whether it counted.
   */
  started(slot: ConcurrencySlot): boolean {
    if (slot.id !== undefined) {
      if (this.ids.has(slot.id)) return false;
      // Kept as given (no copy: this runs for every job); callers pass immutable job records.
      this.ids.set(slot.id, slot);
    }
    this.running += 1;
    bump(this.byQueue, slot.queue, 1);
    bump(this.byType, slot.type, 1);
    return true;
  }

  /**
   * Frees a job's slot. With an id, uses the queue and type recorded at `started` and ignores an
   * id not counted (already finished). Without an id, never drops a count below zero.
   * Returns whether a slot was freed.
   */
  finished(slot: ConcurrencySlot): boolean {
    if (slot.id !== undefined) return this.finishedId(slot.id);
    if ((this.byQueue.get(slot.queue) ?? 0) <= 0 || (this.byType.get(slot.type) ?? 0) <= 0) return false;
    this.release(slot.queue, slot.type);
    return true;
  }

  /** `finished({ id })` without building a slot (the dispatcher's per-job path). */
  finishedId(id: string): boolean {
    const recorded = this.ids.get(id);
    if (!recorded) return false;
    this.ids.delete(id);
    this.release(recorded.queue, recorded.type);
    return true;
  }

  private release(queue: string, type: string): void {
    this.running = Math.max(0, this.running - 1);
    bump(this.byQueue, queue, -1);
    bump(this.byType, type, -1);
  }

  /**
   * Whether any limit is reached now (global, a queue or a type): what `capacity()` reports as
   * `free === 0` or a saturated queue or type, without building it. O(number of limits set).
   */
  anyAtLimit(): boolean {
    if (this.globalLimit !== null && this.running >= this.globalLimit) return true;
    for (const [q, limit] of this.queueLimits) if ((this.byQueue.get(q) ?? 0) >= limit) return true;
    for (const [t, limit] of this.typeLimits) if ((this.byType.get(t) ?? 0) >= limit) return true;
    return false;
  }

  /** Running count and free slots overall, with the saturated queues and types. */
  capacity(): ConcurrencyCapacity {
    const saturatedQueues: string[] = [];
    const saturatedTypes: string[] = [];
    const queueFree: Record<string, number> = {};
    const typeFree: Record<string, number> = {};
    for (const [q, limit] of this.queueLimits) {
      const free = Math.max(0, limit - (this.byQueue.get(q) ?? 0));
      queueFree[q] = free;
      if (free === 0) saturatedQueues.push(q);
    }
    for (const [t, limit] of this.typeLimits) {
      const free = Math.max(0, limit - (this.byType.get(t) ?? 0));
      typeFree[t] = free;
      if (free === 0) saturatedTypes.push(t);
    }
    return {
      running: this.running,
      limit: this.globalLimit,
      free: this.globalLimit === null ? null : Math.max(0, this.globalLimit - this.running),
      saturatedQueues: saturatedQueues.sort(),
      saturatedTypes: saturatedTypes.sort(),
      queueFree,
      typeFree,
    };
  }
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = Math.max(0, (map.get(key) ?? 0) + delta);
  if (next === 0) map.delete(key);
  else map.set(key, next);
}
