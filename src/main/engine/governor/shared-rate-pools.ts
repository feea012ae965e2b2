/**
 * Rate pools shared by every engine on one store (Redis mode, docs/redis.md "Rate-limit pools").
 *
 * The bucket itself lives in the store (SharedBucketStore.take: refill and take in one atomic
 * step, on the store's clock). The governor's `admit` is synchronous, so each engine takes tokens
 * on demand: a job refused for want of a token goes back to waiting and makes the engine take one
 * token from the shared bucket; when it arrives the dispatcher claims again and the job starts
 * with it. A token not used within TOKEN_TTL_MS is dropped (never returned). So across all
 * engines, starts in any window of W ms never exceed `burst + perMinute * (W + TOKEN_TTL_MS) /
 * 60000`: for a minute, N + burst (+1 only for pools above 59 a minute). Each engine holds at
 * most one token a pool.
 */
import { AppError } from '../../../shared/errors';
import { RatePools, type RatePoolInfo, type RatePoolsOptions } from './rate-pools';
import { systemTimerClock, type TimerClock, type TimerHandle } from './timer-clock';

/** A token bucket kept in a shared store. */
export interface SharedBucketStore {
  /**
   * Refill pool `name` at `perMinute` (capacity `burst`) and take `tokens` if there are that
   * many, atomically. Returns whether it took them and, when not, the ms until they could be.
   */
  take(name: string, perMinute: number, burst: number, tokens: number): Promise<{ granted: boolean; waitMs: number }>;
}

/** How long a token taken from the shared bucket may wait locally for its job. */
export const TOKEN_TTL_MS = 1000;

interface Reservoir {
  tokens: number;
  /** When the held tokens were taken (local clock). */
  takenAt: number;
  inFlight: boolean;
  retry: TimerHandle | null;
  /** Local grants (tokens used to start jobs or answer acquire). */
  granted: number;
  waiters: number;
}

export interface SharedRatePoolsOptions extends RatePoolsOptions {
  store: SharedBucketStore;
  /** Tokens arrived: the dispatcher should claim again. */
  onTokens: () => void;
  onError?: (err: unknown) => void;
}

export class SharedRatePools extends RatePools {
  private readonly reservoirs = new Map<string, Reservoir>();
  private readonly timers: TimerClock;
  private closed = false;

  constructor(private readonly so: SharedRatePoolsOptions) {
    super(so);
    this.timers = so.clock ?? systemTimerClock();
  }

  private reservoir(name: string): Reservoir {
    let r = this.reservoirs.get(name);
    if (r && r.tokens > 0 && this.timers.now() - r.takenAt > TOKEN_TTL_MS) r.tokens = 0; // expired
    if (!r) {
      r = { tokens: 0, takenAt: 0, inFlight: false, retry: null, granted: 0, waiters: 0 };
      this.reservoirs.set(name, r);
    }
    return r;
  }

  private rate(name: string): RatePoolInfo {
    const p = super.list().find((x) => x.name === name);
    if (!p) throw new AppError('NOT_FOUND', `no rate pool named "${name}"; define it first (jobhandle pools set)`);
    return p;
  }

  /** Take one token from the shared bucket into the reservoir (one request in flight a pool). */
  private refill(name: string): void {
    const r = this.reservoir(name);
    if (r.inFlight || r.retry !== null || r.tokens >= 1 || this.closed) return;
    const { perMinute, burst } = this.rate(name);
    r.inFlight = true;
    this.so.store.take(name, perMinute, burst, 1).then(
      ({ granted, waitMs }) => {
        r.inFlight = false;
        if (this.closed) return;
        if (granted) {
          r.tokens += 1;
          r.takenAt = this.timers.now();
          this.so.onTokens();
          return;
        }
        r.retry = this.timers.setTimeout(() => {
          r.retry = null;
          this.refill(name);
        }, Math.max(5, waitMs));
      },
      (err: unknown) => {
        r.inFlight = false;
        this.so.onError?.(err);
        if (!this.closed) {
          r.retry = this.timers.setTimeout(() => {
            r.retry = null;
            this.refill(name);
          }, 1000);
        }
      },
    );
  }

  /** Takes a token of the reservoir now; else starts a refill and says no. Errors: NOT_FOUND, VALIDATION. */
  override tryAcquire(name: string, tokens = 1): boolean {
    const { burst } = this.rate(name);
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > burst) {
      throw new AppError('VALIDATION', `cannot take ${tokens} tokens at once from rate pool "${name}" (burst ${burst})`);
    }
    const r = this.reservoir(name);
    if (r.tokens >= tokens) {
      r.tokens -= tokens;
      r.granted += tokens;
      return true;
    }
    this.refill(name);
    return false;
  }

  /**
   * Resolves once `tokens` came from the shared bucket (straight from the store, in turn with
   * the other engines). Errors as RatePools.acquire (NOT_FOUND, VALIDATION, the signal's reason,
   * SHUTTING_DOWN).
   */
  override async acquire(name: string, tokens = 1, signal?: AbortSignal): Promise<void> {
    const { burst } = this.rate(name);
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > burst) {
      throw new AppError('VALIDATION', `cannot take ${tokens} tokens at once from rate pool "${name}" (burst ${burst})`);
    }
    const r = this.reservoir(name);
    r.waiters++;
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason ?? new DOMException('The wait for a rate-pool token was aborted', 'AbortError');
        if (this.closed) throw new AppError('SHUTTING_DOWN', 'the engine is shutting down');
        if (r.tokens >= tokens) {
          r.tokens -= tokens;
          r.granted += tokens;
          return;
        }
        const { perMinute } = this.rate(name);
        const { granted, waitMs } = await this.so.store.take(name, perMinute, burst, tokens);
        if (granted) {
          r.granted += tokens;
          return;
        }
        await new Promise<void>((resolve) => {
          const t = this.timers.setTimeout(resolve, Math.max(5, waitMs));
          signal?.addEventListener('abort', () => {
            this.timers.clearTimeout(t);
            resolve();
          }, { once: true });
        });
      }
    } finally {
      r.waiters--;
    }
  }

  /**
   * Pools with this engine's view. `available` is the token held here, else 1 when a claim may
   * try (a refusal takes a token from the shared bucket), else 0 while the shared bucket is dry.
   */
  override list(): RatePoolInfo[] {
    return super.list().map((p) => {
      const r = this.reservoir(p.name);
      const available = r.tokens >= 1 ? r.tokens : r.retry !== null || r.inFlight ? 0 : 1;
      return { ...p, available, waiting: r.waiters, granted: r.granted };
    });
  }

  override close(): void {
    this.closed = true;
    for (const r of this.reservoirs.values()) if (r.retry !== null) this.timers.clearTimeout(r.retry);
    super.close();
  }
}
