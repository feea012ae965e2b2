/**
 * Rate pools on Redis, shared by every engine (docs/redis.md, "Rate-limit pools"):
 * - declared pools (`jobhandle pools set`) in the hash `{<prefix>}:pools` (name → JSON);
 * - one token bucket a pool in the hash `{<prefix>}:pool:<name>` (`tokens`, `ts`), refilled and
 *   taken by one Lua script on Redis's own clock (TIME), so engines on machines whose clocks
 *   differ still share one rate. All under the global `{<prefix>}` slot.
 */
import type { RatePoolStore, StoredRatePool } from '../../governor/rate-pool-store';
import type { SharedBucketStore } from '../../governor/shared-rate-pools';
import type { RedisContext } from './redis-context';

export class RedisRatePools implements RatePoolStore, SharedBucketStore {
  constructor(
    private readonly ctx: () => RedisContext,
    private readonly op: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  /** Every declared pool, by name. Errors: BACKEND_UNAVAILABLE. */
  async list(): Promise<StoredRatePool[]> {
    const all = await this.op(() => this.ctx().client.hgetall(this.ctx().keys.g('pools')));
    return Object.values(all)
      .map((json) => JSON.parse(json) as StoredRatePool)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Insert or replace one declared pool. Errors: BACKEND_UNAVAILABLE. */
  async save(pool: StoredRatePool): Promise<void> {
    await this.op(() => this.ctx().client.hset(this.ctx().keys.g('pools'), pool.name, JSON.stringify(pool)));
  }

  /** Refill and take `tokens` atomically (jhTakeTokens). Errors: BACKEND_UNAVAILABLE. */
  async take(name: string, perMinute: number, burst: number, tokens: number): Promise<{ granted: boolean; waitMs: number }> {
    const [granted, waitMs] = await this.op(() =>
      this.ctx().client.jhTakeTokens(this.ctx().keys.g(`pool:${name}`), String(perMinute), String(burst), String(tokens)),
    );
    return { granted: granted === 1, waitMs: Number(waitMs) || 0 };
  }
}
