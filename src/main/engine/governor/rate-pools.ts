/**
 * Named rate-limit pools ("60 API calls per minute"), shared by any number of job types and
 * queues. Each pool is a token bucket (see token-bucket.ts): capacity `burst` (default 1),
 * refilled continuously at `perMinute`.
 *
 * A caller that must wait for a token waits; it does not fail. Waiters are served strictly
 * first-in first-out per pool (a large request at the head is not overtaken by small ones, so
 * nobody starves). There is no polling: each pool with waiters holds exactly one timer, set for
 * the moment its head waiter can be served. A wait can be abandoned with an AbortSignal.
 */
import { AppError } from '../../../shared/errors';
import { TokenBucket, validateRate } from './token-bucket';
import { systemTimerClock, type TimerClock, type TimerHandle } from './timer-clock';

/** One pool as listed for the dashboard, CLI (`jobhandle pools`) and stats. */
export interface RatePoolInfo {
  name: string;
  perMinute: number;
  burst: number;
  /** Tokens available now (may be fractional while refilling). */
  available: number;
  /** Callers currently waiting. */
  waiting: number;
  /** Tokens granted since the pool was defined. */
  granted: number;
  /** Acquisitions that had to wait (served after a wait, not counting aborted ones). */
  waits: number;
  /** Sum of the time served waiters waited, ms. */
  totalWaitMs: number;
  /** Waits abandoned through their AbortSignal. */
  aborted: number;
}

interface Waiter {
  tokens: number;
  enqueuedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Pool {
  name: string;
  bucket: TokenBucket;
  waiters: Waiter[];
  timer: TimerHandle | null;
  granted: number;
  waits: number;
  totalWaitMs: number;
  aborted: number;
}

export interface RatePoolsOptions {
  /** Time and timers; real ones by default. */
  clock?: TimerClock;
}

export class RatePools {
  private readonly clock: TimerClock;
  private readonly pools = new Map<string, Pool>();

  constructor(options: RatePoolsOptions = {}) {
    this.clock = options.clock ?? systemTimerClock();
  }

  /**
   * Defines pool `name` at `perMinute` tokens per minute with capacity `burst` (default 1), or
   * changes the rate of an existing pool (its waiters and counters are kept).
   * Errors: AppError VALIDATION for an empty name, a non-positive rate or a burst below 1.
   */
  define(name: string, perMinute: number, burst = 1): void {
    if (!name || name.length > 64) throw new AppError('VALIDATION', 'a rate pool needs a name of 1 to 64 characters');
    validateRate(perMinute, burst);
    const now = this.clock.now();
    const existing = this.pools.get(name);
    if (existing) {
      existing.bucket.reconfigure(perMinute, burst, now);
      this.rejectOversized(existing);
      this.pump(existing);
      return;
    }
    this.pools.set(name, {
      name,
      bucket: new TokenBucket(perMinute, burst, now),
      waiters: [],
      timer: null,
      granted: 0,
      waits: 0,
      totalWaitMs: 0,
      aborted: 0,
    });
  }

  /** Defines `name` only if it does not exist yet (a job's own limits never override a declared pool). */
  ensure(name: string, perMinute: number, burst = 1): void {
    if (!this.pools.has(name)) this.define(name, perMinute, burst);
  }

  /** Whether pool `name` exists. */
  has(name: string): boolean {
    return this.pools.has(name);
  }

  /**
   * Removes a pool. Its waiters are rejected with AppError CONFLICT. Returns whether it existed.
   */
  remove(name: string): boolean {
    const pool = this.pools.get(name);
    if (!pool) return false;
    this.pools.delete(name);
    this.failAll(pool, new AppError('CONFLICT', `rate pool "${name}" was removed while a job waited for it`));
    return true;
  }

  /**
   * Takes `tokens` now if the pool has them and nobody is waiting ahead; never waits.
   * Errors: AppError NOT_FOUND for an unknown pool, VALIDATION for a bad token count.
   */
  tryAcquire(name: string, tokens = 1): boolean {
    const pool = this.get(name);
    this.checkTokens(pool, tokens);
    if (pool.waiters.length > 0) return false;
    if (!pool.bucket.tryTake(tokens, this.clock.now())) return false;
    pool.granted += tokens;
    return true;
  }

  /**
   * Resolves when `tokens` (default 1) have been granted from pool `name`, in FIFO order.
   * Errors (as a rejected promise): AppError NOT_FOUND for an unknown pool; VALIDATION when
   * `tokens` is not a positive integer or exceeds the pool's burst (it could never be granted);
   * the signal's reason (or an AbortError) when `signal` aborts first; CONFLICT when the pool is
   * removed; SHUTTING_DOWN on `close()`.
   */
  acquire(name: string, tokens = 1, signal?: AbortSignal): Promise<void> {
    let pool: Pool;
    try {
      pool = this.get(name);
      this.checkTokens(pool, tokens);
    } catch (err) {
      return Promise.reject(err);
    }
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (pool.waiters.length === 0 && pool.bucket.tryTake(tokens, this.clock.now())) {
      pool.granted += tokens;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        tokens,
        enqueuedAt: this.clock.now(),
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => {
          const index = pool.waiters.indexOf(waiter);
          if (index < 0) return;
          pool.waiters.splice(index, 1);
          pool.aborted += 1;
          reject(abortReason(signal));
          if (index === 0) this.pump(pool);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      pool.waiters.push(waiter);
      if (pool.waiters.length === 1) this.pump(pool);
    });
  }

  /** Every pool with its rate, availability, waiting count and wait totals, by name. */
  list(): RatePoolInfo[] {
    const now = this.clock.now();
    return [...this.pools.values()]
      .map((p) => ({
        name: p.name,
        perMinute: p.bucket.perMinute,
        burst: p.bucket.burst,
        available: p.bucket.available(now),
        waiting: p.waiters.length,
        granted: p.granted,
        waits: p.waits,
        totalWaitMs: p.totalWaitMs,
        aborted: p.aborted,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Clears all timers and rejects every waiter with AppError SHUTTING_DOWN. Pools stay defined. */
  close(): void {
    for (const pool of this.pools.values()) {
      this.failAll(pool, new AppError('SHUTTING_DOWN', 'the engine is shutting down'));
    }
  }

  private get(name: string): Pool {
    const pool = this.pools.get(name);
    if (!pool) throw new AppError('NOT_FOUND', `no rate pool named "${name}"; define it first (jobhandle pools set)`);
    return pool;
  }

  private checkTokens(pool: Pool, tokens: number): void {
    if (!Number.isInteger(tokens) || tokens < 1) {
      throw new AppError('VALIDATION', `tokens must be a positive integer, got ${tokens}`);
    }
    if (tokens > pool.bucket.burst) {
      throw new AppError(
        'VALIDATION',
        `cannot take ${tokens} tokens at once from rate pool "${pool.name}": its burst is ${pool.bucket.burst}`,
      );
    }
  }

  /** Serves waiters from the head while tokens allow, then sets one timer for the new head. */
  private pump(pool: Pool): void {
    if (pool.timer !== null) {
      this.clock.clearTimeout(pool.timer);
      pool.timer = null;
    }
    const now = this.clock.now();
    for (;;) {
      const head = pool.waiters[0];
      if (!head) return;
      if (!pool.bucket.tryTake(head.tokens, now)) break;
      pool.waiters.shift();
      detach(head);
      pool.granted += head.tokens;
      pool.waits += 1;
      pool.totalWaitMs += now - head.enqueuedAt;
      head.resolve();
    }
    const head = pool.waiters[0];
    if (!head) return;
    const delay = pool.bucket.msUntil(head.tokens, now);
    pool.timer = this.clock.setTimeout(() => {
      pool.timer = null;
      this.pump(pool);
    }, Math.max(1, delay));
  }

  /** After a burst was lowered, waiters asking for more than the new burst can never be served. */
  private rejectOversized(pool: Pool): void {
    const kept: Waiter[] = [];
    for (const w of pool.waiters) {
      if (w.tokens <= pool.bucket.burst) {
        kept.push(w);
        continue;
      }
      detach(w);
      w.reject(new AppError('VALIDATION', `rate pool "${pool.name}" now has a burst of ${pool.bucket.burst}, below the ${w.tokens} tokens requested`));
    }
    pool.waiters = kept;
  }

  private failAll(pool: Pool, error: AppError): void {
    if (pool.timer !== null) this.clock.clearTimeout(pool.timer);
    pool.timer = null;
    const waiters = pool.waiters;
    pool.waiters = [];
    for (const w of waiters) {
      detach(w);
      w.reject(error);
    }
  }
}

function detach(waiter: Waiter): void {
  if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The wait for a rate-pool token was aborted', 'AbortError');
}
