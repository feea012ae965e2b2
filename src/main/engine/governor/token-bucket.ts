/**
 * A token bucket: capacity `burst`, refilled continuously at `perMinute` tokens per minute,
 * starting full.
 *
 * Guarantee: over any window of W milliseconds it grants at most `burst + perMinute * W / 60000`
 * tokens, so at most `perMinute + burst` in any 60-second window. With the default burst of 1,
 * grants are spread evenly (one every 60000 / perMinute ms) and a minute sees at most N + 1.
 *
 * Time is passed in (epoch ms), never read: the bucket is plain arithmetic and has no timers.
 */
import { AppError } from '../../../shared/errors';

/** Tolerance for floating-point refill arithmetic (a timer that fires at the computed instant grants). */
const EPSILON = 1e-9;

/** Checks a rate and a burst; throws AppError VALIDATION when either is not a positive finite number. */
export function validateRate(perMinute: number, burst: number): void {
  if (!Number.isFinite(perMinute) || perMinute <= 0) {
    throw new AppError('VALIDATION', `a rate pool needs a positive number of tokens per minute, got ${perMinute}`);
  }
  if (!Number.isFinite(burst) || burst < 1) {
    throw new AppError('VALIDATION', `a rate pool's burst must be at least 1, got ${burst}`);
  }
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  /**
   * Inputs: `perMinute` (> 0), `burst` (capacity, ≥ 1, default 1), `now` (epoch ms).
   * Errors: AppError VALIDATION on a non-positive rate or a burst below 1.
   */
  constructor(
    private perMinuteRate: number,
    private capacity: number,
    now: number,
  ) {
    validateRate(perMinuteRate, capacity);
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Tokens per minute. */
  get perMinute(): number {
    return this.perMinuteRate;
  }

  /** Capacity (largest grant at once, and the burst allowed after an idle period). */
  get burst(): number {
    return this.capacity;
  }

  /** Tokens available at `now` (fractional while refilling). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes `count` tokens if available at `now`; returns whether it did. */
  tryTake(count: number, now: number): boolean {
    this.refill(now);
    if (this.tokens + EPSILON < count) return false;
    this.tokens = Math.max(0, this.tokens - count);
    return true;
  }

  /**
   * Milliseconds from `now` until `count` tokens are available (0 when they already are);
   * `Infinity` when `count` exceeds the capacity.
   */
  msUntil(count: number, now: number): number {
    if (count > this.capacity + EPSILON) return Infinity;
    this.refill(now);
    const missing = count - this.tokens;
    if (missing <= EPSILON) return 0;
    return Math.ceil((missing * 60_000) / this.perMinuteRate);
  }

  /**
   * Changes the rate and capacity; tokens already in the bucket are kept up to the new capacity.
   * Errors: AppError VALIDATION as in the constructor.
   */
  reconfigure(perMinute: number, burst: number, now: number): void {
    validateRate(perMinute, burst);
    this.refill(now);
    this.perMinuteRate = perMinute;
    this.capacity = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(now: number): void {
    if (now <= this.updatedAt) return;
    const added = ((now - this.updatedAt) * this.perMinuteRate) / 60_000;
    this.tokens = Math.min(this.capacity, this.tokens + added);
    this.updatedAt = now;
  }
}
